"""Every band holds in every returned plan; a band set no plan can meet is reported, never
returned (hypothesis, against a brute-force search over every assignment). Each returned
plan's bands are recomputed here from the raw tables as well as by ``check_plan``, so a
checker that misses a breach does not let a breaking plan pass."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
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
    assert band_breaches(customers, reps, scenario, rows) == []
    assert feasible_with_margin(customers, reps, scenario, 0.0)


def band_breaches(customers, reps, scenario: dict, rows) -> list[str]:
    """Every band a plan breaks, recomputed from the raw tables (not by the rules' code):
    each active rep's value, accounts or workload (effort + travel from it, the only figure
    taken from the facts) within [lo, hi] x its share x the book's total (the least
    workload for workload: each account at its nearest active rep)."""
    facts = build_facts(customers, reps, solver.Scenario.from_dict(scenario))
    rep_ids = list(reps["rep_id"])
    owner = rows.set_index("customer_id").loc[list(customers["customer_id"]), "rep_id"]
    owner = np.array([rep_ids.index(r) for r in owner])
    active = reps["active"].to_numpy(bool) if "active" in reps else np.ones(len(reps), bool)
    m, n = len(reps), len(customers)
    every = PairFacts.of(facts, np.repeat(np.arange(n), m), np.tile(np.arange(m), n))
    work = every.workload.reshape(n, m)
    out = []
    for table in scenario["balance"]:
        if table["measure"] == "workload":
            per, total = work[np.arange(n), owner], work[:, active].min(axis=1).sum()
        elif table["measure"] == "accounts":
            per, total = np.ones(n), float(n)
        else:
            per, total = customers["value"].to_numpy(float), customers["value"].sum()
        weight = reps["capacity_hours"].to_numpy(float) if table["share"] == "capacity" else 1.0
        share = np.where(active, weight, 0.0) / np.where(active, weight, 0.0).sum()
        got = np.bincount(owner, weights=per, minlength=m)
        lo, hi = table["band"]
        for j in np.flatnonzero(active):
            low, high = lo * share[j] * total, hi * share[j] * total
            if got[j] < low - 1e-6 * max(low, 1.0) or got[j] > high + 1e-6 * high:
                out.append(
                    f"{rep_ids[j]} {table['measure']} {got[j]:.2f} not in [{low:.2f}, {high:.2f}]"
                )
    out += [
        f"{rep_ids[j]} owns accounts, leaving"
        for j in np.flatnonzero(~active)
        if (owner == j).any()
    ]
    return out


def test_a_breaking_plan_fails_the_property_even_when_the_checker_finds_nothing(monkeypatch):
    # every account with the first rep breaks its value band: the property must not pass it
    tables = [{"measure": "value", "share": "equal", "band": (0.7, 1.4)}]
    customers, reps, scenario = band_case(5, 6, tables)
    rows = pd.DataFrame({"customer_id": customers["customer_id"], "rep_id": reps["rep_id"][0]})
    assert band_breaches(customers, reps, scenario, rows)
    assert solver.check_plan(customers, reps, rows, scenario)  # the real checker sees it too
    monkeypatch.setattr(solver, "check_plan", lambda *args, **kwargs: [])
    plan = SimpleNamespace(assignments=rows)
    with pytest.raises(AssertionError):
        held_or_reported(customers, reps, scenario, lambda: plan)
