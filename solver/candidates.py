"""Sparse candidate pairs: every (customer, rep) pair the hard rules allow, never a dense matrix.

Customers are processed in chunks so memory stays ~ chunk x reps, not customers x reps.
A forced customer (protected or locked) has exactly one candidate: its forced rep. When
``max_candidates`` is set (or the instance is large), each free customer keeps only its k
cheapest eligible reps by separable cost, plus its current rep when eligible; those are
found through a spatial index of the reps (nearest first, widening only where a farther
rep could still be cheaper) rather than by scoring every rep, with the same result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from solver.constraints import HardRule
from solver.inputs.facts import Facts, PairFacts
from solver.inputs.geo import EARTH_RADIUS_KM, unit_vectors
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
    facts: Facts,
    scenario: Scenario,
    rules: list[HardRule],
    forced: np.ndarray,
    index: bool | None = None,
) -> CandidateSet:
    """Every allowed pair, or each free customer's k cheapest plus its current rep.

    With a limit k, ``index`` (default: when every term has a :meth:`floor` and k < m / 2)
    finds them through a spatial index of the reps instead of scoring every rep; the pairs
    kept are the same (see :func:`_nearest`).
    """
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
    floors = _floors(facts, scenario)
    if index is None:
        index = limit is not None and 2 * limit < facts.m
    if index and limit is not None and floors is not None and limit < facts.m:
        found, free = _nearest(facts, scenario, pair_rules, free, limit, floors)
        parts += found
    parts += _scored(facts, scenario, pair_rules, free, limit, blocked)
    merged = _concat(facts, parts)
    order = np.lexsort((merged.rep, merged.customer))
    return CandidateSet(merged.subset(order), blocked)


def _allowed(pairs: PairFacts, scenario: Scenario, pair_rules: list[HardRule]) -> np.ndarray:
    ok = np.ones(len(pairs.customer), dtype=bool)
    for rule in pair_rules:
        ok &= rule.allowed(pairs, scenario)
    return ok


def _scored(
    facts: Facts,
    scenario: Scenario,
    pair_rules: list[HardRule],
    free: np.ndarray,
    limit: int | None,
    blocked: dict[int, Counter],
) -> list[PairFacts]:
    """Score ``free`` customers against every rep, in chunks; fills ``blocked``."""
    parts = []
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
            total = sum(separable_cost(pairs, scenario).values())
            pairs = pairs.subset(_cheapest(pairs, total, limit))
        parts.append(pairs)
    return parts


def _floors(facts: Facts, scenario: Scenario) -> tuple[np.ndarray, np.ndarray] | None:
    """Per customer (per_km, floor): total separable cost >= per_km x km + floor on every
    rep; None when a term cannot bound itself."""
    per_km, floor = np.zeros(facts.n), np.zeros(facts.n)
    for term in SEPARABLE_TERMS:
        bound = term.floor(facts, scenario)
        if bound is None:
            return None
        per_km += bound[0]
        floor += bound[1]
    return per_km, floor


def _nearest(
    facts: Facts,
    scenario: Scenario,
    pair_rules: list[HardRule],
    free: np.ndarray,
    k: int,
    floors: tuple[np.ndarray, np.ndarray],
) -> tuple[list[PairFacts], np.ndarray]:
    """Each customer's k cheapest allowed reps (and its current rep) from its nearest ones.

    A KD-tree on unit vectors gives each customer its ``width`` nearest reps (starting at
    2k). Every rep farther away costs at least per_km x (km of the farthest one looked at)
    + floor (:func:`_floors`); where that exceeds the k-th cheapest allowed cost found,
    no farther rep can enter the k cheapest, so they are exactly those of scoring every
    rep (ties go to the lower rep index both ways). The other customers look again at
    twice as many reps; those still open when the width reaches m are returned, to be
    scored against every rep (which also explains a customer left with no rep).
    """
    tree = cKDTree(unit_vectors(facts.r_lat, facts.r_lon))
    parts: list[PairFacts] = []
    todo = free
    width = min(facts.m, 2 * k)
    while len(todo) and width < facts.m:
        still_open = []
        step = max(1, CHUNK_PAIRS // (width + 1))
        for start in range(0, len(todo), step):
            chunk = todo[start : start + step]
            kept, unsure = _nearest_chunk(
                facts, scenario, pair_rules, tree, chunk, width, k, floors
            )
            parts.append(kept)
            still_open.append(chunk[unsure])
        todo = np.concatenate(still_open)
        width = min(facts.m, 2 * width)
    return parts, todo


#: safety margins on the bound of farther reps (floating-point error of chord vs haversine)
_KM_SLACK = 1e-6
_RELATIVE_SLACK = 1e-9


def _nearest_chunk(
    facts: Facts,
    scenario: Scenario,
    pair_rules: list[HardRule],
    tree: cKDTree,
    chunk: np.ndarray,
    width: int,
    k: int,
    floors: tuple[np.ndarray, np.ndarray],
) -> tuple[PairFacts, np.ndarray]:
    """The kept pairs of the settled customers of ``chunk``, and a mask of the unsettled.

    Works on a chunk x (width + 1) table: the nearest reps and the current rep when it is
    not among them, each row in rep order (the order of scoring every rep).
    """
    chord, near = tree.query(unit_vectors(facts.c_lat[chunk], facts.c_lon[chunk]), k=width)
    near = near.reshape(len(chunk), width)
    current = facts.current[chunk]
    extra = np.where((current >= 0) & ~(near == current[:, None]).any(axis=1), current, facts.m)
    table = np.sort(np.column_stack([near, extra]), axis=1)  # facts.m: no rep
    real = table < facts.m
    pairs = PairFacts.of(facts, np.repeat(chunk, width + 1)[real.ravel()], table[real])
    ok = _allowed(pairs, scenario, pair_rules)
    total = np.full(table.shape, np.inf)
    total[real] = np.where(ok, sum(separable_cost(pairs, scenario).values()), np.inf)

    angle = 2.0 * np.arcsin(np.minimum(np.reshape(chord, (len(chunk), width))[:, -1] / 2, 1.0))
    far_km = np.maximum(angle * EARTH_RADIUS_KM * (1 - _RELATIVE_SLACK) - _KM_SLACK, 0.0)
    per_km, floor = floors
    beyond = (per_km[chunk] * far_km + floor[chunk]) * (1 - _RELATIVE_SLACK)
    settled = np.partition(total, k - 1, axis=1)[:, k - 1] < beyond

    order = np.argsort(total, axis=1, kind="stable")  # ties: the lower rep index first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(width + 1)[None, :], axis=1)
    keep = ((rank < k) | (table == current[:, None])) & np.isfinite(total) & settled[:, None]
    return pairs.subset(keep[real]), ~settled


def _cheapest(pairs: PairFacts, total: np.ndarray, k: int) -> np.ndarray:
    """Mask keeping each customer's k cheapest pairs by ``total`` (ties: the earlier pair),
    plus its current rep."""
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
