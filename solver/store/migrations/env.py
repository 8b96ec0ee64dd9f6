"""Alembic environment: migrations run on the connection the store hands over (in
``config.attributes["connection"]``), inside the transaction and lock it holds; SQLite gets
batch mode (its ALTER TABLE cannot change most of a table in place)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
