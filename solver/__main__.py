"""``python -m solver``: the same command line as ``territory``."""

from solver.cli import main

main(prog_name="territory")
