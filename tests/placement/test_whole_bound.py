"""The batch bound over whole accounts per rep: never above the exact optimum (every plan
of small random batches priced), and stronger than the balance dual where parts of
accounts would fill a rep's target."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.constraints import RowBlock
from solver.models.base import rep_from_x
from solver.models.lp import solve_milp
from solver.placement.balance_bound import balance_dual
from solver.placement.batch import batch_cost
from solver.placement.whole_bound import whole_account_bound
from solver.problem import Balance, Problem
from solver.scenario import as_scenario
from tests.placement.test_batch_plans import batch  # noqa: F401 (the shared fixture)

PENALTY = 1e5


@st.composite
def batches(draw):
    """A batch problem as :func:`solver.placement.batch.batch_model` lays it out: the new
    accounts (candidate reps, costs, loads), one standing book per rep (one pair), an
    "unplaced" rep at ``PENALTY``, each rep's capacity row and the whole book's balance;
    sometimes a row shared by every rep, or two rows per rep, which the bound drops."""
    nb = draw(st.integers(1, 4))
    m = draw(st.integers(2, 4))
    weight = draw(st.sampled_from([0.0, 1.0, 5.0, 30.0]))
    standing = [draw(st.integers(0, 30)) for _ in range(m)]
    room = [draw(st.integers(0, 25)) for _ in range(m)]
    active = [True, *(draw(st.booleans()) for _ in range(m - 1))]
    raw = [draw(st.integers(1, 5)) if a else 0 for a in active]
    shares = [r / sum(raw) for r in raw]
    customer, rep, cost, load = [], [], [], []
    for i in range(nb):
        reps = draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=m, unique=True))
        for j in sorted(reps):
            customer.append(i)
            rep.append(j)
            cost.append(float(draw(st.integers(0, 60))))
            load.append(draw(st.integers(1, 12)) + draw(st.sampled_from([0.0, 0.25, 0.5])))
        customer.append(i)
        rep.append(m)
        cost.append(PENALTY)
        load.append(0.0)
    for j in range(m):  # the standing books
        customer.append(nb + j)
        rep.append(j)
        cost.append(0.0)
        load.append(float(standing[j]))
    customer, rep = np.array(customer), np.array(rep)
    load = np.array(load)
    held = customer >= nb
    row = np.where(rep < m, rep, -1)
    upper = np.array([standing[j] + room[j] for j in range(m)], dtype=float)
    block = RowBlock("capacity_hours", "hours", row, load.copy(), upper,
                     tuple(f"R{j}" for j in range(m)))  # fmt: skip
    blocks = [block]
    real = ~held & (rep < m)
    extra = draw(st.sampled_from(["none", "shared", "split"]))
    if extra == "shared":  # one row over every rep: at most k new accounts in all
        blocks.append(RowBlock("max_new", "accounts", np.where(real, 0, -1), np.ones(len(rep)),
                               np.array([float(draw(st.integers(0, nb)))]), ("all",)))  # fmt: skip
    elif extra == "split":  # two rows per rep (odd and even accounts), one new account each
        row = np.where(real, 2 * rep + customer % 2, -1)
        labels = tuple(f"R{j}{p}" for j in range(m) for p in "eo")
        blocks.append(RowBlock("max_odd_even", "accounts", row, np.ones(len(rep)),
                               np.ones(2 * m), labels))  # fmt: skip
    n = nb + m
    problem = Problem(
        customers=pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)]}),
        reps=pd.DataFrame({"rep_id": [*(f"R{j}" for j in range(m)), "(unplaced)"]}),
        scenario=as_scenario(None),
        pair_customer=customer,
        pair_rep=rep,
        pair_terms={"travel": np.array(cost)},
        pair_workload=load.copy(),
        pair_load=np.where(held | (rep < m), load, 0.0),
        blocks=tuple(blocks),
        forced=np.full(n, -1),
        forced_reason=np.full(n, "", dtype=object),
        balance=Balance(weight, np.array([*shares, 0.0]), np.array([*active, False])),
    )
    return problem, nb


def _optimum(problem: Problem) -> float:
    """The cheapest plan within every ceiling, every plan priced."""
    starts = problem.customer_starts()
    best = np.inf
    for chosen in itertools.product(*(range(a, b) for a, b in itertools.pairwise(starts))):
        chosen = np.array(chosen)
        if all((b.usage(chosen) <= b.upper + 1e-9).all() for b in problem.blocks):
            best = min(best, batch_cost(problem, problem.pair_rep[chosen], chosen)[0])
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.sampled_from([0.0, 0.3, 3.0]))
def test_the_whole_account_bound_never_exceeds_the_exact_optimum(case, slack):
    problem, size = case
    optimum = _optimum(problem)
    upper = optimum * (1 + slack) + 10 * slack  # the known plan: the optimum or a worse one
    dual = balance_dual(problem, upper)
    result = whole_account_bound(problem, size, upper, dual, time.perf_counter() + 0.02)
    if result is not None:
        assert result.engine_bound <= optimum + 1e-6 * max(1.0, abs(optimum))
    assert dual.bound <= optimum + 1e-6 * max(1.0, abs(optimum))


def test_whole_accounts_bound_the_batch_closer_than_the_balance_dual(batch):  # noqa: F811
    _, _, model = batch
    problem = model.problem
    milp = solve_milp(problem, 60.0)
    optimum = batch_cost(problem, rep_from_x(problem, milp.x))[0]
    dual = balance_dual(problem, optimum)
    result = whole_account_bound(problem, model.size, optimum, dual, time.perf_counter() + 1.0)
    assert result is not None
    assert result.engine_bound <= optimum + 1e-6
    # it closes part of the gap the balance dual leaves by splitting accounts
    assert result.engine_bound - dual.bound >= 0.1 * (optimum - dual.bound)
