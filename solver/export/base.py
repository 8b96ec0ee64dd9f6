"""What every change-set format shares: the resolved row type and the format interface.

A format (one module each: ``generic``, ``salesforce``, ``hubspot``, ``dynamics``, ``odoo``)
says which input columns usually hold the CRM account id and the CRM user of a rep, how to
validate those ids, and how to lay out rows for its importer. Building the change-set,
mapping reps to users, checking drift and writing files are done once, elsewhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import pandas as pd


@dataclass(frozen=True)
class OwnerChange:
    """One account whose owner changes: from ``old_*`` to ``new_*``.

    ``*_rep`` are rep ids of the plan, ``*_user`` the CRM users they map to ("" when the
    format needs no mapping, or when the account had no owner).
    """

    seq: int
    customer_id: str
    account_id: str
    old_rep: str
    new_rep: str
    old_user: str
    new_user: str
    reason: str
    forced_by: str

    def inverse(self, reason: str) -> OwnerChange:
        """The row that moves the account back to its old owner."""
        return replace(
            self,
            old_rep=self.new_rep,
            new_rep=self.old_rep,
            old_user=self.new_user,
            new_user=self.old_user,
            reason=reason,
            forced_by="",
        )


class ExportFormat(ABC):
    """A CRM import layout: id rules, default columns and the table its importer reads."""

    name: ClassVar[str]
    title: ClassVar[str]
    #: input customer columns that usually hold this CRM's account id, in preference order
    account_columns: ClassVar[tuple[str, ...]]
    #: rep (or mapping file) columns that usually hold this CRM's user, in preference order
    owner_columns: ClassVar[tuple[str, ...]]
    #: whether every old and new owner must map to a CRM user
    needs_owner_ids: ClassVar[bool] = True
    #: whether the file is meant to be opened in a spreadsheet (formulas get neutralised)
    for_spreadsheets: ClassVar[bool] = False

    def account_problem(self, value: str) -> str | None:
        """Why ``value`` is not a valid account id of this CRM, or None when it is."""
        return None if value else "empty"

    def owner_problem(self, value: str) -> str | None:
        """Why ``value`` is not a valid CRM user of this CRM, or None when it is."""
        return None if value else "empty"

    def canonical_account(self, value: str) -> str:
        """Key under which two spellings of the same account id compare equal."""
        return value

    def canonical_owner(self, value: str) -> str:
        """Key under which two spellings of the same CRM user compare equal."""
        return value

    @abstractmethod
    def table(self, changes: Sequence[OwnerChange], batch_id: str) -> pd.DataFrame:
        """The import rows for ``changes`` (text columns only, in file order)."""


def text_table(columns: dict[str, list[str]]) -> pd.DataFrame:
    """A frame of text columns (``object`` dtype) that keeps its columns when empty."""
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})
