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
    settings = f'seed = 4\nengine = "{engine}"\ndeterministic = true\ntime_limit_s = 2\n'
    return write_solve_inputs(tmp_path, settings, n=300, m=10, seed=11)


def _run_side_by_side(args: list[str], outs: list[Path]) -> list[dict[str, bytes]]:
    """The same solve in one process per folder, all at once: a deterministic run counts
    work, not seconds, so sharing the cores must not change a byte."""
    command = [sys.executable, "-c", "from solver.cli.main import app; app()", *args, "--out"]
    runs = [
        subprocess.Popen([*command, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for out in outs
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr.decode()
    return [{p.name: p.read_bytes() for p in sorted(out.iterdir())} for out in outs]


@pytest.mark.parametrize("engine", ["lns", "cpsat"])
def test_two_processes_write_identical_bytes(tmp_path, engine):
    args = _inputs(tmp_path, engine)
    first, second = _run_side_by_side(args, [tmp_path / "a", tmp_path / "b"])
    assert set(first) == {"assignments.csv", "reps.csv", "metrics.json", ".plan.lock"}
    assert first == second
    assert b'"wall_s"' not in first["metrics.json"]


def test_a_deterministic_cpsat_then_search_run_writes_no_wall_time(tmp_path):
    """CP-SAT on the whole model handing its plan to the search: the note names no seconds."""
    customers, reps = make_instance(n=250, m=8, seed=2, slack=1.2, protected=4)
    scenario = {
        "as_of": "2027-01-01", "time_limit_s": 1, "seed": 1, "deterministic": True,
        "gap_tolerance": None, "stall_share": None,
    }  # fmt: skip
    notes = {solver.solve(customers, reps, scenario).certificate["engine_note"] for _ in range(2)}
    assert len(notes) == 1
    (note,) = notes
    assert note.startswith("CP-SAT on the whole model for its share of the work")
