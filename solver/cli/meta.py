"""What the command line says about itself and its results: the version (from the package
metadata), the scenario's JSON schema, and the ``solve --json`` summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

import solver
from solver.cli.common import fail_write
from solver.inputs.io import atomic_write
from solver.plan import OUTPUT_FILES, Plan
from solver.scenario import Scenario

#: the form a TOML file may give where the validated scenario holds pairs
PAIRS_OR_FILE = {
    "anyOf": [
        {"type": "string", "description": "CSV or workbook of customer_id, rep_id"},
        {
            "type": "array",
            "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        },
    ]
}
HEADER_MAP = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "contract column name = header in the file",
}


def package_version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is set)."""
    return solver.__version__


def scenario_json_schema() -> dict[str, Any]:
    """JSON schema of a scenario TOML file, from the pydantic model, with the forms only
    the file allows (a lock file path, header tables) written as the file has them."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "territory-solver scenario"
    defs = schema.get("$defs", {})
    for key in ("locks", "forbidden"):
        if key in defs.get("Rules", {}).get("properties", {}):
            description = defs["Rules"]["properties"][key].get("title", key)
            defs["Rules"]["properties"][key] = {**PAIRS_OR_FILE, "title": description}
    for table in ("customers", "reps"):
        if table in defs.get("Columns", {}).get("properties", {}):
            defs["Columns"]["properties"][table] = dict(HEADER_MAP)
    return schema


def scenario_schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the schema here instead of stdout")
    ] = None,
) -> None:
    """Print the scenario's JSON schema (for TOML editors: completion and checks)."""
    text = json.dumps(scenario_json_schema(), indent=2, sort_keys=True) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
        return
    try:
        atomic_write(out_file, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise fail_write(exc) from None


def solve_summary(plan: Plan, out_dir: Path, run_id: int | None) -> dict[str, Any]:
    """What ``solve --json`` prints: the certificate's headline, moves, files and metrics."""
    cert = plan.certificate
    after = plan.metrics.get("after", {})
    keys = ("status", "engine", "objective", "bound", "bound_source", "gap", "wall_s")
    return {
        **{k: cert.get(k) for k in keys},
        "interrupted": cert.get("interrupted"),
        "customers": len(plan.assignments),
        "reps": len(plan.reps),
        "moves": after.get("moves"),
        "value_moved": after.get("value_moved"),
        "files": [str(out_dir / name) for name in OUTPUT_FILES],
        "run_id": run_id,
        "metrics": plan.metrics.as_dict(),
    }
