"""The standing book: who owns what in a plan, read without rebuilding its candidate pairs.

A plan folder carries every customer and rep input column and its scenario (see
:func:`solver.plan.load_plan`); placing new accounts needs only those and each account's
rep, so the folder is read and validated but no (customer, rep) pairs are generated for
the standing accounts. That keeps reading a 100,000 x 1,000 plan in seconds.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.export.plan_files import METRICS, PlanFiles, read_plan
from solver.inputs.columns import apply_mapping
from solver.inputs.io import read_table
from solver.inputs.schema import validate_reps
from solver.plan import Plan, plan_folder, plan_inputs
from solver.problem import load_inputs
from solver.scenario import Scenario

RepsInput = str | Path | pd.DataFrame | None
#: the accounts a placement could not place, in its plan folder
UNASSIGNED_FILE = "unassigned.csv"


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
    #: accounts an earlier placement could not place (its unassigned.csv), still waiting
    waiting: pd.DataFrame | None = None
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

    def without(self, ids: set[str]) -> StandingBook:
        """The book without the accounts ``ids`` (to be placed again with new facts)."""
        keep = ~self.customers["customer_id"].astype(str).isin(ids).to_numpy()
        customers = self.customers[keep].reset_index(drop=True)
        return dataclasses.replace(self, customers=customers, rep=self.rep[keep], prepared={})

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
    def from_folder(
        cls, path: str | Path, scenario: Scenario | None = None, reps: RepsInput = None
    ) -> StandingBook:
        """The book of a plan folder (or a file in it); ``scenario`` replaces the plan's,
        ``reps`` (a reps file or frame) the plan's reps (:func:`replaced_reps`)."""
        files = read_plan(plan_folder(path))
        return cls.from_files(files, scenario, reps)

    @classmethod
    def from_files(
        cls, files: PlanFiles, scenario: Scenario | None = None, reps: RepsInput = None
    ) -> StandingBook:
        customers, own_reps, own = plan_inputs(files)
        scn = scenario or own
        owners = files.assignments.frame["rep_id"].astype(str).to_numpy()
        customers = customers.assign(current_rep=owners)
        customers_df, reps_df = load_inputs(customers, own_reps, scn)
        if reps is not None:
            reps_df = replaced_reps(reps, reps_df, customers_df, scn)
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
        return cls(
            customers_df, reps_df, scn, rep, certificate, str(files.folder), metrics or {},
            waiting=_waiting(files.folder),
        )  # fmt: skip

    @classmethod
    def from_run(
        cls, run: int | str, db: str | None, scenario: Scenario | None = None,
        reps: RepsInput = None,
    ) -> StandingBook:  # fmt: skip
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
            book = cls.from_folder(folder, scenario, reps)
        return dataclasses.replace(book, source=f"run {record.id}", run_id=record.id, prepared={})


def _waiting(folder: Path) -> pd.DataFrame | None:
    """The accounts listed in the folder's unassigned.csv (None when it has none)."""
    path = folder / UNASSIGNED_FILE
    if not path.is_file():
        return None
    table = read_table(path, "unassigned").frame
    return table if len(table) else None


class RepLeftWarning(UserWarning):
    """A rep of the standing plan is not in the reps file that replaces the plan's."""


def replaced_reps(
    reps: str | Path | pd.DataFrame, own: pd.DataFrame, customers: pd.DataFrame, scn: Scenario
) -> pd.DataFrame:
    """The reps of ``reps`` (validated: file, row and column named) in place of the plan's
    ``own``. A rep of the plan the file leaves out who still owns standing accounts has
    left: it is kept as leaving (``active = false``), so the leaving-rep rule moves its
    accounts (each named with that reason), and a warning says so."""
    fmt = scn.input
    raw = read_table(reps, "reps", sep=fmt.sep, decimal=fmt.decimal, encoding=fmt.encoding)
    raw = apply_mapping(raw, dict(scn.columns.reps), "reps")
    new = validate_reps(raw, scn.band_columns()[1])
    owners = set(customers["current_rep"].astype(str)) | set(customers["protected_rep"].astype(str))
    gone = own[own["rep_id"].isin(owners - set(new["rep_id"]) - {""})]
    if gone.empty:
        return new
    counts = customers["current_rep"].value_counts()
    for rep_id in gone["rep_id"]:
        warnings.warn(
            f"rep {rep_id} of the standing plan is not in {raw.source}: kept as leaving "
            f"(active = false), so its {int(counts.get(rep_id, 0))} accounts move",
            RepLeftWarning,
            stacklevel=2,
        )
    left = gone.assign(active=False)
    return pd.concat([new, left[[c for c in new.columns if c in left]]], ignore_index=True)


def as_book(plan: Plan | StandingBook | str | Path) -> StandingBook:
    """A standing book from a Plan, a plan folder (or a file in it), or a book."""
    if isinstance(plan, StandingBook):
        return plan
    if isinstance(plan, Plan):
        return StandingBook.from_plan(plan)
    return StandingBook.from_folder(plan)
