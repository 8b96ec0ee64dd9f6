"""Same inputs, scenario and seed give byte-identical plan files, across process restarts
(deterministic = true; wall times are then left out of metrics.json)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import solver
from tests.instances import make_instance, write_solve_inputs


def _inputs(tmp_path: Path, engine: str) -> list[str]:
    settings = f'seed = 4\nengine = "{engine}"\ndeterministic = true\ntime_limit_s = 3\n'
    return write_solve_inputs(tmp_path, settings, n=300, m=10, seed=11)


def _run(args: list[str], out: Path) -> dict[str, bytes]:
    done = subprocess.run(
        [sys.executable, "-c", "from solver.cli.main import app; app()", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize("engine", ["lns", "cpsat"])
def test_two_processes_write_identical_bytes(tmp_path, engine):
    args = _inputs(tmp_path, engine)
    first = _run(args, tmp_path / "a")
    second = _run(args, tmp_path / "b")
    assert set(first) == {"assignments.csv", "reps.csv", "metrics.json", ".plan.lock"}
    assert first == second
    assert b'"wall_s"' not in first["metrics.json"]


def test_a_deterministic_cpsat_then_search_run_writes_no_wall_time(tmp_path):
    """CP-SAT on the whole model handing its plan to the search: the note names no seconds."""
    customers, reps = make_instance(n=250, m=8, seed=2, slack=1.2, protected=4)
    scenario = {
        "as_of": "2027-01-01", "time_limit_s": 2, "seed": 1, "deterministic": True,
        "gap_tolerance": None, "stall_share": None,
    }  # fmt: skip
    notes = {solver.solve(customers, reps, scenario).certificate["engine_note"] for _ in range(2)}
    assert len(notes) == 1
    (note,) = notes
    assert note.startswith("CP-SAT on the whole model for its share of the work")
