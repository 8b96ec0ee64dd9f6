"""Typed certificate: why the search ended, how the bound was obtained and the wall time
become columns of ``runs`` (queryable without reading the certificate's JSON); runs recorded
before get them from their stored certificate.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: new column -> (type, certificate key it is filled from)
COLUMNS = {
    "stop_reason": (sa.String, "stop_reason"),
    "bound_source": (sa.String, "bound_source"),
    "wall_s": (sa.Float, "wall_s"),
}


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name, (kind, _) in COLUMNS.items():
            batch.add_column(sa.Column(name, kind, nullable=True))
    runs = sa.table(
        "runs",
        sa.column("id", sa.Integer),
        sa.column("certificate", sa.JSON().with_variant(JSONB(), "postgresql")),
        *(sa.column(name, kind) for name, (kind, _) in COLUMNS.items()),
    )
    bind = op.get_bind()
    for run_id, certificate in bind.execute(sa.select(runs.c.id, runs.c.certificate)).all():
        cert = certificate or {}
        values = {name: _value(cert.get(key), kind) for name, (kind, key) in COLUMNS.items()}
        bind.execute(runs.update().where(runs.c.id == run_id).values(**values))


def _value(value: object, kind: type) -> object:
    if value is None:
        return None
    if kind is sa.Float:
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return str(value)
