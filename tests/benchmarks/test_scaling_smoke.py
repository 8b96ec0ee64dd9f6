"""Smoke test of the scaling runner: generate, solve in a child process, write CSV and PNG."""

import csv
from pathlib import Path

from benchmarks.scaling import COLUMNS, main


def test_scaling_runner_measures_a_small_generated_instance(tmp_path: Path) -> None:
    out = tmp_path / "scaling.csv"
    argv = ["--sizes", "300x10", "--time-limit", "2", "--out", str(out)]
    assert main([*argv, "--cache", str(tmp_path / "instances")]) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and set(rows[0]) == set(COLUMNS)
    row = rows[0]
    assert int(row["customers"]) == 300 and int(row["pairs"]) > 0
    assert float(row["gap"]) < 0.05
    assert int(row["peak_rss_mb"]) > 50
    assert out.with_suffix(".png").stat().st_size > 10_000
