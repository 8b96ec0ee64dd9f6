"""Faults during a solve: Ctrl-C and SIGTERM keep the best plan so far, marked interrupted;
a killed run leaves the previous outputs as they were."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import solver
from solver.interrupt import (
    StopRequest,
    Terminated,
    raise_terminated,
    run_in_thread,
    run_stoppable,
    signals_held,
    stop_on_signals,
)
from tests.instances import NO_EARLY_STOP, make_instance, python_process, write_solve_inputs

SCENARIO = {
    "as_of": "2027-01-01",
    "seed": 3,
    "weights": {"balance": 30.0},
    "rules": {"max_moves_pct": 40.0},
    **NO_EARLY_STOP,  # the solves must still be searching when the signal comes
}


def _problem(n: int = 400, m: int = 12) -> solver.Problem:
    customers, reps = make_instance(n=n, m=m, seed=5, slack=1.3, protected=8)
    return solver.Problem.build(customers, reps, SCENARIO)


def _signal_self_after(seconds: float, signum: int) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signum))
    timer.start()
    return timer


SIGNAL_CASES = [("lns", signal.SIGINT), ("cpsat", signal.SIGINT), ("lns", signal.SIGTERM)]


@pytest.mark.parametrize(("engine", "signum"), SIGNAL_CASES)
def test_signal_mid_solve_returns_the_incumbent_marked_interrupted(engine, signum):
    problem = _problem()
    timer = _signal_self_after(3.0, signum)
    started = time.perf_counter()
    try:
        plan = solver.solve_problem(problem, time_limit_s=60, engine=engine)
    finally:
        timer.cancel()
    took = time.perf_counter() - started
    cert = plan.certificate
    assert took < 20, f"the solve ran {took:.1f} s after the signal"
    assert cert["interrupted"] == signal.Signals(signum).name
    assert "stopped early" in cert["engine_note"]
    assert cert["gap"] is not None and cert["gap"] < 0.05
    assert len(plan.assignments) == problem.n
    assert not solver.check_plan(
        problem.customers, problem.reps, plan.assignments[["customer_id", "rep_id"]], SCENARIO
    )


def test_uninterrupted_plans_say_so():
    plan = solver.solve_problem(_problem(60, 5), time_limit_s=2)
    assert plan.certificate["interrupted"] is None


def test_signal_handlers_are_restored_after_the_solve():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    solver.solve_problem(_problem(60, 5), time_limit_s=1)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_second_signal_raises_keyboard_interrupt():
    stop = StopRequest()
    with pytest.raises(KeyboardInterrupt), stop_on_signals(stop):
        signal.raise_signal(signal.SIGINT)
        assert stop.is_set() and stop.signal_name == "SIGINT"
        signal.raise_signal(signal.SIGINT)


def test_run_stoppable_halts_the_work_and_reraises_its_errors():
    stop = StopRequest()
    halted = threading.Event()
    stop.set("SIGINT")
    assert run_stoppable(lambda: halted.wait(10) and "halted", stop, halted.set) == "halted"
    with pytest.raises(ValueError, match="boom"):
        run_stoppable(lambda: (_ for _ in ()).throw(ValueError("boom")), StopRequest(), halted.set)


def test_run_stoppable_halts_the_work_from_a_thread_other_than_the_main_one():
    stop, halted, got = StopRequest(), threading.Event(), []
    stop.set("optimality proof")
    worker = threading.Thread(
        target=lambda: got.append(run_stoppable(lambda: halted.wait(10), stop, halted.set))
    )
    worker.start()
    worker.join(10)
    assert got == [True]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values per thread")
def test_run_in_thread_runs_the_work_nicer_and_leaves_the_caller_as_it_was():
    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = nice()
    inside = run_in_thread(nice, lambda: None, nicer=3)
    assert inside == min(before + 3, 19)
    assert nice() == before


def test_a_linked_stop_request_is_set_by_its_parent_but_not_the_other_way():
    parent = StopRequest()
    child = StopRequest(parent=parent)
    child.set("optimality proof")  # another engine proved the plan optimal
    assert child.is_set() and not parent.is_set()
    other = StopRequest(parent=parent)
    parent.set("SIGINT")
    assert other.is_set() and other.signal_name is None and parent.signal_name == "SIGINT"


# --------------------------------------------------------------------------- command line
def _write_inputs(tmp_path: Path) -> list[str]:
    # no early stop: these runs must still be searching when the signal or the kill comes
    toml = 'seed = 3\nengine = "lns"\ngap_tolerance = 0\nstall_share = 1\n'
    return write_solve_inputs(tmp_path, toml, n=400, m=12, seed=5)


def _cli(args: list[str]) -> subprocess.Popen:
    code = "from solver.cli.main import app; app()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_engine(proc: subprocess.Popen, seconds: float = 8.0) -> None:
    """Give the process time to load and reach the search (it is far from done)."""
    time.sleep(seconds)
    assert proc.poll() is None, proc.communicate()


def test_sigterm_writes_the_best_plan_marked_interrupted_and_exits_143(tmp_path):
    args = _write_inputs(tmp_path)
    out = tmp_path / "plan"
    proc = _cli([*args, "--out", str(out), "--time-limit", "120"])
    _wait_for_engine(proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    cert = json.loads((out / "metrics.json").read_text())["certificate"]
    assert cert["interrupted"] == "SIGTERM"
    assert cert["wall_s"] < 60
    check = _cli(["check", *args[1:7], "--plan", str(out / "assignments.csv")])
    assert check.wait(timeout=60) == 0, check.communicate()


def test_a_killed_run_leaves_the_previous_plan_byte_for_byte(tmp_path):
    args = _write_inputs(tmp_path)
    out = tmp_path / "plan"
    first = _cli([*args, "--out", str(out), "--time-limit", "1"])
    assert first.wait(timeout=120) == 0, first.communicate()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = _cli([*args, "--out", str(out), "--time-limit", "120", "--seed", "9"])
    _wait_for_engine(proc)
    proc.kill()
    proc.wait(timeout=30)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# --------------------------------------------------------------------------- size limits
def test_an_instance_above_the_memory_limit_is_refused_with_what_to_change():
    customers, reps = make_instance(n=200, m=8, seed=5)
    with pytest.raises(solver.SolverError, match=r"candidate pairs need about .* GiB") as info:
        solver.solve(customers, reps, {**SCENARIO, "memory_limit_gb": 0.2})
    assert info.value.exit_code == 7
    assert "max_candidates" in str(info.value)


def test_whole_model_cpsat_has_a_lower_limit_than_neighbourhood_search():
    from solver.limits import GIB, check_size, max_pairs

    assert max_pairs("cpsat", 8 * GIB) * 5 < max_pairs("lns", 8 * GIB)
    pairs = max_pairs("cpsat", 2 * GIB) + 1
    check_size(pairs, "lns", memory_limit_gb=2)
    with pytest.raises(solver.SolverError, match="use engine"):
        check_size(pairs, "cpsat", memory_limit_gb=2)


def test_cli_exits_7_and_writes_nothing_above_the_limit(tmp_path):
    args = _write_inputs(tmp_path)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text("memory_limit_gb = 0.1\n" + scenario.read_text())
    out = tmp_path / "plan"
    proc = _cli([*args, "--out", str(out)])
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 7, stderr
    assert "GiB" in stderr and not out.exists()


def test_two_presses_while_python_cannot_run_abort_at_once():
    """Two Ctrl-C within one engine step (the interpreter runs the handler once) still count
    as two: the second aborts."""
    stop = StopRequest()
    pid = os.getpid()
    with pytest.raises(KeyboardInterrupt), stop_on_signals(stop):
        subprocess.Popen(["sh", "-c", f"sleep 0.2; kill -INT {pid}; sleep 0.1; kill -INT {pid}"])
        sum(range(200_000_000))  # one C call of seconds: no Python handler runs inside it
        time.sleep(2)  # the handler runs here
    assert stop.is_set()


# --------------------------------------------------------------------------- start-up and loading
ENTRY = "from territory import main; main()"
SLOW_LOAD = (  # a solve that reports when it starts loading and then loads for a long time
    "import time\nimport solver.problem\n"
    "def build(*args, **kwargs):\n"
    "    print('loading', flush=True)\n"
    "    time.sleep(60)\n"
    "solver.problem.Problem.build = build\n"
)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_program_starts_exits_quietly(tmp_path, signum, code):
    args = _write_inputs(tmp_path)
    proc = python_process(ENTRY, [*args, "--out", str(tmp_path / "plan")])
    time.sleep(0.8)  # importing the solver takes about 2 s
    assert proc.poll() is None
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert not (tmp_path / "plan").exists()


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]
)
def test_a_signal_while_held_is_raised_after_the_block_not_inside_it(signum, raised):
    """The lazy import of the engines runs with signals held: a signal in it is raised once
    it is over, where the command line turns it into its exit code."""
    before = signal.signal(signal.SIGTERM, raise_terminated)
    reached_the_end = False
    try:
        with pytest.raises(raised), signals_held():
            os.kill(os.getpid(), signum)
            time.sleep(0.2)  # the handler would run here if not held
            reached_the_end = True
    finally:
        signal.signal(signal.SIGTERM, before)
    assert reached_the_end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# An import whose module turns the signal's exit into its own error, as OR-Tools' compiled
# helper does when the signal lands while it initialises ("ImportError: initialization failed").
SWALLOWING_IMPORT = (
    "import importlib.abc, importlib.machinery, os, signal, sys, time\n"
    "class Swallow(importlib.abc.MetaPathFinder, importlib.abc.Loader):\n"
    "    def find_spec(self, name, path, target=None):\n"
    "        if name == 'solver.cli.main':\n"
    "            return importlib.machinery.ModuleSpec(name, self)\n"
    "    def create_module(self, spec):\n"
    "        return None\n"
    "    def exec_module(self, module):\n"
    "        try:\n"
    "            os.kill(os.getpid(), SIGNUM)\n"
    "            time.sleep(5)\n"
    "        except BaseException as error:\n"
    "            raise ImportError('initialization failed') from error\n"
    "sys.meta_path.insert(0, Swallow())\n"
)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_swallowed_by_a_module_being_imported_still_exits_quietly(signum, code):
    program = SWALLOWING_IMPORT.replace("SIGNUM", str(int(signum))) + ENTRY
    proc = python_process(program, [])
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr and "ImportError" not in stderr


@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [
        (signal.SIGINT, 130, "interrupted: nothing was written"),
        (signal.SIGTERM, 143, "stopped by SIGTERM before any plan was found"),
    ],
)
def test_a_signal_while_the_inputs_load_writes_nothing_and_says_so(tmp_path, signum, code, message):
    args = _write_inputs(tmp_path)
    proc = python_process(SLOW_LOAD + ENTRY, [*args, "--out", str(tmp_path / "plan")])
    assert proc.stdout is not None and proc.stdout.readline().strip() == "loading"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert message in " ".join(stderr.split()) and "Traceback" not in stderr
    assert not (tmp_path / "plan").exists()


def test_a_deterministic_solve_says_its_limit_counts_work_not_seconds(tmp_path):
    from typer.testing import CliRunner

    from solver.cli.main import app

    args = write_solve_inputs(tmp_path, "seed = 3\ndeterministic = true\n", n=40, m=4, seed=5)
    args.remove("--quiet")
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "plan"), "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "the 1 s limit counts units of work, not seconds" in " ".join(result.output.split())


@pytest.mark.parametrize("attempt", range(2))
def test_two_quick_ctrl_c_during_the_search_abort_with_130_and_write_nothing(tmp_path, attempt):
    toml = 'seed = 3\nengine = "cpsat"\ngap_tolerance = 0\nstall_share = 1\n'
    args = write_solve_inputs(tmp_path, toml, n=400, m=12, seed=5)
    out = tmp_path / "plan"
    proc = python_process(ENTRY, [*args, "--out", str(out), "--time-limit", "120"])
    _wait_for_engine(proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted: nothing was written" in stderr and "terminate" not in stderr
    assert not out.exists()
