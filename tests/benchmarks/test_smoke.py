"""Smoke test of the GAP benchmark runner on two small OR-Library instances."""

import csv
from pathlib import Path

import pytest

from benchmarks.gap_instances import GAP_DIR
from benchmarks.run import COLUMNS, main

pytestmark = pytest.mark.skipif(not GAP_DIR.is_dir(), reason=f"no GAP instances at {GAP_DIR}")


def test_runner_writes_csv_with_nonnegative_gaps(tmp_path: Path) -> None:
    out = tmp_path / "results" / "gap.csv"
    argv = ["gap", "--sets", "orlib", "--limit-instances", "2", "--time-limit", "2"]
    code = main([*argv, "--engines", "cpsat,milp,plain-cpsat", "--out", str(out)])
    assert code == 0
    with out.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None
        assert set(COLUMNS) <= set(reader.fieldnames)
        rows = list(reader)
    assert len(rows) == 6  # 2 instances x 3 engines
    assert {r["engine"] for r in rows} == {"cpsat", "milp", "plain-cpsat"}
    for row in rows:
        assert row["status"] != "error", row["note"]
        assert row["sense"] == "max"
        assert float(row["gap_to_best_known"]) >= 0.0
