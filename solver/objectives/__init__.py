"""Objective terms, one module each. Separable terms price pairs; balance is per rep."""

from __future__ import annotations

from solver.objectives import balance
from solver.objectives.base import SeparableTerm
from solver.objectives.continuity import ContinuityTerm
from solver.objectives.specialty import SpecialtyTerm
from solver.objectives.travel import TravelTerm
from solver.objectives.value_fit import ValueFitTerm

SEPARABLE_TERMS: tuple[SeparableTerm, ...] = (
    TravelTerm(),
    SpecialtyTerm(),
    ValueFitTerm(),
    ContinuityTerm(),
)
TERM_NAMES: tuple[str, ...] = (*(t.name for t in SEPARABLE_TERMS), balance.NAME)

__all__ = ["SEPARABLE_TERMS", "TERM_NAMES", "SeparableTerm", "balance"]
