"""Read the published Pfizer territory case (22 bricks x 4 reps) and its 100 x 10 variant.

The files live in the shared benchmark folder (``pfizer/``, next to ``gap/``); nothing is
copied into the repository. Each case is a load-band assignment: every brick to one rep,
each rep's workload (sum of the bricks' ``index``) within [lo, hi] (the indices sum to the
number of reps, so a balanced rep carries 1.0). Two objectives: total distance from each
brick to its rep's office, and disruption (the summed index of the bricks that change
rep). Proved optima: the folder's README.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pfizer"
PFIZER_DIR = Path(os.environ.get("TERRITORY_PFIZER_DIR", DEFAULT_DIR))

#: (instance, objective, band) -> proved optimum, from the folder's README.md
OPTIMA: dict[tuple[str, str, tuple[float, float]], float] = {
    ("pfizer22", "distance", (0.8, 1.2)): 154.60,
    ("pfizer22", "distance", (0.85, 1.15)): 160.32,
    ("pfizer22", "distance", (0.9, 1.1)): 162.43,
    ("pfizer22", "disruption", (0.8, 1.2)): 0.1696,
    ("pfizer100x10", "distance", (0.8, 1.2)): 15.0374,
    ("pfizer100x10", "distance", (0.9, 1.1)): 15.3797,
    ("pfizer100x10", "disruption", (0.8, 1.2)): 0.3427,
    ("pfizer100x10", "disruption", (0.9, 1.1)): 0.5494,
}
#: the optima are published to this many decimals
DECIMALS = {"pfizer22": 2, "pfizer100x10": 4}


@dataclass(frozen=True)
class TerritoryCase:
    """Bricks x reps: distance to each rep's office, workload index, today's rep."""

    name: str
    distance: np.ndarray  # n x m
    index: np.ndarray  # n
    current: np.ndarray  # n, rep index 0..m-1

    @property
    def m(self) -> int:
        return self.distance.shape[1]

    def cost(self, objective: str) -> np.ndarray:
        """n x m cost matrix: distance, or the index of a brick that leaves its rep."""
        if objective == "distance":
            return self.distance
        moved = np.arange(self.m)[None, :] != self.current[:, None]
        return np.where(moved, self.index[:, None], 0.0)

    def band(self, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        """(min_load, capacity) per rep for a band [lo, hi] around the mean load."""
        mean = self.index.sum() / self.m
        return np.full(self.m, lo * mean), np.full(self.m, hi * mean)


def available() -> bool:
    return (PFIZER_DIR / "pfizer22.csv").exists() and (PFIZER_DIR / "pfizer100x10.csv").exists()


def read_case(name: str, folder: Path = PFIZER_DIR) -> TerritoryCase:
    """``pfizer22`` or ``pfizer100x10`` from ``folder``."""
    frame = pd.read_csv(folder / f"{name}.csv")
    if name == "pfizer22":
        distance = frame[[f"dist_sr{k}" for k in range(1, 5)]].to_numpy(float)
        current = frame["current_sr"].to_numpy(int) - 1
    else:
        xy = frame[["x", "y"]].to_numpy(float)
        offices = frame[frame["office"] == 1].sort_values("current")
        centre = offices[["x", "y"]].to_numpy(float)
        distance = np.linalg.norm(xy[:, None, :] - centre[None, :, :], axis=2)
        current = frame["current"].to_numpy(int) - 1
    return TerritoryCase(name, distance, frame["index"].to_numpy(float), current)
