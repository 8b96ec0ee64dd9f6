"""``python -m solver``: the same command line as ``territory``."""

from solver.cli import app

app(prog_name="territory")
