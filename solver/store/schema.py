"""The run database's schema version: an older database is upgraded in place, a newer one
refused.

The versions are alembic revisions shipped in :mod:`solver.store.migrations` (``0001`` the
baseline, the tables as they were before versions were kept; each later one a change).
Opening a database at the newest version only reads its version, so a read-only database
opens; any other is upgraded in one transaction under a lock (SQLite ``BEGIN IMMEDIATE``,
a PostgreSQL advisory lock), so processes opening one database at once upgrade it once. A
database stamped with a version this code does not know was written by a newer version of
the package: it is refused (:class:`solver.errors.NewerVersionError`, exit 9) and left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from solver.errors import NewerVersionError

if TYPE_CHECKING:  # alembic is imported when a database is opened, not with the package
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: where the migrations live (a package resource: works from an installed wheel)
MIGRATIONS = "solver.store:migrations"
#: PostgreSQL advisory lock held while a database is upgraded ("territor" in ASCII)
PG_LOCK_KEY = 0x7465727269746F72
#: milliseconds a SQLite upgrade waits for another process's lock
SQLITE_BUSY_MS = 30_000


@cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def head() -> str:
    """The newest schema version this code knows."""
    revision = _script().get_current_head()
    assert revision is not None
    return revision


def known_versions() -> set[str]:
    """Every schema version this code can upgrade from (or is at)."""
    return {script.revision for script in _script().walk_revisions()}


def current_version(conn: Connection) -> str | None:
    """The database's schema version; None for a new database or one from before versions
    were kept."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, where: str) -> None:
    """Bring the database of ``engine`` to :func:`head`; ``where`` names it in errors (the
    file of a SQLite database, the URL without password of a server)."""
    with engine.connect() as conn:
        found = current_version(conn)
    if found == head():
        return
    refuse_newer(found, where)
    with _upgrade_lock(engine) as conn:
        found = current_version(conn)  # another process may have upgraded it meanwhile
        refuse_newer(found, where)
        if found != head():
            config = _config()
            config.attributes["connection"] = conn
            from alembic import command

            command.upgrade(config, "head")


def refuse_newer(found: str | None, where: str) -> None:
    """Raise :class:`NewerVersionError` when ``found`` is a version this code does not know."""
    if found is not None and found not in known_versions():
        raise NewerVersionError("the run database", where, found, head())


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's upgrade lock."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
            yield conn
        return
    # SQLite: a connection of its own, so that the migration's DDL runs inside one real
    # transaction (pysqlite would commit before each DDL statement) and foreign keys stay
    # off while batch mode copies tables
    own = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    sa.event.listen(own, "connect", _sqlite_manual_transactions)
    sa.event.listen(own, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with own.begin() as conn:
            yield conn
    finally:
        own.dispose()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener starts transactions
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()
