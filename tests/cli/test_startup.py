"""Starting the command imports what every command needs, not what one command uses."""

import subprocess
import sys

#: modules only some commands use: the solve's engines, the run database, the report
ONLY_WHEN_USED = ("ortools", "scipy.optimize", "sqlalchemy", "jinja2", "pyvrp")


def test_the_command_starts_without_the_engines_the_run_database_or_the_report():
    code = (
        "import sys, solver.cli.main, solver\n"
        f"print(sorted(m for m in {ONLY_WHEN_USED!r} if m in sys.modules))\n"
        "from solver.solve import solve_problem\n"  # binds the submodule solver.solve
        "print(callable(solver.solve) and solver.solve.__name__ == 'solve')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_printing_json_leaves_the_run_database_unloaded():
    code = (
        "import sys, numpy, solver.cli.common as common\n"
        "common.print_json({'gap': numpy.float64(0.5), 'bound': float('nan')})\n"
        "print('sqlalchemy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[-2] == "False"
    assert '"bound": null' in out.stdout and '"gap": 0.5' in out.stdout
