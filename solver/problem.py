"""Problem: validated inputs plus the sparse candidate pairs with their costs and rows.

Engines see only the generic arrays here (pairs, per-pair costs, row blocks, balance);
they never read files, frames or rules.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from solver.candidates import build_candidates, separable_cost
from solver.constraints import RowBlock, active_rules
from solver.diagnose.precheck import precheck
from solver.diagnose.wording import raise_infeasible
from solver.errors import InputError
from solver.inputs.columns import (
    ColumnWarning,
    ShareWarning,
    apply_mapping,
    unread_column_hints,
)
from solver.inputs.facts import Facts, PairFacts
from solver.inputs.io import RawTable, fingerprint_frame, read_table
from solver.inputs.locations import warn_locations
from solver.inputs.schema import validate_customers, validate_reps
from solver.objectives import balance
from solver.objectives.bands import SoftBand, soft_bands
from solver.scenario import Scenario, as_scenario


@dataclass(frozen=True)
class Balance:
    """Balance term data: cost = weight x sum_j active |L_j - share_j x sum_k L_k|."""

    weight: float
    shares: np.ndarray  # per rep, 0 for leaving reps
    active: np.ndarray  # per rep


@dataclass(frozen=True, eq=False)
class Problem:
    customers: pd.DataFrame
    reps: pd.DataFrame
    scenario: Scenario
    pair_customer: np.ndarray  # int64, sorted by customer then rep
    pair_rep: np.ndarray
    pair_terms: dict[str, np.ndarray]  # weighted cost per separable term
    pair_workload: np.ndarray  # hours (or the matrix workload)
    pair_load: np.ndarray  # what a pair adds to its rep's balance load
    blocks: tuple[RowBlock, ...]
    forced: np.ndarray  # rep index per customer, -1 = free
    forced_reason: np.ndarray  # text per customer, '' = free
    balance: Balance | None
    facts: Facts | None = None
    pairs: PairFacts | None = None
    sense: str = "min"
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: soft balance terms of the ``[[balance]]`` tables (solver.objectives.bands)
    soft: tuple[SoftBand, ...] = ()

    @property
    def n(self) -> int:
        return len(self.customers)

    @property
    def m(self) -> int:
        return len(self.reps)

    @property
    def pair_cost(self) -> np.ndarray:
        """Total weighted separable cost of each pair (cost points)."""
        return sum(self.pair_terms.values(), np.zeros(len(self.pair_rep)))

    def integer_rows_exact(self) -> bool:
        """The integer engines' rows (:meth:`RowBlock.integral`) hold for the same plans as
        the exact rows: whole numbers, or whole minutes, throughout."""
        return all(b.integral_is_exact() for b in self.blocks)

    def customer_starts(self) -> np.ndarray:
        """Offset of each customer's first pair (pairs sorted by customer); length n + 1."""
        counts = np.bincount(self.pair_customer, minlength=self.n)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def pair_index(self, rep: np.ndarray) -> np.ndarray:
        """Index of pair (i, rep[i]) for every customer i; -1 where it is not a candidate."""
        rep = np.asarray(rep)
        starts = self.customer_starts()
        out = np.full(self.n, -1, dtype=np.int64)
        count = np.diff(starts)
        one = np.flatnonzero(count == 1)  # a pinned customer: its only pair or none
        own = starts[one]
        out[one] = np.where(self.pair_rep[own] == rep[one], own, -1)
        many = np.flatnonzero((count > 1) & (rep >= 0) & (rep < self.m))  # a rep out of
        if len(many):  # range (-1: none) would read as another customer's key
            keys = self.pair_customer * self.m + self.pair_rep
            want = many * self.m + rep[many]
            pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
            out[many] = np.where(keys[pos] == want, pos, -1)
        return out

    def restricted(self, keep: np.ndarray) -> Problem:
        """The same problem on the pairs where ``keep`` is true (every customer must keep one)."""
        blocks = tuple(b.with_pairs(keep) for b in self.blocks)
        return dataclasses.replace(
            self,
            pair_customer=self.pair_customer[keep],
            pair_rep=self.pair_rep[keep],
            pair_terms={name: cost[keep] for name, cost in self.pair_terms.items()},
            pair_workload=self.pair_workload[keep],
            pair_load=self.pair_load[keep],
            blocks=blocks,
            pairs=self.pairs.subset(keep) if self.pairs is not None else None,
            soft=tuple(t.subset(keep) for t in self.soft),
        )

    @property
    def customer_ids(self) -> np.ndarray:
        return self.customers["customer_id"].to_numpy(dtype=object)

    @property
    def rep_ids(self) -> np.ndarray:
        return self.reps["rep_id"].to_numpy(dtype=object)

    @classmethod
    def build(
        cls,
        customers: pd.DataFrame | str | Path,
        reps: pd.DataFrame | str | Path,
        scenario: Scenario | dict | str | Path | None = None,
    ) -> Problem:
        """Validate the inputs, generate and prune candidate pairs, price them, add rows.

        Raises InputError (bad data or scenario) or InfeasibleError (rules cannot all hold).
        """
        scenario = as_scenario(scenario)
        customers_df, reps_df = load_inputs(customers, reps, scenario)
        facts = Facts.build(customers_df, reps_df, scenario)
        rules = active_rules(scenario)
        forced, reason = rule_forced(facts, scenario, rules)
        cands = build_candidates(facts, scenario, rules, forced)
        problem = cls.from_pairs(customers_df, reps_df, scenario, cands.pairs, forced, reason)
        fingerprints = input_fingerprints(customers_df, reps_df, scenario)
        problem = dataclasses.replace(problem, fingerprints=fingerprints)
        precheck(problem, cands.blocked)
        return problem

    @classmethod
    def from_pairs(
        cls,
        customers: pd.DataFrame,
        reps: pd.DataFrame,
        scenario: Scenario,
        pairs: PairFacts,
        forced: np.ndarray,
        reason: np.ndarray,
    ) -> Problem:
        """The problem on validated frames and given candidate pairs: the rules' rows, the
        terms' prices and the balance, as :meth:`build` makes them (no fingerprints, no
        pre-check)."""
        rules = active_rules(scenario)
        blocks = tuple(
            block
            for rule in rules
            if (made := rule.rows(pairs, scenario, forced)) is not None
            for block in ((made,) if isinstance(made, RowBlock) else made)
        )
        weight = scenario.weights.balance
        facts = pairs.facts
        return cls(
            customers=customers,
            reps=reps,
            scenario=scenario,
            pair_customer=pairs.customer,
            pair_rep=pairs.rep,
            pair_terms=separable_cost(pairs, scenario),
            pair_workload=pairs.workload,
            pair_load=balance.load_coefficients(pairs, scenario),
            blocks=blocks,
            forced=forced,
            forced_reason=reason,
            balance=Balance(weight, balance.shares(facts), facts.active) if weight > 0 else None,
            facts=facts,
            pairs=pairs,
            soft=soft_bands(pairs, scenario),
        )

    @classmethod
    def from_matrices(
        cls,
        cost: np.ndarray,
        workload: np.ndarray,
        capacity: np.ndarray,
        min_load: np.ndarray | None = None,
        maximize: bool = False,
        scenario: Scenario | dict | None = None,
    ) -> Problem:
        """A plain generalized-assignment problem: customer i to rep j costs cost[i, j] and
        uses workload[i, j] of rep j's capacity[j]; every customer goes to exactly one rep.
        With ``min_load`` (length m, 0 = no floor) each rep's load must also reach it:
        ``min_load[j] <= sum_i workload[i, j] x[i, j] <= capacity[j]`` (a load band).

        With ``maximize`` the cost is a profit: the plan maximises it, and the plan's
        objective and bound are reported as profits.
        """
        cost = np.asarray(cost, dtype=float)
        workload = np.asarray(workload, dtype=float)
        capacity = np.asarray(capacity, dtype=float)
        n, m = cost.shape
        if workload.shape != (n, m) or capacity.shape != (m,):
            raise ValueError("cost and workload must be n x m, capacity of length m")
        floor = np.zeros(m) if min_load is None else np.asarray(min_load, dtype=float)
        if floor.shape != (m,) or not np.all(np.isfinite(floor)) or np.any(floor < 0):
            raise ValueError("min_load must be of length m, finite and >= 0")
        if np.any(floor > capacity):
            j = int(np.flatnonzero(floor > capacity)[0])
            raise ValueError(f"min_load of rep r{j} ({floor[j]:g}) is above its capacity")
        if np.any(workload < 0):
            raise ValueError("workload must be >= 0")
        scenario = as_scenario(scenario)
        cust = np.repeat(np.arange(n), m)
        rep = np.tile(np.arange(m), n)
        signed = (-cost if maximize else cost).ravel()
        block = RowBlock(
            "capacity",
            "hours",
            rep.copy(),
            workload.ravel().copy(),
            capacity.copy(),
            tuple(f"r{j}" for j in range(m)),
            floor.copy(),
        )
        return cls(
            customers=pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)]}),
            reps=pd.DataFrame({"rep_id": [f"r{j}" for j in range(m)], "capacity_hours": capacity}),
            scenario=scenario,
            pair_customer=cust,
            pair_rep=rep,
            pair_terms={"cost": signed},
            pair_workload=workload.ravel(),
            pair_load=workload.ravel(),
            blocks=(block,),
            forced=np.full(n, -1, dtype=np.int64),
            forced_reason=np.full(n, "", dtype=object),
            balance=None,
            sense="max" if maximize else "min",
        )


def input_fingerprints(
    customers: pd.DataFrame | str, reps: pd.DataFrame | str, scenario: Scenario
) -> dict[str, str]:
    """What identifies a problem's inputs: the fingerprint of each table (either may be
    given as an already computed fingerprint) and of the scenario."""
    return {
        "customers": customers if isinstance(customers, str) else fingerprint_frame(customers),
        "reps": reps if isinstance(reps, str) else fingerprint_frame(reps),
        "scenario": _scenario_fingerprint(scenario.model_dump_json()),
    }


@functools.lru_cache(maxsize=16)
def _scenario_fingerprint(text: str) -> str:
    """The scenario's fingerprint from its JSON text: of the one-row frame of its fields
    (remembered: a router places on one scenario all day)."""
    return fingerprint_frame(pd.DataFrame([json.loads(text)]))


def load_inputs(
    customers: pd.DataFrame | str | Path, reps: pd.DataFrame | str | Path, scenario: Scenario
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate both tables; problems of both files are reported together."""
    issues = []
    raw: dict[str, RawTable] = {}
    fmt = scenario.input
    customer_columns, rep_columns = scenario.band_columns()
    for name, data in (("reps", reps), ("customers", customers)):
        try:
            table = read_table(data, name, sep=fmt.sep, decimal=fmt.decimal, encoding=fmt.encoding)
            raw[name] = apply_mapping(table, dict(getattr(scenario.columns, name)), name)
            for hint in unread_column_hints([str(c) for c in raw[name].frame.columns], name):
                warnings.warn(hint, ColumnWarning, stacklevel=2)
        except InputError as exc:
            issues += exc.issues
    reps_df = customers_df = None
    if "reps" in raw:
        try:
            reps_df = validate_reps(raw["reps"], rep_columns)
        except InputError as exc:
            issues += exc.issues
    if "customers" in raw:
        # with broken reps, customers are still checked against the rep ids that can be read
        known = reps_df if reps_df is not None else _readable_rep_ids(raw.get("reps"))
        try:
            customers_df = validate_customers(
                raw["customers"],
                known,
                scenario.as_of,
                scenario.rules.leaving_rep_protection,
                customer_columns,
            )
        except InputError as exc:
            # no readable rep list (no file, or no rep_id column): rep references cannot be judged
            unknowable = "reps" not in raw or "rep_id" not in raw["reps"].frame.columns
            issues += [i for i in exc.issues if not (unknowable and "reps table" in i.rule)]
    if issues or reps_df is None or customers_df is None:
        raise InputError(issues)
    warn_locations(customers_df, reps_df)
    _warn_zero_shares(reps_df, scenario)
    return customers_df, reps_df


def _warn_zero_shares(reps: pd.DataFrame, scenario: Scenario) -> None:
    """Warn when a hard band's share column gives an active rep 0: its ceiling is then
    0 x hi x total, so that rep can hold none of the measure (a quota left at 0 for a
    new hire empties the rep's book)."""
    for table in scenario.balance:
        if table.band is None or table.share not in reps.columns:
            continue
        zero = reps["active"].to_numpy(bool) & (reps[table.share].to_numpy(float) == 0)
        if zero.any():
            names = ", ".join(map(str, reps.loc[zero, "rep_id"].head(10)))
            warnings.warn(
                f"reps column '{table.share}' is 0 for active rep(s) {names}: the hard band "
                f"on {table.measure} lets them hold no {table.measure} (give them a share, "
                "or set active = false)",
                ShareWarning,
                stacklevel=2,
            )


def _readable_rep_ids(table: RawTable | None) -> pd.DataFrame:
    ids = [] if table is None or "rep_id" not in table.frame else table.frame["rep_id"]
    ids = [str(r).strip() for r in ids]
    return pd.DataFrame({"rep_id": ids, "active": [True] * len(ids)})


def rule_forced(facts: Facts, scenario: Scenario, rules) -> tuple[np.ndarray, np.ndarray]:
    """Merge what protection and locks force; two rules forcing different reps is infeasible."""
    forced = np.full(facts.n, -1, dtype=np.int64)
    reason = np.full(facts.n, "", dtype=object)
    conflicts = []
    for rule in rules:
        result = rule.forced(facts, scenario)
        if result is None:
            continue
        rep, why = result
        clash = (forced >= 0) & (rep >= 0) & (forced != rep)
        for i in np.flatnonzero(clash):
            conflicts.append(
                f"customer {facts.customer_ids[i]}: {reason[i]} to {facts.rep_ids[forced[i]]}, "
                f"but {why} to {facts.rep_ids[rep[i]]}"
            )
        new = (forced < 0) & (rep >= 0)
        forced[new] = rep[new]
        reason[new] = why
    if conflicts:
        raise_infeasible(conflicts, ["remove one of the conflicting locks"])
    return forced, reason
