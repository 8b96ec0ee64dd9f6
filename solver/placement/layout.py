"""The combined problem of a placement: the standing book pinned, the batch free.

Every standing account keeps exactly one candidate pair, its rep in the standing plan
(it goes through candidate generation as a forced customer, so no pairs are generated
for it); the batch (the new accounts, the standing accounts allowed to move, and any
standing account its rep may no longer own) gets its candidate pairs as in a solve. The
rows, costs and balance of this problem are the solve's own, built by the same rules and
terms, so the plan made from it is checked, explained and exported like any other.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.candidates import build_candidates
from solver.constraints import active_rules
from solver.inputs.facts import Facts
from solver.inputs.io import fingerprint_frame
from solver.problem import Problem, input_fingerprints, rule_forced
from solver.scenario import Scenario


@dataclass(frozen=True)
class Layout:
    """The combined problem and which of its customers the batch places."""

    problem: Problem
    in_batch: np.ndarray  # bool per customer: placed by this run (new, movable, forced off)
    is_new: np.ndarray  # bool per customer: a new account
    standing_rep: np.ndarray  # rep index in the standing plan per customer, -1 for new ones
    #: batch customers left without any candidate: rule name -> reps it excluded
    blocked: dict[int, Counter]

    @property
    def batch(self) -> np.ndarray:
        return np.flatnonzero(self.in_batch)


def combined_customers(standing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Standing rows then new rows; a column only one side has is empty on the other."""
    columns = list(dict.fromkeys([*standing.columns, *new.columns]))
    parts = []
    for frame in (standing, new):  # a frame is copied only when it lacks columns or order
        missing = {c: _empty_like(standing if c in standing else new, c)
                   for c in columns if c not in frame}  # fmt: skip
        frame = frame.assign(**missing) if missing else frame
        parts.append(frame if list(frame.columns) == columns else frame[columns])
    return pd.concat(parts, ignore_index=True)


def _empty_like(frame: pd.DataFrame, column: str):
    return np.nan if pd.api.types.is_numeric_dtype(frame[column]) else ""


def build_layout(
    customers: pd.DataFrame,
    reps: pd.DataFrame,
    scenario: Scenario,
    standing_rep: np.ndarray,
    movable: np.ndarray,
) -> Layout:
    """The combined problem of ``customers`` (standing rows first, ``standing_rep`` >= 0,
    then new ones, -1). Standing rows are pinned to their rep unless ``movable``, a rule
    forces another rep (a protection), or a rule forbids their pair now (a rep who left):
    those two are forced moves and join the batch."""
    facts = Facts.build(customers, reps, scenario)
    rules = active_rules(scenario)
    forced, reason = rule_forced(facts, scenario, rules)
    standing = standing_rep >= 0
    keep = standing & ~movable & ((forced < 0) | (forced == standing_rep))
    pinned = np.where(keep, standing_rep, forced)
    cands = build_candidates(facts, scenario, rules, pinned)
    lost = [i for i in cands.blocked if keep[i]]  # the standing pair is no longer allowed
    if lost:
        keep[lost] = False
        pinned = np.where(keep, standing_rep, forced)
        cands = build_candidates(facts, scenario, rules, pinned)
    problem = Problem.from_pairs(customers, reps, scenario, cands.pairs, forced, reason)
    return Layout(problem, ~keep, ~standing, standing_rep, cands.blocked)


def with_fingerprints(
    problem: Problem,
    scenario: Scenario,
    parent: str | None,
    new: pd.DataFrame,
    chained: str | None = None,
    reps: str | None = None,
) -> Problem:
    """The problem carrying the fingerprints of its inputs and of ``scenario`` (the one the
    plan records), as a solve's problem does. With ``parent`` (the standing plan's
    customers fingerprint) the customers' one is chained: SHA-256 of the parent's, the
    owners of the combined book and the new accounts, so a 100,000-account book is not
    hashed again (``chained``: that fingerprint, already computed; ``reps``: the reps
    table's, already computed)."""
    customers: pd.DataFrame | str = problem.customers
    if chained is not None:
        customers = chained
    elif parent:
        owners = "\x1f".join(map(str, problem.customers["current_rep"]))
        text = f"{parent}|{owners}|{fingerprint_frame(new)}"
        customers = hashlib.sha256(text.encode()).hexdigest()[:16]
    tables = (customers, problem.reps if reps is None else reps)
    return dataclasses.replace(problem, fingerprints=input_fingerprints(*tables, scenario))
