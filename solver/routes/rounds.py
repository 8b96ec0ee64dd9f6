"""Workload that reflects routes (``travel_model = "routes"``): solve, route every rep, count
each rep's routed share of its round-trip travel in the workload, re-solve; until settled.

A rep's share = routed km / round-trip km of the visits its routes drive (star: 1). An
account's travel hours for a rep are its round trips x that rep's share, i.e. the rep's
routed drive time shared over its accounts in proportion to their round trips; a rep
not routed yet (no visits) keeps 1. The travel term of the objective stays the round-trip km.

Each round takes every routed rep's measured share. What keeps the rounds from chasing
the search's restarts and the router's run-to-run noise:

- round 1 is solved afresh (round 0's shares, the star's 1, said nothing about routes);
  each later re-solve starts from the previous round's plan and charges
  ``travel.route_anchor`` cost points per account it moves away from that plan's rep (the
  term ``round_anchor``, in the objective's units: 60 by default, a continuity weight's
  worth per account), so it moves an account only where the changed shares make the move
  worth that much. A fresh solve starts from a new LP rounding: one rep's share changed
  by 0.01 moved 25 accounts of 37 reps on the 10,000 x 100 benchmark (benchmarks/RESULTS.md,
  "Anchored route rounds"). The charge only steers the search: the returned plan's
  objective and terms are those of the scenario, without it. The anchored model's bound is
  no bound of that objective, so a re-solved plan's bound is the bound engine's on the
  round's own model (the LP, or the Lagrangian dual on large models: ``lower_bound`` in
  :mod:`solver.models.auto`), run for ``Params.dual_share`` of the time limit;
- a book (a rep's accounts with their visits and on-site hours, its base and days) is
  routed once: its share is kept for the later rounds, so a book that did not change
  measures exactly as before and only reps whose book changed are routed again;
- the rounds end when every rep's measured share is within :data:`STABLE` of the share its
  workload counted ("stable"), or when no rep's workload miscounts its routed travel by
  more than :data:`SETTLED_CAPACITY` of its capacity hours, ``|measured - used| x its
  round-trip drive hours`` ("settled": a share gap the size of the router's noise on a rep
  with little travel changes nothing that matters), or after ``travel.route_rounds``
  re-solves. The certificate's ``route_rounds_stop`` says which, in words.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from solver.export.plan_files import read_plan
from solver.models.auto import Params, lower_bound
from solver.models.base import ModelInfeasible
from solver.plan import Plan, build_plan, plan_folder
from solver.problem import Problem
from solver.routes.inputs import RepVisits, RoutesInput, routes_input
from solver.routes.rep import Settings
from solver.routes.run import route_reps
from solver.scenario import Scenario

STABLE = 0.02  # largest gap between a rep's measured and counted share that is stable
#: largest miscount of a rep's routed travel (hours) that is settled, per capacity hour
SETTLED_CAPACITY = 0.01
#: PyVRP iterations per rep in deterministic runs (about 0.5 s for a 355-visit rep)
DETERMINISTIC_ITERATIONS = 200
#: the objective term of a re-solve that charges each account moved off its previous rep
ANCHOR = "round_anchor"

Book = tuple  # what identifies a rep's routing task (see book_key)


@dataclass(frozen=True)
class Measured:
    """Routed and round-trip km of one book's routes; share = routed / round trip."""

    routed_km: float
    star_km: float

    @property
    def share(self) -> float:
        return max(min(self.routed_km / self.star_km, 1.0), 1e-3)


@dataclass(frozen=True)
class Gap:
    """How far a rep's counted share is from its measured one, in share and in hours."""

    rep_id: str
    share: float  # |measured - used|
    hours: float  # share x the rep's round-trip drive hours
    capacity_share: float  # hours / capacity_hours


def solve_with_routes(
    customers: pd.DataFrame | str | Path,
    reps: pd.DataFrame | str | Path,
    scenario: Scenario,
    solve_problem: Callable[..., Plan],
    progress: object = None,
) -> Plan:
    """The plan of the last round; its certificate lists each round (``route_rounds``) and
    why they ended (``route_rounds_stop``).

    ``solve_problem(problem, progress=...)`` solves one round (:func:`solver.solve_problem`,
    handed in by :func:`solver.solve` so that this module does not import it).
    """
    travel = scenario.travel
    shares: dict[str, float] = travel.shares
    known: dict[Book, Measured] = {}  # every book routed so far
    rounds: list[dict] = []
    plan, owners, stop = None, None, ""
    for round_no in range(travel.route_rounds + 1):
        start = time.perf_counter()
        current = scenario.replace(travel={"route_share": shares})
        problem = Problem.build(customers, reps, current)
        if round_no < 2:  # round trips, then the first shares measured: both afresh
            plan = solve_problem(problem, progress=progress)
        else:
            plan = _resolve(problem, plan.rep_index, travel.route_anchor, solve_problem, progress)
        if plan.certificate.get("interrupted"):
            stop = f"interrupted in round {round_no}; the plan is that round's"
            break
        routing = time.perf_counter()
        tasks = _tasks(plan, scenario)
        rerouted = _route_new_books(tasks, known, scenario)
        routing = time.perf_counter() - routing
        now = {t.rep_id: book_key(t) for t in tasks.reps}
        measured = {r: known[b] for r, b in now.items() if known[b].star_km > 0}
        capacity = dict(zip(plan.reps["rep_id"], plan.reps["capacity_hours"], strict=True))
        gaps = _gaps(measured, shares, capacity, scenario.travel.speed_kmh)
        worst = max(gaps, key=lambda g: g.share, default=None)
        heaviest = max(gaps, key=lambda g: g.capacity_share, default=None)
        moved = _moved(owners, plan)
        owners = plan.assignments.set_index("customer_id")["rep_id"]
        wall = None if scenario.deterministic else time.perf_counter() - start
        timing = None if wall is None else (wall, routing)
        rounds.append(
            _round_row(round_no, plan, measured, worst, heaviest, moved, rerouted, timing)
        )
        if worst is None or worst.share <= STABLE:
            stop = _said("stable", round_no, worst, heaviest)
            break
        if heaviest.capacity_share <= SETTLED_CAPACITY:
            stop = _said("settled", round_no, worst, heaviest)
            break
        if round_no == travel.route_rounds:
            stop = _said("cap", round_no, worst, heaviest)
            break
        shares = {**shares, **{r: m.share for r, m in measured.items()}}
    certificate = plan.certificate.replace(route_rounds=rounds, route_rounds_stop=stop)
    return dataclasses.replace(plan, certificate=certificate)


def anchored(problem: Problem, previous: np.ndarray, price: float) -> Problem:
    """``problem`` with the term :data:`ANCHOR`: ``price`` cost points on every pair whose
    rep is not the customer's rep in ``previous`` (a rep index per customer)."""
    leaves = problem.pair_rep != np.asarray(previous)[problem.pair_customer]
    terms = {**problem.pair_terms, ANCHOR: price * leaves}
    return dataclasses.replace(problem, pair_terms=terms)


def _resolve(
    problem: Problem,
    previous: np.ndarray,
    price: float,
    solve_problem: Callable[..., Plan],
    progress: object,
) -> Plan:
    """A re-solve from the plan ``previous`` with each account moved off its rep there
    charged ``price``; the plan returned is evaluated on ``problem`` itself (no charge),
    with the bound of ``problem``'s own bound engine (the anchored model's is not one of
    this objective). The status is never "optimal": nothing proved this plan so."""
    found = solve_problem(anchored(problem, previous, price), progress=progress, start=previous)
    cert = found.certificate
    said = (
        f"re-solved from the previous round's plan at {price:g} cost points per account "
        f"moved off its rep there; that anchored model's objective "
        f"{cert['objective']:,.1f}, bound "
        + ("none" if cert.bound is None else f"{cert.bound:,.1f}")
        + ", not a bound of this plan's objective"
    )
    try:
        own = lower_bound(problem, Params().dual_share * problem.scenario.time_limit_s)
    except ModelInfeasible:  # cannot happen with a plan in hand; no bound then
        own = None
    bound = None if own is None else own.engine_bound
    cert = cert.replace(
        status="feasible" if cert.status == "optimal" else cert.status,
        bound=bound,
        bound_source="" if bound is None else f"{own.bound_source}, on this round's model",
        engine_note="; ".join(x for x in (cert.engine_note, said) if x),
        stop_reason=f"re-solve anchored to the previous round's plan, on that model: "
        f"{cert.stop_reason}",
    )
    return build_plan(problem, found.rep_index, cert)


def book_key(rep: RepVisits) -> Book:
    """A rep's routing task as a key: base, days and its (account, visits, on-site hours)
    in account order (on-site hours to 1e-4 h, as the plan files round them)."""
    order = np.argsort(np.array(rep.customer_ids, dtype=object), kind="stable")
    onsite = np.round(rep.onsite_h[order], 4)
    accounts = tuple(zip(np.array(rep.customer_ids)[order].tolist(),
                         rep.visits[order].tolist(), onsite.tolist(), strict=True))  # fmt: skip
    return (rep.rep_id, rep.base_lat, rep.base_lon, rep.days, accounts)


def _tasks(plan: Plan, scenario: Scenario) -> RoutesInput:
    """Every active rep's routing task in ``plan`` (read back from its files, as
    ``territory routes`` reads them)."""
    with tempfile.TemporaryDirectory() as folder:
        plan.write(folder)
        return routes_input(read_plan(plan_folder(folder)), scenario.travel.hours_per_day, None)


def _route_new_books(tasks: RoutesInput, known: dict[Book, Measured], scenario: Scenario) -> int:
    """Route the reps whose book has not been routed yet; remember each book's km.
    Returns how many with visits were routed."""
    todo = [t for t in tasks.reps if book_key(t) not in known]
    settings = Settings(
        scenario.travel.hours_per_day,
        scenario.travel.route_time_limit_s,
        scenario.seed,
        DETERMINISTIC_ITERATIONS if scenario.deterministic else None,
    )
    done = route_reps(tuple(todo), tasks.travel, settings, scenario.workers)
    for task, routed in zip(todo, done, strict=True):
        known[book_key(task)] = Measured(routed.routed_km, routed.star_km)
    return sum(1 for t in todo if t.visit_count)


def _gaps(
    measured: dict[str, Measured],
    used: dict[str, float],
    capacity: dict[str, float],
    speed_kmh: float,
) -> list[Gap]:
    """Each routed rep's gap: |measured - used share|, and that share of its round-trip
    drive hours (km / speed) against its capacity hours."""
    gaps = []
    for rep, m in measured.items():
        share = abs(m.share - used.get(rep, 1.0))
        hours = share * m.star_km / speed_kmh
        gaps.append(Gap(rep, share, hours, hours / max(float(capacity.get(rep, 0.0)), 1e-9)))
    return gaps


def _moved(before: pd.Series | None, plan: Plan) -> int | None:
    """Accounts whose rep differs from the previous round's plan (None in round 0)."""
    if before is None:
        return None
    after = plan.assignments.set_index("customer_id")["rep_id"]
    return int((after != before.reindex(after.index)).sum())


def _said(why: str, round_no: int, worst: Gap | None, heaviest: Gap | None) -> str:
    """Why the rounds ended, in words."""
    if worst is None:
        return f"stable in round {round_no}: no rep has visits to route"
    share = f"largest share gap {worst.share:.3f} ({worst.rep_id})"
    miscount = (
        f"largest miscount {heaviest.hours:.1f} h, {heaviest.capacity_share:.1%} of "
        f"{heaviest.rep_id}'s capacity"
    )
    if why == "stable":
        return f"stable in round {round_no}: {share}, within {STABLE}"
    if why == "settled":
        return (
            f"settled in round {round_no}: {share}, but the {miscount}, within "
            f"{SETTLED_CAPACITY:.0%}"
        )
    return f"stopped at route_rounds = {round_no} re-solves, not settled: {share}; {miscount}"


def _round_row(
    number: int,
    plan: Plan,
    measured: dict[str, Measured],
    worst: Gap | None,
    heaviest: Gap | None,
    moved: int | None,
    rerouted: int,
    timing: tuple[float, float] | None,
) -> dict:
    reps = plan.reps[plan.reps["active"]]
    shares = [m.share for m in measured.values()]
    row = {
        "round": number,
        "objective": plan.certificate["objective"],
        "workload_gini": plan.metrics["after"]["workload"]["gini"],
        "travel_km": float(reps["travel_km"].sum()),
        "routed_km": float(sum(m.routed_km for m in measured.values())),
        "mean_share": sum(shares) / len(shares) if shares else 1.0,
        "largest_share_change": 0.0 if worst is None else worst.share,
        "largest_miscount_h": 0.0 if heaviest is None else heaviest.hours,
        "largest_miscount_rep": "" if not heaviest or not heaviest.hours else heaviest.rep_id,
        "moved_from_previous": moved,
        "rerouted": rerouted,
    }
    if timing is not None:
        row |= {"wall_s": timing[0], "routing_s": timing[1]}
    return row
