"""Run lineage: each run's plan id (the id its plan folder carries) and, for a placement of
new accounts on a standing plan, the recorded run of that standing plan (``parent_run_id``,
emptied when the parent run is deleted). Runs recorded before get their plan id from their
stored ``metrics.json`` and their parent from their certificate when it named a run.

Revision ID: 0003
Revises: 0002
"""

import json
import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: a placement's certificate names its parent as "run N" when it was a recorded run
PARENT_RUN = re.compile(r"run (\d+)")


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("plan_id", sa.String, nullable=True))
        batch.add_column(sa.Column("parent_run_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_runs_parent_run_id", "runs", ["parent_run_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index("ix_runs_plan_id", "runs", ["plan_id"])
    runs = sa.table(
        "runs",
        sa.column("id", sa.Integer),
        sa.column("certificate", sa.JSON().with_variant(JSONB(), "postgresql")),
        sa.column("plan_id", sa.String),
        sa.column("parent_run_id", sa.Integer),
    )
    files = sa.table(
        "run_files",
        sa.column("run_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("content", sa.LargeBinary),
    )
    bind = op.get_bind()
    has_files = sa.inspect(bind).has_table("run_files")
    ids = set(bind.execute(sa.select(runs.c.id)).scalars())
    for run_id, certificate in bind.execute(sa.select(runs.c.id, runs.c.certificate)).all():
        values = {"plan_id": _plan_id(bind, files, run_id) if has_files else None,
                  "parent_run_id": _parent(certificate or {}, ids)}  # fmt: skip
        bind.execute(runs.update().where(runs.c.id == run_id).values(**values))


def _plan_id(bind, files, run_id: int) -> str | None:
    content = bind.execute(
        sa.select(files.c.content).where(files.c.run_id == run_id, files.c.name == "metrics.json")
    ).scalar()
    if content is None:
        return None
    try:
        value = json.loads(bytes(content)).get("plan_id")
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None


def _parent(certificate: dict, ids: set[int]) -> int | None:
    parent = certificate.get("parent")
    source = parent.get("source") if isinstance(parent, dict) else None
    found = PARENT_RUN.fullmatch(str(source or ""))
    run_id = int(found.group(1)) if found else None
    return run_id if run_id in ids else None
