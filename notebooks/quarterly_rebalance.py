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
# # Quarterly rebalancing, step by step
#
# The sales-ops walk-through on the bundled sample: 2,000 accounts in Texas, Oklahoma,
# Louisiana and Arkansas, 30 reps, one of them (R13) leaving. We load and validate the
# inputs, solve, read the fairness metrics and the certificate, look at the plan on a
# map, explain single moves and write the files the CRM import takes.
#
# Runs in well under a minute: each solve is capped at `TIME_LIMIT_S` seconds.

# %%
# ruff: noqa: B018  (a cell's bare last expression is how a notebook shows a value)
import tempfile
from pathlib import Path

import pandas as pd

import solver
from solver.analysis import plots
from solver.analysis.whatif import Case

# %% tags=["parameters"]
# Parameters: point these at your own files (CSV, Parquet or Excel, "book.xlsx#Sheet") to
# re-run the notebook on them; papermill or any tool that fills a "parameters" cell works.
DATA = Path("data") if Path("data/customers.csv").exists() else Path("../data")
CUSTOMERS = DATA / "customers.csv"
REPS = DATA / "reps.csv"
SCENARIO = DATA / "scenario.toml"
TIME_LIMIT_S = 5.0
#: map zoom (lon_min, lon_max, lat_min, lat_max) or None: Dallas–Fort Worth
ZOOM = (-97.8, -96.3, 32.3, 33.5)

# %%
pd.set_option("display.width", 120)
pd.set_option("display.float_format", "{:,.3f}".format)

# %% [markdown]
# ## 1. Inputs
#
# `Case` reads and validates both tables at once (a bad row would be named here with its
# line and column) and keeps them with the scenario. The scenario's own time limit is
# 20 s; for this walk-through we use a shorter one.

# %%
case = Case.from_files(CUSTOMERS, REPS, SCENARIO).with_scenario(time_limit_s=TIME_LIMIT_S)
case

# %%
reps = case.reps
shown = ["rep_id", "name", "region", "capacity_hours", "specialties", "seniority", "active"]
reps[[c for c in shown if c in reps.columns]].head(8)

# %%
customers = case.customers
print(f"{len(customers):,} accounts, total value {customers['value'].sum():,.0f}")
customers.groupby("tier").agg(accounts=("value", "size"), value=("value", "sum"))

# %% [markdown]
# The weights and rules in force (`data/scenario.toml`):

# %%
print(case.scenario.weights)
print(case.scenario.rules)

# %% [markdown]
# ## 2. Solve

# %%
plan = case.solve()
print(
    f"{plan.status} plan by {plan.certificate['engine']}: objective {plan.objective:,.0f}, "
    f"lower bound {plan.bound:,.0f}, gap {plan.gap:.2%}"
)
print("bound from:", plan.certificate["bound_source"])

# %% [markdown]
# A plan shows as a summary card: status, gap, moves and fairness before and after.

# %%
plan

# %% [markdown]
# ## 3. Fairness, before and after
#
# "Before" is today's owners (`current_rep`), "after" the plan. Workload is measured as
# utilisation (load / capacity) so reps of different capacity compare fairly.

# %%
fairness = plan.metrics_frame().set_index("metric")[["before", "after", "change"]]
fairness.round(3)

# %%
plots.plot_workload(plan)

# %%
plots.plot_travel(plan)

# %% [markdown]
# ## 4. The plan on a map
#
# Accounts take their rep's colour, with a faint spoke to the rep's base; accounts that
# change owner are ringed. The second map zooms into Dallas–Fort Worth, where the
# leaving rep R13 was based.

# %%
plots.plot_territories(plan)

# %%
plots.plot_territories(plan, bounds=ZOOM, title="zoom") if ZOOM else None

# %% [markdown]
# ## 5. What moves, and why

# %%
a = plan.assignments
moves = a[a["changed"]]
print(f"{len(moves)} accounts change owner, value {moves['value'].sum():,.0f}")
leaving = set(plan.reps.loc[~plan.reps["active"], "rep_id"])
why = pd.Series("other (cost, balance or a rule)", index=moves.index)
why[moves["forced_by"] != ""] = "protection held by another rep"
why[moves["previous_rep"].isin(leaving)] = "owner is leaving"
why.value_counts()

# %%
cols = ["customer_id", "name", "city", "previous_rep", "rep_id", "value", "reason"]
moves.sort_values("value", ascending=False)[[c for c in cols if c in moves.columns]].head(10)

# %%
other = moves[why == "other (cost, balance or a rule)"].sort_values("value", ascending=False)
if len(other):
    print(plan.explain(other["customer_id"].iloc[0]))

# %% [markdown]
# Per rep: accounts and hours before and after, against capacity and the fair share
# (`balance_target`).

# %%
plan.reps[
    ["rep_id", "active", "accounts_before", "accounts", "workload_hours_before",
     "workload_hours", "capacity_hours", "balance_target", "utilisation"]
].head(12)  # fmt: skip

# %% [markdown]
# ## 6. Check and hand over
#
# The independent checker re-reads the raw inputs and verifies every hard rule; then the
# three output files are written (the CRM change-set is the `changed` rows).

# %%
violations = solver.check_plan(
    case.customers, case.reps, a[["customer_id", "rep_id"]], case.scenario
)
assert violations == [], violations
out = Path(tempfile.mkdtemp(prefix="rebalance-"))
plan.write(out)
sorted(p.name for p in out.iterdir())
