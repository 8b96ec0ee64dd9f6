"""Between rebalancing runs: new accounts placed on a standing plan by the solve's rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from solver.placement.book_drift import BookDrift
from solver.placement.book_drift import book_drift as drift_of
from solver.placement.placing import NewAccounts, Placement, place
from solver.placement.standing import StandingBook, as_book
from solver.plan import Plan
from solver.scenario import Scenario


def assign(
    plan: Plan | StandingBook | str | Path,
    new_customers: NewAccounts,
    scenario: Scenario | dict | str | Path | None = None,
    allow_moves: int = 0,
    time_limit_s: float | None = None,
) -> Plan:
    """The standing ``plan`` (a Plan, a plan folder, or a :class:`StandingBook`) with
    ``new_customers`` placed: every standing account keeps its rep (at most
    ``allow_moves`` may move), each new one gets the rep the solve's objective and hard
    rules choose on the room left, with its reason. Accounts no rep can take are left out
    and listed in ``plan.certificate["placement"]["unplaced_accounts"]``; :func:`place`
    returns them typed, with the batch's own certificate."""
    return place(as_book(plan), new_customers, scenario, allow_moves, time_limit_s).plan


def book_drift(
    plan: Plan | StandingBook | str | Path, current: pd.DataFrame | str | Path | None = None
) -> BookDrift:
    """How far the standing book has drifted from balance since its last full rebalance
    (per measure, reps out of band, accounts added since) and whether one is due; with
    ``current`` (the CRM's accounts now) measured on that instead of the plan's book."""
    return drift_of(as_book(plan), current)


__all__ = ["BookDrift", "Placement", "StandingBook", "assign", "book_drift", "place"]
