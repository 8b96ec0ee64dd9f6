"""Benchmarks: instance readers and runners (not part of the default test run)."""

from __future__ import annotations

from pathlib import Path

#: a benchmark measures what the search reaches in its whole time limit: early stops off
NO_EARLY_STOP = {"gap_tolerance": None, "stall_share": None}


def full_limit(scenario_toml: Path):
    """The scenario of ``scenario_toml`` with the early stops switched off."""
    import solver

    return solver.Scenario.from_toml(scenario_toml).replace(**NO_EARLY_STOP)
