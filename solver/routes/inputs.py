"""What routing needs from a solved plan folder: per active rep its base, working days
and the accounts it visits, plus the scenario's travel settings.

Read with :func:`solver.export.plan_files.read_plan`; every problem found is raised at once
as an :class:`~solver.errors.InputError` naming file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.errors import InputError
from solver.export.plan_files import PlanFiles
from solver.inputs.schema import FALSE_WORDS, _Collector, _number, _text

DEFAULT_ROAD_FACTOR = 1.3  # road km per great-circle km, as the scenario's default
DEFAULT_SPEED_KMH = 60.0


@dataclass(frozen=True)
class Travel:
    """Road km = great-circle km x ``road_factor``; drive hours = road km / ``speed_kmh``."""

    road_factor: float = DEFAULT_ROAD_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH

    @classmethod
    def from_certificate(cls, certificate: dict) -> Travel:
        """The plan's scenario travel settings; defaults (1.3, 60 km/h) when absent."""
        travel = certificate_travel(certificate)
        return cls(
            float(travel.get("road_factor", DEFAULT_ROAD_FACTOR)),
            float(travel.get("speed_kmh", DEFAULT_SPEED_KMH)),
        )


@dataclass(frozen=True)
class RepVisits:
    """One rep's routing task: its base, working days and the accounts it visits.

    ``visits[i]`` visits of account ``i`` in the period, each ``onsite_h[i]`` hours on site
    (the account's effort_hours shared over its visits).
    """

    rep_id: str
    base_lat: float
    base_lon: float
    days: int
    customer_ids: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    visits: np.ndarray
    onsite_h: np.ndarray

    @property
    def visit_count(self) -> int:
        return int(self.visits.sum())


@dataclass(frozen=True)
class RoutesInput:
    """Every active rep's task, the accounts skipped for having no visit, and the travel."""

    reps: tuple[RepVisits, ...]
    skipped: tuple[str, ...]
    travel: Travel


def routes_input(files: PlanFiles, hours_per_day: float, days: int | None) -> RoutesInput:
    """Tasks of every active rep of the plan; ``days`` None: floor(capacity_hours / hours_per_day).

    Raises InputError (file, row, column) for missing or bad coordinates, visits or
    effort, and for an account whose rep is not in reps.csv or is not active.
    """
    travel = Travel.from_certificate(files.certificate)
    reps = _reps(files, hours_per_day, days)
    accounts = _accounts(files, travel, reps)
    skipped = tuple(accounts.loc[accounts["visits"] == 0, "customer_id"])
    visited = accounts[accounts["visits"] > 0]
    groups = {rep: frame for rep, frame in visited.groupby("rep_id", sort=False)}
    tasks = []
    for rep in reps[reps["active"]].itertuples(index=False):
        own = groups.get(rep.rep_id, visited.iloc[0:0])
        tasks.append(
            RepVisits(
                rep_id=rep.rep_id,
                base_lat=float(rep.lat),
                base_lon=float(rep.lon),
                days=int(rep.days),
                customer_ids=tuple(own["customer_id"]),
                lat=own["lat"].to_numpy(float),
                lon=own["lon"].to_numpy(float),
                visits=own["visits"].to_numpy(int),
                onsite_h=(own["effort"] / own["visits"]).to_numpy(float),
            )
        )
    return RoutesInput(tuple(tasks), skipped, travel)


def _reps(files: PlanFiles, hours_per_day: float, days: int | None) -> pd.DataFrame:
    """Active reps with base and working days."""
    table = files.reps
    frame = table.frame
    col = _Collector(table)
    required = ("lat", "lon") if days is not None else ("lat", "lon", "capacity_hours")
    _require(col, frame, required, "rep")
    out = pd.DataFrame({"rep_id": _text(frame, "rep_id")})
    out["lat"] = _number(col, frame, "lat", True)
    out["lon"] = _number(col, frame, "lon", True)
    _coordinates(col, out)
    if days is None:
        capacity = _number(col, frame, "capacity_hours", True)
        col.add("capacity_hours", "must be >= 0", (capacity < 0).to_numpy())
        out["days"] = np.floor(capacity.fillna(0).clip(lower=0) / hours_per_day).astype(int)
    else:
        out["days"] = days
    out["active"] = ~_text(frame, "active").str.lower().isin(FALSE_WORDS).to_numpy()
    if col.issues:
        raise InputError(col.issues)
    return out


def _accounts(files: PlanFiles, travel: Travel, reps: pd.DataFrame) -> pd.DataFrame:
    """Each account's rep, location, visits and effort; effort_hours left blank is the
    plan's effort for it: workload_hours - travel_km / speed_kmh."""
    table = files.assignments
    frame = table.frame
    col = _Collector(table)
    _require(col, frame, ("lat", "lon"), "customer")
    out = pd.DataFrame({"customer_id": _text(frame, "customer_id")})
    out["rep_id"] = rep = _text(frame, "rep_id")
    out["lat"] = _number(col, frame, "lat", True)
    out["lon"] = _number(col, frame, "lon", True)
    _coordinates(col, out)
    known = set(reps["rep_id"])
    inactive = set(reps.loc[~reps["active"], "rep_id"])
    col.add("rep_id", "account has no rep", (rep == "").to_numpy())
    unknown = ((rep != "") & ~rep.isin(known)).to_numpy()
    col.add("rep_id", f"rep not in {files.reps.source}", unknown, _shown(rep, unknown))
    leaving = rep.isin(inactive).to_numpy()
    col.add("rep_id", "rep is not active (leaving reps own nothing)", leaving, _shown(rep, leaving))
    visits = _number(col, frame, "visits", False).fillna(1.0)
    bad = ((visits < 0) | (visits != np.floor(visits))).to_numpy()
    col.add("visits", "must be a whole number >= 0", bad, _shown(visits.astype(str), bad))
    out["visits"] = visits.where(~bad, 0).astype(int)
    shares = _route_shares(files.certificate)
    out["effort"] = _effort(col, frame, travel, rep.map(lambda r: shares.get(r, 1.0)))
    if col.issues:
        raise InputError(col.issues)
    return out


def certificate_travel(certificate: dict) -> dict:
    """The ``[travel]`` table of the scenario a plan's certificate carries ({} when none)."""
    scenario = certificate.get("scenario")
    travel = scenario.get("travel") if isinstance(scenario, dict) else None
    return travel if isinstance(travel, dict) else {}


def _route_shares(certificate: dict) -> dict[str, float]:
    """The plan's per-rep route shares (``travel_model = "routes"``); none: star travel."""
    shares = certificate_travel(certificate).get("route_share")
    return {str(k): float(v) for k, v in shares.items()} if isinstance(shares, dict) else {}


def _effort(col: _Collector, frame: pd.DataFrame, travel: Travel, share: pd.Series) -> pd.Series:
    """Service hours per period: effort_hours, else the plan's workload minus its travel
    (round trips x the rep's route share when the plan was solved with routes)."""
    effort = _number(col, frame, "effort_hours", False)
    blank = effort.isna().to_numpy()
    if blank.any():
        workload = _number(col, frame, "workload_hours", False)
        travel_km = _number(col, frame, "travel_km", False)
        derived = workload - travel_km / travel.speed_kmh * share.astype(float)
        effort = effort.where(~blank, derived)
        missing = effort.isna().to_numpy()
        col.add("effort_hours", "blank, and workload_hours / travel_km cannot stand in", missing)
    negative = (effort < 0).to_numpy()
    col.add("effort_hours", "must be >= 0", negative)
    return effort.fillna(0).clip(lower=0)


def _require(col: _Collector, frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        col.add(", ".join(missing), f"required column is missing (routes need the {what}'s)")
        raise InputError(col.issues)


def _coordinates(col: _Collector, out: pd.DataFrame) -> None:
    for name, limit in (("lat", 90.0), ("lon", 180.0)):
        bad = (out[name].abs() > limit).to_numpy()
        col.add(name, f"outside -{limit:g}..{limit:g}", bad, _shown(out[name].astype(str), bad))


def _shown(values: pd.Series, mask: np.ndarray) -> str:
    shown = list(dict.fromkeys(values[mask].tolist()))[:3]
    return "got " + ", ".join(repr(v) for v in shown) if shown else ""
