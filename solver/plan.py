"""Plan: one row per customer (with reason and per-term costs), one row per rep, metrics,
and the certificate (status, objective, bound, gap, how the bound was obtained)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solver import display
from solver.constraints import active_rules
from solver.errors import InputError, InputIssue
from solver.export.plan_files import PlanFiles, plan_file_bytes, read_plan
from solver.fairness.measures import MeasureRule, RepMeasure, measure_rules, rep_measures
from solver.inputs.facts import PairFacts
from solver.metrics import MatrixMetrics, PlanMetrics, assignment_metrics
from solver.models.stopping import gap
from solver.objectives import balance
from solver.objectives.bands import costs as soft_costs
from solver.outputs import replace_together
from solver.problem import Problem
from solver.reasons import explain_customer, forced_by, reasons
from solver.results.certificate import SCHEMA_VERSION, TIMING_KEYS, Certificate
from solver.scenario import BUILTIN_MEASURES, Scenario

OUTPUT_FILES = ("assignments.csv", "reps.csv", "metrics.json")
#: the columns of assignments.csv the plan computes (every other column is an input column)
ASSIGNMENT_COLUMNS = (
    "customer_id", "rep_id", "previous_rep", "changed", "forced_by", "reason", "distance_km",
    "travel_km", "workload_hours", "cost_total",
)  # fmt: skip
#: the columns of reps.csv the plan computes (rep_id, active and capacity_hours are inputs)
REP_COLUMNS = (
    "accounts", "workload_hours", "utilisation", "balance_target", "balance_load", "value",
    "value_share", "travel_km", "specialty_match_rate", "accounts_before", "workload_hours_before",
    "utilisation_before", "accounts_gained", "value_before", "value_share_before",
)  # fmt: skip
__all__ = ["SCHEMA_VERSION", "TIMING_KEYS", "Plan", "build_plan", "evaluate", "load_plan"]


@dataclass(frozen=True)
class Evaluation:
    """Cost of one assignment, term by term (min sense, cost points)."""

    chosen: np.ndarray  # pair index per customer
    terms: dict[str, float]

    @property
    def total(self) -> float:
        return float(sum(self.terms.values()))


def evaluate(problem: Problem, rep: np.ndarray) -> Evaluation:
    """Objective of the assignment ``rep`` from the terms themselves (no engine involved)."""
    chosen = problem.pair_index(rep)
    if (chosen < 0).any():
        raise ValueError("assignment uses a pair outside the candidate set")
    terms = {name: float(cost[chosen].sum()) for name, cost in problem.pair_terms.items()}
    if problem.pairs is not None:
        terms[balance.NAME] = balance.cost(problem.pairs.subset(chosen), problem.scenario)
    terms.update(soft_costs(problem.soft, problem.pair_rep[chosen], chosen, problem.m))
    return Evaluation(chosen, terms)


@dataclass(frozen=True, eq=False)
class Plan:
    assignments: pd.DataFrame
    reps: pd.DataFrame
    metrics: PlanMetrics
    certificate: Certificate
    problem: Problem = field(repr=False)
    rep_index: np.ndarray = field(repr=False)

    @property
    def status(self) -> str:
        return self.certificate.status

    @property
    def objective(self) -> float:
        assert self.certificate.objective is not None
        return self.certificate.objective

    @property
    def bound(self) -> float | None:
        return self.certificate.bound

    @property
    def gap(self) -> float | None:
        return self.certificate.gap

    def explain(self, customer_id: str) -> str:
        """Why this customer has its rep: the deciding rule, or the runner-up rep and the
        cost difference term by term."""
        return explain_customer(self.problem, self.rep_index, str(customer_id))

    @classmethod
    def load(cls, plan_dir: str | Path) -> Plan:
        """Read a plan folder (or a file in it) back: its problem is rebuilt from the input
        columns the folder carries and the scenario its certificate holds."""
        return load_plan(plan_dir)

    def metrics_frame(self) -> pd.DataFrame:
        """Metrics before and after as a tidy frame (metric, measure, statistic, before,
        after, change)."""
        return display.metrics_frame(self.metrics)

    def __repr__(self) -> str:
        return display.plan_repr(self)

    def _repr_html_(self) -> str:
        return display.plan_html(self)

    def compare(self, other):
        """This plan against the reference plan ``other`` (deltas: this - other)."""
        from solver.analysis.compare import compare

        return compare(self, other)

    def write(self, out_dir: str | Path) -> None:
        """Write assignments.csv, reps.csv and metrics.json, each carrying the plan's id,
        so that they replace an earlier plan together (``solver.outputs.replace_together``;
        :class:`solver.outputs.WriteError` when the disk refuses, the old plan left whole).
        A deterministic run leaves its wall times out, so the same inputs, scenario and
        seed write the same bytes."""
        replace_together(Path(out_dir), self.file_bytes(), "plan", "the plan")

    def file_bytes(self) -> dict[str, bytes]:
        """The plan folder's files as :meth:`write` writes them (name -> bytes, the seal
        last); the run history keeps them, so a recorded run comes back whole."""
        payload = {"metrics": self.metrics.as_dict(), "certificate": self.certificate.written()}
        return plan_file_bytes(self.assignments, self.reps, payload, SCHEMA_VERSION)


def build_plan(
    problem: Problem,
    rep: np.ndarray,
    certificate: Certificate | Mapping[str, Any],
    known: KnownParts | Callable[[], KnownParts] | None = None,
    defer: bool = False,
) -> Plan:
    """Assemble the plan tables and metrics for the assignment ``rep``; the certificate
    (or its dict) gains the objective, its terms and the gap (its bound in min sense
    becomes the plan's). ``known`` gives parts already computed for this very plan (a
    placement reuses the standing book's), or how to compute them. With ``defer`` the
    certificate is made now and the tables and metrics when first read
    (:class:`DeferredPlan`): the same tables, built later."""
    if not isinstance(certificate, Certificate):
        certificate = Certificate.from_dict(certificate)
    ev = evaluate(problem, rep)
    sign = -1.0 if problem.sense == "max" else 1.0
    bound = certificate.bound
    cert = certificate.replace(
        objective=sign * ev.total,
        objective_terms={k: sign * v for k, v in ev.terms.items()},
        bound=None if bound is None else sign * bound,
        gap=None if bound is None else gap(ev.total, bound),
    )
    if problem.facts is None:
        return _matrix_plan(problem, rep, ev, cert)
    if defer:
        return DeferredPlan(build=lambda: _tables(problem, rep, ev, known), certificate=cert,
                            problem=problem, rep_index=rep)  # fmt: skip
    return Plan(*_tables(problem, rep, ev, known), cert, problem, rep)


def _tables(
    problem: Problem,
    rep: np.ndarray,
    ev: Evaluation,
    known: KnownParts | Callable[[], KnownParts] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, PlanMetrics]:
    """The assignments table, the reps table and the metrics of the plan ``rep``."""
    assert problem.pairs is not None and problem.facts is not None
    f = problem.facts
    assigned = problem.pairs.subset(ev.chosen)
    previous = f.current
    released = int((f.released >= 0).sum())
    had = previous >= 0
    owned = PairFacts.of(f, np.flatnonzero(had), previous[had])
    measured = (rep_measures(assigned, problem.scenario), rep_measures(owned, problem.scenario))
    before = None
    if had.any():
        before = assignment_metrics(owned, problem.scenario, None, measures=measured[1])
    after = assignment_metrics(assigned, problem.scenario, previous, released, measured[0])
    parts = known() if callable(known) else known
    why = None if parts is None else parts.reasons
    return (
        _assignment_table(problem, rep, ev, why),
        _rep_table(problem, assigned, owned, measured),
        PlanMetrics(after=after, before=before),
    )


class DeferredPlan(Plan):
    """A plan whose tables and metrics are built when first read, all three at once (a
    placement onto a 100,000-account book has its certificate at once; writing the folder
    or reading a table builds them). Everything else is a :class:`Plan`'s; it pickles as
    one."""

    def __init__(
        self,
        assignments: pd.DataFrame | None = None,
        reps: pd.DataFrame | None = None,
        metrics: PlanMetrics | None = None,
        certificate: Certificate | None = None,
        problem: Problem | None = None,
        rep_index: np.ndarray | None = None,
        build: Callable[[], tuple[pd.DataFrame, pd.DataFrame, PlanMetrics]] | None = None,
    ) -> None:
        values = {"certificate": certificate, "problem": problem, "rep_index": rep_index}
        if build is None:  # dataclasses.replace passes every field
            values.update(assignments=assignments, reps=reps, metrics=metrics)
        self.__dict__.update(values, _build=build)

    def _part(self, name: str):
        if name not in self.__dict__:
            tables = self.__dict__["_build"]()
            self.__dict__.update(zip(("assignments", "reps", "metrics"), tables, strict=True))
        return self.__dict__[name]

    assignments = property(lambda self: self._part("assignments"))  # type: ignore[assignment]
    reps = property(lambda self: self._part("reps"))  # type: ignore[assignment]
    metrics = property(lambda self: self._part("metrics"))  # type: ignore[assignment]

    @property
    def built(self) -> bool:
        """Whether the tables and metrics have been built."""
        return "assignments" in self.__dict__

    def __reduce__(self):
        fields = (self.assignments, self.reps, self.metrics, self.certificate, self.problem,
                  self.rep_index)  # fmt: skip
        return Plan, fields


@dataclass(frozen=True)
class KnownParts:
    """Parts of a plan computed elsewhere: each row's reason."""

    reasons: np.ndarray | pd.api.extensions.ExtensionArray | None = None


def _assignment_table(
    problem: Problem, rep: np.ndarray, ev: Evaluation, why: np.ndarray | None = None
) -> pd.DataFrame:
    f = problem.facts
    assert f is not None and problem.pairs is not None
    p = ev.chosen
    previous = problem.customers["current_rep"].to_numpy(dtype=object)
    new = f.rep_ids[rep]
    table = pd.DataFrame(
        {
            # the text columns taken as they are typed (a rep's id converted once, not
            # once per account): the same cells, without converting 100,000 strings again
            "customer_id": problem.customers["customer_id"].array,
            "rep_id": pd.array(f.rep_ids).take(rep),
            "previous_rep": problem.customers["current_rep"].array,
            "changed": (previous != "") & (previous != new),
            "forced_by": forced_by(problem, rep),
            "reason": reasons(problem, rep, ev.chosen) if why is None else why,
            "distance_km": np.round(problem.pairs.distance_km[p], 2),
            "travel_km": np.round(problem.pairs.travel_km[p], 2),
            "workload_hours": np.round(problem.pairs.workload[p], 3),
        }
    )
    for name, cost in problem.pair_terms.items():
        table[f"cost_{name}"] = np.round(cost[p], 4)
    table["cost_total"] = np.round(problem.pair_cost[p], 4)
    carried = [c for c in problem.customers.columns if c not in ("customer_id", "current_rep")]
    for column in carried:
        table[column if column not in table else f"input_{column}"] = problem.customers[column]
    return table


def _rep_table(
    problem: Problem,
    assigned: PairFacts,
    before: PairFacts,
    measured: tuple[tuple[RepMeasure, ...], tuple[RepMeasure, ...]],
) -> pd.DataFrame:
    """One row per rep: its book after and before (today's owners), and per balance measure
    the ratio to its fair share (``value_ratio``, ``value_ratio_before``; a customer column
    measure also its amount, ``balance_<column>``)."""
    f = problem.facts
    assert f is not None
    m = f.m
    count = np.bincount(assigned.rep, minlength=m)
    hours = np.bincount(assigned.rep, weights=assigned.workload, minlength=m)
    seg = f.segment[assigned.customer]
    has = seg >= 0
    match = np.zeros(len(seg))
    match[has] = f.covers[seg[has], assigned.rep[has]]
    with_seg = np.bincount(assigned.rep, weights=has.astype(float), minlength=m)
    matched = np.bincount(assigned.rep, weights=match, minlength=m)
    loads = balance.rep_loads(assigned, problem.scenario)
    value = np.bincount(assigned.rep, weights=f.value[assigned.customer], minlength=m)
    table = pd.DataFrame(
        {
            "rep_id": f.rep_ids,
            "active": f.active,
            "accounts": count,
            "workload_hours": np.round(hours, 2),
            "capacity_hours": f.capacity,
            "utilisation": np.round(hours / f.capacity, 4),
            "balance_target": np.round(balance.targets(assigned, problem.scenario), 2),
            "balance_load": np.round(loads, 2),
            "value": np.round(value, 2),
            "value_share": np.round(value / max(float(value.sum()), 1e-12), 6),
            "travel_km": np.round(
                np.bincount(assigned.rep, weights=assigned.travel_km, minlength=m), 1
            ),
            "specialty_match_rate": np.round(
                np.divide(matched, with_seg, out=np.full(m, np.nan), where=with_seg > 0), 4
            ),
            "accounts_before": np.bincount(before.rep, minlength=m),
            "workload_hours_before": np.round(
                np.bincount(before.rep, weights=before.workload, minlength=m), 2
            ),
        }
    )
    table["utilisation_before"] = np.round(table["workload_hours_before"] / f.capacity, 4)
    table["accounts_gained"] = table["accounts"] - table["accounts_before"]
    value_before = np.bincount(before.rep, weights=f.value[before.customer], minlength=m)
    table["value_before"] = np.round(value_before, 2)
    table["value_share_before"] = np.round(value_before / max(float(value_before.sum()), 1e-12), 6)
    for now, then in zip(*measured, strict=True):
        names = measure_columns(now.rule)
        if len(names) == 4:  # a customer column: its amount too
            table[names[2]] = np.round(now.amount, 2)
            table[names[3]] = np.round(then.amount, 2)
        table[names[0]] = np.round(now.ratio, 4)
        # no account had an owner: no ratio before (blank, not "at its fair share")
        table[names[1]] = np.round(then.ratio, 4) if len(before.rep) else np.nan
    carried = [c for c in problem.reps.columns if c not in table.columns]
    for column in carried:
        table[column] = problem.reps[column]
    return table


def measure_columns(rule: MeasureRule) -> tuple[str, ...]:
    """The reps.csv columns of a balance measure: its ratio to the fair share after and
    before (``value_ratio``, ``value_ratio_before``) and, for a customer column, its amount
    after and before (``balance_potential``, ``balance_potential_before``)."""
    ratios = (f"{rule.key}_ratio", f"{rule.key}_ratio_before")
    if rule.measure in BUILTIN_MEASURES:
        return ratios
    return (*ratios, f"balance_{rule.key}", f"balance_{rule.key}_before")


def _matrix_plan(problem: Problem, rep: np.ndarray, ev: Evaluation, cert: Certificate) -> Plan:
    n, m = problem.n, problem.m
    sign = -1.0 if problem.sense == "max" else 1.0
    load = np.bincount(rep, weights=problem.pair_workload[ev.chosen], minlength=m)
    assignments = pd.DataFrame(
        {
            "customer_id": problem.customer_ids,
            "rep_id": problem.rep_ids[rep],
            "cost": sign * problem.pair_cost[ev.chosen],
            "workload": problem.pair_workload[ev.chosen],
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": problem.rep_ids,
            "accounts": np.bincount(rep, minlength=m),
            "workload": load,
            "capacity": problem.reps["capacity_hours"],
        }
    )
    metrics = PlanMetrics(after=MatrixMetrics(customers=n, reps=m))
    return Plan(assignments, reps, metrics, cert, problem, rep)


def rules_in_force(problem: Problem) -> list[str]:
    return [rule.name for rule in active_rules(problem.scenario)]


# -- reading a plan folder back (Plan.load) ------------------------------------------------
# A plan folder carries everything a plan was made from: assignments.csv holds every
# customer input column (previous_rep is the input's current_rep), reps.csv every rep input
# column beside the computed ones, and the certificate in metrics.json the scenario. The
# problem is rebuilt from those and the plan re-evaluated on it, so a loaded plan explains,
# compares and takes new accounts like the plan that was written.


def load_plan(plan_dir: str | Path) -> Plan:
    """The plan in ``plan_dir`` (a folder ``territory solve`` wrote, or a file in it)."""
    files = read_plan(plan_folder(plan_dir))
    problem = Problem.build(*plan_inputs(files))
    rep_index = {r: j for j, r in enumerate(problem.rep_ids)}
    owners = files.assignments.frame.set_index("customer_id")["rep_id"]
    rep = np.array([rep_index.get(owners.get(c, ""), -1) for c in problem.customer_ids])
    if (rep < 0).any():
        bad = problem.customer_ids[rep < 0][:5]
        raise InputError(
            [InputIssue(files.assignments.source, "rep_id", "names no rep of reps.csv", (),
                        ", ".join(map(str, bad)))]
        )  # fmt: skip
    if (problem.pair_index(rep) < 0).any():
        raise InputError(
            [InputIssue(str(files.folder), "", "the plan uses a (customer, rep) pair its own "
                        "scenario does not allow: the folder's files do not belong together")]
        )  # fmt: skip
    return build_plan(problem, rep, files.certificate)


def plan_inputs(files: PlanFiles) -> tuple[pd.DataFrame, pd.DataFrame, Scenario]:
    """The customers and reps input tables a plan folder carries, and its scenario
    (customers' ``current_rep`` is the input's, the plan's ``previous_rep``)."""
    return _customers(files), _reps(files), _scenario(files)


def plan_folder(path: str | Path) -> Path:
    """The plan folder of ``path``: the folder itself, or the folder holding one of its files."""
    path = Path(path)
    return path.parent if path.is_file() else path


def _customers(files: PlanFiles) -> pd.DataFrame:
    """The customer input columns of assignments.csv, under their input names."""
    table = files.assignments.frame
    own = set(ASSIGNMENT_COLUMNS) | {c for c in table.columns if c.startswith("cost_")}
    out = pd.DataFrame({"customer_id": table["customer_id"], "current_rep": table["previous_rep"]})
    for column in table.columns:
        if column in own:
            continue
        name = column.removeprefix("input_") if column.removeprefix("input_") in own else column
        out[name] = table[column]
    return out


def _reps(files: PlanFiles) -> pd.DataFrame:
    """The rep input columns of reps.csv (the plan's computed columns left out)."""
    table = files.reps.frame
    rules = measure_rules(_scenario(files))
    computed = set(REP_COLUMNS).union(*(measure_columns(r) for r in rules))
    return table[[c for c in table.columns if c not in computed]]


def _scenario(files: PlanFiles) -> Scenario:
    """The scenario the plan was solved with; a plan written before the certificate
    carried it gets its as-of date, seed and weights, every other setting by default."""
    cert = files.certificate
    source = str(files.folder / "metrics.json")
    if isinstance(cert.get("scenario"), dict):
        return Scenario.from_dict(cert["scenario"], source=source)
    known = {k: cert[k] for k in ("as_of", "seed", "weights") if cert.get(k) is not None}
    return Scenario.from_dict(known, source=source)
