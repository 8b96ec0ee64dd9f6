"""How plans and comparisons show in a notebook: a one-line ``repr`` and an HTML card.

The card has the status, objective, bound and gap, moves and value moved, and for each
balance measure (workload, ...) its fairness statistics before and after. Every value
is escaped; the card has no script and no external resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from solver.metrics import MEASURES_KEY, flat_numbers

if TYPE_CHECKING:
    from solver.analysis.compare import Comparison
    from solver.plan import Plan

#: fairness statistics of a balance measure, in card order, with their labels
FAIRNESS = {
    "gini": "Gini",
    "cv": "coefficient of variation",
    "max_min_ratio": "max / min",
    "jain": "Jain index",
    "in_band_share": "share of reps in band",
}
#: other metrics on the card
HEADLINE = {
    "travel_km_mean": "mean travel km",
    "specialty_match_rate": "specialty match rate",
    "value_gini": "value Gini",
    "leaving_rep_accounts": "accounts with leaving reps",
}
STYLE = (
    "font-family:sans-serif;font-size:13px;border:1px solid #ccc;border-radius:6px;"
    "padding:8px 12px;display:inline-block"
)


def metrics_frame(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """Before and after as a tidy frame: one row per metric (``workload.gini``, ...),
    columns ``metric``, ``measure`` (the balance measure, or '' for a plan-wide metric),
    ``statistic``, ``before``, ``after`` and ``change`` (after - before)."""
    after = flat_numbers(metrics.get("after") or {})
    before = flat_numbers(metrics.get("before") or {})
    rows = [(name, *_measure_and_statistic(name), before.get(name), v) for name, v in after.items()]
    frame = pd.DataFrame(rows, columns=["metric", "measure", "statistic", "before", "after"])
    frame[["before", "after"]] = frame[["before", "after"]].astype(float)
    frame["change"] = frame["after"] - frame["before"]
    return frame


def _measure_and_statistic(name: str) -> tuple[str, str]:
    """``workload.gini`` -> (workload, gini); ``measures.value.gini`` -> (value, gini);
    ``moves`` -> ('', moves)."""
    head, _, stat = name.rpartition(".")
    return head.removeprefix(f"{MEASURES_KEY}."), stat


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, float) and abs(value) >= 1000:
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}g}" if isinstance(value, float) else escape(str(value))


def _gap(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.3%}"


def plan_repr(plan: Plan) -> str:
    """One line: status, objective, gap, moves, size and engine."""
    cert = plan.certificate
    moves = plan.metrics.get("after", {}).get("moves")
    parts = [
        str(cert.get("status")),
        f"objective {cert.get('objective', float('nan')):,.1f}",
        f"gap {_gap(cert.get('gap'))}",
    ]
    if moves is not None:
        parts.append(f"{moves:,} moves")
    parts.append(f"{len(plan.assignments):,} accounts x {len(plan.reps):,} reps")
    parts.append(f"engine {cert.get('engine')}")
    return f"Plan({', '.join(parts)})"


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th style='text-align:left;padding:0 8px'>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:0 8px'>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def plan_html(plan: Plan) -> str:
    """The HTML summary card of a plan."""
    cert = plan.certificate
    after = plan.metrics.get("after", {})
    before = plan.metrics.get("before", {})
    facts = [
        ("status", escape(str(cert.get("status")))),
        ("engine", escape(str(cert.get("engine")))),
        ("objective", _num(cert.get("objective"))),
        ("lower bound", f"{_num(cert.get('bound'))} ({escape(str(cert.get('bound_source')))})"),
        ("gap", _gap(cert.get("gap"))),
        ("accounts / reps", f"{len(plan.assignments):,} / {len(plan.reps):,}"),
    ]
    if "moves" in after:
        facts.append(
            (
                "moves",
                f"{after['moves']:,} accounts, value {after['value_moved']:,.0f} "
                f"({after['value_moved_share']:.1%})",
            )
        )
    if cert.get("interrupted"):
        facts.append(("interrupted", escape(str(cert["interrupted"]))))
    head = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in facts)
    parts = [f"<div style='{STYLE}'><b>Plan</b><table>{head}</table>"]
    for measure, stats in after.items():
        if isinstance(stats, Mapping):
            old = before.get(measure, {})
            rows = [
                [escape(label), _num(old.get(stat)), _num(stats.get(stat))]
                for stat, label in FAIRNESS.items()
                if stat in stats
            ]
            parts.append(f"<p><b>{escape(measure)} fairness</b></p>")
            parts.append(_table(["", "before", "after"], rows))
    rows = [
        [escape(label), _num(before.get(key)), _num(after.get(key))]
        for key, label in HEADLINE.items()
        if key in after
    ]
    parts.append("<p><b>other metrics</b></p>" + _table(["", "before", "after"], rows))
    parts.append("</div>")
    return "".join(parts)


def comparison_repr(diff: Comparison) -> str:
    c = diff.costs
    return (
        f"Comparison({diff.accounts_moved:,} accounts moved, value {diff.value_moved:,.0f}, "
        f"objective {c.at['objective', 'a']:,.1f} -> {c.at['objective', 'b']:,.1f})"
    )


def comparison_html(diff: Comparison) -> str:
    """The HTML card of a comparison: moves, objective a -> b, fairness a and b."""
    c, m = diff.costs, diff.metrics
    facts = [
        ("accounts moved", f"{diff.accounts_moved:,}"),
        ("value moved", f"{diff.value_moved:,.0f}"),
        ("objective a -> b", f"{_num(c.at['objective', 'a'])} -> {_num(c.at['objective', 'b'])}"),
        ("gap a / b", f"{_gap(_opt(c.at['gap', 'a']))} / {_gap(_opt(c.at['gap', 'b']))}"),
    ]
    head = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in facts)
    rows = [
        [escape(str(key)), _num(m.at[key, "a"]), _num(m.at[key, "b"]), escape(m.at[key, "better"])]
        for key in m.index
        if m.at[key, "better"] != ""
    ]
    table = _table(["metric", "a", "b", "better"], rows)
    return f"<div style='{STYLE}'><b>Comparison (b vs a)</b><table>{head}</table>{table}</div>"


def _opt(value: float) -> float | None:
    return None if value != value else float(value)
