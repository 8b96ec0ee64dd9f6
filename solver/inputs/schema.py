"""Validate and type the customers and reps tables against the public input contract.

Every problem is collected (not just the first) and raised together as one
:class:`InputError`, each naming file, row(s), column and rule. The typed frames keep
extra input columns untouched so they can be carried through to the outputs.

Checks are written out here rather than with a schema library because most of them are
cross-table (unknown rep, protection held by a leaving rep) and must name CSV line numbers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.inputs.columns import missing_column_detail, suggest
from solver.inputs.io import RawTable
from solver.inputs.spreadsheet import cell_text

#: default service hours per period by tier when ``effort_hours`` is absent
DEFAULT_EFFORT_BY_TIER = {"A": 24.0, "B": 12.0, "C": 6.0}
#: tier cut-offs by value rank when ``tier`` is absent: top 10 % A, next 30 % B
TIER_SHARES = (0.10, 0.40)
TRUE_WORDS = {"true", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "f"}
#: optional per-rep absolute floors (blank = none): hours, accounts, value of the book
REP_FLOORS = ("min_hours", "min_accounts", "min_value")


class _Collector:
    """Collects issues for one table, translating row positions into line numbers."""

    def __init__(self, table: RawTable):
        self.table = table
        self.issues: list[InputIssue] = []

    def add(self, column: str, rule: str, mask: np.ndarray | None = None, detail: str = "") -> None:
        rows: tuple[int, ...] = ()
        if mask is not None:
            positions = np.flatnonzero(mask)
            if len(positions) == 0:
                return
            rows = tuple(self.table.row_number(int(p)) for p in positions)
        from_zero = self.table.first_row == 0 and bool(rows)
        issue = InputIssue(self.table.source, column, rule, rows, detail, from_zero=from_zero)
        self.issues.append(issue)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """Column as stripped text with missing values as ''; a whole number held as a float
    (``1001.0``, as pandas keeps an id column with blanks) is the text ``1001``."""
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return _cells_text(frame[column])


def blank_cells(frame: pd.DataFrame, column: str) -> np.ndarray:
    """True per row where ``column`` is empty or absent (as :func:`_text` reads it)."""
    if column not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    return (_cells_text(frame[column]) == "").to_numpy()


def _cells_text(values: pd.Series) -> pd.Series:
    """:func:`_text` of one column's cells."""
    missing = values.isna().to_numpy()
    # a str cell is its own text (cell_text(v) == v); the rest as typed
    text = [
        "" if gone else v.strip() if type(v) is str else cell_text(v).strip()
        for v, gone in zip(values.tolist(), missing, strict=True)
    ]
    return pd.Series(text, index=values.index, dtype=object)


def _number(col: _Collector, frame: pd.DataFrame, column: str, required: bool) -> pd.Series:
    """Parse a numeric column; blanks are NaN (an issue when required), junk is an issue."""
    if column in frame.columns and frame[column].dtype.kind in "iuf":  # numbers already
        values = frame[column].to_numpy(dtype=float, na_value=np.nan) + 0.0  # -0 is 0
        return _numbers(col, pd.Series(values, index=frame.index), column, required)
    text = _text(frame, column)
    if col.table.decimal != ".":  # decimal comma: "12,5" -> "12.5"; "1.234,5" stays junk
        text = text.str.replace(col.table.decimal, ".", regex=False)
    blank = (text == "").to_numpy()
    parsed = pd.to_numeric(text.where(~blank, None), errors="coerce").astype(float)
    bad = parsed.isna().to_numpy() & ~blank
    col.add(column, "not a number", bad, _examples(text, bad))
    finite = np.isfinite(parsed.to_numpy()) | parsed.isna().to_numpy()
    col.add(column, "must be a finite number", ~finite)
    if required:
        col.add(column, "value is required", blank)
    return parsed.where(np.isfinite(parsed), np.nan)


def _numbers(col: _Collector, parsed: pd.Series, column: str, required: bool) -> pd.Series:
    """:func:`_number` on a column of numbers: NaN is a blank, the rest parses as itself."""
    values = parsed.to_numpy()
    infinite = np.isinf(values)
    col.add(column, "must be a finite number", infinite)
    if required:
        col.add(column, "value is required", np.isnan(values))
    return parsed.mask(infinite) if infinite.any() else parsed


def _date(col: _Collector, frame: pd.DataFrame, column: str) -> pd.Series:
    """Parse an optional YYYY-MM-DD column into date objects (None when blank); date and
    datetime values in a DataFrame are taken as they are."""
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = frame[column]
    if values.dtype == object or values.dtype.kind == "M":  # may hold date or datetime values
        values = values.map(_iso_if_date)
    text = _cells_text(values)
    filled = (text != "").to_numpy()
    if not filled.any():  # no date given (a new account, an optional column left empty)
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    parsed = pd.to_datetime(text.where(filled, None), format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna().to_numpy() & filled
    col.add(column, "not a date in YYYY-MM-DD form", bad, _examples(text, bad))
    return parsed.dt.date.astype(object).where(parsed.notna(), None)


def _iso_if_date(value: object) -> object:
    if isinstance(value, dt.date) and not pd.isna(value):
        return value.isoformat()[:10]
    return value


def _examples(text: pd.Series, mask: np.ndarray) -> str:
    if not mask.any():  # the common case, without indexing the column
        return ""
    values = text[mask].head(3).tolist()
    return "got " + ", ".join(repr(v) for v in values) if values else ""


def _require_columns(
    col: _Collector, frame: pd.DataFrame, required: tuple[str, ...], what: str
) -> bool:
    missing = [c for c in required if c not in frame.columns]
    if missing and col.table.hint:
        detail = f"{col.table.hint} (header read as {list(frame.columns)})"
        col.add(", ".join(missing), "required column is missing", None, detail)
        return False
    present = [str(c) for c in frame.columns]
    for name in missing:
        detail = missing_column_detail(name, present, what)
        col.add(name, "required column is missing", None, detail)
    return not missing


def _ids(col: _Collector, frame: pd.DataFrame, column: str) -> pd.Series:
    ids = _text(frame, column)
    cells = ids.tolist()
    if "" not in cells and len({v.casefold() for v in cells}) == len(cells):
        return ids  # none blank, none repeated in any letter case: the common case
    col.add(column, "id is blank", (ids == "").to_numpy())
    dup = ids.duplicated(keep=False).to_numpy() & (ids != "").to_numpy()
    col.add(column, "duplicate id", dup, _examples(ids, dup))
    folded = ids.str.casefold()
    near = folded.duplicated(keep=False).to_numpy() & ~dup & (ids != "").to_numpy()
    col.add(column, "ids differ only by letter case", near, _examples(ids, near))
    return ids


def _range(
    col: _Collector, values: pd.Series, column: str, lo: float, hi: float, rule: str
) -> None:
    arr = values.to_numpy()
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(arr) & ((arr < lo) | (arr > hi))
    if bad.any():
        shown = values[bad].head(3).map(lambda v: f"{v:g}")  # 7, not 7.0
        col.add(column, rule, bad, "got " + ", ".join(repr(v) for v in shown))


def _located_rows(
    col: _Collector, frame: pd.DataFrame, id_col: str, required: tuple[str, ...], what: str
) -> pd.DataFrame:
    """Common head of both tables: required columns, rows present, ids, lat/lon in range."""
    if not _require_columns(col, frame, (id_col, "lat", "lon", *required), what):
        raise InputError(col.issues)
    if len(frame) == 0:
        col.add("", f"no {what} in the file (header only)")
        raise InputError(col.issues)
    out = frame.copy()
    out[id_col] = _ids(col, frame, id_col)
    out["lat"] = _number(col, frame, "lat", True)
    out["lon"] = _number(col, frame, "lon", True)
    _range(col, out["lat"], "lat", -90, 90, "latitude outside -90..90")
    _range(col, out["lon"], "lon", -180, 180, "longitude outside -180..180")
    return out


def validate_reps(table: RawTable, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """Typed reps frame (index = position) or :class:`InputError` listing every problem.
    ``numeric``: further columns that must hold a number >= 0 in every row (a balance
    band's share column)."""
    col = _Collector(table)
    frame = table.frame
    out = _located_rows(col, frame, "rep_id", ("capacity_hours",), "reps")
    out["capacity_hours"] = _number(col, frame, "capacity_hours", True)
    _range(col, out["capacity_hours"], "capacity_hours", 1e-9, np.inf, "must be > 0")
    max_acc = _number(col, frame, "max_accounts", False)
    _range(col, max_acc, "max_accounts", 0, np.inf, "must be >= 0")
    not_int = max_acc.notna().to_numpy() & (max_acc.fillna(0) % 1 != 0).to_numpy()
    col.add("max_accounts", "must be a whole number", not_int)
    out["max_accounts"] = max_acc
    out["specialties"] = _text(frame, "specialties")
    seniority = _number(col, frame, "seniority", False)
    _range(col, seniority, "seniority", 1, 5, "must be a whole number 1..5")
    not_whole = seniority.notna().to_numpy() & (seniority.fillna(0) % 1 != 0).to_numpy()
    col.add("seniority", "must be a whole number 1..5", not_whole)
    out["seniority"] = seniority.fillna(3).round().astype(int)
    performance = _number(col, frame, "performance", False)
    _range(col, performance, "performance", 0, 1, "must be between 0 and 1")
    out["performance"] = performance.fillna(0.5)
    out["region"] = _text(frame, "region")
    travel = _number(col, frame, "max_travel_km", False)
    _range(col, travel, "max_travel_km", 1e-9, np.inf, "must be > 0")
    out["max_travel_km"] = travel
    for name in REP_FLOORS:  # blank = no floor
        floor = _number(col, frame, name, False)
        _range(col, floor, name, 0, np.inf, "must be >= 0")
        out[name] = floor
    not_int = out["min_accounts"].notna().to_numpy() & (out["min_accounts"].fillna(0) % 1 != 0)
    col.add("min_accounts", "must be a whole number", not_int.to_numpy())
    _measure_columns(col, frame, out, numeric)
    active_text = _text(frame, "active").str.lower()
    bad_bool = ~active_text.isin(TRUE_WORDS | FALSE_WORDS | {""})
    col.add(
        "active", "must be true or false", bad_bool.to_numpy(), _examples(active_text, bad_bool)
    )
    out["active"] = ~active_text.isin(FALSE_WORDS)
    if col.issues:
        raise InputError(col.issues)
    return out.reset_index(drop=True)


def validate_customers(
    table: RawTable,
    reps: pd.DataFrame,
    as_of: dt.date,
    leaving_protection: str = "release",
    numeric: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Typed customers frame, checked against ``reps``; raises :class:`InputError`.
    ``numeric``: further columns that must hold a number >= 0 in every row (a balanced
    measure such as ``potential``).

    A protection in force held by a leaving rep is an error only when ``leaving_protection``
    is "error"; by default it lapses with the rep (see :func:`protection_holds`).
    """
    col = _Collector(table)
    frame = table.frame
    out = _located_rows(col, frame, "customer_id", ("value",), "customers")
    out["value"] = _number(col, frame, "value", True)
    _range(col, out["value"], "value", 0, np.inf, "must be >= 0")
    effort = _number(col, frame, "effort_hours", False)
    _range(col, effort, "effort_hours", 1e-9, np.inf, "must be > 0")
    visits = _number(col, frame, "visits", False)
    _range(col, visits, "visits", 0, np.inf, "must be >= 0")
    counts = visits.to_numpy()
    given = ~np.isnan(counts)
    col.add("visits", "must be a whole number", given & (np.where(given, counts, 0) % 1 != 0))
    out["visits"] = pd.Series(np.round(np.where(given, counts, 1)).astype(int), index=frame.index)
    out["segment"] = _text(frame, "segment")
    if "region" in frame.columns:
        out["region"] = _text(frame, "region")

    tier = _text(frame, "tier").str.upper()
    bad_tier = ~tier.isin(["A", "B", "C", ""])
    col.add("tier", "must be A, B or C", bad_tier.to_numpy(), _examples(tier, bad_tier))
    out["tier"] = _fill_tiers(tier, out["value"])
    out["effort_hours"] = _default_effort(effort, out["tier"])

    rep_ids = set(reps["rep_id"])
    active = dict(zip(reps["rep_id"], reps["active"], strict=True))
    for name in ("current_rep", "protected_rep"):
        ids = _text(frame, name)
        unknown = np.array([v != "" and v not in rep_ids for v in ids.tolist()], dtype=bool)
        col.add(name, "names a rep that is not in the reps table", unknown,
                _examples(ids, unknown))  # fmt: skip
        out[name] = ids
    until_text = _text(frame, "protected_until")
    out["protected_until"] = _date(col, frame, "protected_until")
    out["owner_since"] = _date(col, frame, "owner_since")
    prot = out["protected_rep"]
    col.add(
        "protected_until",
        "protected_rep is set but protected_until is empty",
        ((prot != "") & (until_text == "")).to_numpy(),
    )
    col.add(
        "protected_rep",
        "protected_until is set but protected_rep is empty",
        ((prot == "") & (until_text != "")).to_numpy(),
    )
    holds = protection_holds(out, as_of)
    leaving = holds & prot.map(lambda r: not active.get(r, True)).to_numpy(dtype=bool)
    if leaving_protection != "error":
        leaving[:] = False
    _measure_columns(col, frame, out, numeric)
    col.add(
        "protected_rep",
        f"protection in force on {as_of} is held by a leaving rep (active = false; "
        'rules.leaving_rep_protection = "error")',
        leaving,
        _examples(prot, leaving),
    )
    if col.issues:
        raise InputError(col.issues)
    return out.reset_index(drop=True)


def _measure_columns(
    col: _Collector, frame: pd.DataFrame, out: pd.DataFrame, names: tuple[str, ...]
) -> None:
    """Columns a balance band reads: present, a number >= 0 in every row (typed in ``out``)."""
    for name in names:
        if name not in frame.columns:
            guess = suggest(name, [str(c) for c in frame.columns], "")  # any header may be meant
            hint = f"the file has '{guess}': correct the name in the scenario" if guess else ""
            col.add(name, "column named by a [[balance]] table is missing", detail=hint)
            continue
        values = _number(col, frame, name, False)
        blank = values.isna().to_numpy() & (_text(frame, name) == "").to_numpy()
        col.add(name, "a balanced column needs a number in every row (0 if none)", blank)
        _range(col, values, name, 0, np.inf, "must be >= 0")
        out[name] = values


def protection_holds(customers: pd.DataFrame, as_of: dt.date) -> np.ndarray:
    """True where a protection is in force: protected_rep set and as_of <= protected_until."""
    until = customers["protected_until"]
    has = (customers["protected_rep"] != "").to_numpy() & until.notna().to_numpy()
    if not has.any():
        return has
    in_force = [d is not None and not pd.isna(d) and as_of <= d for d in until.tolist()]
    return has & np.array(in_force, dtype=bool)


def _fill_tiers(tier: pd.Series, value: pd.Series) -> pd.Series:
    """Keep given tiers; derive missing ones from value rank (top 10 % A, next 30 % B).
    The rank of the k-th largest value is k / n, ties in row order."""
    given = tier.to_numpy(dtype=object)
    blank = given == ""
    if blank.any():
        values = np.nan_to_num(value.to_numpy(dtype=float), nan=0.0)
        rank = np.empty(len(values))
        rank[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1) / len(values)
        derived = np.where(rank <= TIER_SHARES[0], "A", np.where(rank <= TIER_SHARES[1], "B", "C"))
        given = np.where(blank, derived.astype(object), given)
    return pd.Series(given, index=tier.index, dtype=object)


def _default_effort(effort: pd.Series, tier: pd.Series) -> pd.Series:
    """Effort hours as given, else the tier's default (:data:`DEFAULT_EFFORT_BY_TIER`)."""
    hours = effort.to_numpy(dtype=float)
    blank = np.isnan(hours)
    if blank.any():
        hours = hours.copy()
        hours[blank] = [DEFAULT_EFFORT_BY_TIER[t] for t in tier.to_numpy()[blank]]
    return pd.Series(hours, index=effort.index)
