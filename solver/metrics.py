"""Fairness and quality metrics of an assignment, computed from facts alone (no engine).

Workload fairness is measured on utilisation u_j = load_j / capacity_j of the active reps,
so reps with different capacities compare fairly:
  Gini = sum_jk |u_j - u_k| / (2 k^2 mean u);  CV = std u / mean u;
  max/min = max u / min u;  Jain = (sum u)^2 / (k sum u^2), 1 = perfectly even;
  in_band = share of reps with u within +-10 % of mean u.

Per balance measure (``measures``: workload, accounts, value and every ``[[balance]]``
measure, :mod:`solver.fairness.measures`) the same statistics are taken of each active
rep's ratio to its fair share, and in_band is the share of active reps inside the
measure's band (its hard band, else its tolerance, else +-10 %), as the checker judges it.
The value-seniority fit (:mod:`solver.fairness.fit`) adds the mean owner strength of key
and small accounts.

Every metric is a field of :class:`Spread` or :class:`Metrics` that states its unit and
which direction is better, once: compare, the report, the run history and the command line
read both from here (:data:`METRICS`, :func:`better_side`, :func:`verdict`). The records
read like the dicts metrics.json holds (``plan.metrics["after"]["workload"]["gini"]``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from solver.fairness.fit import seniority_fit
from solver.fairness.measures import ALWAYS, RepMeasure, rep_measures
from solver.inputs.facts import PairFacts
from solver.objectives import balance
from solver.results.record import Record, entry

BAND = 0.10

Direction = Literal["lower", "higher"]
LOWER: Direction = "lower"
HIGHER: Direction = "higher"


def metric(unit: str, better: Direction | None, optional: bool = False) -> Any:
    """A metric field: its unit and which direction is the better plan (None: neither)."""
    return entry(omit_none=optional, unit=unit, better=better)


@dataclass(frozen=True, eq=False)
class Spread(Record):
    """How evenly a measure spreads over the active reps (of utilisation, for workload):
    Gini 0..1, CV, max/min, Jain 1/k..1 (1 = even), share of reps inside the band."""

    gini: float = metric("ratio", LOWER)
    cv: float = metric("ratio", LOWER)
    max_min_ratio: float = metric("ratio", LOWER)
    jain: float = metric("ratio", HIGHER)
    in_band_share: float = metric("share", HIGHER)


@dataclass(frozen=True, eq=False)
class MeasureSpread(Spread):
    """A balance measure's spread over the active reps, of each rep's ratio to its fair
    share (:mod:`solver.fairness.measures`): the statistics of :class:`Spread`, with
    ``in_band_share`` the share of active reps inside [band_low, band_high] x their target;
    ``share`` the share rule, ``band_kind`` where the band comes from ("band": the hard
    band, "tolerance", "default": +-10 %), ``total`` the total shared out (the measure's
    unit: h or accounts for workload, accounts, the customer column's unit)."""

    band_low: float = metric("ratio", None)
    band_high: float = metric("ratio", None)
    share: str = metric("rule", None)
    band_kind: str = metric("rule", None)
    total: float = metric("measure", None)


def ordered(measures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The measures of a metrics object in reading order: workload, accounts and value,
    then the others as they come (metrics.json keeps its keys sorted)."""
    first = [k for k in ALWAYS if k in measures]
    return [(k, measures[k]) for k in first + [k for k in measures if k not in ALWAYS]]


def band_label(spread: Mapping[str, Any], short: bool = False) -> str:
    """How a measure's band (a :class:`MeasureSpread` or its dict) reads:
    "hard [0.85, 1.15]", "tolerance ±5 %" or "±10 %" (the default band); ``short``:
    "[0.85, 1.15]", "±5 %" or "(±10 %)", for narrow tables."""
    low, high, kind = spread.get("band_low"), spread.get("band_high"), spread.get("band_kind")
    if low is None or high is None:
        return ""
    if kind == "band":
        return f"[{low:g}, {high:g}]" if short else f"hard [{low:g}, {high:g}]"
    half = f"±{round(100 * (high - 1), 2):g} %"
    if kind == "tolerance":
        return half if short else f"tolerance {half}"
    return f"({half})" if short else half


#: the key of the per-measure spreads in a metrics object (``measures.value.gini``)
MEASURES_KEY = "measures"


@dataclass(frozen=True, eq=False)
class Metrics(Record):
    """The metrics of one assignment (after the plan, or before it: today's owners).

    Units: ``share`` a fraction 0..1, ``km`` road km (one way per account for mean and p95,
    driven per period in all for ``travel_km_per_period``), ``h`` hours per period,
    ``h or accounts`` the scenario's ``workload_unit``, ``rho`` Spearman's -1..1.

    Churn (``moves``, ``value_moved``, ``value_moved_share``) is measured against today's
    owners and absent from the "before" side; ``released_protections`` is on the plan's side.
    ``strength`` is an owner's strength, 0..1 (half seniority, half performance). Files
    written before ``measures`` and the owner strengths existed read them as None.
    """

    workload: Spread = metric("utilisation", None)
    workload_hours_total: float = metric("h", LOWER)
    utilisation_max: float = metric("share", LOWER)
    utilisation_min: float = metric("share", HIGHER)
    value_gini: float = metric("ratio", LOWER)
    travel_km_mean: float = metric("km", LOWER)
    travel_km_p95: float = metric("km", LOWER)
    travel_km_per_period: float = metric("km", LOWER)
    specialty_match_rate: float = metric("share", HIGHER)
    value_seniority_fit: float = metric("rho", HIGHER)
    balance_deviation: float = metric("h or accounts", LOWER)
    leaving_rep_accounts: int = metric("accounts", LOWER)
    moves: int | None = metric("accounts", LOWER, optional=True)
    value_moved: float | None = metric("value", LOWER, optional=True)
    value_moved_share: float | None = metric("share", LOWER, optional=True)
    released_protections: int | None = metric("accounts", None, optional=True)
    strength_tier_a: float | None = metric("strength", HIGHER, optional=True)
    strength_tier_c: float | None = metric("strength", None, optional=True)
    strength_top_value: float | None = metric("strength", HIGHER, optional=True)
    strength_bottom_value: float | None = metric("strength", None, optional=True)
    measures: dict[str, MeasureSpread] | None = metric("", None, optional=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        """The record of a metrics object; its ``measures`` typed too."""
        record = super().from_dict(data)
        measures = data.get(MEASURES_KEY)
        if not isinstance(measures, Mapping):
            return record
        typed = {k: MeasureSpread.from_dict(v) for k, v in measures.items()}
        return dataclasses.replace(record, measures=typed)


@dataclass(frozen=True, eq=False)
class MatrixMetrics(Record):
    """What a plan of a matrix problem (no customer facts) measures: its size."""

    customers: int = metric("customers", None)
    reps: int = metric("reps", None)


@dataclass(frozen=True, eq=False)
class PlanMetrics(Record):
    """Metrics after the plan and, when customers had owners, before it."""

    after: Metrics | MatrixMetrics
    before: Metrics | None = entry(omit_none=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanMetrics:
        """Read the ``metrics`` object of metrics.json (any version written so far)."""
        after = data.get("after") or {}
        kind = Metrics if "workload" in after else MatrixMetrics
        before = data.get("before")
        return cls(kind.from_dict(after), Metrics.from_dict(before) if before else None)


@dataclass(frozen=True)
class MetricInfo:
    """A metric's dotted name (``workload.gini``), unit and better direction."""

    name: str
    unit: str
    better: Direction | None


def _infos(kind: type[Record], prefix: str = "") -> dict[str, MetricInfo]:
    out: dict[str, MetricInfo] = {}
    for f in fields(kind):  # type: ignore[arg-type]
        if f.name == "workload":
            out.update(_infos(Spread, f"{prefix}{f.name}."))
        elif f.name != MEASURES_KEY:
            name = f"{prefix}{f.name}"
            out[name] = MetricInfo(name, f.metadata["unit"], f.metadata["better"])
    return out


#: every metric by dotted name (``workload.gini``, ``travel_km_mean``, ...); the per-measure
#: statistics (``measures.value.gini``) are found by :func:`metric_info`
#: the metrics of a territory plan (:class:`Metrics`) by dotted name
PLAN_METRICS: dict[str, MetricInfo] = _infos(Metrics)
METRICS: dict[str, MetricInfo] = PLAN_METRICS | _infos(MatrixMetrics)
_MEASURE_INFOS = _infos(MeasureSpread)
#: the statistics of a measure (``gini``, ``in_band_share``, ...)
MEASURE_STAT_NAMES = tuple(_MEASURE_INFOS)


def metric_info(name: str) -> MetricInfo | None:
    """Unit and direction of the metric ``name`` (dotted); ``measures.<measure>.<stat>``
    for any measure (a column name may hold dots); None for a metric this version does
    not know."""
    if name.startswith(f"{MEASURES_KEY}."):
        stat = _MEASURE_INFOS.get(name.rpartition(".")[2])
        return MetricInfo(name, stat.unit, stat.better) if stat is not None else None
    return METRICS.get(name)


def direction(name: str) -> Direction | None:
    """Which direction of the metric ``name`` (dotted) is the better plan; None: neither,
    or a metric this version does not know."""
    info = metric_info(name)
    return info.better if info is not None else None


def flat_numbers(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """The numeric metrics by dotted name: ``{"workload": {"gini": g}, "moves": k}`` ->
    ``{"workload.gini": g, "moves": k}`` (``measures.value.gini``); text entries (a
    measure's share rule) and missing ones are left out."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, Mapping):
            out.update(flat_numbers(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = float(value)
    return out


def _numbers(a: Any, b: Any) -> tuple[float, float] | None:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) or math.isnan(y) else (x, y)


def better_side(name: str, a: Any, b: Any) -> str:
    """'a' or 'b': the side whose value of metric ``name`` is better; '=' when equal; ''
    when neither direction is better or a value is missing."""
    better, values = direction(name), _numbers(a, b)
    if better is None or values is None:
        return ""
    x, y = values
    if math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
        return "="
    return "b" if (y < x) == (better == LOWER) else "a"


def verdict(name: str, before: Any, after: Any) -> str:
    """'better', 'worse' or '' (equal, no direction, or a value missing): ``after``
    against ``before`` for metric ``name``."""
    side = better_side(name, before, after)
    return {"b": "better", "a": "worse"}.get(side, "")


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    v = np.sort(np.asarray(values, dtype=float))
    if len(v) == 0 or v.sum() <= 0:
        return 0.0
    k = len(v)
    return float((2 * np.arange(1, k + 1) - k - 1) @ v / (k * v.sum()))


def _evenness(v: np.ndarray) -> dict[str, float]:
    """Gini, CV, max/min ratio and Jain index of the non-negative ``v`` (not empty)."""
    mean = v.mean()
    return {
        "gini": gini(v),
        "cv": float(v.std() / mean) if mean > 0 else 0.0,
        "max_min_ratio": float(v.max() / v.min()) if v.min() > 0 else float("inf"),
        "jain": float(v.sum() ** 2 / (len(v) * (v**2).sum())) if (v**2).sum() > 0 else 1.0,
    }


def spread(values: np.ndarray) -> Spread:
    """Gini, CV, max/min ratio, Jain index and in-band share of ``values``."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return Spread(gini=0.0, cv=0.0, max_min_ratio=1.0, jain=1.0, in_band_share=1.0)
    mean = v.mean()
    return Spread(
        **_evenness(v),
        in_band_share=float(np.mean(np.abs(v - mean) <= BAND * mean)) if mean > 0 else 1.0,
    )


def measure_spread(measure: RepMeasure, active: np.ndarray) -> MeasureSpread:
    """The spread of one measure's ratios to fair share over the ``active`` reps."""
    rule, ratio = measure.rule, measure.ratio[active]
    stats = (
        _evenness(ratio)
        if len(ratio)
        else {"gini": 0.0, "cv": 0.0, "max_min_ratio": 1.0, "jain": 1.0}
    )
    return MeasureSpread(
        **stats,
        in_band_share=float(measure.in_band[active].mean()) if active.any() else 1.0,
        band_low=rule.low,
        band_high=rule.high,
        share=rule.share,
        band_kind=rule.kind,
        total=measure.total,
    )


def assignment_metrics(
    assigned: PairFacts,
    scenario,
    previous: np.ndarray | None,
    released_protections: int | None = None,
    measures: tuple[RepMeasure, ...] | None = None,
) -> Metrics:
    """Metrics of an assignment (all customers or a subset); ``previous`` (rep per customer of
    the whole table, -1 none) gives churn; ``measures``: its balance measures per rep, when
    already computed (:func:`solver.fairness.measures.rep_measures`)."""
    f = assigned.facts
    active = f.active
    value = f.value[assigned.customer]
    hours = np.bincount(assigned.rep, weights=assigned.workload, minlength=f.m)
    util = hours / f.capacity
    value_per_rep = np.bincount(assigned.rep, weights=value, minlength=f.m)
    road_km = assigned.distance_km * f.road_factor
    seg = f.segment[assigned.customer]
    has_seg = seg >= 0
    matched = f.covers[seg[has_seg], assigned.rep[has_seg]] if has_seg.any() else np.zeros(0)
    fit = seniority_fit(assigned)
    if measures is None:
        measures = rep_measures(assigned, scenario)
    churn: dict[str, Any] = {}
    if previous is not None:
        before = previous[assigned.customer]
        moved = (before >= 0) & (before != assigned.rep)
        churn = {
            "moves": int(moved.sum()),
            "value_moved": float(value[moved].sum()),
            "value_moved_share": float(value[moved].sum() / max(value.sum(), 1e-12)),
        }
    return Metrics(
        workload=spread(util[active]),
        workload_hours_total=float(hours.sum()),
        utilisation_max=float(util[active].max()) if active.any() else 0.0,
        utilisation_min=float(util[active].min()) if active.any() else 0.0,
        value_gini=gini(value_per_rep[active]),
        travel_km_mean=float(road_km.mean()) if len(road_km) else 0.0,
        travel_km_p95=float(np.percentile(road_km, 95)) if len(road_km) else 0.0,
        travel_km_per_period=float(assigned.travel_km.sum()),
        specialty_match_rate=float(matched.mean()) if len(matched) else 1.0,
        value_seniority_fit=fit.spearman,
        strength_tier_a=fit.tier_a,
        strength_tier_c=fit.tier_c,
        strength_top_value=fit.top_value,
        strength_bottom_value=fit.bottom_value,
        balance_deviation=float(balance.deviation(assigned, scenario).sum()),
        leaving_rep_accounts=int((~active[assigned.rep]).sum()),
        released_protections=released_protections,
        measures={m.rule.key: measure_spread(m, active) for m in measures},
        **churn,
    )
