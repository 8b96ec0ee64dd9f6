# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Travel, balance and continuity: the trade-off
#
# The weights in the scenario decide how much one kilometre of travel is worth against
# one hour of imbalance or one broken customer relationship. Instead of arguing about the
# weights, solve a grid of them and look at what each plan *does*:
#
# - **travel**: road km driven per period by all reps (lower is better);
# - **balance**: hours of workload away from each rep's fair share, summed (lower is better);
# - **continuity**: accounts that change owner (lower is better).
#
# A plan is Pareto-efficient when no other plan is at least as good on all three and
# better on one. Only efficient plans are worth discussing; the choice among them is a
# business decision.

# %%
# ruff: noqa: B018  (a cell's bare last expression is how a notebook shows a value)
from pathlib import Path

import numpy as np
import pandas as pd

from solver.analysis import plots
from solver.analysis.sweep import pareto, tradeoff
from solver.analysis.whatif import Case

# %% tags=["parameters"]
# Parameters: point these at your own files (CSV, Parquet or Excel, "book.xlsx#Sheet") to
# re-run the notebook on them; papermill or any tool that fills a "parameters" cell works.
DATA = Path("data") if Path("data/customers.csv").exists() else Path("../data")
CUSTOMERS = DATA / "customers.csv"
REPS = DATA / "reps.csv"
SCENARIO = DATA / "scenario.toml"
TIME_LIMIT_S = 1.5

# %%
pd.set_option("display.width", 140)
pd.set_option("display.float_format", "{:,.3f}".format)

base = Case.from_files(CUSTOMERS, REPS, SCENARIO).with_scenario(time_limit_s=TIME_LIMIT_S)
base.scenario.weights

# %% [markdown]
# ## The sweep
#
# 3 x 2 x 2 = 12 weight settings, solved in parallel worker processes (one CP-SAT thread
# each). Balance is weighed by the workload `[[balance]]` table's weight (points per
# percentage point of a rep's target beyond the table's tolerance); `weights.balance` is
# the older workload term, which would count on top of that table. The result is one tidy
# row per plan: its weights, objective terms, metrics, gap.

# %%
WEIGHTS = {
    "weights.travel": [0.5, 1.0, 2.0],
    "balance.workload.weight": [100.0, 600.0],
    "weights.continuity": [20.0, 120.0],
}
OBJECTIVES = {"travel_km_per_period": "min", "balance_deviation": "min", "moves": "min"}
frame = tradeoff(base, WEIGHTS, OBJECTIVES)
weights = list(WEIGHTS)
frame[["variant", *weights, "status", "gap", *OBJECTIVES, "pareto"]]

# %% [markdown]
# ## The Pareto front
#
# Travel against balance, coloured by the number of accounts moved. Ringed points are
# efficient over all three objectives; the numbers are the `variant` column above.

# %%
plots.plot_pareto(frame, x="travel_km_per_period", y="balance_deviation", color="moves")

# %%
plots.plot_pareto(frame, x="moves", y="balance_deviation", color="travel_km_per_period")

# %% [markdown]
# Looking at two objectives only, fewer plans survive: here travel against balance,
# ignoring moves.

# %%
two = pareto(frame, ["travel_km_per_period", "balance_deviation"], column="pareto_2d")
plots.plot_pareto(
    two, x="travel_km_per_period", y="balance_deviation", color=None, pareto_column="pareto_2d"
)

# %% [markdown]
# ## A balanced pick
#
# One way to choose among efficient plans: scale each objective to 0..1 over the
# efficient plans (0 = the best any of them achieves) and take the plan closest to the
# ideal point where all three are 0.

# %%
efficient = frame[frame["pareto"]].copy()
values = efficient[list(OBJECTIVES)].to_numpy(float)
span = np.where(np.ptp(values, axis=0) > 0, np.ptp(values, axis=0), 1.0)
efficient["distance_to_ideal"] = np.linalg.norm((values - values.min(axis=0)) / span, axis=1)
pick = efficient.sort_values("distance_to_ideal").iloc[0]
print("balanced pick:", {w: float(pick[w]) for w in weights})
efficient.sort_values("distance_to_ideal")[
    ["variant", *weights, *OBJECTIVES, "workload_cv", "travel_km_mean", "distance_to_ideal"]
]

# %% [markdown]
# The chosen weights go back into the scenario (`base.apply(...)` takes the same keys) for
# the real, longer solve.

# %%
chosen = base.apply({w: float(pick[w]) for w in weights})
chosen.scenario.weights, chosen.scenario.balance[0]
