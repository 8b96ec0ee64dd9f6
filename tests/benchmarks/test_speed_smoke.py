"""Smoke tests of the loading and local-moves benchmark runners on small instances."""

import csv
from pathlib import Path

from benchmarks import candidates, moves, versus


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_candidate_builds_side_by_side_keep_the_same_pairs(tmp_path: Path) -> None:
    out = tmp_path / "candidates.csv"
    argv = ["--sizes", "600x24", "--max-candidates", "4", "--out", str(out)]
    assert candidates.main(argv) == 0
    rows = _rows(out)
    assert [r["method"] for r in rows] == ["dense", "indexed"] * 2
    for shape in ("clustered", "uniform"):
        dense, indexed = (r for r in rows if r["shape"] == shape)
        assert dense["pairs_hash"] == indexed["pairs_hash"]
        assert int(dense["pairs"]) > 600 * 3  # protected accounts keep one pair


def test_search_with_and_without_local_moves(tmp_path: Path) -> None:
    out = tmp_path / "moves.csv"
    argv = ["--instances", "clustered:400x10", "--time-limit", "2", "--out", str(out)]
    assert moves.main(argv) == 0
    rows = _rows(out)
    assert [r["local_moves"] for r in rows] == ["False", "True"]
    for row in rows:
        assert 0.0 <= float(row["gap"]) < 0.2
        assert float(row["objective"]) >= float(row["bound"])


def test_one_side_by_side_row(capsys) -> None:
    versus.main(["clustered:400x10", "--time-limit", "2", "--label", "this checkout", "--trace"])
    loaded, started, near, table = capsys.readouterr().out.strip().splitlines()
    assert loaded.startswith("generated and loaded in ")
    assert started.startswith("first plan at ") and "above the final bound" in started
    assert near.startswith("first plan within 1 % of the final bound: ")
    row = table.split(" | ")
    assert row[0] == "| clustered:400x10" and row[1] == "this checkout"
    assert float(row[5].rstrip("%")) >= 0  # the gap to the run's own bound


def test_a_side_by_side_row_takes_portfolio_constants(capsys) -> None:
    argv = ["clustered:400x10", "--time-limit", "1", "--param", "local_moves=False",
            "--param", "first_plan_share=0.0"]  # fmt: skip
    versus.main(argv)
    row = capsys.readouterr().out.strip().splitlines()[-1].split(" | ")
    assert "accounts shifted" not in row[-1]  # no exact moves in the search's note
