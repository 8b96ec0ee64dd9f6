"""Salesforce: a Bulk API / Data Loader update of Account owners (``Id,OwnerId``).

Salesforce record ids are base-62 text: a 15-character form that is case-sensitive and an
18-character form that appends a 3-character suffix so the id survives tools that ignore
letter case. The suffix is computed from the first 15 characters: split them into three
blocks of 5; in each block, character ``i`` (0-based, left to right) contributes
``2**i`` when it is an upper-case letter A-Z; the block's total (0..31) picks one
character of ``A..Z`` followed by ``0..5``. The first three characters are the key prefix
of the object type: ``001`` for Account, ``005`` for User.

The Bulk API matches header names to field names, so the file holds exactly the two
fields it updates; the batch id, the expected old owner and the reason are in the
manifest written next to it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import pandas as pd

from solver.export.base import ExportFormat, OwnerChange, text_table

ACCOUNT_PREFIX = "001"
USER_PREFIX = "005"
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_ID_CHARS = frozenset(string.ascii_letters + string.digits)


def checksum_suffix(id15: str) -> str:
    """The 3-character case-encoding suffix of a 15-character Salesforce id."""
    if len(id15) != 15:
        raise ValueError(f"expected 15 characters, got {len(id15)}")
    suffix = ""
    for start in (0, 5, 10):
        block = id15[start : start + 5]
        bits = sum(1 << i for i, ch in enumerate(block) if "A" <= ch <= "Z")
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def to_18(sf_id: str) -> str:
    """The 18-character form of a valid 15- or 18-character id."""
    return sf_id if len(sf_id) == 18 else sf_id + checksum_suffix(sf_id)


def id_problem(value: str, prefix: str, kind: str) -> str | None:
    """Why ``value`` is not a Salesforce ``kind`` id starting with ``prefix``, or None."""
    if not value:
        return "empty"
    if len(value) not in (15, 18):
        return f"must have 15 or 18 characters, not {len(value)}"
    if not set(value) <= _ID_CHARS:
        return "must hold only letters A-Z, a-z and digits"
    if not value.startswith(prefix):
        return f"must start with {prefix} (the {kind} key prefix), not {value[:3]}"
    if len(value) == 18:
        expected = checksum_suffix(value[:15])
        if value[15:] != expected:
            return (
                f"18-character checksum mismatch: the first 15 characters give suffix "
                f"{expected}, not {value[15:]} (letter case altered, or a typo?)"
            )
    return None


class SalesforceFormat(ExportFormat):
    """Account owner update: ``Id`` (Account, 001...) and ``OwnerId`` (User, 005...)."""

    name = "salesforce"
    title = "Salesforce"
    account_columns = ("sf_account_id", "salesforce_id", "sf_id", "crm_account_id")
    owner_columns = ("sf_user_id", "salesforce_user_id", "crm_user_id")

    def account_problem(self, value: str) -> str | None:
        return id_problem(value, ACCOUNT_PREFIX, "Account")

    def owner_problem(self, value: str) -> str | None:
        return id_problem(value, USER_PREFIX, "User")

    def canonical_account(self, value: str) -> str:
        return to_18(value) if self.account_problem(value) is None else value

    def canonical_owner(self, value: str) -> str:
        return to_18(value) if self.owner_problem(value) is None else value

    def table(self, changes: Sequence[OwnerChange], batch_id: str) -> pd.DataFrame:
        return text_table(
            {"Id": [c.account_id for c in changes], "OwnerId": [c.new_user for c in changes]}
        )
