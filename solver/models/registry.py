"""Every engine by name: what a scenario chooses, what the portfolio runs, what limits say."""

from __future__ import annotations

from solver.errors import SolverError
from solver.models.branch_and_cut import BranchAndCutEngine
from solver.models.cpsat import CpSatEngine
from solver.models.engine import Engine
from solver.models.flow import FlowEngine
from solver.models.lagrangian import LagrangianBound
from solver.models.lns import NeighbourhoodSearch
from solver.models.lp import HighsMip, LpBound
from solver.models.names import ENGINE_CHOICES

ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        FlowEngine(),
        CpSatEngine(),
        NeighbourhoodSearch(),
        HighsMip(),
        LpBound(),
        LagrangianBound(),
        BranchAndCutEngine(),
    )
}
assert set(ENGINE_CHOICES) - {"auto"} <= set(ENGINES), "every choice needs its engine"


def engine(name: str) -> Engine:
    """The engine called ``name``; a SolverError naming the known ones otherwise."""
    try:
        return ENGINES[name]
    except KeyError:
        raise SolverError(f"unknown engine {name!r}; known: {', '.join(sorted(ENGINES))}") from None
