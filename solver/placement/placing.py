"""Place new accounts on a standing plan at once, by the solve's rules, with a reason each.

``place(book, new)``: read and validate the new accounts against the plan's reps, refuse
ids the plan already holds, lay out the combined problem (standing accounts pinned), solve
the batch exactly on the room the standing plan leaves (:mod:`solver.placement.batch`),
and make the combined plan with :func:`solver.plan.build_plan`: every standing account on
its rep, every placed new account with its reason and runner-up. Accounts no rep can take
are left out of the plan and listed with the binding rule and what would free room.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.inputs.columns import ColumnWarning, apply_mapping, unread_column_hints
from solver.inputs.io import csv_bytes, read_table
from solver.inputs.schema import (
    DEFAULT_EFFORT_BY_TIER,
    TIER_SHARES,
    blank_cells,
    validate_customers,
)
from solver.outputs import replace_together
from solver.placement.batch import BatchResult, batch_model, solve_batch
from solver.placement.increment import Standing, chain, fast_layout, known_parts, prepare
from solver.placement.layout import Layout, build_layout, combined_customers, with_fingerprints
from solver.placement.movable import movable_accounts
from solver.placement.standing import UNASSIGNED_FILE, StandingBook
from solver.placement.unplaced import Unplaced, describe_unplaced
from solver.plan import Plan, build_plan, rules_in_force
from solver.reasons import reasons
from solver.scenario import Scenario, as_scenario
from solver.version import __version__

#: seconds the batch engines may take unless told otherwise
DEFAULT_TIME_LIMIT_S = 1.5

NewAccounts = pd.DataFrame | str | Path
UNPLACED_COLUMNS = ("customer_id", "rule", "reason", "free_room")
MOVED_COLUMNS = ("customer_id", "from_rep", "to_rep", "why")


@dataclass(frozen=True)
class Placement:
    """The combined plan, the batch's own result, and the accounts left unplaced."""

    plan: Plan
    batch: BatchResult
    unplaced: list[Unplaced]
    new_ids: list[str]  # every new account given, placed or not
    moved: pd.DataFrame  # standing accounts that changed rep: customer_id, from_rep, to_rep, why
    unplaced_rows: pd.DataFrame  # the unplaced accounts' input rows
    updated: list[str] = field(default_factory=list)  # accounts of the plan placed again
    #: accounts earlier placements left unplaced and this one was not given: still listed
    waiting: pd.DataFrame | None = None

    @property
    def placed(self) -> int:
        """New accounts placed."""
        return len(set(self.new_ids) - {u.customer_id for u in self.unplaced})

    def new_rows(self) -> pd.DataFrame:
        """The new accounts placed, as their rows of the plan's assignments table read:
        customer_id, rep_id, reason; without building the whole table (what a router
        asks of a placement onto a large book)."""
        problem, rep = self.plan.problem, self.plan.rep_index
        ids = problem.customers["customer_id"]
        index = np.flatnonzero(ids.isin(set(self.new_ids)).to_numpy())
        why = reasons(problem, rep, problem.pair_index(rep), index)  # for those rows
        return pd.DataFrame(
            {
                "customer_id": ids.to_numpy()[index],
                "rep_id": problem.rep_ids[rep[index]],
                "reason": why,
            }
        )

    def unplaced_table(self) -> pd.DataFrame:
        """One row per unplaced account: customer_id, rule, reason, free_room, then its
        input columns (so the file can be fed back once room is made)."""
        table = pd.DataFrame([u.__dict__ for u in self.unplaced], columns=list(UNPLACED_COLUMNS))
        rows = self.unplaced_rows.drop(columns=["current_rep"], errors="ignore")
        table = table.merge(rows, on="customer_id", how="left")
        if self.waiting is None:
            return table
        given = set(map(str, self.new_ids)) | set(map(str, table["customer_id"]))
        still = self.waiting[~self.waiting["customer_id"].astype(str).isin(given)]
        return pd.concat([table, still], ignore_index=True) if len(table) else still

    def file_bytes(self) -> dict[str, bytes]:
        """The plan folder's files plus ``unassigned.csv`` (empty but for its header when
        every account was placed), the seal last, so they replace an earlier plan together."""
        files = self.plan.file_bytes()
        seal = list(files)[-1]
        body = {k: v for k, v in files.items() if k != seal}
        return {**body, UNASSIGNED_FILE: csv_bytes(self.unplaced_table()), seal: files[seal]}

    def write(self, out_dir: str | Path) -> None:
        """Write the plan folder (:meth:`file_bytes`) atomically, as :meth:`Plan.write` does."""
        replace_together(Path(out_dir), self.file_bytes(), "plan", "the plan")


def place(
    book: StandingBook,
    new_customers: NewAccounts,
    scenario: Scenario | dict | str | Path | None = None,
    allow_moves: int = 0,
    time_limit_s: float | None = None,
    rebuild: bool = False,
    update: bool = False,
) -> Placement:
    """Place ``new_customers`` on ``book`` (see the module docstring); ``scenario`` defaults
    to the plan's own, ``allow_moves`` standing accounts may move when that places the
    batch better. The combined problem and plan reuse the standing book's parts
    (:mod:`solver.placement.increment`) unless ``rebuild`` (or a standing account joins
    the batch) builds them from scratch; both give the same plan. With ``update`` an
    account already in the plan is placed again with the facts given (its standing rep
    as its previous one), else it is an input error naming its rows. Raises InputError
    for bad or duplicate new accounts."""
    started = time.perf_counter()
    scn = book.scenario if scenario is None else as_scenario(scenario)
    new_df = read_new_accounts(new_customers, book, scn, update)
    updated = sorted(set(map(str, new_df["customer_id"])) & book.ids)
    if updated:
        book = book.without(set(updated))
    customers = combined_customers(book.customers, new_df)
    standing_rep = np.concatenate([book.rep, np.full(len(new_df), -1, dtype=np.int64)])
    movable = movable_accounts(customers, book, standing_rep, allow_moves)
    rules = {"max_moves": int(allow_moves) if allow_moves else None, "max_moves_pct": None}
    batch_scn = scn.replace(rules=rules)
    limit = DEFAULT_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
    standing = None if rebuild or movable.any() else _standing(book, batch_scn)
    keep = np.ones(len(customers), dtype=bool)
    unplaced: list[Unplaced] = []
    while True:  # each round sets at least one account aside, so this ends
        kept = customers if keep.all() else customers[keep].reset_index(drop=True)
        layout = None if standing is None else fast_layout(standing, kept, book.reps)
        if layout is None:
            standing = None
            layout = build_layout(
                kept, book.reps, batch_scn, standing_rep[keep], movable[keep]
            )  # fmt: skip
        model = batch_model(layout)
        result = solve_batch(model, limit, scn.seed, scn.workers, scn.gap_tolerance or 0.0)
        if not result.unplaced.any():
            break
        left_out = model.customers[result.unplaced]
        rep = _combined_rep(layout, model.customers, result.rep, result.unplaced)
        unplaced += describe_unplaced(layout, left_out, rep)
        kept_index = np.flatnonzero(keep)
        keep[kept_index[left_out]] = False
    rep = _combined_rep(layout, model.customers, result.rep, result.unplaced)
    parent = (book.certificate.get("input_fingerprints") or {}).get("customers")
    chained = None if standing is None or not parent else chain(standing, parent, kept, new_df)
    reps_fp = None if standing is None else standing.reps_fingerprint
    problem = with_fingerprints(layout.problem, scn, parent, new_df, chained, reps_fp)
    plan = build_plan(
        problem,
        rep,
        _certificate(layout, result, scn, book, started, unplaced, problem.fingerprints),
        None if standing is None else lambda: known_parts(standing, problem, rep),
        defer=True,
    )
    ids = set(new_df["customer_id"])
    unplaced_ids = {u.customer_id for u in unplaced}  # new accounts, or standing forced off
    return Placement(
        plan=plan,
        batch=result,
        unplaced=unplaced,
        new_ids=list(new_df["customer_id"]),
        moved=_moved(plan, layout.standing_rep, ids),
        updated=updated,
        waiting=book.waiting,
        unplaced_rows=_rows_of(customers, unplaced_ids),
    )


def _rows_of(customers: pd.DataFrame, ids: set) -> pd.DataFrame:
    """The rows of ``customers`` whose customer_id is in ``ids``."""
    if not ids:
        return customers.iloc[:0].reset_index(drop=True)
    return customers[customers["customer_id"].isin(ids)].reset_index(drop=True)


def _standing(book: StandingBook, scenario: Scenario) -> Standing | None:
    """The book's prepared standing side under ``scenario`` (made once, then reused; None:
    the book needs a full rebuild)."""
    key = scenario.model_dump_json()
    if key not in book.prepared:
        book.prepared.clear()  # one scenario at a time: a book's parts are large
        book.prepared[key] = prepare(book.customers, book.reps, book.rep, scenario)
    return book.prepared[key]


def _combined_rep(layout: Layout, batch: np.ndarray, rep: np.ndarray, unplaced: np.ndarray):
    """Rep per customer of the combined problem: standing reps, the batch's choice, -1 for
    the unplaced."""
    out = layout.standing_rep.copy()
    out[batch] = np.where(unplaced, -1, rep)
    return out


def read_new_accounts(
    data: NewAccounts, book: StandingBook, scenario: Scenario, update: bool = False
) -> pd.DataFrame:
    """The new accounts validated against the plan's reps. A customer_id the plan already
    holds is an input error naming its rows, unless ``update``: its current_rep is then
    its rep in the plan (when the cell is empty). Tiers left empty are derived from the
    value rank in the whole book (standing and new), as a solve of all of them would, and
    the default effort follows that tier."""
    fmt = scenario.input
    raw = read_table(data, "customers", sep=fmt.sep, decimal=fmt.decimal, encoding=fmt.encoding)
    raw = apply_mapping(raw, dict(scenario.columns.customers), "customers")
    for hint in unread_column_hints([str(c) for c in raw.frame.columns], "customers"):
        warnings.warn(hint, ColumnWarning, stacklevel=2)
    rules = scenario.rules
    new_df = validate_customers(
        raw, book.reps, scenario.as_of, rules.leaving_rep_protection, scenario.band_columns()[0]
    )
    dup = np.array([str(c) in book.ids for c in new_df["customer_id"]], dtype=bool)
    if dup.any() and update:
        owner = dict(zip(book.customers["customer_id"].astype(str), book.customers["current_rep"],
                         strict=True))  # fmt: skip
        blank = dup & (new_df["current_rep"].astype(str) == "").to_numpy()
        new_df = new_df.copy()
        new_df.loc[blank, "current_rep"] = [owner[str(c)] for c in new_df["customer_id"][blank]]
        book = book.without(set(map(str, new_df["customer_id"][dup])))
    elif dup.any():
        shown = ", ".join(map(str, new_df["customer_id"][dup][:5]))
        rows = tuple(raw.row_number(int(k)) for k in np.flatnonzero(dup))
        rule = ("already in the standing plan: a new account needs a new id (or use --update "
                "to place it again with these facts)")  # fmt: skip
        raise InputError([InputIssue(raw.source, "customer_id", rule, rows, shown)])
    return _book_tiers(new_df, raw.frame, book.values_descending)


def _book_tiers(new: pd.DataFrame, raw: pd.DataFrame, standing: np.ndarray) -> pd.DataFrame:
    """Blank tiers from the value rank in the whole book (``standing``: the standing
    values, largest first)."""
    blank_tier = blank_cells(raw, "tier")
    if not blank_tier.any() or len(standing) == 0:
        return new
    value = new["value"].to_numpy(float)
    # rank of each new value in the whole book, as a share (1 = the largest): the number
    # of values above it, standing and new, plus one
    above = np.searchsorted(-standing, -value, side="left")
    above += len(value) - np.searchsorted(np.sort(value), value, side="right")
    rank = (above + 1) / (len(standing) + len(value))
    derived = np.where(rank <= TIER_SHARES[0], "A", np.where(rank <= TIER_SHARES[1], "B", "C"))
    tier = np.where(blank_tier, derived, new["tier"].to_numpy(dtype=object))
    effort = new["effort_hours"].to_numpy(dtype=float).copy()
    blank_effort = blank_tier & blank_cells(raw, "effort_hours")
    effort[blank_effort] = [DEFAULT_EFFORT_BY_TIER[t] for t in tier[blank_effort]]
    return new.assign(tier=pd.Series(tier, index=new.index, dtype=object), effort_hours=effort)


def _moved(plan: Plan, standing_rep: np.ndarray, new_ids: set) -> pd.DataFrame:
    """The standing accounts that changed rep (``standing_rep``: rep index in the standing
    plan per customer of the plan, -1 for new ones); the plan's tables are read only when
    there are some."""
    if not ((standing_rep >= 0) & (plan.rep_index != standing_rep)).any():
        return pd.DataFrame({c: np.array([], dtype=object) for c in MOVED_COLUMNS})
    table = plan.assignments
    moved = table[table["changed"] & ~table["customer_id"].isin(new_ids)]
    return pd.DataFrame(
        {
            "customer_id": moved["customer_id"].to_numpy(),
            "from_rep": moved["previous_rep"].to_numpy(),
            "to_rep": moved["rep_id"].to_numpy(),
            "why": moved["forced_by"].where(moved["forced_by"] != "", moved["reason"]).to_numpy(),
        }
    )


def _certificate(
    layout: Layout, result: BatchResult, scenario: Scenario, book: StandingBook,
    started: float, unplaced: list[Unplaced], fingerprints: dict[str, str],
) -> dict:  # fmt: skip
    """The combined plan's certificate: the batch's, with its bound lifted by the fixed
    cost of the standing accounts (a lower bound on every plan that keeps them)."""
    problem = layout.problem
    pinned = ~layout.in_batch[problem.pair_customer]
    fixed = float(problem.pair_cost[pinned].sum())
    batch = result.certificate()
    if scenario.deterministic:  # the same inputs write the same bytes, as a solve does
        batch.pop("wall_s")
    batch["unplaced"] = len(unplaced)  # also those no rep could ever take, not only the batch's
    batch["unplaced_accounts"] = [u.__dict__ for u in unplaced]
    parent = book.certificate
    return {
        "status": result.status,
        "engine": f"placement ({result.engine})",
        "engine_note": result.note,
        "interrupted": None,
        "stop_reason": "batch solved" if result.status == "optimal" else "batch time limit",
        "gap_tolerance": scenario.gap_tolerance,
        "bound": None if result.bound is None else result.bound + fixed,
        "bound_source": result.bound_source + ", plus the standing accounts' fixed cost",
        "lp_wall_s": 0.0,
        "engine_wall_s": round(result.wall_s, 3),
        "wall_s": round(time.perf_counter() - started, 3),
        "seed": scenario.seed,
        "time_limit_s": scenario.time_limit_s,
        "workers": scenario.workers,
        "deterministic": scenario.deterministic,
        "as_of": str(scenario.as_of),
        "candidate_pairs": len(problem.pair_rep),
        "customers": problem.n,
        "reps": problem.m,
        "rules": rules_in_force(problem),
        "weights": scenario.weights.model_dump(),
        "scenario": scenario.model_dump(mode="json"),
        "input_fingerprints": fingerprints,
        "sense": problem.sense,
        "version": __version__,
        "placement": batch,
        "parent": {
            "source": book.source,
            "run_id": book.run_id,
            "plan_id": parent.get("plan_id"),
            "input_fingerprints": parent.get("input_fingerprints") or {},
            "rebalanced": rebalanced_reference(book),
        },
    }


def rebalanced_reference(book: StandingBook) -> dict:
    """What the last full solve behind the book left (carried from plan to plan): its
    as-of date, engine, account count, workload spread and each balance measure's Gini
    and share of reps in band: the reference of drift."""
    carried = (book.certificate.get("parent") or {}).get("rebalanced")
    if carried:
        return carried
    after = book.metrics.get("after", {})
    return {
        "as_of": book.certificate.get("as_of"),
        "engine": book.certificate.get("engine"),
        "plan_id": book.certificate.get("plan_id"),
        "accounts": book.n,
        "workload": dict(after.get("workload") or {}),
        "value_gini": after.get("value_gini"),
        "measures": {
            key: {k: m.get(k) for k in ("gini", "in_band_share")}
            for key, m in (after.get("measures") or {}).items()
        },
    }
