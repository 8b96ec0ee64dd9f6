"""Territory assignment solver: assign customer accounts to sales reps.

Public API::

    plan = solver.solve(customers_df, reps_df, scenario)   # Scenario | dict | TOML path | None
    plan.assignments, plan.reps, plan.metrics, plan.status, plan.objective, plan.bound, plan.gap
    plan.certificate.gap, plan.metrics.after.workload.gini   # typed; also plan.metrics["after"]
    plan.explain(customer_id)
    solver.check_plan(customers, reps, plan_rows, scenario)  # independent hard-rule check
    solver.assign(plan, new_accounts)   # new accounts placed on a standing plan
    solver.book_drift(plan)             # drift from balance since the last full rebalance
    solver.solve_problem(solver.Problem.from_matrices(cost, workload, capacity), time_limit_s=10)
"""

import importlib
import sys
import types
from typing import TYPE_CHECKING

from solver.version import __version__


class _Package(types.ModuleType):
    """The package ``solver``: keeps the function ``solve`` under its name when the import
    system binds the submodule ``solver.solve`` (of the same name) as an attribute."""

    def __setattr__(self, name: str, value) -> None:
        if name == "solve" and isinstance(value, types.ModuleType):
            value = value.solve
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

#: public name -> the module that defines it, imported on first use (a command that needs
#: only a few of them does not pay for the rest: the solve's engines, OR-Tools, PyVRP,
#: plotting)
_PUBLIC = {
    "solve": "solver.solve",
    "solve_problem": "solver.solve",
    "routes": "solver.routes",
    "Comparison": "solver.analysis.compare",
    "compare": "solver.analysis.compare",
    "grid": "solver.analysis.sweep",
    "pareto": "solver.analysis.sweep",
    "sweep": "solver.analysis.sweep",
    "tradeoff": "solver.analysis.sweep",
    "Case": "solver.analysis.whatif",
    "check_plan": "solver.check",
    "InfeasibleError": "solver.errors",
    "InputError": "solver.errors",
    "NoSolutionError": "solver.errors",
    "ScenarioError": "solver.errors",
    "SolverError": "solver.errors",
    "export_changes": "solver.export",
    "Metrics": "solver.metrics",
    "PlanMetrics": "solver.metrics",
    "assign": "solver.placement",
    "book_drift": "solver.placement",
    "Plan": "solver.plan",
    "Problem": "solver.problem",
    "Certificate": "solver.results.certificate",
    "Scenario": "solver.scenario",
}


def __getattr__(name: str):
    """The public name ``name``, imported from its module on first use."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'solver' has no attribute {name!r}")
    module = importlib.import_module(_PUBLIC[name])
    value = module if name == "routes" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


if TYPE_CHECKING:  # the names as type checkers and editors see them
    from solver import routes
    from solver.analysis.compare import Comparison, compare
    from solver.analysis.sweep import grid, pareto, sweep, tradeoff
    from solver.analysis.whatif import Case
    from solver.check import check_plan
    from solver.errors import (
        InfeasibleError,
        InputError,
        NoSolutionError,
        ScenarioError,
        SolverError,
    )
    from solver.export import export_changes
    from solver.metrics import Metrics, PlanMetrics
    from solver.placement import assign, book_drift
    from solver.plan import Plan
    from solver.problem import Problem
    from solver.results.certificate import Certificate
    from solver.scenario import Scenario
    from solver.solve import solve, solve_problem

__all__ = [
    "Case",
    "Certificate",
    "Comparison",
    "InfeasibleError",
    "InputError",
    "Metrics",
    "NoSolutionError",
    "Plan",
    "PlanMetrics",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "__version__",
    "assign",
    "book_drift",
    "check_plan",
    "compare",
    "export_changes",
    "grid",
    "pareto",
    "routes",
    "solve",
    "solve_problem",
    "sweep",
    "tradeoff",
]
