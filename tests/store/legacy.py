"""A run database as the versions before versioned migrations wrote it, made from scratch.

The tables are a frozen copy of the run history's definitions before schema versions were
kept (with ``run_files`` optional: the oldest databases lack it), filled with one run whose
certificate and metrics have the keys those versions wrote (a run recorded before the
history kept plan files). A generator instead of a binary
fixture, so the same database is made on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")

CERTIFICATE = {
    "as_of": "2027-01-01", "bound": 95.0, "bound_source": "LP relaxation", "candidate_pairs": 6,
    "customers": 3, "deterministic": False, "engine": "lns", "engine_note": "3 neighbourhoods",
    "engine_wall_s": 0.5, "gap": 0.05, "gap_tolerance": 0.005, "input_fingerprints":
    {"customers": "c0ffee", "reps": "beef", "scenario": "f00d"}, "interrupted": None,
    "lp_wall_s": 0.1, "objective": 100.0, "objective_terms": {"travel": 100.0}, "reps": 2,
    "rules": ["protection"], "scenario": {"seed": 0}, "seed": 0, "sense": "min",
    "stop_reason": "time limit of 1 s reached", "time_limit_s": 1.0, "version": "0.1.0",
    "wall_s": 0.7, "weights": {"travel": 1.0}, "workers": 2,
}  # fmt: skip
METRICS = {
    "after": {"workload": {"gini": 0.2, "jain": 0.8}, "travel_km_mean": 10.0, "moves": 1},
    "before": {"workload": {"gini": 0.3, "jain": 0.7}, "travel_km_mean": 12.0},
}


def _tables(with_files: bool) -> sa.MetaData:
    meta = sa.MetaData()
    sa.Table(
        "runs", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(c, sa.String) for c in ("label", "engine", "status")),
        *(sa.Column(c, sa.Float) for c in ("objective", "bound", "gap")),
        sa.Column("as_of", sa.String),
        *(sa.Column(c, sa.Integer, nullable=False) for c in ("customers", "reps", "moves")),
        *(sa.Column(c, _JSON, nullable=False)
          for c in ("scenario", "fingerprints", "metrics", "certificate")),
    )  # fmt: skip
    sa.Table(
        "run_assignments", meta,
        sa.Column("run_id", sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("customer_id", sa.String, primary_key=True),
        sa.Column("rep_id", sa.String, nullable=False),
        sa.Column("previous_rep", sa.String),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("forced_by", sa.String),
        sa.Column("reason", sa.String),
        *(sa.Column(c, sa.Float) for c in ("distance_km", "workload_hours", "cost_total")),
    )  # fmt: skip
    sa.Table(
        "run_reps", meta,
        sa.Column("run_id", sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("rep_id", sa.String, primary_key=True),
        sa.Column("active", sa.Boolean),
        sa.Column("accounts", sa.Integer, nullable=False),
        *(sa.Column(c, sa.Float) for c in
          ("workload_hours", "capacity_hours", "utilisation", "value", "travel_km")),
        sa.Column("accounts_before", sa.Integer),
        sa.Column("workload_hours_before", sa.Float),
    )  # fmt: skip
    if with_files:
        sa.Table(
            "run_files", meta,
            sa.Column("run_id", sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("name", sa.String, primary_key=True),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("content", sa.LargeBinary, nullable=False),
        )  # fmt: skip
    return meta


def make_legacy_database(url: str, with_files: bool = True) -> None:
    """Write the old tables and one recorded run into the (empty) database at ``url``."""
    meta = _tables(with_files)
    engine = sa.create_engine(url)
    try:
        meta.create_all(engine)
        now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
        with engine.begin() as conn:
            conn.execute(
                meta.tables["runs"].insert(),
                {
                    "started_at": now, "finished_at": now, "label": "old",
                    "engine": "lns", "status": "feasible", "objective": 100.0, "bound": 95.0,
                    "gap": 0.05, "as_of": "2027-01-01", "customers": 3, "reps": 2, "moves": 1,
                    "scenario": {"seed": 0}, "fingerprints": CERTIFICATE["input_fingerprints"],
                    "metrics": METRICS, "certificate": CERTIFICATE,
                },
            )  # fmt: skip
            conn.execute(
                meta.tables["run_assignments"].insert(),
                [
                    {"run_id": 1, "customer_id": c, "rep_id": r, "previous_rep": p,
                     "changed": r != p, "forced_by": "", "reason": "cheapest"}
                    for c, r, p in (("C1", "R1", "R1"), ("C2", "R2", "R1"), ("C3", "R2", "R2"))
                ],
            )  # fmt: skip
            conn.execute(
                meta.tables["run_reps"].insert(),
                [{"run_id": 1, "rep_id": r, "active": True, "accounts": k} for r, k in
                 (("R1", 1), ("R2", 2))],
            )  # fmt: skip
    finally:
        engine.dispose()
