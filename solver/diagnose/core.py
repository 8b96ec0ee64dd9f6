"""Why no plan exists: a small set of conflicting limits, found with CP-SAT assumptions.

Every limit row (one rep's capacity hours, one rep's account cap, the move budget, each
side of a balance band or rep floor) is enforced only under its own assumption literal,
and every customer must get exactly one of its eligible reps. When CP-SAT proves this
infeasible, it returns a subset of the assumptions that is already infeasible; dropping
each member in turn and re-solving (deletion filter) shrinks it to a minimal core when
time allows. The core is reported with the customers that can only go to the reps in it,
which of them are protected or locked, and what to relax.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.diagnose.wording import infeasible, relax_hints
from solver.errors import InfeasibleError
from solver.models.lp import block_rows
from solver.problem import Problem

#: customers listed by name in a message (the rest are counted)
LISTED_CUSTOMERS = 8
#: limits listed one by one (a larger core is summed up per rule and side, naming a few
#: reps each)
LISTED_LIMITS = 8
LISTED_REPS = 5
#: time for the first solve, and for each deletion test, in seconds
FIRST_SOLVE_S = 10.0
DELETION_SOLVE_S = 1.0
UNITS = {"hours": "h", "moves": "moves", "accounts": "accounts", "value": ""}


@dataclass(frozen=True)
class Limit:
    """One limit row: the rule it belongs to, whose it is (rep id or name), and its value."""

    rule: str
    label: str
    upper: float  # the limit: a ceiling, or the floor when ``floor``
    unit: str
    floor: bool = False


def _build(problem: Problem) -> tuple[cp_model.CpModel, list[cp_model.IntVar], list[Limit]]:
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in range(len(problem.pair_rep))]
    starts = problem.customer_starts()
    for i in range(problem.n):
        model.add_exactly_one(x[starts[i] : starts[i + 1]])
    switches: list[cp_model.IntVar] = []
    limits: list[Limit] = []

    def switched(constraint, limit: Limit) -> None:
        on = model.new_bool_var(f"{limit.rule}:{limit.label}:{limit.floor}")
        constraint.only_enforce_if(on)
        switches.append(on)
        limits.append(limit)

    for exact in problem.blocks:
        unit = UNITS.get(exact.kind, "")
        # integer ceilings first; the floors (lower > 0) where the integer rows keep them
        for k, block in enumerate(exact.integral_blocks()):
            for r, idx in enumerate(block.pairs_by_row()):
                terms = sum(int(block.coeff[p]) * x[p] for p in idx)
                label = block.labels[r]
                if k == 0 and len(idx):
                    ceiling = model.add(terms <= int(block.upper[r]))
                    switched(ceiling, Limit(block.rule, label, float(exact.upper[r]), unit))
                if block.lower[r] > 0:
                    floor = model.add(terms >= int(block.lower[r])) if len(idx) else None
                    floor = floor if floor is not None else model.add_bool_or([])
                    switched(floor, Limit(block.rule, label, float(exact.lower[r]), unit, True))
    return model, switches, limits


def _infeasible_under(model: cp_model.CpModel, on: list, seconds: float) -> tuple[bool, list]:
    """(proved infeasible, the assumptions CP-SAT blames) with only ``on`` enforced."""
    model.clear_assumptions()
    model.add_assumptions(on)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return False, []
    return True, list(solver.sufficient_assumptions_for_infeasibility())


def conflict_core(problem: Problem, time_limit_s: float = 30.0) -> list[Limit] | None:
    """A (near-)minimal set of limits that cannot all hold, or None when CP-SAT finds a plan
    or cannot decide in time."""
    deadline = time.perf_counter() + time_limit_s
    model, switches, limits = _build(problem)
    proved, blamed = _infeasible_under(model, switches, min(FIRST_SOLVE_S, time_limit_s))
    if not proved:
        return None
    index = {v.index: k for k, v in enumerate(switches)}
    core = sorted(index[b] for b in blamed) if blamed else list(range(len(switches)))
    for k in list(core):
        left = deadline - time.perf_counter()
        if left <= 0.1:
            break
        trial = [j for j in core if j != k]
        if _infeasible_under(model, [switches[j] for j in trial], min(DELETION_SOLVE_S, left))[0]:
            core = trial
    return [limits[k] for k in core]


def limits_of(problem: Problem, rows: np.ndarray) -> list[Limit]:
    """The limit rows ``rows`` (indices in :func:`solver.models.lp.block_rows` order)."""
    origin = block_rows(problem.blocks)
    out = []
    for pos in rows:
        k, r, floor = origin[int(pos)]
        block = problem.blocks[k]
        value = float(block.lower[r] if floor else block.upper[r])
        out.append(Limit(block.rule, block.labels[r], value, UNITS.get(block.kind, ""), floor))
    return out


def explain_conflict(
    problem: Problem, core: list[Limit], reach: list[str] | None = None
) -> InfeasibleError:
    """The core in business words: each limit, the accounts trapped by it, ``reach`` (what
    the closest split plan reaches), what to relax."""
    # a certificate of a large model is summed up by family
    big = len(core) > LISTED_LIMITS
    lines = _by_family(core) if big else [_limit_line(lim) for lim in core]
    reps = {lim.label for lim in core if lim.unit != "moves"}
    rep_index = {r: j for j, r in enumerate(problem.rep_ids)}
    in_core = np.zeros(problem.m, dtype=bool)
    in_core[[rep_index[r] for r in reps if r in rep_index]] = True
    outside = np.bincount(problem.pair_customer[~in_core[problem.pair_rep]], minlength=problem.n)
    trapped = np.flatnonzero(outside == 0) if in_core.any() else np.zeros(0, dtype=np.int64)
    if in_core.sum() > LISTED_LIMITS:  # most of the book: naming the accounts says nothing
        trapped = np.zeros(0, dtype=np.int64)
    if len(trapped):
        hours = _least_hours(problem, trapped) if problem.facts is not None else 0.0
        forced = [i for i in trapped if problem.forced[i] >= 0]
        shown = ", ".join(str(problem.customer_ids[i]) for i in trapped[:LISTED_CUSTOMERS])
        more = (
            f" and {len(trapped) - LISTED_CUSTOMERS} more"
            if len(trapped) > LISTED_CUSTOMERS
            else ""
        )
        text = f"{len(trapped)} account(s) can only go to {', '.join(sorted(reps))}: {shown}{more}"
        if hours:
            text += f" (at least {hours:,.1f} h of work)"
        if forced:
            names = ", ".join(
                f"{problem.customer_ids[i]} ({problem.forced_reason[i]})"
                for i in forced[:LISTED_CUSTOMERS]
            )
            text += f"; protected or locked among them: {names}"
        lines.append(text)
    lines[:0] = reach or []  # how far the floors are out of reach leads
    suggestions = relax_hints(lim.rule for lim in core)
    if len(trapped):
        suggestions.append(
            "let other reps take these accounts (max_travel_km, region, specialty, seniority "
            "rules), or end some protections or locks early"
        )
    return infeasible(lines, suggestions)


def _limit_line(lim: Limit) -> str:
    if lim.unit == "moves":
        return (
            f"conflicting limit: {lim.rule} (the move budget), at most {lim.upper:,.0f} "
            "account(s) changing owner by choice"
        )
    side = "at least" if lim.floor else "at most"
    amount = f"{lim.upper:,.1f} {lim.unit}".rstrip()
    return f"conflicting limit: {lim.rule} of {lim.label}, {side} {amount}"


def _by_family(core: list[Limit]) -> list[str]:
    """One line per rule and side: the global rows (move budget) in full, first; per-rep
    rows counted, a few reps named."""
    lines = [_limit_line(lim) for lim in core if lim.unit == "moves"]
    families: dict[tuple[str, bool], list[str]] = {}
    for lim in core:
        if lim.unit != "moves":
            families.setdefault((lim.rule, lim.floor), []).append(lim.label)
    for (rule, floor), labels in sorted(families.items(), key=lambda kv: -len(kv[1])):
        named = ", ".join(labels[:LISTED_REPS]) + (" ..." if len(labels) > LISTED_REPS else "")
        side = "floors" if floor else "ceilings"
        lines.append(f"conflicting limits: the {side} of {rule} of {len(labels)} rep(s) ({named})")
    return lines


def _least_hours(problem: Problem, customers: np.ndarray) -> float:
    """Sum over ``customers`` of their lightest workload (hours) on any candidate rep."""
    least = np.full(problem.n, np.inf)
    np.minimum.at(least, problem.pair_customer, problem.pair_workload)
    return float(least[customers].sum())
