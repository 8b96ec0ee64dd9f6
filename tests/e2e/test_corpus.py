"""A corpus of broken (and merely unusual) input files, each with the message it must produce.

Every folder under ``tests/corpus/`` holds ``customers.csv``, ``reps.csv``, an optional
``scenario.toml`` and ``expected.toml``:

- ``exit_code``: 3 invalid input, 4 infeasible, 0 unusual but valid (must still solve);
- ``must_contain``: substrings the command's output must contain (file, row, column, rule);
- ``xfail``: present when the solver currently gets the case wrong; says why. The case keeps
  the correct expectation and is marked ``xfail(strict=True)``, so fixing the bug turns it
  into a failure until the marker is removed.

The files are written byte for byte (encodings, BOMs, CRLF, delimiters matter), so this
folder is excluded from any text normalisation.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.cli.main import app

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
AS_OF = "2027-01-01"
runner = CliRunner()


def load_cases() -> list:
    params = []
    for folder in sorted(p for p in CORPUS.iterdir() if (p / "expected.toml").exists()):
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        marks = []
        if "xfail" in expected:
            marks.append(pytest.mark.xfail(reason=expected["xfail"], strict=True))
        params.append(pytest.param(folder, expected, id=folder.name, marks=marks))
    return params


def flat(text: str) -> str:
    """Output with rich's line wrapping undone (every run of whitespace -> one space)."""
    return " ".join(text.split())


def count_data_rows(path: Path) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return len(frame)


CASES = load_cases()


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize(("folder", "expected"), CASES)
def test_corpus_case(folder: Path, expected: dict, tmp_path: Path):
    out = tmp_path / "plan"
    args = [
        "solve",
        "--customers",
        str(folder / "customers.csv"),
        "--reps",
        str(folder / "reps.csv"),
        "--out",
        str(out),
        "--time-limit",
        "3",
        "--quiet",
    ]
    scenario = folder / "scenario.toml"
    args += ["--scenario", str(scenario)] if scenario.exists() else ["--as-of", AS_OF]
    result = runner.invoke(app, args)
    output = result.output
    assert "Traceback" not in output, output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == expected["exit_code"], output
    text = flat(output)
    for needle in expected["must_contain"]:
        assert flat(needle) in text, f"{needle!r} not in output:\n{output}"
    if expected["exit_code"] == 0:
        assignments = out / "assignments.csv"
        assert assignments.exists()
        plan = pd.read_csv(assignments, dtype=str, keep_default_na=False)
        assert len(plan) == count_data_rows(folder / "customers.csv")
        assert plan["rep_id"].ne("").all()
    else:
        assert not out.exists() or not any(out.iterdir()), "a failed solve wrote files"
