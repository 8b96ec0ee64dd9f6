"""Compare two plans: accounts and value moved, per-rep deltas, metrics side by side.

``compare(plan_b, plan_a)`` reads "b against a": ``a`` is the reference (say today's plan or
the base case), ``b`` the alternative; every delta is ``b - a``. Plans may come from
different data (a rep left, reps were hired): reps and accounts are matched by id and a rep
missing from one plan counts as owning nothing there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from solver import display
from solver.metrics import MEASURES_KEY, better_side, flat_numbers

if TYPE_CHECKING:  # a Plan calls compare() from its own method
    from solver.plan import Plan

#: per-rep columns compared (taken from ``Plan.reps``)
REP_COLUMNS = ("accounts", "workload_hours", "utilisation", "value", "travel_km")


@dataclass(frozen=True)
class Comparison:
    """Plan ``b`` against plan ``a``.

    - ``moves``: one row per account whose rep differs (rep_a, rep_b, value, workload and
      travel for each owner, b's reason), largest value first;
    - ``reps``: one row per rep: accounts, workload hours, utilisation, value and travel km
      per period in a and b with ``*_delta = b - a``, plus accounts and value moved in/out;
    - ``metrics``: every plan metric in rows; columns ``before`` (today's owners, from a),
      ``a``, ``b``, ``delta`` and ``better`` ('a', 'b', '=' or '' where no side is better);
    - ``costs``: objective, each weighted term, bound and gap for a and b.
    """

    moves: pd.DataFrame
    reps: pd.DataFrame
    metrics: pd.DataFrame
    costs: pd.DataFrame

    @property
    def accounts_moved(self) -> int:
        """Accounts whose rep differs between the plans."""
        return len(self.moves)

    @property
    def value_moved(self) -> float:
        """Sum of the moved accounts' value (same unit as the input ``value``)."""
        return float(self.moves["value"].sum())

    @property
    def gainers(self) -> pd.DataFrame:
        """Reps whose book value grows in b (value_delta > 0), biggest gain first."""
        gain = self.reps[self.reps["value_delta"] > 0]
        return gain.sort_values("value_delta", ascending=False, kind="stable")

    @property
    def losers(self) -> pd.DataFrame:
        """Reps whose book value shrinks in b (value_delta < 0), biggest loss first."""
        loss = self.reps[self.reps["value_delta"] < 0]
        return loss.sort_values("value_delta", kind="stable")

    def summary(self) -> str:
        """A few lines a person can read: moves, cost, fairness, who gains and who loses."""
        c, m = self.costs, self.metrics
        total_value = float(self.reps["value_a"].sum())
        share = self.value_moved / total_value if total_value > 0 else 0.0
        lines = [
            f"{self.accounts_moved:,} accounts move between the plans "
            f"(value {self.value_moved:,.0f}, {share:.1%} of all value)",
            f"objective {c.at['objective', 'a']:,.1f} -> {c.at['objective', 'b']:,.1f} "
            f"({_pct(c.at['objective', 'a'], c.at['objective', 'b'])})",
        ]
        for key, label in (
            ("workload.gini", "workload Gini"),
            ("workload.cv", "workload CV"),
            ("travel_km_mean", "mean travel km"),
            ("specialty_match_rate", "specialty match rate"),
        ):
            if key in m.index:
                lines.append(f"{label} {m.at[key, 'a']:.3f} -> {m.at[key, 'b']:.3f}")
        lines += self._measure_lines()
        for title, frame in (("gains most", self.gainers), ("loses most", self.losers)):
            if len(frame):
                lines.append(
                    f"{title}: " + ", ".join(_rep_line(r) for _, r in frame.head(3).iterrows())
                )
        return "\n".join(lines)

    def _measure_lines(self) -> list[str]:
        """Per balance measure: Gini and the share of reps in band, a -> b."""
        m, lines = self.metrics, []
        keys = dict.fromkeys(
            name.removeprefix(f"{MEASURES_KEY}.").rpartition(".")[0]
            for name in m.index
            if name.startswith(f"{MEASURES_KEY}.")
        )
        for key in keys:
            gini, band = (f"{MEASURES_KEY}.{key}.{s}" for s in ("gini", "in_band_share"))
            if gini in m.index and band in m.index:
                lines.append(
                    f"{key}: Gini {m.at[gini, 'a']:.3f} -> {m.at[gini, 'b']:.3f}, reps in band "
                    f"{m.at[band, 'a']:.0%} -> {m.at[band, 'b']:.0%}"
                )
        return lines

    def __repr__(self) -> str:
        return display.comparison_repr(self)

    def _repr_html_(self) -> str:
        return display.comparison_html(self)


def compare(plan_b: Plan, plan_a: Plan) -> Comparison:
    """Plan ``b`` against the reference plan ``a`` (deltas are b - a)."""
    for plan in (plan_a, plan_b):
        if plan.problem.facts is None:
            raise ValueError("compare needs territory plans (customers and reps tables)")
    moves = _moves(plan_b, plan_a)
    return Comparison(
        moves=moves,
        reps=_reps(plan_b, plan_a, moves),
        metrics=_metrics(plan_b, plan_a),
        costs=_costs(plan_b, plan_a),
    )


def _moves(plan_b: Plan, plan_a: Plan) -> pd.DataFrame:
    cols = ["customer_id", "rep_id", "value", "workload_hours", "travel_km"]
    a = plan_a.assignments[cols]
    b = plan_b.assignments[[*cols, "reason"]]
    both = a.merge(b, on="customer_id", how="outer", suffixes=("_a", "_b"), sort=False)
    both[["rep_id_a", "rep_id_b"]] = both[["rep_id_a", "rep_id_b"]].fillna("")
    moved = both[both["rep_id_a"] != both["rep_id_b"]].copy()
    moved["value"] = moved["value_b"].fillna(moved["value_a"]).astype(float)
    out = moved.rename(columns={"rep_id_a": "rep_a", "rep_id_b": "rep_b"})[
        [
            "customer_id",
            "rep_a",
            "rep_b",
            "value",
            "workload_hours_a",
            "workload_hours_b",
            "travel_km_a",
            "travel_km_b",
            "reason",
        ]
    ]
    return out.sort_values(["value", "customer_id"], ascending=[False, True]).reset_index(drop=True)


def _reps(plan_b: Plan, plan_a: Plan, moves: pd.DataFrame) -> pd.DataFrame:
    keep = ["rep_id", "active", *REP_COLUMNS]
    a = plan_a.reps[keep].set_index("rep_id")
    b = plan_b.reps[keep].set_index("rep_id")
    order = list(dict.fromkeys([*a.index, *b.index]))
    a, b = a.reindex(order), b.reindex(order)
    out = pd.DataFrame(index=pd.Index(order, name="rep_id"))
    out["active_a"] = a["active"].astype("boolean").fillna(False).astype(bool)
    out["active_b"] = b["active"].astype("boolean").fillna(False).astype(bool)
    for column in REP_COLUMNS:
        va, vb = a[column].fillna(0).astype(float), b[column].fillna(0).astype(float)
        out[f"{column}_a"] = va
        out[f"{column}_b"] = vb
        out[f"{column}_delta"] = vb - va
    for column in ("accounts_a", "accounts_b", "accounts_delta"):
        out[column] = out[column].astype(int)
    out["accounts_in"] = moves.groupby("rep_b").size().reindex(order, fill_value=0)
    out["accounts_out"] = moves.groupby("rep_a").size().reindex(order, fill_value=0)
    out["value_in"] = moves.groupby("rep_b")["value"].sum().reindex(order, fill_value=0.0)
    out["value_out"] = moves.groupby("rep_a")["value"].sum().reindex(order, fill_value=0.0)
    return out.reset_index()


def _metrics(plan_b: Plan, plan_a: Plan) -> pd.DataFrame:
    a = flat_numbers(plan_a.metrics["after"])
    b = flat_numbers(plan_b.metrics["after"])
    before = flat_numbers(plan_a.metrics.get("before", {}))
    names = list(dict.fromkeys([*a, *b]))
    frame = pd.DataFrame(
        {
            "before": [before.get(k, np.nan) for k in names],
            "a": [a.get(k, np.nan) for k in names],
            "b": [b.get(k, np.nan) for k in names],
        },
        index=pd.Index(names, name="metric"),
    )
    frame["delta"] = frame["b"] - frame["a"]
    frame["better"] = [better_side(k, frame.at[k, "a"], frame.at[k, "b"]) for k in names]
    return frame


def _costs(plan_b: Plan, plan_a: Plan) -> pd.DataFrame:
    rows = {}
    for name, plan in (("a", plan_a), ("b", plan_b)):
        cert = plan.certificate
        col = {"objective": cert["objective"]}
        col.update({f"cost_{k}": v for k, v in cert.get("objective_terms", {}).items()})
        col["bound"] = cert.get("bound")
        col["gap"] = cert.get("gap")
        rows[name] = col
    frame = pd.DataFrame(rows).astype(float)
    frame.index.name = "cost"
    frame["delta"] = frame["b"] - frame["a"]
    return frame


def _pct(a: float, b: float) -> str:
    return f"{(b - a) / abs(a):+.1%}" if a else "n/a"


def _rep_line(row: pd.Series) -> str:
    return (
        f"{row['rep_id']} ({row['accounts_delta']:+.0f} accounts, "
        f"{row['value_delta']:+,.0f} value, {row['workload_hours_delta']:+,.0f} h)"
    )
