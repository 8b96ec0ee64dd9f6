"""The rival comparison of GAP runs: who is better on which instance."""

from pathlib import Path

import pandas as pd

from benchmarks.rivals import main

COLUMNS = ["instance", "m", "n", "engine", "objective", "best_known", "gap_to_best_known"]


def _write(path: Path, rows: list[tuple], **extra: list) -> Path:
    pd.DataFrame(rows, columns=COLUMNS).assign(**extra).to_csv(path, index=False)
    return path


def test_rivals_counts_wins_ties_and_losses_per_rival(tmp_path: Path, capsys) -> None:
    ours = _write(
        tmp_path / "ours.csv",
        [("a", 5, 100, "auto", 100, 100, 0.0), ("b", 5, 100, "auto", 210, 200, 0.05)],
        status=["optimal", "feasible"],
        plan_by=["HiGHS branch-and-cut", None],
    )
    milp = _write(
        tmp_path / "milp.csv",
        [("a", 5, 100, "milp", 100, 100, 0.0), ("b", 5, 100, "milp", 204, 200, 0.02)],
    )
    plain = _write(
        tmp_path / "plain.csv",
        [
            ("a", 5, 100, "plain-cpsat", None, 100, None),
            ("b", 5, 100, "plain-cpsat", 220, 200, 0.1),
        ],
    )
    assert main(["--ours", str(ours), "--rivals", f"{milp},{plain}"]) == 0
    out = capsys.readouterr().out
    row_a = "| a | 5 | 100 | 100 | 100 (0.000) | optimal | HiGHS branch-and-cut | 100 (0.000) |"
    assert row_a + " no plan |" in out
    assert "| b | 5 | 100 | 200 | 210 (5.000) | feasible |  | 204 (2.000) | 220 (10.000) |" in out
    assert "| HiGHS MIP | 2 | 0 | 1 | 1 | 2.5 | 1.0 | 0 | b |" in out
    assert "| plain CP-SAT | 2 | 2 | 0 | 0 | 2.5 | 10.0 | 1 |  |" in out


def test_rivals_names_a_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["--ours", str(tmp_path / "none.csv"), "--rivals", "x.csv"]) == 2
    assert "none.csv" in capsys.readouterr().err
