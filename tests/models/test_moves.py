"""Exact local moves: priced exactly, never breaking a row (floors included), checked plans."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import solver
from benchmarks.shapes import make_clustered
from solver.models.moves import (
    chain_moves,
    descend,
    move_deltas,
    shift_deltas,
    state_of,
    swap_moves,
)
from solver.plan import evaluate
from solver.problem import Balance


@pytest.fixture(scope="module")
def built() -> tuple[solver.Problem, np.ndarray, pd.DataFrame, pd.DataFrame]:
    customers, reps = make_clustered(1200, 24, 3)
    scenario = {
        "as_of": "2027-01-01",
        "rules": {"max_moves_pct": 20.0},
        "weights": {"balance": 30.0},  # the old workload term, beside the default value table
        "gap_tolerance": None,
        "stall_share": None,
    }
    problem = solver.Problem.build(customers, reps, scenario)
    params = solver.models.auto.Params(local_moves=False)
    plan = solver.solve_problem(problem, time_limit_s=2, params=params)
    return problem, plan.rep_index.copy(), customers, reps


def _within_rows(problem: solver.Problem, rep: np.ndarray) -> bool:
    chosen = problem.pair_index(rep)
    for block in problem.blocks:
        usage = block.usage(chosen)
        lower = getattr(block, "lower", None)
        if (usage > block.upper + 1e-6).any():
            return False
        if lower is not None and (usage < lower - 1e-6).any():
            return False
    return True


def test_every_shift_is_priced_exactly_balance_included(built) -> None:
    problem, rep, _, _ = built
    state = state_of(problem, rep)
    new, delta = shift_deltas(problem, state, problem.pair_cost)
    base = evaluate(problem, rep).total
    assert problem.balance is not None and problem.balance.weight > 0
    assert [t.name for t in problem.soft] == ["balance[value]"]
    for k in np.random.default_rng(0).choice(len(new), 300, replace=False):
        trial = rep.copy()
        trial[problem.pair_customer[new[k]]] = problem.pair_rep[new[k]]
        assert evaluate(problem, trial).total - base == pytest.approx(delta[k], abs=1e-6)
        assert _within_rows(problem, trial)


def test_shifts_improve_the_plan_and_it_passes_the_checker(built) -> None:
    problem, rep, customers, reps = built
    improved, made = descend(problem, rep)
    assert made > 0
    assert evaluate(problem, improved).total < evaluate(problem, rep).total
    forced = problem.forced >= 0
    np.testing.assert_array_equal(improved[forced], rep[forced])
    table = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[improved]})
    assert solver.check_plan(customers, reps, table, problem.scenario) == []


def test_several_moves_per_rep_and_round_end_where_no_shift_improves(built) -> None:
    """With up to 8 moves per rep and round (the large models' first plan), every move is
    still exact when made: the plan passes the checker, costs less, and no allowed shift
    improves it once the descent ends on its own."""
    problem, rep, customers, reps = built
    improved, made = descend(problem, rep, per_rep=8)
    assert made > 0
    assert evaluate(problem, improved).total < evaluate(problem, rep).total
    table = pd.DataFrame({"customer_id": problem.customer_ids, "rep_id": problem.rep_ids[improved]})
    assert solver.check_plan(customers, reps, table, problem.scenario) == []
    _, delta = shift_deltas(problem, state_of(problem, improved), problem.pair_cost)
    assert delta.min(initial=0.0) > -1e-9


def test_a_floor_keeps_every_account_of_a_rep_at_its_floor(built) -> None:
    problem, rep, _, _ = built
    chosen = problem.pair_index(rep)
    capacity = next(b for b in problem.blocks if b.rule == "capacity_hours")
    usage = capacity.usage(chosen)
    floors = np.zeros(len(capacity.upper))
    held = np.argsort(usage)[-5:]  # the five busiest reps may not lose any hours
    floors[held] = usage[held]
    floored = dataclasses.replace(capacity, lower=floors)
    blocks = tuple(floored if b is capacity else b for b in problem.blocks)
    with_floor = dataclasses.replace(problem, blocks=blocks)
    state = state_of(with_floor, rep)
    new, _ = shift_deltas(with_floor, state, problem.pair_cost)
    leaving = rep[with_floor.pair_customer[new]]
    assert not np.isin(leaving, held).any()
    unfloored, _ = shift_deltas(problem, state_of(problem, rep), problem.pair_cost)
    assert np.isin(rep[problem.pair_customer[unfloored]], held).any()
    improved, _ = descend(with_floor, rep)
    assert _within_rows(with_floor, improved)


def test_plain_assignment_problems_without_balance() -> None:
    rng = np.random.default_rng(4)
    cost = rng.integers(10, 50, (40, 5)).astype(float)
    work = rng.integers(5, 25, (40, 5)).astype(float)
    start = np.argmin(work, axis=1)
    load = np.bincount(start, weights=work[np.arange(40), start], minlength=5)
    problem = solver.Problem.from_matrices(cost, work, np.maximum(load, work.sum() / 5 * 0.5))
    improved, made = descend(problem, start)
    assert _within_rows(problem, improved)
    assert evaluate(problem, improved).total <= evaluate(problem, start).total
    assert made == 0 or evaluate(problem, improved).total < evaluate(problem, start).total


def _pairs_of(kind, problem: solver.Problem, rep: np.ndarray):
    state = state_of(problem, rep)
    cost = problem.pair_cost
    old = state.chosen[problem.pair_customer]
    new = np.flatnonzero((old != np.arange(len(old))) & (problem.forced[problem.pair_customer] < 0))
    alone, _ = move_deltas(problem, state, cost, old[new][None], new[None])
    return kind(problem, state, cost, old[new], new, alone)


@pytest.mark.parametrize("kind", [swap_moves, chain_moves])
def test_every_swap_and_chain_is_priced_exactly_and_keeps_every_row(built, kind) -> None:
    problem, rep, _, _ = built
    old, new, delta = _pairs_of(kind, problem, rep)
    assert len(delta) > 50
    base = evaluate(problem, rep).total
    for k in np.random.default_rng(1).choice(len(delta), 200, replace=False):
        trial = rep.copy()
        trial[problem.pair_customer[new[:, k]]] = problem.pair_rep[new[:, k]]
        # the second account leaves the rep the first one joins (a swap: for the first's)
        assert problem.pair_rep[new[0, k]] == problem.pair_rep[old[1, k]]
        if kind is swap_moves:
            assert problem.pair_rep[new[1, k]] == problem.pair_rep[old[0, k]]
        assert evaluate(problem, trial).total - base == pytest.approx(delta[k], abs=1e-6)
        assert _within_rows(problem, trial)


def test_swaps_lift_a_rep_held_at_its_account_limit() -> None:
    """Rep 0 is at its account limit with small accounts, far under its share of the
    hours: no shift can give it hours, a swap of a small account for a large one can."""
    n, m = 12, 2
    cost = np.zeros((n, m))
    work = np.tile(np.r_[np.full(6, 1.0), np.full(6, 5.0)][:, None], (1, m))
    start = np.r_[np.zeros(6, dtype=np.int64), np.ones(6, dtype=np.int64)]
    problem = solver.Problem.from_matrices(cost, work, np.full(m, 100.0))
    accounts = dataclasses.replace(
        problem.blocks[0], kind="accounts", coeff=np.ones(n * m), upper=np.full(m, 6.0)
    )
    balance = Balance(10.0, np.full(m, 0.5), np.ones(m, dtype=bool))  # equal shares of hours
    limited = dataclasses.replace(problem, blocks=(*problem.blocks, accounts), balance=balance)
    _, shifts = descend(limited, start, swaps=False)
    assert shifts == 0
    improved, made = descend(limited, start)
    assert made > 0 and _within_rows(limited, improved)

    def spread(rep: np.ndarray) -> float:  # the balance term's sum, every rep's share 1/2
        load = np.bincount(rep, weights=work[:, 0], minlength=m)
        return float(np.abs(load - load.sum() / m).sum())

    assert spread(improved) < spread(start)


def test_a_chain_carries_load_across_a_balanced_rep() -> None:
    """Rep 0 holds two accounts over its share and rep 2 two under; rep 1, between them,
    holds its share, and rep 0's accounts cost 100 at rep 2. Every shift and swap leaves
    the balance as it is or costs more than it saves; an account from 0 to 1 and one from
    1 on to 2 saves 2 x the weight."""
    n, m = 9, 3
    start = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2])
    cost = np.zeros((n, m))
    cost[start == 0, 2] = 100.0
    problem = solver.Problem.from_matrices(cost, np.ones((n, m)), np.full(m, 9.0))
    balanced = dataclasses.replace(
        problem, balance=Balance(10.0, np.full(m, 1 / 3), np.ones(m, bool))
    )
    state = state_of(balanced, start)
    old = state.chosen[balanced.pair_customer]
    new = np.flatnonzero(old != np.arange(len(old)))
    alone, _ = move_deltas(balanced, state, balanced.pair_cost, old[new][None], new[None])
    assert alone.min() > -1e-9
    _, _, swapped = swap_moves(balanced, state, balanced.pair_cost, old[new], new, alone)
    assert swapped.min() > -1e-9
    _, _, chained = chain_moves(balanced, state, balanced.pair_cost, old[new], new, alone)
    assert chained.min() == pytest.approx(-20.0)
    improved, made = descend(balanced, start)
    assert made >= 2
    assert np.bincount(improved, minlength=m).tolist() == [3, 3, 3]
