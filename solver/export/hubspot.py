"""HubSpot: a company import that updates the owner (``Record ID``, ``Company owner``).

HubSpot matches an import row to an existing company by its ``Record ID`` (the numeric
object id; a row whose id matches nothing would create a new company, hence the strict
check) and sets the ``Company owner`` property from the owner's user email address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from solver.export.base import ExportFormat, OwnerChange, text_table

_RECORD_ID = re.compile(r"[1-9][0-9]{0,19}")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


def email_problem(value: str) -> str | None:
    """Why ``value`` is not a plain ASCII email address (local@domain.tld), or None."""
    if not value:
        return "empty"
    match = _EMAIL.fullmatch(value)
    if match is None:
        return "must be an email address name@domain.tld (ASCII, no spaces)"
    if len(match["local"]) > 64 or len(value) > 254:
        return "too long for an email address (64 characters before @, 254 in all)"
    return None


class HubSpotFormat(ExportFormat):
    """Company owner update keyed by HubSpot Record ID; owners named by email."""

    name = "hubspot"
    title = "HubSpot"
    account_columns = ("hubspot_company_id", "hs_object_id", "record_id", "crm_account_id")
    owner_columns = ("hubspot_owner_email", "owner_email", "email")

    def account_problem(self, value: str) -> str | None:
        if _RECORD_ID.fullmatch(value):
            return None
        return "must be a Record ID (a positive whole number: digits only, no leading 0)"

    def owner_problem(self, value: str) -> str | None:
        return email_problem(value)

    def canonical_owner(self, value: str) -> str:
        return value.lower()

    def table(self, changes: Sequence[OwnerChange], batch_id: str) -> pd.DataFrame:
        return text_table(
            {
                "Record ID": [c.account_id for c in changes],
                "Company owner": [c.new_user for c in changes],
            }
        )
