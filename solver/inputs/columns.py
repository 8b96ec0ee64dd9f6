"""Column names of the input contract: mapping an export's headers onto them, and
suggesting the contract's name when a required column is missing.

A mapping is ``{contract name: header in the file}`` per table, from ``--columns
map.toml`` or the scenario's ``[columns.customers]`` / ``[columns.reps]`` tables.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from solver.errors import InputError, InputIssue
from solver.inputs.io import RawTable

CUSTOMER_COLUMNS = (
    "customer_id",
    "lat",
    "lon",
    "value",
    "effort_hours",
    "visits",
    "segment",
    "current_rep",
    "protected_rep",
    "protected_until",
    "owner_since",
    "tier",
    "region",
)
REP_COLUMNS = (
    "rep_id",
    "lat",
    "lon",
    "capacity_hours",
    "max_accounts",
    "specialties",
    "seniority",
    "performance",
    "region",
    "max_travel_km",
    "active",
    "min_hours",
    "min_accounts",
    "min_value",
)
CONTRACT = {"customers": CUSTOMER_COLUMNS, "reps": REP_COLUMNS}

#: headers CRMs and spreadsheets commonly use, normalised (see :func:`_key`)
ALIASES = {
    "latitude": "lat",
    "lng": "lon",
    "long": "lon",
    "longitude": "lon",
    "customerid": "customer_id",
    "customer": "customer_id",
    "accountid": "customer_id",
    "account": "customer_id",
    "accountnumber": "customer_id",
    "id": "customer_id",
    "repid": "rep_id",
    "rep": "rep_id",
    "ownerid": "rep_id",
    "userid": "rep_id",
    "salesrep": "rep_id",
    "accountowner": "current_rep",
    "owner": "current_rep",
    "currentowner": "current_rep",
    "revenue": "value",
    "annualrevenue": "value",
    "potential": "value",
    "capacity": "capacity_hours",
    "hours": "capacity_hours",
    "industry": "segment",
    "specialty": "specialties",
}


def _key(name: str) -> str:
    """Lower case without separators (spaces, ``_ - . / # ( )``): ``'Customer ID'`` ->
    ``'customerid'``; any other character is kept, so odd headers stay unlike names."""
    return re.sub(r"[\s_\-./#()]", "", name.casefold())


def suggest(missing: str, present: list[str], table: str) -> str | None:
    """The present header most likely meant as contract column ``missing``, or None."""
    contract = CONTRACT.get(table, ())
    for header in present:
        key = _key(header)
        if key == _key(missing) or ALIASES.get(key) == missing:
            return header
    taken = set(contract)
    loose = [h for h in present if h not in taken]
    close = difflib.get_close_matches(_key(missing), [_key(h) for h in loose], n=1, cutoff=0.8)
    if close:
        return next(h for h in loose if _key(h) == close[0])
    return None


class ColumnWarning(UserWarning):
    """A header looks like an optional contract column but is not read as one."""


class ShareWarning(UserWarning):
    """An active rep's share column is 0 under a hard band: the band lets it hold none."""


REQUIRED = {
    "customers": ("customer_id", "lat", "lon", "value"),
    "reps": ("rep_id", "lat", "lon", "capacity_hours"),
}


def unread_column_hints(present: list[str], table: str) -> list[str]:
    """Messages for headers that name an optional contract column under another spelling
    (``Account Owner`` for ``current_rep``): they are carried through, not read."""
    hints = []
    for name in CONTRACT.get(table, ()):
        if name in present or name in REQUIRED.get(table, ()):
            continue
        for header in present:
            key = _key(header)
            if key == _key(name) or ALIASES.get(key) == name:
                hints.append(
                    f"{table}: column {header!r} looks like `{name}` but is not read as it "
                    f'(only carried through); map it with --columns: [{table}] {name} = "{header}"'
                )
                break
    return hints


def missing_column_detail(missing: str, present: list[str], table: str) -> str:
    """Text for a missing-column issue: the likely header and how to map it."""
    found = suggest(missing, present, table)
    listing = f"columns present: {present}"
    if found is None:
        return listing
    return (
        f"the file has {found!r}: did you mean `{missing}`? Rename the header, or map it "
        f'with --columns map.toml holding [{table}] {missing} = "{found}"; {listing}'
    )


def apply_mapping(table: RawTable, mapping: Mapping[str, str], what: str) -> RawTable:
    """Rename the file's headers to contract names. Idempotent: a column already under its
    contract name is left alone. A mapped header absent from the file (with no contract
    column either), or a contract column given twice (mapped and present), is an
    :class:`InputError`."""
    if not mapping:
        return table
    frame = table.frame
    issues = []
    renames = {}
    for contract, header in mapping.items():
        if list(mapping.values()).count(header) > 1:
            issues.append(
                InputIssue(table.source, header, "column mapped to two contract names", (), what)
            )
        elif header not in frame.columns and contract in frame.columns:
            continue  # already under its contract name (a frame read before): nothing to do
        elif header not in frame.columns:
            issues.append(
                InputIssue(
                    table.source,
                    header,
                    f"column mapped to {contract!r} is not in the file",
                    (),
                    f"columns present: {list(frame.columns)}",
                )
            )
        elif contract in frame.columns and contract != header:
            issues.append(
                InputIssue(
                    table.source,
                    contract,
                    f"column is both present and mapped from {header!r}",
                    (),
                    f"drop one of them, or remove {what}.{contract} from the mapping",
                )
            )
        else:
            renames[header] = contract
    if issues:
        raise InputError(issues)
    return RawTable(
        frame.rename(columns=renames),
        table.source,
        table.first_row,
        table.lines,
        table.hint,
        table.decimal,
    )
