"""Benchmarks: instance readers and runners (not part of the default test run)."""

from __future__ import annotations

from pathlib import Path

#: a benchmark measures what the search reaches in its whole time limit: early stops off
NO_EARLY_STOP = {"gap_tolerance": None, "stall_share": None}
#: the objective every speed and quality row in RESULTS.md was measured with, kept when
#: the scenario defaults changed (the workload term at 30 per hour, value_fit 100, no
#: [[balance]] tables), so rows stay comparable across versions; benchmarks.balance_defaults
#: measures the defaults themselves
PINNED_OBJECTIVE = {"weights": {"balance": 30.0, "value_fit": 100.0}, "balance": []}


def full_limit(scenario_toml: Path):
    """The scenario of ``scenario_toml`` with the early stops switched off and the
    benchmarks' pinned objective (:data:`PINNED_OBJECTIVE`)."""
    import solver

    scenario = solver.Scenario.from_toml(scenario_toml)
    return scenario.replace(**NO_EARLY_STOP, **PINNED_OBJECTIVE)
