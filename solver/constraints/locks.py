"""Locks (this customer stays with / goes to this rep) and forbidden pairs, from the scenario."""

from __future__ import annotations

import numpy as np

from solver.constraints.base import HardRule, Violation
from solver.errors import InputIssue, ScenarioError
from solver.inputs.facts import Facts, PairFacts
from solver.scenario import Scenario


def resolve_pairs(
    facts: Facts, pairs: tuple[tuple[str, str], ...], key: str, source: str = "scenario"
) -> np.ndarray:
    """Map (customer_id, rep_id) pairs to index pairs, shape (k, 2); unknown ids are errors."""
    cust = {c: i for i, c in enumerate(facts.customer_ids)}
    reps = {r: j for j, r in enumerate(facts.rep_ids)}
    issues = []
    out = []
    for k, (c, r) in enumerate(pairs):
        if c not in cust:
            issues.append(
                InputIssue(
                    source, f"rules.{key}[{k + 1}]", "unknown customer_id", (), repr(c), "key"
                )
            )
        if r not in reps:
            issues.append(
                InputIssue(source, f"rules.{key}[{k + 1}]", "unknown rep_id", (), repr(r), "key")
            )
        if c in cust and r in reps:
            out.append((cust[c], reps[r]))
    if issues:
        raise ScenarioError(issues)
    return np.array(out, dtype=np.int64).reshape(-1, 2)


class LockRule(HardRule):
    name = "lock"

    def forced(self, facts: Facts, scenario: Scenario) -> tuple[np.ndarray, str]:
        forced = np.full(facts.n, -1, dtype=np.int64)
        for i, j in resolve_pairs(facts, scenario.rules.locks, "locks", scenario.source):
            if forced[i] >= 0 and forced[i] != j:
                raise ScenarioError(
                    [
                        InputIssue(
                            scenario.source,
                            "rules.locks",
                            "customer locked to two different reps",
                            (),
                            f"{facts.customer_ids[i]}: {facts.rep_ids[forced[i]]} "
                            f"and {facts.rep_ids[j]}",
                            label="key",
                        )
                    ]
                )
            forced[i] = j
        return forced, "locked by the scenario"

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        f = assigned.facts
        return [
            Violation(
                self.name,
                f"customer {f.customer_ids[i]} is locked to {f.rep_ids[j]} "
                f"but assigned to {f.rep_ids[assigned.rep[i]]}",
                str(f.customer_ids[i]),
            )
            for i, j in resolve_pairs(f, scenario.rules.locks, "locks", scenario.source)
            if assigned.rep[i] != j
        ]


class ForbiddenRule(HardRule):
    name = "forbidden_pair"
    relax = "remove the pair from rules.forbidden"

    def enabled(self, scenario: Scenario) -> bool:
        return bool(scenario.rules.forbidden)

    def allowed(self, pairs: PairFacts, scenario: Scenario) -> np.ndarray:
        banned = resolve_pairs(pairs.facts, scenario.rules.forbidden, "forbidden", scenario.source)
        m = pairs.facts.m
        return ~np.isin(pairs.customer * m + pairs.rep, banned[:, 0] * m + banned[:, 1])

    def check(self, assigned: PairFacts, scenario: Scenario, forced: np.ndarray) -> list[Violation]:
        f = assigned.facts
        bad = np.flatnonzero(~self.allowed(assigned, scenario))
        return [
            Violation(
                self.name,
                f"customer {f.customer_ids[i]} may not go to "
                f"{f.rep_ids[assigned.rep[i]]} (forbidden pair)",
                str(f.customer_ids[i]),
            )
            for i in bad
        ]
