"""Every band holds in every returned plan; a band set no plan can meet is reported, never
returned (hypothesis, against a brute-force search over every assignment)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver
from solver.constraints.bands import bands, measure_of
from solver.inputs.facts import PairFacts
from tests.conftest import build_facts
from tests.instances import make_instance

tables = st.lists(
    st.fixed_dictionaries(
        {
            "measure": st.sampled_from(["workload", "accounts", "value"]),
            "share": st.sampled_from(["capacity", "equal"]),
            "band": st.tuples(st.sampled_from([0.3, 0.7, 0.9]), st.sampled_from([1.1, 1.4, 2.0])),
        }
    ),
    min_size=1,
    max_size=3,
)


def feasible_with_margin(customers, reps, scenario: dict, margin: float) -> bool:
    """Some assignment keeps every band (and rep floor) with ``margin`` to spare."""
    facts = build_facts(customers, reps, solver.Scenario.from_dict(scenario))
    scn = solver.Scenario.from_dict(scenario)
    active = np.flatnonzero(facts.active)
    cust = np.repeat(np.arange(facts.n), facts.m)
    rep = np.tile(np.arange(facts.m), facts.n)
    pairs = PairFacts.of(facts, cust, rep)
    families = [
        (b, measure_of(pairs, b.measure, scn).reshape(facts.n, facts.m)) for b in bands(facts, scn)
    ]
    work = pairs.workload.reshape(facts.n, facts.m)
    for owners in itertools.product(active, repeat=facts.n):
        owners = np.array(owners)
        rows = np.arange(facts.n)
        load = np.bincount(owners, weights=work[rows, owners], minlength=facts.m)
        if np.any(load > facts.capacity):
            continue
        ok = True
        for band, coeff in families:
            got = np.bincount(owners, weights=coeff[rows, owners], minlength=facts.m)
            has = band.rows()
            slack = margin * np.maximum(band.lower, 1.0)
            if np.any(has & (got < band.lower + slack)) or np.any(
                has & (got > band.upper - margin * band.upper)
            ):
                ok = False
                break
        if ok:
            return True
    return False


def band_case(seed: int, n: int, tables: list[dict], **extra) -> tuple:
    """Three reps (no travel limit, capacity to spare), ``n`` accounts, the band tables."""
    customers, reps = make_instance(n=n, m=3, seed=seed, slack=3.0, protected=0, leaving=False)
    scenario = {
        "as_of": "2027-01-01",
        "time_limit_s": 2,
        "seed": 1,
        "balance": tables,
        "rules": {"max_travel": False},
        **extra,
    }
    return customers, reps, scenario


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(4, 7),
    tables=tables,
    engine=st.sampled_from(["auto", "cpsat", "lns", "milp"]),
)
def test_every_band_holds_and_impossible_bands_are_reported(seed, n, tables, engine):
    customers, reps, scenario = band_case(seed, n, tables, engine=engine)
    held_or_reported(customers, reps, scenario, lambda: solver.solve(customers, reps, scenario))


def held_or_reported(customers, reps, scenario: dict, solve) -> None:
    """``solve()`` returns a plan the checker passes, or reports the bands infeasible and
    brute force finds no assignment meeting them (bar one within rounding)."""
    try:
        plan = solve()
    except solver.InfeasibleError as exc:
        assert exc.reasons
        assert not feasible_with_margin(customers, reps, scenario, 1e-3)
        return
    rows = plan.assignments[["customer_id", "rep_id"]]
    assert solver.check_plan(customers, reps, rows, scenario) == []
    assert feasible_with_margin(customers, reps, scenario, 0.0)
