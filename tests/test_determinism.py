"""Same inputs, scenario and seed give byte-identical plan files, across process restarts
(deterministic = true; wall times are then left out of metrics.json)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.instances import make_instance


def _inputs(tmp_path: Path, engine: str) -> list[str]:
    customers, reps = make_instance(n=300, m=10, seed=11, slack=1.3, protected=6)
    customers.to_csv(tmp_path / "customers.csv", index=False)
    reps.to_csv(tmp_path / "reps.csv", index=False)
    (tmp_path / "scenario.toml").write_text(
        f'as_of = 2027-01-01\nseed = 4\nengine = "{engine}"\ndeterministic = true\n'
        "time_limit_s = 3\n[weights]\nbalance = 30.0\n[rules]\nmax_moves_pct = 40.0\n"
    )
    return [
        "solve",
        "--customers", str(tmp_path / "customers.csv"),
        "--reps", str(tmp_path / "reps.csv"),
        "--scenario", str(tmp_path / "scenario.toml"),
        "--quiet",
    ]  # fmt: skip


def _run(args: list[str], out: Path) -> dict[str, bytes]:
    done = subprocess.run(
        [sys.executable, "-c", "from solver.cli import app; app()", *args, "--out", str(out)],
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
    assert set(first) == {"assignments.csv", "reps.csv", "metrics.json"}
    assert first == second
    assert b'"wall_s"' not in first["metrics.json"]
