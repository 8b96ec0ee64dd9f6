"""Early stops: a search ends once it is close enough to the bound, or no longer improves."""

from __future__ import annotations

import threading
import time

import pytest

import solver
from solver.interrupt import StopRequest
from solver.models.stopping import GAP_REACHED, STALLED, SearchMonitor, StopRules, gap
from tests.instances import SMALL_SCENARIO, make_instance


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_gap_is_measured_like_the_certificate():
    assert gap(101.0, 100.0) == pytest.approx(1 / 101)
    assert gap(99.0, 100.0) == 0.0  # a plan below the bound (rounding) counts as 0
    assert gap(100.0, None) is None


def test_the_gap_rule_stops_at_the_first_plan_within_tolerance():
    stop = StopRequest()
    monitor = SearchMonitor(StopRules(gap_tolerance=0.01), bound=100.0, stop=stop)
    monitor.report(110.0)
    assert not stop.is_set()
    monitor.report(101.5)  # 1.48 % above the bound
    assert not stop.is_set()
    monitor.report(100.9)  # 0.89 %
    assert stop.is_set() and stop.signal_name == GAP_REACHED
    assert monitor.reason == GAP_REACHED


def test_a_worse_plan_neither_resets_the_stall_clock_nor_stops():
    clock = Clock()
    stop = StopRequest()
    monitor = SearchMonitor(StopRules(stall_s=5.0), bound=None, stop=stop, clock=clock)
    monitor.report(100.0)
    clock.now = 4.0
    monitor.report(120.0)  # worse: not an improvement
    assert monitor.last_improvement == 0.0
    clock.now = 5.0
    assert monitor.stalled()
    clock.now = 3.0
    monitor.report(90.0)
    assert not monitor.stalled()


def test_the_stall_watch_sets_the_stop_request():
    stop = StopRequest()
    with SearchMonitor(StopRules(stall_s=0.2), bound=None, stop=stop) as monitor:
        deadline = time.perf_counter() + 5.0
        while not stop.is_set() and time.perf_counter() < deadline:
            time.sleep(0.02)
    assert stop.signal_name == STALLED and monitor.reason == STALLED
    assert not any(t.name == "stall" for t in threading.enumerate())


def test_a_signal_already_set_is_not_renamed():
    stop = StopRequest()
    stop.set("SIGINT")
    monitor = SearchMonitor(StopRules(gap_tolerance=0.5), bound=100.0, stop=stop)
    monitor.report(100.0)
    assert stop.signal_name == "SIGINT" and monitor.reason is None


@pytest.fixture(scope="module")
def tables():
    return make_instance(n=60, m=6, seed=3, slack=1.5, protected=2)


def test_a_solve_ends_early_within_its_gap_tolerance_and_says_why(tables):
    customers, reps = tables
    scenario = {**SMALL_SCENARIO, "time_limit_s": 20, "gap_tolerance": 0.05}
    start = time.perf_counter()
    plan = solver.solve(customers, reps, scenario)
    assert time.perf_counter() - start < 15.0  # far from the 20 s limit
    assert plan.gap <= 0.05
    assert plan.certificate["stop_reason"].startswith("gap tolerance reached")
    assert plan.certificate["gap_tolerance"] == 0.05
    assert "Interrupted by user" not in plan.certificate["engine_note"]  # HiGHS's own words


def test_without_early_stops_the_search_runs_to_its_limit(tables):
    customers, reps = tables
    scenario = {
        **SMALL_SCENARIO,
        "time_limit_s": 2,
        "engine": "lns",
        "gap_tolerance": None,
        "stall_share": None,
    }
    plan = solver.solve(customers, reps, scenario)
    reason = plan.certificate["stop_reason"]
    assert reason == "time limit of 2 s reached" or reason.startswith("search complete")
    assert "Interrupted by user" not in plan.certificate["engine_note"]


def test_deterministic_runs_stop_at_the_same_plan(tables):
    customers, reps = tables
    scenario = {
        **SMALL_SCENARIO,
        "time_limit_s": 4,
        "engine": "lns",
        "deterministic": True,
        "gap_tolerance": 0.004,
    }
    first = solver.solve(customers, reps, scenario)
    second = solver.solve(customers, reps, scenario)
    assert first.assignments["rep_id"].tolist() == second.assignments["rep_id"].tolist()
    assert first.certificate["stop_reason"] == second.certificate["stop_reason"]
