"""Protection forecast: which protected accounts become movable before a given date, per rep.

A protection holds while ``as_of <= protected_until`` (the rule in
:mod:`solver.constraints.protection`), so an account protected today becomes movable on
``protected_until + 1 day``. The forecast lists every account protected on ``as_of`` whose
protection has ended by ``until`` (``protected_until < until``), grouped by its protected rep.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.inputs.io import read_table

FORECAST_COLUMNS = [
    "protected_rep",
    "customer_id",
    "protected_until",
    "movable_from",
    "days_until_movable",
    "value",
    "current_rep",
]
SUMMARY_COLUMNS = ["protected_rep", "accounts", "value", "first_movable", "last_movable"]


def _as_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            [InputIssue(name, "", "not a date in YYYY-MM-DD form", (), repr(value))]
        ) from None


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def protection_forecast(
    customers: str | Path | pd.DataFrame,
    until_date: dt.date | str,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Accounts protected on ``as_of`` (default today) whose protection ends before
    ``until_date``: one row each, sorted by rep then date, with ``movable_from`` (first day
    the account may be moved) and ``days_until_movable`` (from ``as_of``).

    ``customers`` is a customers file (CSV or Parquet) or frame in the input contract; only
    ``customer_id``, ``protected_rep`` and ``protected_until`` are read (plus ``value`` and
    ``current_rep`` when present). Bad dates raise :class:`InputError` naming their rows.
    """
    until = _as_date(until_date, "until date")
    start = dt.date.today() if as_of is None else _as_date(as_of, "as_of date")
    if until <= start:
        raise InputError(
            [
                InputIssue(
                    "forecast",
                    "until",
                    f"the until date must be after the as_of date {start}",
                    (),
                    str(until),
                )
            ]
        )
    table = read_table(customers, "customers")
    frame = table.frame
    issues: list[InputIssue] = []
    if "customer_id" not in frame.columns:
        issues.append(InputIssue(table.source, "customer_id", "required column is missing"))
    for column in ("protected_rep", "protected_until"):
        if column not in frame.columns:
            frame = frame.assign(**{column: ""})
    rep = frame["protected_rep"].astype(object).where(frame["protected_rep"].notna(), "")
    rep = rep.map(lambda v: str(v).strip())
    text = frame["protected_until"].map(_iso).astype(object)
    text = text.where(text.notna(), "").map(lambda v: str(v).strip())
    parsed = pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d", errors="coerce")
    bad = (parsed.isna() & (text != "")).to_numpy()
    if bad.any():
        rows = tuple(table.row_number(int(p)) for p in np.flatnonzero(bad))
        issues.append(
            InputIssue(table.source, "protected_until", "not a date in YYYY-MM-DD form", rows)
        )
    if issues:
        raise InputError(issues)
    ends = parsed.dt.date
    has = (rep != "").to_numpy() & parsed.notna().to_numpy()
    keep = np.flatnonzero(has)
    keep = keep[[start <= ends.iloc[i] < until for i in keep]]
    sub = frame.iloc[keep]
    out = pd.DataFrame(
        {
            "protected_rep": rep.iloc[keep].to_numpy(dtype=object),
            "customer_id": sub["customer_id"].map(lambda v: str(v).strip()).to_numpy(dtype=object),
            "protected_until": ends.iloc[keep].to_numpy(dtype=object),
        }
    )
    out["movable_from"] = [d + dt.timedelta(days=1) for d in out["protected_until"]]
    out["days_until_movable"] = [(d - start).days for d in out["movable_from"]]
    if "value" in sub.columns:
        out["value"] = pd.to_numeric(sub["value"], errors="coerce").to_numpy(dtype=float)
    else:
        out["value"] = np.nan
    if "current_rep" in sub.columns:
        out["current_rep"] = sub["current_rep"].astype(object).fillna("").to_numpy(dtype=object)
    else:
        out["current_rep"] = ""
    out = out[FORECAST_COLUMNS].sort_values(["protected_rep", "movable_from", "customer_id"])
    return out.reset_index(drop=True)


def forecast_by_rep(forecast: pd.DataFrame) -> pd.DataFrame:
    """Per protected rep: accounts becoming movable, their value, first and last date."""
    if forecast.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    grouped = forecast.groupby("protected_rep", sort=True)
    summary = pd.DataFrame(
        {
            "accounts": grouped.size(),
            "value": grouped["value"].sum(min_count=1),
            "first_movable": grouped["movable_from"].min(),
            "last_movable": grouped["movable_from"].max(),
        }
    )
    return summary.reset_index()[SUMMARY_COLUMNS]
