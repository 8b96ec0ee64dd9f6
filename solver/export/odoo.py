"""Odoo: contact/company (``res.partner``) salesperson update by database id.

Odoo's importer reads a column named ``id`` as an *external* id (and creates a new record
when no record carries it), while ``.id`` holds the integer database id; a many-to-one
field given by database id is written ``<field>/.id``. Integer ids therefore go into
``.id`` (the partner) and ``user_id/.id`` (the salesperson, a ``res.users`` record).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from solver.export.base import ExportFormat, OwnerChange, text_table

_INT_ID = re.compile(r"[1-9][0-9]{0,9}")
_MAX_ID = 2**31 - 1  # Odoo ids are PostgreSQL ``integer`` serials


def int_id_problem(value: str) -> str | None:
    """Why ``value`` is not a positive database id (1 .. 2**31 - 1), or None."""
    if not value:
        return "empty"
    if _INT_ID.fullmatch(value) is None or int(value) > _MAX_ID:
        return "must be a database id (a whole number from 1 to 2147483647, digits only)"
    return None


class OdooFormat(ExportFormat):
    """Partner salesperson update: ``.id`` (res.partner) and ``user_id/.id`` (res.users)."""

    name = "odoo"
    title = "Odoo"
    account_columns = ("odoo_partner_id", "odoo_id", "crm_account_id")
    owner_columns = ("odoo_user_id", "crm_user_id")

    def account_problem(self, value: str) -> str | None:
        return int_id_problem(value)

    def owner_problem(self, value: str) -> str | None:
        return int_id_problem(value)

    def table(self, changes: Sequence[OwnerChange], batch_id: str) -> pd.DataFrame:
        return text_table(
            {
                ".id": [c.account_id for c in changes],
                "user_id/.id": [c.new_user for c in changes],
            }
        )
