"""Command-line options that say how input files are read: column mapping and CSV dialect.

They override the scenario's ``[columns]`` and ``[input]`` tables, so the same reading
rules apply to ``solve`` and ``check`` and to a scenario used from Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from solver.errors import InputIssue, ScenarioError
from solver.scenario import Scenario, read_toml

ColumnsOpt = Annotated[
    Path | None,
    typer.Option(
        "--columns",
        help="TOML mapping the files' headers onto the contract: tables customers and reps "
        'of lines like customer_id = "Account ID"',
    ),
]
SepOpt = Annotated[
    str | None, typer.Option("--sep", help="CSV field separator (default ','), e.g. ';'")
]
DecimalOpt = Annotated[
    str | None, typer.Option("--decimal", help="decimal mark of numbers: '.' (default) or ','")
]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="CSV text encoding (default strict UTF-8), e.g. cp1252"),
]


def read_columns_file(path: Path) -> dict[str, dict[str, str]]:
    """``[customers]`` / ``[reps]`` tables of a mapping TOML (a ``[columns]`` wrapper is
    accepted too, so a scenario's table can be copied as it is)."""
    data = read_toml(path)
    mapping = data.get("columns", data)
    issues = [
        InputIssue(str(path), str(table), "unknown table", (), "use [customers] and [reps]")
        for table, names in mapping.items()
        if table not in ("customers", "reps")
    ]
    issues += [
        InputIssue(str(path), f"{table}.{key}", "must be a header name (text)", (), repr(header))
        for table, names in mapping.items()
        if table in ("customers", "reps")
        for key, header in (names.items() if isinstance(names, dict) else [("", names)])
        if not isinstance(header, str)
    ]
    if issues:
        raise ScenarioError(issues)
    return mapping


def apply_input_options(
    scenario: Scenario,
    columns: Path | None,
    sep: str | None,
    decimal: str | None,
    encoding: str | None,
) -> Scenario:
    """``scenario`` with the command line's reading options applied over its own."""
    changes: dict[str, Any] = {}
    fmt = {k: v for k, v in (("sep", sep), ("decimal", decimal), ("encoding", encoding)) if v}
    if fmt:
        changes["input"] = fmt
    if columns is not None:
        mapping = read_columns_file(columns)
        merged = scenario.columns.model_dump()
        for table, names in mapping.items():
            merged[table] = {**dict(merged[table]), **names}
        changes["columns"] = merged
    return scenario.replace(**changes) if changes else scenario
