"""Plain JSON of stored and printed data: numpy unboxed, dates as ISO text, NaN as null."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """Plain JSON data: numpy scalars/arrays unboxed, dates as ISO text, NaN/inf as None."""
    if isinstance(value, Mapping):  # dicts and the typed records (solver.results.record)
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def dumps(data: Any) -> str:
    """Pretty JSON of stored data (``runs show``, ``--json``)."""
    return json.dumps(json_safe(data), indent=2, sort_keys=True)
