"""Eligibility rules on single pairs: max travel, required specialty, region.

A protected or locked customer keeps its forced rep even when that pair would be
ineligible: protection is a promise to the rep and wins over eligibility.
"""

from __future__ import annotations

import numpy as np

from solver.constraints.base import HardRule, Violation
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario


class PairRule(HardRule):
    """A rule that only says which (customer, rep) pairs are allowed."""

    waived_when_forced = True

    def mask(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        raise NotImplementedError

    def describe(self, pairs: PairFacts, k: int) -> str:
        raise NotImplementedError

    def allowed(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        return self.mask(pairs, scenario)

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        ok = self.mask(assigned, scenario) | (forced == assigned.rep)
        facts = assigned.facts
        return [
            Violation(
                self.name,
                self.describe(assigned, k),
                str(facts.customer_ids[k]),
                str(facts.rep_ids[assigned.rep[k]]),
            )
            for k in np.flatnonzero(~ok)
        ]


class MaxTravelRule(PairRule):
    """A rep owns no account farther than its max_travel_km (great-circle km from base)."""

    name = "max_travel"
    relax = "raise max_travel_km for nearby reps, or set rules.max_travel = false"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.max_travel

    def mask(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        limit = pairs.facts.max_travel[pairs.rep]
        return np.isnan(limit) | (pairs.distance_km <= limit + 1e-9)

    def describe(self, pairs: PairFacts, k: int) -> str:
        f = pairs.facts
        j = pairs.rep[k]
        return (
            f"customer {f.customer_ids[pairs.customer[k]]} is {pairs.distance_km[k]:.0f} km "
            f"from {f.rep_ids[j]}, whose max_travel_km is {f.max_travel[j]:.0f}"
        )


class RequiredSpecialtyRule(PairRule):
    """A customer with a segment goes only to a rep listing that segment as a specialty."""

    name = "required_specialty"
    relax = "add the specialty to some reps, or set rules.required_specialty = false"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.required_specialty

    def mask(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        seg = pairs.facts.segment[pairs.customer]
        has = seg >= 0
        ok = np.ones(len(seg), dtype=bool)
        ok[has] = pairs.facts.covers[seg[has], pairs.rep[has]]
        return ok

    def describe(self, pairs: PairFacts, k: int) -> str:
        f = pairs.facts
        seg = f.segments[f.segment[pairs.customer[k]]]
        return (
            f"customer {f.customer_ids[pairs.customer[k]]} needs specialty '{seg}', "
            f"which {f.rep_ids[pairs.rep[k]]} does not cover"
        )


class RegionRule(PairRule):
    """A rep with a region owns only customers of that region (customers' 'region' column)."""

    name = "region"
    relax = "give the customers' region a rep, or set rules.region = false"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.region

    def mask(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        f = pairs.facts
        if f.c_region is None:
            return np.ones(len(pairs.rep), dtype=bool)
        rep_region = f.r_region[pairs.rep]
        return (rep_region == "") | (rep_region == f.c_region[pairs.customer])

    def describe(self, pairs: PairFacts, k: int) -> str:
        f = pairs.facts
        i, j = pairs.customer[k], pairs.rep[k]
        assert f.c_region is not None
        return (
            f"customer {f.customer_ids[i]} is in region '{f.c_region[i]}', "
            f"rep {f.rep_ids[j]} covers '{f.r_region[j]}'"
        )


class KeyAccountRule(PairRule):
    """Key (tier A) accounts go only to reps of at least the given seniority."""

    name = "key_account_seniority"
    relax = "lower rules.key_account_min_seniority"

    def enabled(self, scenario: Scenario) -> bool:
        return scenario.rules.key_account_min_seniority is not None

    def mask(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        minimum = scenario.rules.key_account_min_seniority or 1
        f = pairs.facts
        return (f.tier[pairs.customer] != "A") | (f.seniority[pairs.rep] >= minimum)

    def describe(self, pairs: PairFacts, k: int) -> str:
        f = pairs.facts
        j = pairs.rep[k]
        return (
            f"key account {f.customer_ids[pairs.customer[k]]} (tier A) is with "
            f"{f.rep_ids[j]}, seniority {f.seniority[j]:.0f}, below the rule's minimum"
        )
