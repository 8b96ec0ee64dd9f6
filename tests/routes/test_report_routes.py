"""The report's routes section: per-rep routed vs round-trip km, one rep's week on a map,
escaped text, and routes of another plan refused with file, rows and column."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from solver.cli.main import app
from solver.errors import InputError
from solver.report.page import render_report
from solver.routes import route_plan
from solver.routes.report_section import routes_section
from tests.routes.conftest import FAST, account, rep, write_plan

HOSTILE = "<img src=x onerror=alert(1)>"
runner = CliRunner()


@pytest.fixture
def routed(tmp_path):
    accounts = [account(HOSTILE, "R1", 3.0, 0.1, visits=2)]  # too far: listed as not fitted
    accounts += [account(f"C{i}", "R1", 0.1 * i, 0.05, visits=1) for i in range(1, 5)]
    accounts += [account("D1", "R2", 0.5, 0.5)]
    plan = write_plan(tmp_path / "plan", accounts, [rep("R1", 80), rep("R2", 40, 0.6, 0.6)])
    route_plan(plan, tmp_path / "routes", time_limit_s=FAST, workers=1)
    return plan, tmp_path / "routes"


def test_section_shows_routed_and_round_trip_km_per_rep(routed, tmp_path):
    plan, routes = routed
    page = render_report(plan, [routes_section(routes)])
    assert '<section id="routes">' in page and 'id="routes-map"' in page
    summary = pd.read_csv(routes / "routes_summary.csv")
    for r in summary.itertuples():
        assert f'data-v="{r.routed_km}"' in page and f'data-v="{r.star_km}"' in page
    assert "R1 (the rep with the most stops)" in page
    section = page[page.index('<section id="routes">') :]
    section = section[: section.index("</section>")]
    assert "num over" not in section  # km saved is no capacity overrun
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<section id="routes">' not in render_report(plan)
    out = runner.invoke(app, ["report", "--plan", str(plan), "--routes", str(routes),
                              "--out", str(tmp_path / "r.html")])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert 'id="routes-map"' in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_routes_of_another_plan_are_refused(routed, tmp_path):
    plan, routes = routed
    stops = pd.read_csv(routes / "stops.csv")
    stops.loc[1, "customer_id"] = "NOT-IN-PLAN"
    stops.to_csv(routes / "stops.csv", index=False)
    with pytest.raises(InputError) as caught:
        render_report(plan, [routes_section(routes)])
    (issue,) = caught.value.issues
    assert issue.column == "customer_id" and issue.rows == (3,)
    out = runner.invoke(app, ["report", "--plan", str(plan), "--routes", str(routes),
                              "--out", str(tmp_path / "r.html")])  # fmt: skip
    assert out.exit_code == 3 and "stops.csv" in out.output
    assert not (tmp_path / "r.html").exists()
