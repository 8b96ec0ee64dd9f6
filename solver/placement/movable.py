"""Which standing accounts may move when a placement allows K moves.

The batch stays small: the pool is the standing accounts of the reps nearest the new
accounts (the reps a new account would most likely go to), unprotected and on an active
rep, the ones farthest from their rep's base first (moving them frees the most room),
at most ``POOL_PER_MOVE`` x K (and at least ``MIN_POOL``). The batch then chooses exactly,
within that pool, which of them (at most K) move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from solver.inputs.geo import haversine_km
from solver.placement.standing import StandingBook

NEAREST_REPS = 3
POOL_PER_MOVE = 20
MIN_POOL = 50


def movable_accounts(
    customers: pd.DataFrame, book: StandingBook, standing_rep: np.ndarray, allow_moves: int
) -> np.ndarray:
    """Mask over ``customers`` (standing rows first) of the standing accounts that may move."""
    out = np.zeros(len(customers), dtype=bool)
    if allow_moves <= 0:
        return out
    reps = book.reps
    active = reps["active"].to_numpy(bool)
    r_lat, r_lon = reps["lat"].to_numpy(float), reps["lon"].to_numpy(float)
    new = np.flatnonzero(standing_rep < 0)
    c_lat, c_lon = customers["lat"].to_numpy(float), customers["lon"].to_numpy(float)
    near: set[int] = set()
    for i in new:
        dist = np.where(active, haversine_km(c_lat[i], c_lon[i], r_lat, r_lon), np.inf)
        near.update(int(j) for j in np.argsort(dist)[:NEAREST_REPS])
    protected = (customers["protected_rep"].astype(str) != "").to_numpy()
    pool = np.flatnonzero(np.isin(standing_rep, list(near)) & ~protected)
    if len(pool) == 0:
        return out
    j = standing_rep[pool]
    far = haversine_km(c_lat[pool], c_lon[pool], r_lat[j], r_lon[j])
    size = max(MIN_POOL, POOL_PER_MOVE * allow_moves)
    out[pool[np.argsort(-far, kind="stable")[:size]]] = True
    return out
