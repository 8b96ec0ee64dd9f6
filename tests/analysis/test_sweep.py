"""Sweeps: tidy frames in variant order, identical across backends, Pareto marking."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import solver
from solver.analysis.sweep import TIMING_COLUMNS, grid, pareto, sweep, tradeoff
from solver.analysis.whatif import Case
from tests.instances import SMALL_SCENARIO, make_instance

DETERMINISTIC = {**SMALL_SCENARIO, "deterministic": True, "time_limit_s": 2.0}
VARIANTS = [
    {"weights.travel": 0.5, "weights.balance": 60.0},
    {"weights.travel": 2.0, "weights.balance": 5.0},
    {"label": "R0 leaves", "rep_leaves": "R0"},
    {"rep_leaves": "R99"},  # unknown rep: an 'invalid' row, not a crash
]


@pytest.fixture(scope="module")
def base() -> Case:
    customers, reps = make_instance(n=30, m=5, seed=3)
    return Case(customers, reps, DETERMINISTIC)


@pytest.fixture(scope="module")
def serial(base) -> pd.DataFrame:
    return sweep(base, VARIANTS, backend="serial")


def without_timing(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in (*TIMING_COLUMNS, "plan") if c in frame])


def test_grid_is_the_cartesian_product_last_axis_fastest():
    assert grid({"a": [1, 2], "b": ["x", "y", "z"]}) == [
        {"a": a, "b": b} for a in (1, 2) for b in ("x", "y", "z")
    ]
    assert grid({}) == [{}]


def test_sweep_frame_is_tidy_and_in_variant_order(base, serial):
    assert serial["variant"].tolist() == [0, 1, 2, 3]
    assert serial.columns[:6].tolist() == [
        "variant",
        "label",
        "weights.travel",
        "weights.balance",
        "rep_leaves",
        "status",
    ]
    for column in ("objective", "bound", "gap", "cost_travel", "cost_balance"):
        assert column in serial
    for column in ("workload_gini", "travel_km_per_period", "balance_deviation", "moves"):
        assert column in serial
    assert serial["label"].tolist()[:3] == [
        "weights.travel=0.5, weights.balance=60.0",
        "weights.travel=2.0, weights.balance=5.0",
        "R0 leaves",
    ]
    assert set(serial["status"][:3]) <= {"feasible", "optimal"}
    bad = serial.iloc[3]
    assert bad["status"] == "invalid" and "R99" in bad["error"] and math.isnan(bad["objective"])
    assert (serial["error"].iloc[:3] == "").all()


def test_sweep_row_matches_a_direct_solve(base, serial):
    plan = base.apply(VARIANTS[1]).solve()
    row = serial.iloc[1]
    assert row["objective"] == pytest.approx(plan.objective)
    assert row["moves"] == plan.metrics["after"]["moves"]
    assert row["workload_gini"] == pytest.approx(plan.metrics["after"]["workload"]["gini"])
    assert row["cost_travel"] == pytest.approx(plan.certificate["objective_terms"]["travel"])


def test_serial_and_process_give_identical_frames(base, serial):
    parallel = sweep(base, VARIANTS, backend="process", max_workers=2)
    pd.testing.assert_frame_equal(without_timing(serial), without_timing(parallel))


def test_failed_variants_are_rows_and_bad_keys_fail_fast(base):
    frame = sweep(base, [{"scale_capacity": -90}], backend="serial")
    assert frame.at[0, "status"] == "infeasible" and "capacity" in frame.at[0, "error"]
    # every variant failed: the plan columns a notebook selects are still there, empty
    assert frame[["gap", "objective", "moves", "travel_km_per_period"]].isna().all().all()
    with pytest.raises(ValueError, match=r"unknown variant key 'weight\.travel'"):
        sweep(base, [{"weight.travel": 1.0}], backend="serial")
    with pytest.raises(ValueError, match="unknown backend"):
        sweep(base, [{}], backend="threads")  # type: ignore[arg-type]


def test_case_variants_and_kept_plans(base):
    variant = base.scale_capacity(10)
    frame = sweep(base, [base, variant], backend="serial", keep_plans=True)
    assert frame["label"].tolist() == ["base", "capacity +10 % for every rep"]
    assert all(isinstance(p, solver.Plan) for p in frame["plan"])
    assert frame.at[1, "objective"] == pytest.approx(frame.at[1, "plan"].objective)


def test_pareto_marks_the_efficient_rows_of_a_hand_made_frame():
    frame = pd.DataFrame(
        {
            "travel": [1.0, 2.0, 5.0, 3.0, 2.0, 1.0, np.nan],
            "balance": [5.0, 2.0, 1.0, 3.0, 2.0, 6.0, 0.0],
        }
    )
    marked = pareto(frame, ["travel", "balance"])
    # (3, 3) is dominated by (2, 2); (1, 6) by (1, 5); the duplicates (2, 2) both stay
    assert marked["pareto"].tolist() == [True, True, True, False, True, False, False]
    assert "pareto" not in frame  # a copy
    maxed = pareto(frame, {"travel": "max", "balance": "min"}, column="front")
    assert maxed["front"].tolist() == [False, False, True, False, False, False, False]
    with pytest.raises(ValueError, match="sense"):
        pareto(frame, {"travel": "lowest"})


def test_pareto_of_a_sweep_where_every_variant_failed_marks_none():
    failed = pd.DataFrame({"variant": [0, 1], "status": ["no_solution"] * 2, "error": ["x"] * 2})
    marked = pareto(failed, ["travel_km_per_period", "moves"])
    assert marked["pareto"].tolist() == [False, False]
    assert marked["moves"].isna().all() and marked["error"].tolist() == ["x", "x"]


def test_tradeoff_sweeps_weights_and_marks_the_front(base):
    frame = tradeoff(base, {"travel": [0.2, 3.0], "balance": [1.0, 80.0]}, backend="serial")
    assert len(frame) == 4 and frame["pareto"].any()
    assert frame[["weights.travel", "weights.balance"]].to_numpy().tolist() == [
        [0.2, 1.0],
        [0.2, 80.0],
        [3.0, 1.0],
        [3.0, 80.0],
    ]
    objectives = frame[["travel_km_per_period", "balance_deviation", "moves"]].to_numpy()
    for i in np.flatnonzero(~frame["pareto"].to_numpy()):
        assert any(
            (objectives[j] <= objectives[i]).all() and (objectives[j] < objectives[i]).any()
            for j in range(len(frame))
        )


class _Connected(Exception):
    """Raised by the stand-in ray.init: records where the sweep would connect."""


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, "ray://head:10001", "ray://head:10001"),
        ("10.0.0.9:6379", "ray://x:1", "10.0.0.9:6379"),
    ],
)
def test_ray_backend_connects_to_the_callers_or_the_environments_cluster(
    monkeypatch, base, given, env, expected
):
    ray = pytest.importorskip("ray")
    calls = []

    def fake_init(**kwargs):
        calls.append(kwargs)
        raise _Connected

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", fake_init)
    monkeypatch.setenv("RAY_ADDRESS", env)
    with pytest.raises(_Connected):
        sweep(base, [{}], backend="ray", address=given)
    assert len(calls) == 1 and calls[0]["address"] == expected
    shipped = calls[0]["runtime_env"]["py_modules"]  # workers get the package folder
    assert shipped == [str(Path(solver.__file__).resolve().parent)]


@pytest.fixture(scope="module")
def ray_runtime():
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        ray.shutdown()
    saved = os.environ.pop("RAY_ADDRESS", None)
    yield ray
    ray.shutdown()
    if saved is not None:
        os.environ["RAY_ADDRESS"] = saved


def test_ray_backend_matches_serial_on_a_local_runtime(ray_runtime, base, serial):
    frame = sweep(base, VARIANTS, backend="ray", max_workers=2)  # starts a local runtime
    assert ray_runtime.is_initialized()
    assert ray_runtime.cluster_resources().get("CPU") == 2
    pd.testing.assert_frame_equal(without_timing(serial), without_timing(frame))
    again = sweep(base, VARIANTS[:1], backend="ray", keep_plans=True)  # reuses the runtime
    assert isinstance(again.at[0, "plan"], solver.Plan)
    assert again.at[0, "objective"] == pytest.approx(serial.at[0, "objective"])


class _ExitOnLoad:
    """A variant label that kills the worker process that unpacks it."""

    def __reduce__(self):
        return (os._exit, (3,))


class _FailOnLoad:
    """A variant label whose unpacking in the worker raises ValueError."""

    def __reduce__(self):
        return (int, ("not a number",))


def test_ray_failing_variants_become_their_rows(ray_runtime, base, serial):
    """A task that raises and a worker that dies (retried once by Ray, then given up) are
    rows with a reason; every other variant's row is kept, in order."""
    variants = [VARIANTS[0], {"label": _FailOnLoad()}, {"label": _ExitOnLoad()}, VARIANTS[1]]
    frame = sweep(base, variants, backend="ray", max_workers=2)
    assert frame["variant"].tolist() == [0, 1, 2, 3]
    assert frame["status"].tolist()[1:3] == ["error", "worker_died"]
    assert "invalid literal for int()" in frame.at[1, "error"]
    assert "\n" not in frame.at[1, "error"]  # the reason, not the worker's traceback
    assert "WorkerCrashedError, retried 1" in frame.at[2, "error"]
    kept = frame.iloc[[0, 3]].reset_index(drop=True)
    expected = serial.iloc[[0, 1]].reset_index(drop=True)
    assert kept["objective"].tolist() == pytest.approx(expected["objective"].tolist())
    assert (kept["error"] == "").all()


def test_a_variant_with_wrong_arguments_is_an_invalid_row(base):
    frame = sweep(base, [{"hire": {"rep_id": "R9"}}, VARIANTS[0]], backend="serial")
    assert frame["status"].tolist()[0] == "invalid"
    assert "missing 3 required positional arguments" in frame.at[0, "error"]
    assert frame.at[1, "error"] == ""


def test_a_worker_out_of_memory_fails_its_rows_not_the_sweep():
    customers, reps = make_instance(n=3000, m=40, seed=3)
    case = Case(customers, reps, DETERMINISTIC)
    variants = [{"weights.travel": 1.0}, {"weights.travel": 2.0}]
    frame = sweep(case, variants, max_workers=1, worker_memory_mb=20)
    assert frame["variant"].tolist() == [0, 1]
    assert set(frame["status"]) <= {"out_of_memory", "worker_died"}
    assert frame["error"].str.contains("memory").all()
