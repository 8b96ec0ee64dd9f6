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
# # What if a senior rep leaves and two reps are hired?
#
# The question a VP asks before approving a change: our most senior rep with the largest
# book resigns, and we hire two reps in Texas. What moves, what does it cost, and who
# gains and who loses? Every variant is a new immutable `Case`; the base is never touched.

# %%
# ruff: noqa: B018  (a cell's bare last expression is how a notebook shows a value)
from pathlib import Path

import pandas as pd

from solver.analysis import plots
from solver.analysis.sweep import sweep
from solver.analysis.whatif import Case

# %% tags=["parameters"]
# Parameters: point these at your own files (CSV, Parquet or Excel, "book.xlsx#Sheet") to
# re-run the notebook on them; papermill or any tool that fills a "parameters" cell works.
DATA = Path("data") if Path("data/customers.csv").exists() else Path("../data")
CUSTOMERS = DATA / "customers.csv"
REPS = DATA / "reps.csv"
SCENARIO = DATA / "scenario.toml"
TIME_LIMIT_S = 3.0

# %%
pd.set_option("display.width", 120)
pd.set_option("display.float_format", "{:,.3f}".format)

base = Case.from_files(CUSTOMERS, REPS, SCENARIO).with_scenario(time_limit_s=TIME_LIMIT_S)
base

# %% [markdown]
# ## The variant
#
# The senior rep who leaves: the active rep of seniority 5 with the largest book today.

# %%
book = base.customers.groupby("current_rep")["value"].agg(["size", "sum"])
reps = base.reps.join(book, on="rep_id")
seniors = reps[reps["active"] & (reps["seniority"] == 5)].sort_values("sum", ascending=False)
senior = seniors.iloc[0]
seniors[["rep_id", "name", "region", "specialties", "size", "sum"]]

# %% [markdown]
# Two hires: one in Houston taking over the leaving rep's specialties, one junior in San
# Antonio. Both get the usual 600 km travel limit and a 110-account cap.

# %%
variant = (
    base.rep_leaves(senior["rep_id"])
    .hire(
        "R31", 29.7604, -95.3698, capacity_hours=700, specialties=senior["specialties"],
        seniority=3, max_accounts=110, max_travel_km=600, name="New hire, Houston",
    )
    .hire(
        "R32", 29.4241, -98.4936, capacity_hours=650, specialties="energy;retail",
        seniority=2, max_accounts=110, max_travel_km=600, name="New hire, San Antonio",
    )
)  # fmt: skip
print(variant)
print(base)  # untouched: still 30 reps, nothing changed
assert len(base.reps) == 30 and base.reps["active"].sum() == 29

# %% [markdown]
# ## Solve both
#
# `sweep` solves the two cases side by side in two worker processes (one CP-SAT thread
# each) and keeps the plans.

# %%
runs = sweep(base, [base, variant], keep_plans=True)
plan_a, plan_b = runs["plan"]
runs[["label", "status", "objective", "gap", "moves", "workload_cv", "travel_km_mean"]]

# %% [markdown]
# ## What moves, what it costs

# %%
diff = plan_b.compare(plan_a)
print(diff.summary())

# %% [markdown]
# The objective term by term (cost points; `delta` = variant - base):

# %%
diff.costs

# %% [markdown]
# Every fairness and quality metric side by side (`better` names the better plan):

# %%
diff.metrics

# %% [markdown]
# Where the leaving rep's accounts go:

# %%
leaving = diff.moves[diff.moves["rep_a"] == senior["rep_id"]]
leaving.groupby("rep_b").agg(accounts=("value", "size"), value=("value", "sum")).sort_values(
    "value", ascending=False
)

# %% [markdown]
# The largest accounts that change owner between the plans, with the reason:

# %%
diff.moves.head(10)

# %% [markdown]
# ## Who gains and who loses

# %%
cols = ["rep_id", "accounts_delta", "value_delta", "workload_hours_delta", "utilisation_b"]
pd.concat([diff.gainers[cols].head(5), diff.losers[cols].head(5)])

# %%
plots.plot_gains(diff)

# %%
plots.plot_workload(plan_b, baseline=plan_a, labels=("base plan", "leave + 2 hires"))

# %%
plots.plot_territories(
    plan_b,
    baseline=plan_a,
    bounds=(-99.3, -94.5, 28.8, 30.8),
    title="Houston to San Antonio, with the hires",
)

# %% [markdown]
# ## More what-ifs in one sweep
#
# Variants can also be plain data, which is how a sweep ships them to worker processes:
# capacity down 5 %, the as-of date moved (protections expire), a tighter disruption
# budget. A variant without a plan (infeasible rules, no plan in the time limit) comes back
# as a row with its `status` and `error` instead of stopping the sweep.

# %%
more = sweep(
    base,
    [
        {"label": "base"},
        {"label": "capacity -5 %", "scale_capacity": -5},
        {"label": "as of 2027-07-01", "as_of": "2027-07-01"},
        {"label": "at most 10 % moves", "rules.max_moves_pct": 10.0},
    ],
)
more[["label", "status", "objective", "gap", "moves", "workload_cv", "utilisation_max"]]
