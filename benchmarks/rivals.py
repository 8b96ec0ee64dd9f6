"""Compare our GAP runs with rival engines' runs, instance by instance.

Usage::

    python -m benchmarks.rivals --ours benchmarks/results/gap_cde_all_highs.csv \\
        --rivals benchmarks/results/gap_cde_small_milp60.csv,<more rival CSVs>

Reads CSVs written by ``benchmarks.run`` (one for our engine, any number for rivals; a
rival engine may be spread over several files) and prints a Markdown table: per instance
our objective and gap to best known, and each rival's, then per rival how many instances
ours is better on, equal, and worse (minimisation and maximisation both handled through
the gap to the best-known value).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

#: objectives closer than this count as equal
TIE = 1e-6
RIVAL_NAMES = {"milp": "HiGHS MIP", "plain-cpsat": "plain CP-SAT"}


def load(ours: Path, rivals: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    mine = pd.read_csv(ours)
    theirs = pd.concat([pd.read_csv(p) for p in rivals], ignore_index=True)
    theirs = theirs.drop_duplicates(["instance", "engine"], keep="last")
    return mine, theirs


def tally(mine: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Per rival engine: instances compared, ours better / equal / worse, mean gaps (%)."""
    rows = []
    for engine, runs in theirs.groupby("engine", sort=True):
        both = mine.merge(runs, on="instance", suffixes=("", "_rival"))
        ours_gap, their_gap = both["gap_to_best_known"], both["gap_to_best_known_rival"]
        diff = their_gap.fillna(float("inf")) - ours_gap  # a rival without a plan loses
        rows.append(
            {
                "rival": RIVAL_NAMES.get(engine, engine),
                "instances": len(both),
                "ours better": int((diff > TIE).sum()),
                "equal": int((diff.abs() <= TIE).sum()),
                "ours worse": int((diff < -TIE).sum()),
                "ours: mean gap %": round(100 * ours_gap.mean(), 3),
                "rival: mean gap %": round(100 * their_gap.mean(), 3),  # over its plans
                "rival: no plan": int(both["objective_rival"].isna().sum()),
                "worse on": " ".join(both.loc[diff < -TIE, "instance"]),
            }
        )
    return pd.DataFrame(rows)


def table(mine: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """One row per instance: best known, ours, then each rival (objective and gap %)."""

    def cell(objective: float, gap: float) -> str:
        return f"{objective:g} ({100 * gap:.3f})"

    out = mine[["instance", "m", "n"]].copy()
    out["best known"] = mine["best_known"].map("{:g}".format)
    out["ours (gap %)"] = [
        cell(o, g) for o, g in zip(mine["objective"], mine["gap_to_best_known"], strict=True)
    ]
    out["status"] = mine["status"]
    plan_by = mine["plan_by"] if "plan_by" in mine else pd.Series("", index=mine.index)
    out["plan by"] = plan_by.fillna("")
    for engine, runs in theirs.groupby("engine", sort=True):
        cells = {
            r.instance: cell(r.objective, r.gap_to_best_known)
            for r in runs.itertuples()
            if pd.notna(r.objective)
        }
        out[f"{RIVAL_NAMES.get(engine, engine)} (gap %)"] = [
            cells.get(i, "not run" if i not in set(runs["instance"]) else "no plan")
            for i in out["instance"]
        ]
    return out


def markdown(frame: pd.DataFrame) -> str:
    """A frame as a Markdown table (numbers right-aligned)."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = [
        "| " + " | ".join(str(c) for c in frame.columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", type=Path, required=True)
    parser.add_argument("--rivals", required=True, help="comma-separated CSV paths")
    args = parser.parse_args(argv)
    paths = [args.ours, *(Path(p) for p in args.rivals.split(",") if p)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    mine, theirs = load(paths[0], paths[1:])
    print(markdown(table(mine, theirs)))
    print()
    print(markdown(tally(mine, theirs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
