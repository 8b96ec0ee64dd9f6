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

from solver import routes  # solver.routes(plan_dir, ...): visit routes per rep
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
from solver.version import __version__

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
