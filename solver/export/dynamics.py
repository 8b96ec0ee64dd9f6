"""Microsoft Dynamics 365 (Dataverse): account owner update (``accountid``, ``ownerid``).

Both are GUIDs in the 8-4-4-4-12 hexadecimal form Dataverse prints
(``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx``); ``ownerid`` is the ``systemuserid`` of the new
owning user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from solver.export.base import ExportFormat, OwnerChange, text_table

_GUID = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")
_NIL = "00000000-0000-0000-0000-000000000000"


def guid_problem(value: str) -> str | None:
    """Why ``value`` is not a non-nil GUID in 8-4-4-4-12 form, or None."""
    if not value:
        return "empty"
    if _GUID.fullmatch(value) is None:
        hint = " (remove the braces)" if value.startswith("{") else ""
        return f"must be a GUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx{hint}"
    if value == _NIL:
        return "must not be the all-zero GUID (it names no record)"
    return None


class DynamicsFormat(ExportFormat):
    """Account owner update with Dataverse GUIDs for the account and the user."""

    name = "dynamics"
    title = "Dynamics 365"
    account_columns = ("dynamics_account_id", "accountid", "crm_account_id")
    owner_columns = ("dynamics_user_id", "systemuserid", "crm_user_id")

    def account_problem(self, value: str) -> str | None:
        return guid_problem(value)

    def owner_problem(self, value: str) -> str | None:
        return guid_problem(value)

    def canonical_account(self, value: str) -> str:
        return value.lower()

    def canonical_owner(self, value: str) -> str:
        return value.lower()

    def table(self, changes: Sequence[OwnerChange], batch_id: str) -> pd.DataFrame:
        return text_table(
            {
                "accountid": [c.account_id for c in changes],
                "ownerid": [c.new_user for c in changes],
            }
        )
