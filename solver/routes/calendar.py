"""Which working day each route is driven on: visits of one account spread over the period.

The routes are fixed; only their days are chosen. Greedy: routes holding the most repeat
visits first, each on the free day farthest (relative to the account's ideal spacing,
days / visits) from the days already holding the same accounts; ties to the earliest day.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def spread_days(routes: list[list[int]], days: int) -> list[int]:
    """Working day (0-based, distinct, < ``days``) of each route of accounts."""
    count = Counter(a for stops in routes for a in stops)
    order = sorted(range(len(routes)), key=lambda r: -sum(count[a] - 1 for a in routes[r]))
    slots = np.arange(days, dtype=float)
    free = np.ones(days, dtype=bool)
    placed: dict[int, list[int]] = {}
    day_of = [0] * len(routes)
    for r in order:
        score = np.full(days, np.inf)
        for account in routes[r]:
            if account in placed:
                gap = np.abs(slots[:, None] - np.array(placed[account])[None, :]).min(axis=1)
                score = np.minimum(score, gap * count[account] / days)
        score[~free] = -1.0
        day = int(np.argmax(score))  # first maximum: the earliest of the farthest days
        day_of[r] = day
        free[day] = False
        for account in routes[r]:
            placed.setdefault(account, []).append(day)
    return day_of
