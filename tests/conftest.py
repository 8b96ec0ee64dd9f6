"""Shared builders: facts of a few hand-made customers and reps (without solving anything),
generalized-assignment matrices for the search tests, and the test PostgreSQL database."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import solver
from solver.check import check_matrix_plan
from solver.inputs.facts import Facts, PairFacts
from solver.problem import load_inputs
from solver.scenario import Scenario
from solver.store.history import database_url
from tests.instances import NO_EARLY_STOP

#: the test PostgreSQL URL: export TERRITORY_TEST_PG_URL=$(sh scripts/start_postgres.sh)
PG_ENV = "TERRITORY_TEST_PG_URL"


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


@pytest.fixture
def pg_url() -> str:
    """The test PostgreSQL database, emptied of the run history's tables and schema version
    (the test database is ours); skips when it is not configured or unreachable."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"{PG_ENV} is not set (no PostgreSQL server configured)")
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed")
    engine = sa.create_engine(database_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as conn:
            for name in ("run_files", "run_reps", "run_assignments", "runs", "alembic_version"):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    except sa.exc.SQLAlchemyError as exc:
        pytest.skip(f"PostgreSQL at {PG_ENV} is unreachable: {str(exc).splitlines()[0]}")
    finally:
        engine.dispose()
    return url


def tight_gap(
    n: int, m: int, seed: int, slack: float = 0.8, scenario: dict | None = None
) -> solver.Problem:
    """A random generalized-assignment matrix in the style of Yagiura's type D: costs fall as
    workloads rise, and rep j's capacity is ``slack`` x (sum of its workloads / m)."""
    rng = np.random.default_rng(seed)
    work = rng.integers(1, 101, size=(n, m)).astype(float)
    cost = 111.0 - work + rng.integers(-10, 11, size=(n, m))
    capacity = np.floor(slack * work.sum(axis=0) / m)
    scenario = {**NO_EARLY_STOP, **(scenario or {})}
    return solver.Problem.from_matrices(cost, work, capacity, scenario=scenario)


def matrix_violations(problem: solver.Problem, rep: np.ndarray) -> list:
    """The independent checker's findings for a plan of a ``from_matrices`` problem."""
    workload = problem.pair_workload.reshape(problem.n, problem.m)
    return check_matrix_plan(workload, problem.blocks[0].upper, rep)
