"""``python -m solver``: the same command line as ``territory``."""

from solver.cli.main import main

main(prog_name="territory")
