"""The rival comparison of GAP runs: who is better on which instance."""

from pathlib import Path

import pandas as pd

from benchmarks.rivals import main

COLUMNS = ["instance", "m", "n", "engine", "objective", "best_known", "gap_to_best_known"]


def _write(path: Path, rows: list[tuple]) -> Path:
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path


def test_rivals_counts_wins_ties_and_losses_per_rival(tmp_path: Path, capsys) -> None:
    ours = _write(
        tmp_path / "ours.csv",
        [("a", 5, 100, "auto", 100, 100, 0.0), ("b", 5, 100, "auto", 210, 200, 0.05)],
    )
    milp = _write(
        tmp_path / "milp.csv",
        [("a", 5, 100, "milp", 100, 100, 0.0), ("b", 5, 100, "milp", 204, 200, 0.02)],
    )
    plain = _write(tmp_path / "plain.csv", [("b", 5, 100, "plain-cpsat", 220, 200, 0.1)])
    assert main(["--ours", str(ours), "--rivals", f"{milp},{plain}"]) == 0
    out = capsys.readouterr().out
    assert "| a | 5 | 100 | 100 | 100 (0.000) | 100 (0.000) | not run |" in out
    assert "| HiGHS MIP | 2 | 0 | 1 | 1 | 2.5 | 1.0 | b |" in out
    assert "| plain CP-SAT | 1 | 1 | 0 | 0 | 5.0 | 10.0 |  |" in out


def test_rivals_names_a_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["--ours", str(tmp_path / "none.csv"), "--rivals", "x.csv"]) == 2
    assert "none.csv" in capsys.readouterr().err
