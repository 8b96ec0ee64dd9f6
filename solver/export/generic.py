"""Generic change-set CSV: for people (review in a spreadsheet) and for scripts.

One row per account whose owner changes: batch id, sequence number, customer id, CRM
account id, old and new owner (rep ids), their CRM users when a mapping file was given,
the plan's reason and the rule that forced the move (if any). This is the one file meant
to be opened in a spreadsheet, so text cells that would run as formulas are neutralised
when written.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from solver.export.base import ExportFormat, OwnerChange, text_table


class GenericFormat(ExportFormat):
    """Plain CSV with the full story of each move; any non-empty id is accepted."""

    name = "generic"
    title = "generic CSV"
    account_columns = ("crm_account_id", "account_id")
    owner_columns = ("crm_user_id", "email")
    needs_owner_ids = False
    for_spreadsheets = True

    def table(self, changes: Sequence[OwnerChange], batch_id: str) -> pd.DataFrame:
        return text_table(
            {
                "batch_id": [batch_id] * len(changes),
                "seq": [str(c.seq) for c in changes],
                "customer_id": [c.customer_id for c in changes],
                "account_id": [c.account_id for c in changes],
                "old_owner": [c.old_rep for c in changes],
                "new_owner": [c.new_rep for c in changes],
                "old_owner_user": [c.old_user for c in changes],
                "new_owner_user": [c.new_user for c in changes],
                "reason": [c.reason for c in changes],
                "forced_by": [c.forced_by for c in changes],
            }
        )
