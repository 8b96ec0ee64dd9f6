"""The certificate of a plan: how good it is proved to be, how it was found, from what.

Written as the ``certificate`` object of metrics.json (and kept by the run history); the
keys are those files have always had. :class:`Certificate` reads a file of any version so
far: entries an older file lacks are None, keys this version does not know are kept in
``extra`` and written back unchanged. The engine's typed statistics (``stats``) live in
memory only: the file keeps the note, in words.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solver.results.record import Record, entry, in_memory

if TYPE_CHECKING:
    from solver.models.base import EngineStats

#: version of the metrics.json layout this code writes (top-level ``schema_version``);
#: files without one were written before it existed and read as version 0
SCHEMA_VERSION = 1
#: certificate entries that measure this run's wall time (left out of deterministic output)
TIMING_KEYS = ("wall_s", "lp_wall_s", "engine_wall_s")


@dataclass(frozen=True, eq=False)
class Certificate(Record):
    """Status, objective and its terms, bound and its source, gap, why the solve ended,
    engine, seed, settings and input fingerprints of one plan (min or max ``sense``, the
    objective and bound in it; the gap is relative to the bound, >= 0)."""

    status: str = entry("feasible")
    engine: str = entry("")
    engine_note: str = entry("")  # how the engines went, in words
    interrupted: str | None = entry(None)  # the signal that stopped the solve
    stop_reason: str | None = entry(None)  # why the search ended, in words
    gap_tolerance: float | None = entry(None)
    bound: float | None = entry(None)
    bound_source: str = entry("")
    lp_wall_s: float | None = entry(omit_none=True)  # seconds
    engine_wall_s: float | None = entry(omit_none=True)  # seconds
    wall_s: float | None = entry(omit_none=True)  # seconds, the whole solve
    seed: int | None = entry(None)
    time_limit_s: float | None = entry(None)
    workers: int | None = entry(None)
    deterministic: bool = entry(False)
    as_of: str | None = entry(None)  # YYYY-MM-DD
    candidate_pairs: int | None = entry(None)
    customers: int | None = entry(None)
    reps: int | None = entry(None)
    rules: list[str] = entry(factory=list)
    weights: dict[str, float] | None = entry(None)
    scenario: dict[str, Any] | None = entry(None)  # the scenario, as its JSON
    input_fingerprints: dict[str, str] | None = entry(None)
    sense: str = entry("min")
    version: str | None = entry(None)  # of the package that solved
    objective: float | None = entry(omit_none=True)  # set by build_plan
    objective_terms: dict[str, float] | None = entry(omit_none=True)  # cost points per term
    gap: float | None = entry(None)
    route_rounds: list[dict[str, Any]] | None = entry(omit_none=True)  # travel_model = routes
    route_rounds_stop: str | None = entry(omit_none=True)  # why those rounds ended, in words
    #: keys of the file this version does not know, carried through
    extra: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    #: the engines' typed statistics (not written)
    stats: EngineStats | None = in_memory()

    def replace(self, **changes: Any) -> Certificate:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def written(self) -> dict[str, Any]:
        """The certificate object as metrics.json holds it: without wall times in a
        deterministic run, so its files are byte-identical from run to run."""
        data = self.as_dict()
        if self.deterministic:
            data = {k: v for k, v in data.items() if k not in TIMING_KEYS}
        return data
