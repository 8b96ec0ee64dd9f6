"""Baseline: the run history as it was before versioned migrations.

Creates the four tables where they are missing, so it takes a new database, a database of
the versions that kept no schema version (``runs``, ``run_assignments``, ``run_reps``) and
one that already had ``run_files``. The table definitions are frozen here as they were:
later changes go in later revisions, never here.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _runs(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("label", sa.String, nullable=True),
        sa.Column("engine", sa.String, nullable=True),
        sa.Column("status", sa.String, nullable=True),
        sa.Column("objective", sa.Float, nullable=True),
        sa.Column("bound", sa.Float, nullable=True),
        sa.Column("gap", sa.Float, nullable=True),
        sa.Column("as_of", sa.String, nullable=True),
        sa.Column("customers", sa.Integer, nullable=False),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("moves", sa.Integer, nullable=False),
        sa.Column("scenario", _JSON, nullable=False),
        sa.Column("fingerprints", _JSON, nullable=False),
        sa.Column("metrics", _JSON, nullable=False),
        sa.Column("certificate", _JSON, nullable=False),
    )


def _run_assignments(name: str) -> None:
    op.create_table(
        name,
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("customer_id", sa.String, primary_key=True),
        sa.Column("rep_id", sa.String, nullable=False),
        sa.Column("previous_rep", sa.String, nullable=True),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("forced_by", sa.String, nullable=True),
        sa.Column("reason", sa.String, nullable=True),
        sa.Column("distance_km", sa.Float, nullable=True),
        sa.Column("workload_hours", sa.Float, nullable=True),
        sa.Column("cost_total", sa.Float, nullable=True),
    )


def _run_reps(name: str) -> None:
    op.create_table(
        name,
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("rep_id", sa.String, primary_key=True),
        sa.Column("active", sa.Boolean, nullable=True),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("workload_hours", sa.Float, nullable=True),
        sa.Column("capacity_hours", sa.Float, nullable=True),
        sa.Column("utilisation", sa.Float, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("travel_km", sa.Float, nullable=True),
        sa.Column("accounts_before", sa.Integer, nullable=True),
        sa.Column("workload_hours_before", sa.Float, nullable=True),
    )


def _run_files(name: str) -> None:
    op.create_table(
        name,
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


TABLES = {
    "runs": _runs,
    "run_assignments": _run_assignments,
    "run_reps": _run_reps,
    "run_files": _run_files,
}


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name not in present:
            create(name)
