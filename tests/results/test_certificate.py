"""Plan folders of every layout so far stay readable; one of a newer layout is refused.

The layout before schema versions differs from today's only by the top-level
``schema_version`` (a deterministic run's metrics.json is otherwise byte-identical), so
removing it makes a file in the old format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import solver
from solver.cli.main import app
from solver.errors import EXIT_NEWER_VERSION, NewerVersionError
from solver.plan import SCHEMA_VERSION
from tests.instances import SMALL_SCENARIO, make_instance

runner = CliRunner()


@pytest.fixture(scope="module")
def plan() -> solver.Plan:
    customers, reps = make_instance(n=40, m=5, seed=3)
    scenario = {**SMALL_SCENARIO, "deterministic": True, "engine": "lns", "gap_tolerance": 0}
    return solver.solve(customers, reps, scenario)


def _rewrite(folder: Path, change) -> dict:
    path = folder / "metrics.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return data


def test_a_plan_folder_written_before_schema_versions_loads(plan, tmp_path: Path) -> None:
    plan.write(tmp_path / "old")
    old = _rewrite(tmp_path / "old", lambda d: d.pop("schema_version"))
    loaded = solver.Plan.load(tmp_path / "old")
    assert loaded.certificate == old["certificate"]
    assert loaded.metrics == old["metrics"]
    assert loaded.metrics.after.workload.gini == old["metrics"]["after"]["workload"]["gini"]
    loaded.write(tmp_path / "again")  # written back in today's layout, same plan
    again = json.loads((tmp_path / "again" / "metrics.json").read_text(encoding="utf-8"))
    assert again["schema_version"] == SCHEMA_VERSION and again["plan_id"] == old["plan_id"]
    result = runner.invoke(
        app, ["report", "--plan", str(tmp_path / "old"), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output


def test_an_older_certificate_without_todays_keys_loads_and_keeps_unknown_ones(
    plan, tmp_path: Path
) -> None:
    plan.write(tmp_path / "old")

    def older(data: dict) -> None:
        data.pop("schema_version")
        for key in ("stop_reason", "gap_tolerance", "engine_note", "rules"):
            data["certificate"].pop(key)
        data["certificate"]["crm_batch"] = "Q3-import"  # a key some other tool added

    _rewrite(tmp_path / "old", older)
    loaded = solver.Plan.load(tmp_path / "old")
    assert loaded.certificate.stop_reason is None and loaded.certificate.rules == []
    assert loaded.objective == pytest.approx(plan.objective)
    assert loaded.certificate["crm_batch"] == "Q3-import"
    loaded.write(tmp_path / "again")
    again = json.loads((tmp_path / "again" / "metrics.json").read_text(encoding="utf-8"))
    assert again["certificate"]["crm_batch"] == "Q3-import"


def test_a_plan_folder_of_a_newer_layout_is_refused(plan, tmp_path: Path) -> None:
    plan.write(tmp_path / "new")
    _rewrite(tmp_path / "new", lambda d: d.update(schema_version=SCHEMA_VERSION + 1))
    with pytest.raises(NewerVersionError) as caught:
        solver.Plan.load(tmp_path / "new")
    assert str(tmp_path / "new" / "metrics.json") in str(caught.value)
    result = runner.invoke(
        app, ["report", "--plan", str(tmp_path / "new"), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == EXIT_NEWER_VERSION
    assert f"schema version {SCHEMA_VERSION + 1}" in " ".join(result.output.split())


def test_the_certificate_is_typed_and_reads_as_before(plan) -> None:
    cert = plan.certificate
    assert cert.status == cert["status"] and cert.gap == cert["gap"] == plan.gap
    assert "stats" not in cert and cert.stats is not None  # typed statistics stay in memory
    search = cert.stats.search
    assert search is not None and search.end_cost == pytest.approx(plan.objective)
    assert dict(cert) == cert.as_dict() and "wall_s" in cert  # timings kept in memory
    assert "wall_s" not in cert.written()  # and left out of a deterministic run's file
