"""The combined problem of a placement built on the standing book's own parts.

A full rebuild (:func:`solver.placement.layout.build_layout`) reads every customer's facts
again, prices every standing pair and explains every standing account: O(book) work for a
batch of one. Here the standing side is prepared once per book and scenario
(:class:`Standing`: its facts, its pinned pairs, the reasons of its rows, the prefix of
its fingerprint) and each batch only adds its own: the new
accounts' facts and candidate pairs, then the rows, prices and balance of the combined
pairs, made by the same rules and terms in one pass of array arithmetic.

The result is the very problem :func:`build_layout` builds (same arrays, same order), so
the plan made from it is the same plan, file for file (tested). It applies when nothing of
the standing book joins the batch: no move allowed, no standing account forced elsewhere
or off its rep (:func:`prepare` returns None), and no new segment name (:func:`fast_layout`
returns None); otherwise the caller rebuilds in full.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.candidates import build_candidates, candidate_limit
from solver.constraints import active_rules
from solver.inputs.facts import Facts, PairFacts, relative_value
from solver.inputs.io import fingerprint_frame
from solver.placement.layout import Layout
from solver.plan import KnownParts
from solver.problem import Problem, rule_forced
from solver.reasons import reasons
from solver.scenario import Scenario

#: Facts fields with one entry per customer (the rest describe the reps or the scenario)
CUSTOMER_FIELDS = (
    "customer_ids", "c_lat", "c_lon", "value", "value_rel", "tenure_years", "effort",
    "visits", "segment", "tier", "current", "protected", "released", "c_region",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Standing:
    """The standing book's side of every placement under one scenario."""

    scenario: Scenario
    facts: Facts
    pairs: PairFacts  # one pair per standing account: its rep
    forced: np.ndarray  # what the rules force per standing account (-1 none)
    forced_reason: np.ndarray
    reasons: pd.Series  # the reason of each standing row ("kept with current rep ..."), text
    owners: bytes  # the standing owners as the chained customers fingerprint joins them
    reps_fingerprint: str  # of the reps table the book is placed on

    @property
    def n(self) -> int:
        return self.facts.n


def prepare(
    customers: pd.DataFrame, reps: pd.DataFrame, rep: np.ndarray, scn: Scenario
) -> Standing | None:
    """The :class:`Standing` of the book ``customers`` (``rep``: rep index per account);
    None when a rule no longer lets every standing account stay on its rep (a rep who
    left, a protection elsewhere): such a book is placed on by a full rebuild."""
    facts = Facts.build(customers, reps, scn)
    rules = active_rules(scn)
    forced, reason = rule_forced(facts, scn, rules)
    if facts.n == 0 or not ((forced < 0) | (forced == rep)).all():
        return None
    cands = build_candidates(facts, scn, rules, rep)
    if cands.blocked or len(cands.pairs.customer) != facts.n:
        return None
    problem = Problem.from_pairs(customers, reps, scn, cands.pairs, forced, reason)
    why = reasons(problem, rep, np.arange(facts.n))  # one pair per account: its own
    owners = "\x1f".join(map(str, customers["current_rep"])).encode()
    why = pd.Series(why, dtype="str")
    return Standing(scn, facts, cands.pairs, forced, reason, why, owners, fingerprint_frame(reps))


def fast_layout(standing: Standing, customers: pd.DataFrame, reps: pd.DataFrame) -> Layout | None:
    """The combined problem of ``customers`` (the standing rows, then the new ones) as
    :func:`build_layout` makes it with nothing movable; None when it does not apply."""
    scn = standing.scenario
    own = standing.facts.build_like(customers.iloc[standing.n :].reset_index(drop=True), scn)
    if own is None:  # a segment new to the book
        return None
    facts = _joined(standing.facts, own)
    n0, k = standing.n, own.n
    rules = active_rules(scn)
    part = _rows(facts, np.arange(n0, n0 + k))
    forced_new, reason_new = rule_forced(part, scn, rules)
    limit = candidate_limit(facts, scn)
    cands = build_candidates(part, scn.replace(max_candidates=limit) if limit else scn,
                             rules, forced_new)  # fmt: skip
    s, p = standing.pairs, cands.pairs
    pairs = PairFacts(
        facts,
        np.concatenate([s.customer, p.customer + n0]),
        np.concatenate([s.rep, p.rep]),
        np.concatenate([s.distance_km, p.distance_km]),
        np.concatenate([s.travel_km, p.travel_km]),
        np.concatenate([s.workload, p.workload]),
    )
    forced = np.concatenate([standing.forced, forced_new])
    reason = np.concatenate([standing.forced_reason, reason_new])
    problem = Problem.from_pairs(customers, reps, scn, pairs, forced, reason)
    blocked: dict[int, Counter] = {n0 + i: c for i, c in cands.blocked.items()}
    is_new = np.arange(n0 + k) >= n0
    standing_rep = np.concatenate([s.rep, np.full(k, -1, dtype=np.int64)])
    return Layout(problem, is_new, is_new, standing_rep, blocked)


def known_parts(standing: Standing, problem: Problem, rep: np.ndarray) -> KnownParts:
    """What the combined plan takes from the standing book: the standing rows' reasons
    (the new rows' from the combined plan). Its metrics before are measured again: their
    value targets follow the whole book's value, new accounts included."""
    n0 = standing.n
    fresh = reasons(problem, rep, problem.pair_index(rep), np.arange(n0, problem.n))
    joined = pd.concat([standing.reasons, pd.Series(fresh, dtype=standing.reasons.dtype)])
    return KnownParts(joined.array)


def chain(standing: Standing, parent: str, customers: pd.DataFrame, new: pd.DataFrame) -> str:
    """The chained customers fingerprint of :func:`solver.placement.layout.with_fingerprints`
    for ``customers`` (the standing rows, then the new ones placed) and ``new`` (every new
    account given): SHA-256 of the parent's, the owners and the new accounts."""
    digest = hashlib.sha256(f"{parent}|".encode())
    digest.update(standing.owners)
    tail = "".join("\x1f" + str(o) for o in customers["current_rep"].iloc[standing.n :])
    digest.update(f"{tail}|{fingerprint_frame(new)}".encode())
    return digest.hexdigest()[:16]


def _joined(standing: Facts, own: Facts) -> Facts:
    """Standing facts then ``own``'s (:meth:`Facts.build_like` of the standing ones), as
    :meth:`Facts.build` makes them for both tables at once."""
    joined = {}
    for name in CUSTOMER_FIELDS:
        a, b = getattr(standing, name), getattr(own, name)
        joined[name] = None if a is None or b is None else np.concatenate([a, b])
    joined["value_rel"] = relative_value(joined["value"])
    joined["customer_columns"] = {
        c: np.concatenate([v, own.customer_columns[c]])
        for c, v in standing.customer_columns.items()
    }
    return dataclasses.replace(standing, **joined)


def _rows(facts: Facts, index: np.ndarray) -> Facts:
    """The facts of the customers ``index`` only (reps and scenario as they are)."""
    part = {
        name: None if getattr(facts, name) is None else getattr(facts, name)[index]
        for name in CUSTOMER_FIELDS
    }
    part["customer_columns"] = {c: v[index] for c, v in facts.customer_columns.items()}
    return dataclasses.replace(facts, **part)
