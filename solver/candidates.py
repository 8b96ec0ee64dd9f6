"""Sparse candidate pairs: every (customer, rep) pair the hard rules allow, never a dense matrix.

Customers are processed in chunks so memory stays ~ chunk x reps, not customers x reps.
A forced customer (protected or locked) has exactly one candidate: its forced rep. When
``max_candidates`` is set (or the instance is large), each free customer keeps only its k
cheapest eligible reps by separable cost, plus its current rep when eligible.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from solver.constraints import HardRule
from solver.inputs.facts import Facts, PairFacts
from solver.limits import check_size
from solver.objectives import SEPARABLE_TERMS
from solver.scenario import Scenario

#: pairs evaluated per chunk (bounds the memory of candidate generation)
CHUNK_PAIRS = 2_000_000
#: above this many customer x rep pairs, keep only the cheapest reps per customer by default
DENSE_LIMIT = 4_000_000
DEFAULT_K_WHEN_LARGE = 50


@dataclass
class CandidateSet:
    pairs: PairFacts
    #: for customers left with no candidate: rule name -> number of reps it excluded
    blocked: dict[int, Counter] = field(default_factory=dict)


def separable_cost(pairs: PairFacts, scenario: Scenario) -> dict[str, np.ndarray]:
    """Weighted cost of each pair per separable term."""
    return {term.name: term.cost(pairs, scenario) for term in SEPARABLE_TERMS}


def candidate_limit(facts: Facts, scenario: Scenario) -> int | None:
    if scenario.max_candidates is not None:
        return scenario.max_candidates
    return DEFAULT_K_WHEN_LARGE if facts.n * facts.m > DENSE_LIMIT else None


def build_candidates(
    facts: Facts, scenario: Scenario, rules: list[HardRule], forced: np.ndarray
) -> CandidateSet:
    pair_rules = [r for r in rules if type(r).allowed is not HardRule.allowed]
    hard_always = [r for r in pair_rules if not r.waived_when_forced]
    limit = candidate_limit(facts, scenario)
    check_size(facts.n * min(facts.m, limit or facts.m), "build", scenario.memory_limit_gb)
    parts: list[PairFacts] = []
    blocked: dict[int, Counter] = {}

    forced_idx = np.flatnonzero(forced >= 0)
    if len(forced_idx):
        pairs = PairFacts.of(facts, forced_idx, forced[forced_idx])
        ok = np.ones(len(forced_idx), dtype=bool)
        for rule in hard_always:
            mask = rule.allowed(pairs, scenario)
            for k in np.flatnonzero(ok & ~mask):
                blocked[int(forced_idx[k])] = Counter({rule.name: 1})
            ok &= mask
        parts.append(pairs.subset(ok))

    free = np.flatnonzero(forced < 0)
    step = max(1, CHUNK_PAIRS // max(facts.m, 1))
    for start in range(0, len(free), step):
        chunk = free[start : start + step]
        cust = np.repeat(chunk, facts.m)
        rep = np.tile(np.arange(facts.m), len(chunk))
        pairs = PairFacts.of(facts, cust, rep)
        ok = np.ones(len(cust), dtype=bool)
        first_blocker = np.full(len(cust), -1, dtype=np.int64)
        for r, rule in enumerate(pair_rules):
            mask = rule.allowed(pairs, scenario)
            first_blocker[ok & ~mask] = r
            ok &= mask
        survivors = np.bincount(cust[ok] - chunk[0], minlength=chunk[-1] - chunk[0] + 1)
        for i in chunk[survivors[chunk - chunk[0]] == 0]:
            sel = first_blocker[cust == i]
            blocked[int(i)] = Counter(pair_rules[r].name for r in sel if r >= 0)
        pairs = pairs.subset(ok)
        if limit is not None:
            pairs = pairs.subset(_cheapest(pairs, scenario, limit))
        parts.append(pairs)

    merged = _concat(facts, parts)
    order = np.lexsort((merged.rep, merged.customer))
    return CandidateSet(merged.subset(order), blocked)


def _cheapest(pairs: PairFacts, scenario: Scenario, k: int) -> np.ndarray:
    """Mask keeping each customer's k cheapest pairs by separable cost, plus its current rep."""
    total = sum(separable_cost(pairs, scenario).values())
    order = np.lexsort((total, pairs.customer))
    cust_sorted = pairs.customer[order]
    starts = np.searchsorted(cust_sorted, cust_sorted, side="left")
    rank = np.arange(len(order)) - starts
    keep = np.zeros(len(order), dtype=bool)
    keep[order[rank < k]] = True
    keep |= pairs.rep == pairs.facts.current[pairs.customer]
    return keep


def _concat(facts: Facts, parts: list[PairFacts]) -> PairFacts:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return PairFacts.of(facts, empty, empty)

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    return PairFacts(
        facts, cat("customer"), cat("rep"), cat("distance_km"), cat("travel_km"), cat("workload")
    )
