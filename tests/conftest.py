"""Shared builders: facts of a few hand-made customers and reps, without solving anything."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from solver.inputs.facts import Facts, PairFacts
from solver.problem import load_inputs
from solver.scenario import Scenario
from solver.store.history import database_url

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
