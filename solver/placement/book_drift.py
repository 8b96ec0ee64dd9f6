"""Balance drift of a standing book since its last full rebalance, and whether one is due.

Not the CRM ownership drift of :mod:`solver.export.drift` (owners changed since a plan):
this measures how far the book's balance has moved from what the last full solve left,
as new accounts were placed on it (and, given the CRM's current accounts, as accounts
arrived that no plan has placed yet, or owners changed).

Per balance measure of the plan's scenario (:func:`solver.fairness.measures.measure_rules`:
workload, accounts, value and every ``[[balance]]`` table's measure, each with its share
rule and band), on the active reps: the Gini of each rep's ratio to its fair share, the
share of reps in the measure's band and the reps outside it, then and now. A full
rebalance is recommended when the workload Gini rose by at least ``GINI_RISE``, a
measure's share of reps in band fell by at least ``BAND_DROP`` and by two reps at least
(one rep of a small team drifting out is no reason), with at least two reps now outside it
by more than ``DRIFT_MARGIN`` of their fair share (the search leaves reps at the edge of a
soft tolerance, where one new account tips them over), a rep is outside a
hard band, accounts added since reach ``NEW_SHARE`` of the book, or a rep is over capacity.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from solver.fairness.measures import measure_rules, rep_measure
from solver.inputs.facts import Facts, PairFacts
from solver.metrics import band_label, measure_spread
from solver.placement.placing import rebalanced_reference
from solver.placement.standing import StandingBook
from solver.problem import load_inputs

GINI_RISE = 0.02
BAND_DROP = 0.10
NEW_SHARE = 0.10
#: how far outside its band (in ratio to its fair share) a rep must be to count as drifted
DRIFT_MARGIN = 0.05


@dataclass(frozen=True)
class MeasureDrift:
    """One balance measure then (the last full rebalance) and now: Gini of the active reps'
    ratios to their fair share, share of them in the measure's band, the reps outside it."""

    measure: str  # its key in the metrics: workload, accounts, value, value#2, a column
    band: str  # how the band reads: "hard [0.8, 1.2]", "tolerance ±10 %", "±10 %"
    hard: bool  # the band is a hard [[balance]] band
    gini_then: float | None  # None when the last rebalance's plan did not record it
    gini_now: float
    in_band_then: float | None
    in_band_now: float
    out_of_band: list[str]  # active reps outside the band now


@dataclass(frozen=True)
class BookDrift:
    """The book now against the last full rebalance, and the recommendation."""

    accounts_then: int
    accounts_now: int
    new_since: int  # accounts added since the last full solve (placed or not yet)
    unplaced_now: int  # accounts in the CRM no plan has placed yet (with current data)
    owner_changes: int  # accounts whose CRM owner differs from the plan (with current data)
    measures: list[MeasureDrift]
    over_capacity: list[str]
    rebalance_due: bool
    reasons: list[str] = field(default_factory=list)
    rebalanced_as_of: str | None = None

    def recommendation(self) -> str:
        if not self.rebalance_due:
            return "no full rebalance needed yet: the book is still close to its last rebalance"
        return "a full rebalance is due: " + "; ".join(self.reasons)


def book_drift(book: StandingBook, current: pd.DataFrame | str | Path | None = None) -> BookDrift:
    """Drift of ``book`` (a plan read as a :class:`StandingBook`); ``current`` is the CRM's
    accounts now (customers table: owners in ``current_rep``), else the plan's own book."""
    reference = rebalanced_reference(book)
    customers, rep, unplaced, changes = book.customers, book.rep, 0, 0
    if current is not None:
        customers, reps = load_inputs(current, book.reps, book.scenario)
        index = {r: j for j, r in enumerate(reps["rep_id"])}
        rep = np.array([index.get(r, -1) for r in customers["current_rep"]], dtype=np.int64)
        planned = dict(
            zip(book.customers["customer_id"], book.customers["current_rep"], strict=True)
        )
        known = customers["customer_id"].map(planned)
        unplaced = int(known.isna().sum())
        changes = int((known.notna() & (known != customers["current_rep"])).sum())
    facts = Facts.build(customers, book.reps, book.scenario)
    owned = np.flatnonzero(rep >= 0)
    assigned = PairFacts.of(facts, owned, rep[owned])
    active, rep_ids = facts.active, facts.rep_ids
    then_measures = reference.get("measures") or {}
    measures, reasons = [], []
    for rule in measure_rules(book.scenario):
        now = rep_measure(assigned, book.scenario, rule)
        stats = measure_spread(now, active)
        then = then_measures.get(rule.key) or {}
        drift = MeasureDrift(
            measure=rule.key,
            band=band_label(dataclasses.asdict(stats)),
            hard=rule.kind == "band",
            gini_then=then.get("gini"),
            gini_now=stats.gini,
            in_band_then=then.get("in_band_share"),
            in_band_now=stats.in_band_share,
            out_of_band=[str(r) for r in rep_ids[active & ~now.in_band]],
        )
        measures.append(drift)
        beyond = (now.ratio < rule.low - DRIFT_MARGIN) | (now.ratio > rule.high + DRIFT_MARGIN)
        reasons.extend(_reasons(drift, int(active.sum()), int((active & beyond).sum())))
    hours = np.bincount(assigned.rep, weights=assigned.workload, minlength=facts.m)
    over = [str(r) for r in rep_ids[active & (hours > facts.capacity * (1.0 + 1e-9))]]
    then_n = int(reference.get("accounts") or book.n)
    new_since = max(len(customers) - then_n, 0)
    if then_n and new_since / then_n >= NEW_SHARE:
        reasons.append(f"{new_since:,} accounts added since ({new_since / then_n:.0%} of the book)")
    if over:
        reasons.append(f"{len(over)} rep(s) over capacity ({', '.join(over[:5])})")
    return BookDrift(
        accounts_then=then_n,
        accounts_now=len(customers),
        new_since=new_since,
        unplaced_now=unplaced,
        owner_changes=changes,
        measures=measures,
        over_capacity=over,
        rebalance_due=bool(reasons),
        reasons=reasons,
        rebalanced_as_of=reference.get("as_of"),
    )


def _reasons(m: MeasureDrift, reps: int, far_out: int) -> list[str]:
    """Why this measure alone calls for a rebalance (none: it has not drifted enough);
    ``reps``: active reps, ``far_out``: those outside the band by more than ``DRIFT_MARGIN``."""
    reasons = []
    if m.hard and m.out_of_band:
        names = ", ".join(m.out_of_band[:5]) + (" ..." if len(m.out_of_band) > 5 else "")
        reasons.append(f"{len(m.out_of_band)} rep(s) outside the {m.measure} band ({names})")
    rose = None if m.gini_then is None else m.gini_now - m.gini_then
    if m.measure == "workload" and rose is not None and rose >= GINI_RISE:
        reasons.append(f"workload Gini rose from {m.gini_then:.3f} to {m.gini_now:.3f}")
    drop = None if m.in_band_then is None else m.in_band_then - m.in_band_now
    if drop is not None and drop >= BAND_DROP and round(drop * reps) >= 2 and far_out >= 2:
        reasons.append(
            f"reps in the {m.measure} band ({m.band}) fell from {m.in_band_then:.0%} to "
            f"{m.in_band_now:.0%}"
        )
    return reasons
