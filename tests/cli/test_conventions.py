"""Command-line conventions: python -m solver, --version from the package metadata, shell
completion, --json for scripts, environment defaults in --help, -v logging, the scenario
schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.cli.main import app
from tests.instances import make_instance

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def territory(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m solver ARGS`` in a fresh process, importing this source tree."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "solver", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("conv")
    customers, reps = make_instance(n=30, m=5, seed=1)
    paths = {"customers": folder / "c.csv", "reps": folder / "r.csv"}
    customers.to_csv(paths["customers"], index=False)
    reps.to_csv(paths["reps"], index=False)
    paths["scenario"] = folder / "s.toml"
    paths["scenario"].write_text("as_of = 2027-01-01\ntime_limit_s = 3\nseed = 1\n")
    paths["folder"] = folder
    return paths


def inputs(files) -> list[str]:
    return [
        "--customers", str(files["customers"]), "--reps", str(files["reps"]),
        "--scenario", str(files["scenario"]),
    ]  # fmt: skip


def test_python_dash_m_solver_and_version_from_metadata():
    result = territory("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"territory {version('territory-solver')}"


def test_shell_completion_and_env_defaults_in_help():
    top = runner.invoke(app, ["--help"])
    assert "--install-completion" in top.output
    for command in (["solve"], ["runs", "list"], ["runs", "show"], ["runs", "diff"]):
        text = runner.invoke(app, [*command, "--help"]).output
        assert "TERRITORY_DB" in text, command


def test_solve_json_summary_parses_and_check_json(files):
    out = files["folder"] / "plan"
    result = territory("solve", *inputs(files), "--out", str(out), "--json", "-q")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # stdout holds nothing but the JSON
    metrics = json.loads((out / "metrics.json").read_text())
    assert summary["status"] == metrics["certificate"]["status"]
    assert summary["objective"] == pytest.approx(metrics["certificate"]["objective"])
    assert summary["moves"] == metrics["metrics"]["after"]["moves"]
    assert summary["files"] == [
        str(out / n) for n in ("assignments.csv", "reps.csv", "metrics.json")
    ]
    assert summary["run_id"] is None

    valid = runner.invoke(
        app, ["check", *inputs(files), "--plan", str(out / "assignments.csv"), "--json"]
    )
    assert valid.exit_code == 0
    assert json.loads(valid.stdout) == {"as_of": "2027-01-01", "valid": True, "violations": []}
    rows = pd.read_csv(out / "assignments.csv", dtype=str)[["customer_id", "rep_id"]]
    rows.loc[0, "rep_id"] = "R2"  # C000 is protected by R0
    broken = files["folder"] / "broken.csv"
    rows.to_csv(broken, index=False)
    bad = runner.invoke(app, ["check", *inputs(files), "--plan", str(broken), "--json"])
    assert bad.exit_code == 5
    report = json.loads(bad.stdout)
    assert report["valid"] is False
    assert {"rule": "protection", "customer_id": "C000"}.items() <= report["violations"][0].items()


def test_runs_json_and_territory_db_from_the_environment(files):
    """One solve in a fresh process (its stdout is the JSON a script reads); the rest in
    this process, with the variable set as a shell would."""
    db = files["folder"] / "runs.db"
    env = {"TERRITORY_DB": str(db)}

    def invoke(*args: str):
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result

    invoke("solve", *inputs(files), "--out", str(files["folder"] / "p0"), "-q")
    assert not db.exists()  # the variable says where, not whether
    invoke("solve", *inputs(files), "--out", str(files["folder"] / "p1"), "--record", "-q")
    done = territory(
        "solve", *inputs(files), "--out", str(files["folder"] / "p2"), "--record", "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["run_id"] == 2
    listed = json.loads(invoke("runs", "list", "--json").stdout)
    assert [r["id"] for r in listed] == [2, 1]
    shown = json.loads(invoke("runs", "show", "latest", "--json").stdout)
    assert shown["run"]["id"] == 2 and len(shown["reps"]) == 5
    diff = json.loads(invoke("runs", "diff", "1", "2", "--json").stdout)
    assert diff["a"] == 1 and diff["b"] == 2
    assert {"metric", "a", "b", "change"} <= set(diff["metrics"][0])


def test_export_dry_run_json(files):
    out = files["folder"] / "px"
    assert territory("solve", *inputs(files), "--out", str(out), "-q").returncode == 0
    target = files["folder"] / "changes.csv"
    result = runner.invoke(
        app,
        [
            "export",
            "--plan",
            str(out),
            "--format",
            "generic",
            "--out",
            str(target),
            "--dry-run",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["written"] is False and data["format"] == "generic"
    moved = (pd.read_csv(out / "assignments.csv", dtype=str)["changed"] == "True").sum()
    assert data["changes"] == moved
    assert not target.exists()


def test_verbose_logs_solver_events_on_stderr(files):
    out = files["folder"] / "pv"
    result = territory("-v", "solve", *inputs(files), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert "INFO: lower bound" in result.stderr  # the portfolio logs it
    assert "solver.solve INFO: plan " in result.stderr
    quiet = territory("solve", *inputs(files), "--out", str(out), "-q")
    assert "INFO" not in quiet.stderr


def test_scenario_schema_accepts_the_sample_and_rejects_typos(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    result = runner.invoke(app, ["scenario-schema", "--out", str(tmp_path / "s.json")])
    assert result.exit_code == 0
    schema = json.loads((tmp_path / "s.json").read_text())

    def as_json(value):  # what a TOML editor hands the schema: dates as text
        if isinstance(value, dict):
            return {k: as_json(v) for k, v in value.items()}
        return value.isoformat() if isinstance(value, dt.date) else value

    sample = as_json(tomllib.loads((ROOT / "data" / "scenario.toml").read_text()))
    jsonschema.validate(sample, schema)
    extra = {**sample, "rules": {**sample["rules"], "locks": "locks.xlsx#Locks"}}
    extra["columns"] = {"customers": {"customer_id": "Account ID"}}
    jsonschema.validate(extra, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**sample, "weights": {"travle": 1.0}}, schema)
