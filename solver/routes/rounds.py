"""Workload that reflects routes (``travel_model = "routes"``): solve, route every rep, count
each rep's routed share of its round-trip travel in the workload, re-solve; until stable.

A rep's share = routed km / round-trip km of the visits its routes drive (star: 1). An
account's travel hours for a rep are its round trips x that rep's share, i.e. the rep's
routed drive time shared over its accounts in proportion to their round trips; a rep
not routed yet (no visits) keeps 1. A rep's share swings as its book changes between rounds,
so the next round uses the damped share ``s + DAMPING x (measured - s)`` (an average of
the rounds, not the last one alone). Rounds end when no rep's measured share differs from
the one its round used by more than :data:`STABLE`, or after ``travel.route_rounds``
re-solves. The travel term of the objective stays the round-trip km.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from solver.plan import Plan
from solver.problem import Problem
from solver.routes.run import route_plan
from solver.scenario import Scenario

STABLE = 0.02  # largest change of a rep's share that counts as stable
DAMPING = 0.5  # share of the measured change a round passes on to the next
#: PyVRP iterations per rep in deterministic runs (about 0.5 s for a 355-visit rep)
DETERMINISTIC_ITERATIONS = 200


def solve_with_routes(
    customers: pd.DataFrame | str | Path,
    reps: pd.DataFrame | str | Path,
    scenario: Scenario,
    solve_problem: Callable[..., Plan],
    progress: object = None,
) -> Plan:
    """The plan of the last round; its certificate lists each round (``route_rounds``).

    ``solve_problem(problem, progress=...)`` solves one round (:func:`solver.solve_problem`,
    handed in by :func:`solver.solve` so that this module does not import it).
    """
    travel = scenario.travel
    shares: dict[str, float] = travel.shares
    rounds = []
    plan = None
    for round_no in range(travel.route_rounds + 1):
        start = time.perf_counter()
        current = scenario.replace(travel={"route_share": shares})
        plan = solve_problem(Problem.build(customers, reps, current), progress=progress)
        if plan.certificate.get("interrupted"):
            break
        measured = _route_shares(plan, scenario)
        change = max((abs(v - shares.get(r, 1.0)) for r, v in measured.items()), default=0.0)
        wall = None if scenario.deterministic else time.perf_counter() - start
        rounds.append(_round_row(round_no, plan, measured, change, wall))
        if change <= STABLE:
            break
        shares = {**shares, **_damped(shares, measured)}
    return dataclasses.replace(plan, certificate=plan.certificate.replace(route_rounds=rounds))


def _damped(used: dict[str, float], measured: dict[str, float]) -> dict[str, float]:
    """Next round's shares: ``s + DAMPING x (measured - s)``; a rep new to routes starts at
    its measured share (its previous share was the star's 1, which says nothing)."""
    return {
        rep: share if rep not in used else used[rep] + DAMPING * (share - used[rep])
        for rep, share in measured.items()
    }


def _route_shares(plan: Plan, scenario: Scenario) -> dict[str, float]:
    """Routed km / round-trip km of each rep's routes in ``plan`` (reps with routes only)."""
    with tempfile.TemporaryDirectory() as folder:
        plan.write(folder)
        result = route_plan(
            folder,
            hours_per_day=scenario.travel.hours_per_day,
            time_limit_s=scenario.travel.route_time_limit_s,
            workers=scenario.workers,
            seed=scenario.seed,
            iterations=DETERMINISTIC_ITERATIONS if scenario.deterministic else None,
        )
    return {
        r.rep_id: max(min(r.routed_km / r.star_km, 1.0), 1e-3) for r in result.reps if r.star_km > 0
    }


def _round_row(number: int, plan: Plan, shares: dict, change: float, wall: float | None) -> dict:
    reps = plan.reps[plan.reps["active"]]
    return {
        "round": number,
        "objective": plan.certificate["objective"],
        "workload_gini": plan.metrics["after"]["workload"]["gini"],
        "travel_km": float(reps["travel_km"].sum()),
        "mean_share": sum(shares.values()) / len(shares) if shares else 1.0,
        "largest_share_change": change,
    } | ({} if wall is None else {"wall_s": wall})
