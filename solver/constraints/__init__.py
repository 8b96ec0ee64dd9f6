"""Hard rules, one module each; ``RULES`` is the order they are applied and reported in."""

from __future__ import annotations

import numpy as np

from solver.constraints.bands import BandRule
from solver.constraints.base import HardRule, RowBlock, Violation
from solver.constraints.capacity import AccountCapRule, HoursCapacityRule
from solver.constraints.disruption import DisruptionRule
from solver.constraints.eligibility import (
    KeyAccountRule,
    MaxTravelRule,
    RegionRule,
    RequiredSpecialtyRule,
)
from solver.constraints.leaving import LeavingRule
from solver.constraints.locks import ForbiddenRule, LockRule
from solver.constraints.protection import ProtectionRule
from solver.inputs.facts import PairFacts
from solver.scenario import Scenario

RULES: tuple[HardRule, ...] = (
    ProtectionRule(),
    LockRule(),
    LeavingRule(),
    ForbiddenRule(),
    MaxTravelRule(),
    RequiredSpecialtyRule(),
    RegionRule(),
    KeyAccountRule(),
    HoursCapacityRule(),
    AccountCapRule(),
    BandRule(),
    DisruptionRule(lambda pairs, scenario: eligible_mask(pairs, scenario)),
)


def active_rules(scenario: Scenario) -> list[HardRule]:
    return [rule for rule in RULES if rule.enabled(scenario)]


def eligible_mask(pairs: PairFacts, scenario: Scenario) -> np.ndarray:
    """Pairs every enabled pair rule allows (the leaving rule included)."""
    ok = np.ones(len(pairs.rep), dtype=bool)
    for rule in active_rules(scenario):
        mask = rule.allowed(pairs, scenario)
        if mask is not None:
            ok &= mask
    return ok


__all__ = ["RULES", "HardRule", "RowBlock", "Violation", "active_rules", "eligible_mask"]
