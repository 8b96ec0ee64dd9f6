"""The routes of a plan (:class:`RoutesResult`) as tables and files: stops.csv (one row per
stop) and routes_summary.csv (one row per rep), each written atomically (temporary file,
then rename)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.inputs.io import write_csv
from solver.routes.inputs import Travel
from solver.routes.rep import RepRoutes, Settings

STOP_COLUMNS = (
    "rep_id",
    "day",
    "stop",
    "customer_id",
    "arrive_h",
    "depart_h",
    "drive_km_from_previous",
)
SUMMARY_COLUMNS = (
    "rep_id",
    "days_available",
    "days_used",
    "visits",
    "visits_routed",
    "visits_not_fitted",
    "routed_km",
    "routed_drive_h",
    "star_km",
    "star_drive_h",
    "saved_km_pct",
    "longest_day_h",
    "not_fitted",
    "wall_s",
)


@dataclass(frozen=True)
class RoutesResult:
    """Every active rep's days, the accounts skipped for having 0 visits, and how."""

    reps: tuple[RepRoutes, ...]
    skipped: tuple[str, ...]
    travel: Travel
    settings: Settings
    days: int | None  # working days given; None: floor(capacity_hours / hours_per_day)
    wall_s: float

    @property
    def visits_not_fitted(self) -> int:
        return sum(r.visits_not_fitted for r in self.reps)

    def stops(self) -> pd.DataFrame:
        """One row per stop (:func:`stops_frame`)."""
        return stops_frame(self)

    def summary(self) -> pd.DataFrame:
        """One row per rep (:func:`summary_frame`)."""
        return summary_frame(self)

    def write(self, out_dir: str | Path) -> tuple[Path, Path]:
        """Write stops.csv and routes_summary.csv into ``out_dir`` (each atomically)."""
        return write_routes(self, Path(out_dir))


def stops_frame(result: RoutesResult) -> pd.DataFrame:
    """One row per stop; hours since the day started (leaving the base at 0), road km."""
    rows = [
        (rep.rep_id, day.day, n, s.customer_id, s.arrive_h, s.depart_h, s.drive_km_from_previous)
        for rep in result.reps
        for day in rep.days
        for n, s in enumerate(day.stops, start=1)
    ]
    frame = pd.DataFrame(rows, columns=list(STOP_COLUMNS))
    return frame.round({"arrive_h": 3, "depart_h": 3, "drive_km_from_previous": 2})


def summary_frame(result: RoutesResult) -> pd.DataFrame:
    """One row per active rep: routed vs round-trip (star) travel of the same visits.

    star_km = sum over routed visits of 2 x road km from the base (the plan's travel model);
    saved_km_pct = 100 x (1 - routed_km / star_km).
    """
    speed = result.travel.speed_kmh
    rows = []
    for rep in result.reps:
        routed = rep.visits - rep.visits_not_fitted
        saved = 100.0 * (1.0 - rep.routed_km / rep.star_km) if rep.star_km > 0 else 0.0
        rows.append(
            (
                rep.rep_id,
                rep.days_available,
                len(rep.days),
                rep.visits,
                routed,
                rep.visits_not_fitted,
                rep.routed_km,
                rep.routed_drive_h,
                rep.star_km,
                rep.star_km / speed,
                saved,
                rep.longest_day_h,
                "; ".join(f"{u.customer_id} x{u.visits}: {u.reason}" for u in rep.unfitted),
                rep.wall_s,
            )
        )
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return frame.round(
        {
            "routed_km": 2,
            "routed_drive_h": 3,
            "star_km": 2,
            "star_drive_h": 3,
            "saved_km_pct": 2,
            "longest_day_h": 3,
            "wall_s": 3,
        }
    )


def write_routes(result: RoutesResult, out_dir: Path) -> tuple[Path, Path]:
    """Write ``out_dir``/stops.csv and routes_summary.csv; returns both paths."""
    stops, summary = out_dir / "stops.csv", out_dir / "routes_summary.csv"
    write_csv(stops_frame(result), stops)
    write_csv(summary_frame(result), summary)
    return stops, summary
