"""Routes of a plan folder: every visit routed its `visits` times or listed with why, on
its owner's days, at most once a day, every day within its hours, never more km than the
round trips of the same visits; bad plan folders are errors naming file, row and column.

Plans are small hand-made folders (assignments.csv, reps.csv, metrics.json) around
(32 N, 97 W), plus one solved by ``solver.solve``; PyVRP gets 0.1-0.2 s per rep.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import solver
from solver.cli.main import app
from solver.errors import InputError
from solver.inputs.geo import haversine_km
from solver.routes import RoutesResult, route_plan
from solver.routes.calendar import spread_days
from solver.routes.day import schedule_day
from solver.routes.geometry import Geometry
from solver.routes.output import STOP_COLUMNS, SUMMARY_COLUMNS
from solver.routes.repair import split_invalid
from tests.instances import make_instance
from tests.routes.conftest import FAST, LAT, LON, account, rep, write_plan

runner = CliRunner()


def check_routes(result: RoutesResult, plan: Path, hours: float) -> None:
    """What a user relies on, checked from the plan files and the routes alone."""
    accounts = pd.read_csv(plan / "assignments.csv", dtype={"customer_id": str})
    reps = pd.read_csv(plan / "reps.csv").set_index("rep_id")
    owner = dict(zip(accounts["customer_id"], accounts["rep_id"], strict=True))
    visits = dict(zip(accounts["customer_id"], accounts["visits"].fillna(1), strict=True))
    routed: Counter = Counter()
    for r in result.reps:
        for day in r.days:
            ids = [s.customer_id for s in day.stops]
            assert len(ids) == len(set(ids)), f"{r.rep_id} day {day.day} visits one twice"
            assert all(owner[c] == r.rep_id for c in ids)
            assert day.hours <= hours + 1e-9
            assert 1 <= day.day <= r.days_available
            assert day.drive_km <= day.star_km + 1e-9
            base = reps.loc[r.rep_id]
            spots = accounts.set_index("customer_id").loc[ids]
            one_way = haversine_km(base["lat"], base["lon"], spots["lat"], spots["lon"])
            star = float(2 * one_way.sum() * result.travel.road_factor)
            assert day.star_km == pytest.approx(star)
            assert day.stops[-1].depart_h <= day.hours
            km, hours_driven = _driven(day, base, spots, result.travel)
            assert km == pytest.approx(day.drive_km) and km <= star + 1e-9
            assert hours_driven == pytest.approx(day.hours) and hours_driven <= hours + 1e-9
            routed.update(ids)
        assert r.routed_km <= r.star_km + 1e-9
        for u in r.unfitted:
            routed[u.customer_id] += u.visits
    expected = {c: int(v) for c, v in visits.items() if v > 0}
    assert dict(routed) == expected
    assert set(result.skipped) == {c for c, v in visits.items() if v == 0}


def _driven(day, base, spots, travel) -> tuple[float, float]:
    """A day's road km and hours recomputed from the plan's coordinates and effort alone:
    base -> stops in order -> base (back to the base between stops when the day is driven
    as round trips), great-circle km x road factor, drive hours at the speed plus the hours
    on site (effort_hours / visits)."""
    lat = [base["lat"], *spots["lat"]]
    lon = [base["lon"], *spots["lon"]]
    path = [0, *(i + 1 for i in range(len(spots))), 0]
    if day.via_base:
        path = [0, *(p for i in range(len(spots)) for p in (i + 1, 0))]
    km = sum(
        float(haversine_km(lat[a], lon[a], lat[b], lon[b])) * travel.road_factor
        for a, b in pairwise(path)
    )
    onsite = (spots["effort_hours"] / spots["visits"].fillna(1)).sum()
    return km, km / travel.speed_kmh + float(onsite)


@pytest.fixture(scope="module")
def solved_plan(tmp_path_factory) -> Path:
    """A plan of 40 accounts and 5 reps (one leaving) solved as a user would."""
    customers, reps = make_instance(n=40, m=5, seed=3)
    plan = solver.solve(customers, reps, {"as_of": "2027-01-01", "time_limit_s": 2, "seed": 1})
    folder = tmp_path_factory.mktemp("plan")
    plan.write(folder)
    return folder


def test_solved_plan_routes_every_visit_once_a_day_within_hours(solved_plan, tmp_path):
    result = route_plan(solved_plan, tmp_path, time_limit_s=FAST, workers=1)
    check_routes(result, solved_plan, 8.0)
    leaving = pd.read_csv(solved_plan / "reps.csv").query("not active")["rep_id"]
    assert set(leaving).isdisjoint(r.rep_id for r in result.reps)
    stops = pd.read_csv(tmp_path / "stops.csv")
    summary = pd.read_csv(tmp_path / "routes_summary.csv")
    assert tuple(stops.columns) == STOP_COLUMNS
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert len(stops) == sum(len(d.stops) for r in result.reps for d in r.days)
    assert (summary["routed_km"] <= summary["star_km"]).all()


def test_processes_give_valid_routes_too(solved_plan):
    """Two worker processes route the reps; the result is as valid as in one process."""
    result = solver.routes(solved_plan, time_limit_s=FAST, workers=2, hours_per_day=6)
    check_routes(result, solved_plan, 6.0)
    assert [r.rep_id for r in result.reps] == ["R0", "R1", "R2", "R3"]


def test_nearby_accounts_share_a_day_and_save_km(tmp_path):
    """Four accounts 10-15 km apart, one visit each: one day, far less than 4 round trips."""
    offsets = [(0.3, 0.0), (0.3, 0.1), (0.4, 0.1), (0.4, 0.0)]
    accounts = [account(f"C{i}", "R1", *d) for i, d in enumerate(offsets)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 40)])
    result = route_plan(plan, time_limit_s=FAST, workers=1)
    check_routes(result, plan, 8.0)
    (r,) = result.reps
    assert len(r.days) == 1 and len(r.days[0].stops) == 4
    assert r.routed_km < 0.5 * r.star_km
    first = r.days[0].stops[0]
    assert first.arrive_h == pytest.approx(first.drive_km_from_previous / 60.0)
    assert first.depart_h == pytest.approx(first.arrive_h + 1.0)


def test_overflow_is_listed_with_why_never_dropped(tmp_path):
    """R1 has 2 days (16 h of capacity): a 3-visit account gets 2 days and 1 listed, a far
    account (a 13 h day alone) is listed, and 7 h accounts fill the 2 days and overflow."""
    accounts = [
        account("THRICE", "R1", 0.05, 0.0, visits=3, effort=0.3),
        account("FAR", "R1", 3.0, 0.0, visits=2, effort=1.0),
        *(account(f"BIG{i}", "R1", 0.01 * i, 0.02, visits=1, effort=7.0) for i in range(3)),
    ]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 16.5)])
    result = route_plan(plan, time_limit_s=FAST, workers=1)
    check_routes(result, plan, 8.0)
    (r,) = result.reps
    assert r.days_available == 2
    why = {u.customer_id: (u.visits, u.reason) for u in r.unfitted}
    assert why["THRICE"] == (1, "3 visits but 2 working days (at most one visit a day)")
    assert why["FAR"][0] == 2 and "over the 8 h day" in why["FAR"][1]
    big = [c for c in why if c.startswith("BIG")]
    assert len(big) == 1 and "no working day has room" in why[big[0]][1]
    summary = result.summary().iloc[0]
    assert summary["visits_not_fitted"] == 4 and "FAR x2" in summary["not_fitted"]


def test_days_and_hours_per_day_are_honoured(tmp_path):
    accounts = [account(f"C{i}", "R1", 0.1 * i, 0.05, visits=2, effort=1.0) for i in range(6)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 1000)])
    result = route_plan(plan, hours_per_day=3.0, days=5, time_limit_s=FAST, workers=1)
    check_routes(result, plan, 3.0)
    (r,) = result.reps
    assert r.days_available == 5 and len(r.days) <= 5


def test_zero_visits_are_skipped_and_said(tmp_path):
    accounts = [account("C0", "R1", 0.1, 0.0, visits=0), account("C1", "R1", 0.1, 0.1)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 80)])
    out = runner.invoke(app, ["routes", "--plan", str(plan), "--out", str(tmp_path / "r"),
                              "--time-limit", str(FAST), "--workers", "1"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "skipped 1 account(s) with 0 visits: C0" in " ".join(out.output.split())
    stops = pd.read_csv(tmp_path / "r" / "stops.csv")
    assert list(stops["customer_id"]) == ["C1"]


def test_scenario_travel_is_used(tmp_path):
    """Road factor and speed come from the plan's scenario; defaults 1.3 and 60 km/h."""
    accounts = [account("C0", "R1", 0.5, 0.0, effort=0.0)]
    km = float(haversine_km(LAT, LON, LAT + 0.5, LON))
    cases = [(None, 1.3, 60.0), ({"road_factor": 1.5, "speed_kmh": 80}, 1.5, 80.0)]
    for travel, factor, speed in cases:
        plan = write_plan(tmp_path / str(factor), accounts, [rep("R1", 80)], travel)
        (r,) = route_plan(plan, time_limit_s=FAST, workers=1).reps
        assert r.routed_km == pytest.approx(2 * km * factor)
        assert r.days[0].hours == pytest.approx(2 * km * factor / speed)


@pytest.mark.parametrize(
    ("change", "column", "row", "rule"),
    [
        (lambda a: a.drop(columns="lat"), "lat", None, "required column is missing"),
        (lambda a: a.assign(lon=a["lon"].astype(object).where(a.index != 1, "")), "lon", 3,
         "value is required"),
        (lambda a: a.assign(rep_id=a["rep_id"].where(a.index != 0, "R9")), "rep_id", 2,
         "rep not in"),
        (lambda a: a.assign(visits=a["visits"].astype(object).where(a.index != 1, "1.5")),
         "visits", 3, "whole number"),
        (lambda a: a.assign(rep_id=a["rep_id"].where(a.index != 0, "R2")), "rep_id", 2,
         "not active"),
    ],
)  # fmt: skip
def test_bad_plan_folder_names_file_row_and_column(tmp_path, change, column, row, rule):
    accounts = [account("C0", "R1", 0.1, 0.0), account("C1", "R1", 0.2, 0.0)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 80), rep("R2", 80, active=False)])
    frame = pd.read_csv(plan / "assignments.csv")
    change(frame).to_csv(plan / "assignments.csv", index=False)
    with pytest.raises(InputError) as caught:
        route_plan(plan, time_limit_s=FAST, workers=1)
    (issue,) = caught.value.issues
    assert issue.source.endswith("assignments.csv") and issue.column == column
    assert rule in issue.rule
    assert issue.rows == ((row,) if row else ())
    out = runner.invoke(app, ["routes", "--plan", str(plan), "--out", str(tmp_path / "r")])
    assert out.exit_code == 3
    assert "assignments.csv" in out.output and column in out.output
    assert not (tmp_path / "r").exists()


def test_reps_without_coordinates_are_an_input_error(tmp_path):
    plan = write_plan(tmp_path / "plan", [account("C0", "R1", 0.1, 0.0)], [rep("R1", 80)])
    pd.read_csv(plan / "reps.csv").drop(columns=["lat", "lon"]).to_csv(plan / "reps.csv")
    out = runner.invoke(app, ["routes", "--plan", str(plan), "--out", str(tmp_path / "r")])
    assert out.exit_code == 3
    assert "reps.csv" in out.output and "'lat, lon'" in out.output


def test_second_visit_of_an_account_on_one_day_is_taken_off():
    g = _line_geometry(3)
    days = [[0, 1, 0], [2]]
    taken = split_invalid(days, g, hours=8.0)
    assert days == [[0, 1], [2]] and taken == [0]


def test_a_day_is_never_longer_than_its_round_trips():
    """Against a (hypothetical) non-metric table the day is driven as its round trips."""
    g = _line_geometry(2)
    km = g.km.copy()
    km[1, 2] = km[2, 1] = 100.0  # a detour longer than going home in between
    odd = Geometry(km, g.onsite_h, g.speed_kmh, g.lat, g.lon)
    day = schedule_day(1, [0, 1], odd, ("A", "B"))
    assert day.via_base and day.drive_km == pytest.approx(day.star_km)
    assert day.stops[1].drive_km_from_previous == pytest.approx(km[1, 0] + km[0, 2])


def _line_geometry(n: int) -> Geometry:
    """Base at 0 km, account i at 10 (i + 1) km on a line, 1 h on site, 60 km/h."""
    x = np.array([0.0, *(10.0 * (i + 1) for i in range(n))])
    return Geometry(np.abs(x[:, None] - x[None, :]), np.ones(n), 60.0, x, x)


@pytest.mark.parametrize("seed", range(4))
def test_random_small_plans_keep_every_promise(tmp_path, seed):
    """Random visits (0-5), effort and capacity (1-6 days) on 2 reps: every check holds."""
    rng = np.random.default_rng(seed)
    accounts = [
        account(f"C{i}", f"R{i % 2}", *rng.uniform(-0.8, 0.8, 2), int(rng.integers(0, 6)),
                float(rng.uniform(0.2, 4)))
        for i in range(18)
    ]  # fmt: skip
    reps = [rep(f"R{j}", float(rng.uniform(8, 50)), *rng.uniform(-0.3, 0.3, 2)) for j in range(2)]
    plan = write_plan(tmp_path / "plan", accounts, reps)
    hours = float(rng.choice([4.0, 6.0, 8.0]))
    result = route_plan(plan, hours_per_day=hours, time_limit_s=0.05, workers=1, seed=seed)
    check_routes(result, plan, hours)


def test_visits_of_an_account_are_spread_over_the_period(tmp_path):
    """4 visits in 20 working days (160 h at 8 h) land about 5 days apart, not on days 1-4."""
    accounts = [account("OFTEN", "R1", 0.1, 0.0, visits=4), account("ONCE", "R1", 0.1, 0.1)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 160)])
    (r,) = route_plan(plan, time_limit_s=FAST, workers=1).reps
    days = sorted(d.day for d in r.days if "OFTEN" in {s.customer_id for s in d.stops})
    assert len(days) == 4 and days[0] >= 1 and days[-1] <= 20
    assert min(np.diff(days)) >= 4, days
    assert [d.day for d in r.days] == sorted(d.day for d in r.days)


def test_spread_days_keeps_routes_on_distinct_days():
    on = spread_days([[0], [0, 1], [0], [1], [2]], 10)
    assert len(set(on)) == 5 and all(0 <= d < 10 for d in on)
    of_zero = sorted(on[i] for i in (0, 1, 2))
    assert min(np.diff(of_zero)) >= 3


def test_iterations_give_the_same_stops_every_time(solved_plan, tmp_path):
    """With --iterations instead of a time limit, two runs write identical stops.csv."""
    for name in ("a", "b"):
        args = ["--out", str(tmp_path / name), "--iterations", "30", "--seed", "3"]
        out = runner.invoke(app, ["routes", "--plan", str(solved_plan), *args])
        assert out.exit_code == 0, out.output
    first = (tmp_path / "a" / "stops.csv").read_bytes()
    assert first == (tmp_path / "b" / "stops.csv").read_bytes() and first.count(b"\n") > 1


def test_blank_effort_is_the_plans_effort_also_with_route_shares(tmp_path):
    """effort_hours left blank: workload_hours - travel_km / speed x the rep's route share."""
    accounts = [account("C0", "R1", 0.1, 0.0, visits=2, effort=np.nan)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 80)])
    frame = pd.read_csv(plan / "assignments.csv").assign(workload_hours=5.0, travel_km=120.0)
    frame.to_csv(plan / "assignments.csv", index=False)
    metrics = {"certificate": {"scenario": {"travel": {"route_share": {"R1": 0.5}}}}}
    (plan / "metrics.json").write_text(json.dumps(metrics))
    (r,) = route_plan(plan, time_limit_s=FAST, workers=1).reps
    onsite = [s.depart_h - s.arrive_h for d in r.days for s in d.stops]
    assert onsite == pytest.approx([(5.0 - 120.0 / 60.0 * 0.5) / 2] * 2)
