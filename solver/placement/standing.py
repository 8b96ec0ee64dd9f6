"""The standing book: who owns what in a plan, read without rebuilding its candidate pairs.

A plan folder carries every customer and rep input column and its scenario (see
:func:`solver.plan.load_plan`); placing new accounts needs only those and each account's
rep, so the folder is read and validated but no (customer, rep) pairs are generated for
the standing accounts. That keeps reading a 100,000 x 1,000 plan in seconds.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.export.plan_files import METRICS, PlanFiles, read_plan
from solver.plan import Plan, plan_folder, plan_inputs
from solver.problem import load_inputs
from solver.scenario import Scenario


@dataclass(frozen=True)
class StandingBook:
    """Validated customers (``current_rep`` = their rep in the standing plan), reps, the
    plan's scenario, and the rep index of every standing account."""

    customers: pd.DataFrame
    reps: pd.DataFrame
    scenario: Scenario
    rep: np.ndarray  # rep index per customer row
    certificate: dict
    source: str  # what the book was read from, for messages and the new plan's lineage
    metrics: dict = field(default_factory=dict)  # the plan's metrics (before / after)
    run_id: int | None = None  # the recorded run the book was read from, if any
    #: what placements prepared from this book, by scenario (solver.placement.increment)
    prepared: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def n(self) -> int:
        return len(self.customers)

    @cached_property
    def ids(self) -> frozenset[str]:
        """The standing accounts' customer ids."""
        return frozenset(map(str, self.customers["customer_id"]))

    @cached_property
    def values_descending(self) -> np.ndarray:
        """The standing accounts' values, largest first (tiers of new accounts rank in it)."""
        return np.sort(self.customers["value"].to_numpy(float))[::-1]

    @classmethod
    def from_plan(cls, plan: Plan) -> StandingBook:
        """The book of a plan in memory (solved, or loaded with :meth:`Plan.load`)."""
        problem = plan.problem
        if problem.facts is None:
            raise ValueError("a plain matrix plan has no customers to place new accounts beside")
        rep_ids = problem.rep_ids[plan.rep_index]
        customers = problem.customers.copy()
        customers["current_rep"] = rep_ids.astype(object)
        return cls(
            customers, problem.reps, problem.scenario, np.asarray(plan.rep_index),
            plan.certificate, "plan in memory", plan.metrics,
        )  # fmt: skip

    @classmethod
    def from_folder(cls, path: str | Path, scenario: Scenario | None = None) -> StandingBook:
        """The book of a plan folder (or a file in it); ``scenario`` replaces the plan's."""
        files = read_plan(plan_folder(path))
        return cls.from_files(files, scenario)

    @classmethod
    def from_files(cls, files: PlanFiles, scenario: Scenario | None = None) -> StandingBook:
        customers, reps, own = plan_inputs(files)
        scn = scenario or own
        owners = files.assignments.frame["rep_id"].astype(str).to_numpy()
        customers = customers.assign(current_rep=owners)
        customers_df, reps_df = load_inputs(customers, reps, scn)
        index = {r: j for j, r in enumerate(reps_df["rep_id"])}
        rep = np.array([index.get(r, -1) for r in customers_df["current_rep"]], dtype=np.int64)
        if (rep < 0).any():
            bad = customers_df["customer_id"].to_numpy()[rep < 0][:5]
            raise InputError(
                [InputIssue(files.assignments.source, "rep_id", "names no rep of reps.csv", (),
                            ", ".join(map(str, bad)))]
            )  # fmt: skip
        certificate = {**files.certificate, "plan_id": files.plan_id}
        metrics = json.loads((files.folder / METRICS).read_text(encoding="utf-8")).get("metrics")
        return cls(customers_df, reps_df, scn, rep, certificate, str(files.folder), metrics or {})

    @classmethod
    def from_run(cls, run: int | str, db: str | None, scenario: Scenario | None = None):
        """The book of a recorded run (``run``: an id or ``latest``) in the run database."""
        from solver.store.history import RunStore

        with RunStore(db, must_exist=True) as store:
            record = store.get(run)
        if not record.files:
            raise InputError(
                [InputIssue(f"run {record.id}", "", "recorded before the history kept whole "
                            "plan files: write it with 'territory runs show --out' first")]
            )  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="territory-run-") as folder:
            for name, data in record.files.items():
                (Path(folder) / name).write_bytes(data)
            book = cls.from_folder(folder, scenario)
        return StandingBook(
            book.customers, book.reps, book.scenario, book.rep, book.certificate,
            f"run {record.id}", book.metrics, record.id,
        )  # fmt: skip


def as_book(plan: Plan | StandingBook | str | Path) -> StandingBook:
    """A standing book from a Plan, a plan folder (or a file in it), or a book."""
    if isinstance(plan, StandingBook):
        return plan
    if isinstance(plan, Plan):
        return StandingBook.from_plan(plan)
    return StandingBook.from_folder(plan)
