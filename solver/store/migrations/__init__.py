"""Versioned migrations of the run-history database (alembic), shipped inside the package.

``solver.store.schema.upgrade`` runs them when a database is opened; developers add one with
``alembic -c solver/store/migrations/alembic.ini revision -m "what changes"`` and write its
``upgrade`` by hand (batch operations, so SQLite can take it).
"""
