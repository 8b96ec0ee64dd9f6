"""Column arrays of the validated tables, and per-pair facts (distance, travel, workload).

Both the problem builder and the independent checker derive pair facts from here, so a
pair's workload means the same thing everywhere: effort hours + travel hours, where
travel hours = visits x 2 x great-circle km x road factor / speed x the rep's route share
(1 unless ``travel_model = "routes"`` measured it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.inputs.geo import haversine_km, travel_km_per_period
from solver.inputs.schema import protection_holds
from solver.scenario import Scenario


def segment_key(text: str) -> str:
    """How segments and specialties are matched: letter case, surrounding and repeated
    spaces ignored (``' Healthcare '`` matches ``healthcare``)."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Facts:
    """Numpy views of customers (length n) and reps (length m) used by rules and terms."""

    customer_ids: np.ndarray
    rep_ids: np.ndarray
    c_lat: np.ndarray
    c_lon: np.ndarray
    value: np.ndarray
    value_rel: np.ndarray  # value / mean value (1 when all values are 0)
    tenure_years: np.ndarray  # years with the current rep at as_of (0 when unknown)
    effort: np.ndarray
    visits: np.ndarray
    segment: np.ndarray  # segment code, -1 = none
    tier: np.ndarray  # 'A' / 'B' / 'C'
    current: np.ndarray  # rep index, -1 = none
    protected: np.ndarray  # rep index holding protection in force, -1 = none
    released: np.ndarray  # leaving rep whose protection in force lapsed with it, -1 = none
    c_region: np.ndarray | None
    r_lat: np.ndarray
    r_lon: np.ndarray
    capacity: np.ndarray
    max_accounts: np.ndarray  # NaN = no cap
    seniority: np.ndarray
    performance: np.ndarray
    r_region: np.ndarray
    max_travel: np.ndarray  # NaN = no limit
    active: np.ndarray
    covers: np.ndarray  # bool [segment code, rep]: rep lists that segment as a specialty
    segments: tuple[str, ...]
    road_factor: float
    speed_kmh: float
    travel_share: np.ndarray  # per rep: share of round-trip travel time counted (1 = star)
    #: per rep absolute floors (NaN = none): hours, accounts, value
    min_hours: np.ndarray
    min_accounts: np.ndarray
    min_value: np.ndarray
    #: numeric customer / rep columns named by [[balance]] tables (measures, shares)
    customer_columns: dict[str, np.ndarray]
    rep_columns: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.customer_ids)

    @property
    def m(self) -> int:
        return len(self.rep_ids)

    @classmethod
    def build(cls, customers: pd.DataFrame, reps: pd.DataFrame, scenario: Scenario) -> Facts:
        spelling: dict[str, str] = {}  # matching key -> first spelling seen, for messages
        for s in pd.unique(customers["segment"]):  # few distinct segments, many accounts
            if s:
                spelling.setdefault(segment_key(s), s)
        keys = sorted(spelling)
        segments = tuple(spelling[k] for k in keys)
        seg_code = {k: code for code, k in enumerate(keys)}
        covers = np.zeros((max(len(segments), 1), len(reps)), dtype=bool)
        for j, text in enumerate(reps["specialties"]):
            for spec in (segment_key(s) for s in str(text).split(";")):
                if spec in seg_code:
                    covers[seg_code[spec], j] = True
        active = reps["active"].to_numpy(bool)
        rep_ids = reps["rep_id"].to_numpy(dtype=object)
        _, rep_cols = scenario.band_columns()
        return cls(
            **_customer_fields(customers, rep_ids, active, seg_code, scenario),
            rep_ids=rep_ids,
            r_lat=reps["lat"].to_numpy(float),
            r_lon=reps["lon"].to_numpy(float),
            capacity=reps["capacity_hours"].to_numpy(float),
            max_accounts=reps["max_accounts"].to_numpy(float),
            seniority=reps["seniority"].to_numpy(float),
            performance=reps["performance"].to_numpy(float),
            r_region=reps["region"].astype(str).to_numpy(),
            max_travel=reps["max_travel_km"].to_numpy(float),
            active=active,
            covers=covers,
            segments=segments,
            road_factor=scenario.travel.road_factor,
            speed_kmh=scenario.travel.speed_kmh,
            travel_share=np.array(
                [scenario.travel.shares.get(r, 1.0) for r in reps["rep_id"]], dtype=float
            ),
            min_hours=_optional(reps, "min_hours"),
            min_accounts=_optional(reps, "min_accounts"),
            min_value=_optional(reps, "min_value"),
            rep_columns={c: reps[c].to_numpy(float) for c in rep_cols},
        )

    def build_like(self, customers: pd.DataFrame, scenario: Scenario) -> Facts | None:
        """The facts of ``customers`` on this book's reps and segment coding (its rep side
        as it is), as :meth:`build` makes them for these rows beside this book's; None when
        a customer names a segment this book does not (the coding would change).
        ``scenario``: this book's."""
        seg_code = {segment_key(s): code for code, s in enumerate(self.segments)}
        if any(s and segment_key(s) not in seg_code for s in pd.unique(customers["segment"])):
            return None
        fields = _customer_fields(customers, self.rep_ids, self.active, seg_code, scenario)
        return dataclasses.replace(self, **fields)

    def rep_strength(self) -> np.ndarray:
        """Rep strength in 0..1: half seniority ((s - 1) / 4), half performance."""
        return 0.5 * (self.seniority - 1.0) / 4.0 + 0.5 * self.performance


def _customer_fields(
    customers: pd.DataFrame, rep_ids: np.ndarray, active: np.ndarray,
    seg_code: dict[str, int], scenario: Scenario,
) -> dict:  # fmt: skip
    """The customer side of :class:`Facts` (``seg_code``: segment key -> code)."""
    rep_index = {r: j for j, r in enumerate(rep_ids)}
    value = customers["value"].to_numpy(float)
    holder = np.full(len(customers), -1, dtype=np.int64)
    holds = protection_holds(customers, scenario.as_of)
    prot_reps = customers["protected_rep"].to_numpy()
    holder[holds] = [rep_index[r] for r in prot_reps[holds]]
    lapsed = (holder >= 0) & ~active[np.maximum(holder, 0)]
    segment_of = {s: seg_code.get(segment_key(s), -1) for s in pd.unique(customers["segment"])}
    customer_cols, _ = scenario.band_columns()
    return {
        "customer_ids": customers["customer_id"].to_numpy(dtype=object),
        "c_lat": customers["lat"].to_numpy(float),
        "c_lon": customers["lon"].to_numpy(float),
        "value": value,
        "value_rel": relative_value(value),
        "tenure_years": _tenure_years(customers["owner_since"], scenario.as_of),
        "effort": customers["effort_hours"].to_numpy(float),
        "visits": customers["visits"].to_numpy(float),
        "segment": _codes(customers["segment"], segment_of),
        "tier": customers["tier"].to_numpy(dtype=object),
        "current": _codes(customers["current_rep"], rep_index),
        "protected": np.where(lapsed, -1, holder),
        "released": np.where(lapsed, holder, -1),
        "c_region": customers["region"].astype(str).to_numpy() if "region" in customers else None,
        "customer_columns": {c: customers[c].to_numpy(float) for c in customer_cols},
    }


def _codes(column: pd.Series, code: dict) -> np.ndarray:
    """``code`` of each cell, -1 for a cell it lacks."""
    return np.fromiter((code.get(v, -1) for v in column.tolist()), np.int64, len(column))


def relative_value(value: np.ndarray) -> np.ndarray:
    """value / mean value (the value itself when the mean is not positive)."""
    mean_value = value.mean() if len(value) and value.mean() > 0 else 1.0
    return value / mean_value


def _optional(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A typed optional numeric column; all NaN when the frame has none."""
    if column in frame.columns:
        return frame[column].to_numpy(float)
    return np.full(len(frame), np.nan)


def _tenure_years(owner_since: pd.Series, as_of) -> np.ndarray:
    """Years from owner_since to as_of, clipped at 0; 0 where the date is unknown."""
    days = [(as_of - d).days if d is not None else 0 for d in owner_since.tolist()]
    return np.clip(np.array(days, dtype=float) / 365.25, 0.0, None)


@dataclass(frozen=True)
class PairFacts:
    """Facts of a set of (customer, rep) pairs: the unit rules and terms work on."""

    facts: Facts
    customer: np.ndarray
    rep: np.ndarray
    distance_km: np.ndarray
    travel_km: np.ndarray  # road km per period
    workload: np.ndarray  # hours per period: effort + travel time

    @classmethod
    def of(cls, facts: Facts, customer: np.ndarray, rep: np.ndarray) -> PairFacts:
        dist = haversine_km(
            facts.c_lat[customer], facts.c_lon[customer], facts.r_lat[rep], facts.r_lon[rep]
        )
        travel = travel_km_per_period(dist, facts.visits[customer], facts.road_factor)
        share = facts.travel_share[rep]  # routed / round-trip km of the rep's routes
        workload = facts.effort[customer] + travel / facts.speed_kmh * share
        return cls(facts, customer, rep, dist, travel, workload)

    def subset(self, mask: np.ndarray) -> PairFacts:
        return PairFacts(
            self.facts,
            self.customer[mask],
            self.rep[mask],
            self.distance_km[mask],
            self.travel_km[mask],
            self.workload[mask],
        )
