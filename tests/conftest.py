"""Shared builders: facts of a few hand-made customers and reps, without solving anything."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solver.inputs.facts import Facts, PairFacts
from solver.problem import load_inputs
from solver.scenario import Scenario


def build_facts(customers: pd.DataFrame, reps: pd.DataFrame, scenario: Scenario) -> Facts:
    """Validated inputs turned into the arrays rules and terms read."""
    customers_df, reps_df = load_inputs(customers, reps, scenario)
    return Facts.build(customers_df, reps_df, scenario)


def pairs_of(facts: Facts, owners: list[int]) -> PairFacts:
    """One pair per customer: customer i with rep ``owners[i]`` (rep positions)."""
    return PairFacts.of(facts, np.arange(facts.n), np.asarray(owners, dtype=np.int64))


def all_pairs(facts: Facts) -> PairFacts:
    """Every (customer, rep) pair, sorted by customer then rep."""
    cust = np.repeat(np.arange(facts.n), facts.m)
    rep = np.tile(np.arange(facts.m), facts.n)
    return PairFacts.of(facts, cust, rep)


@pytest.fixture
def as_of_scenario():
    """A scenario factory: ``as_of_scenario(rules={...}, weights={...})``."""

    def make(**settings) -> Scenario:
        return Scenario.from_dict({"as_of": "2027-01-01", **settings})

    return make
