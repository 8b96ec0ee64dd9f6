"""Warnings for locations that are valid numbers but almost surely wrong.

Latitude and longitude swapped in a file still pass the range checks when both are
within +-90, and give a plan nobody can use. Two signs are cheap to see: every point of a
table outside the latitudes where people live, or accounts far from every rep.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from solver.inputs.geo import haversine_km

#: latitudes with settlements: Cape Horn is at -56, the northernmost towns near 78
INHABITED_LAT = (-56.0, 78.0)
#: accounts whose nearest rep is farther than this (median, km) sit on another continent
FAR_KM = 2_500.0
#: accounts sampled for the distance check (all reps are used, up to this many too)
SAMPLE = 2_000


class LocationWarning(UserWarning):
    """Input locations that are valid numbers but look wrong (swapped lat/lon)."""


def location_warnings(customers: pd.DataFrame, reps: pd.DataFrame) -> list[str]:
    """Messages for tables whose points all lie outside inhabited latitudes, and for
    accounts whose median great-circle distance to the nearest rep exceeds ``FAR_KM``."""
    messages = []
    for name, frame in (("customers", customers), ("reps", reps)):
        lat = frame["lat"].to_numpy(float)
        lat = lat[np.isfinite(lat)]
        lo, hi = INHABITED_LAT
        if len(lat) and ((lat < lo) | (lat > hi)).all():
            messages.append(
                f"every {name} point lies outside the inhabited latitudes {lo:g}..{hi:g} "
                f"(lat {lat.min():g}..{lat.max():g}): are 'lat' and 'lon' swapped?"
            )
    if len(customers) and len(reps):
        rng = np.random.default_rng(0)
        ci = rng.choice(len(customers), min(SAMPLE, len(customers)), replace=False)
        rj = rng.choice(len(reps), min(SAMPLE, len(reps)), replace=False)
        c_lat = customers["lat"].to_numpy(float)[ci, None]
        c_lon = customers["lon"].to_numpy(float)[ci, None]
        km = haversine_km(
            c_lat, c_lon, reps["lat"].to_numpy(float)[rj], reps["lon"].to_numpy(float)[rj]
        )
        nearest = float(np.median(km.min(axis=1)))
        if nearest > FAR_KM:
            messages.append(
                f"accounts are far from every rep (median distance to the nearest rep "
                f"{nearest:,.0f} km): customers and reps look like different continents; "
                "are 'lat' and 'lon' swapped in one of the files?"
            )
    return messages


def warn_locations(customers: pd.DataFrame, reps: pd.DataFrame) -> None:
    """Issue each of :func:`location_warnings` as a :class:`LocationWarning`."""
    for message in location_warnings(customers, reps):
        warnings.warn(message, LocationWarning, stacklevel=3)
