"""Scenario: objective weights, hard rules and solve settings; immutable, loaded from TOML.

Validation is pydantic's (unknown keys and bad values are errors naming the key); this
module only turns its messages into :class:`ScenarioError` issues a user can act on.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from solver.errors import InputError, InputIssue, ScenarioError
from solver.inputs.io import SCENARIO_FILE_LIMIT, read_regular_file, read_table
from solver.inputs.spreadsheet import split_sheet
from solver.models.names import ENGINE_CHOICES

#: largest weight accepted: keeps every weighted cost finite and the integer models in range
MAX_WEIGHT = 1e6
#: default early stops (measured in benchmarks/RESULTS.md, "Early stop")
DEFAULT_GAP_TOLERANCE = 0.005
DEFAULT_STALL_SHARE = 0.25


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weights(_Frozen):
    """Weight of each objective term; the cost of a plan is the weighted sum of the terms.

    Units (see each module in ``solver/objectives``): travel is per road km per period,
    specialty per account outside the rep's specialties, value_fit per unit of
    ``value / mean value x (1 - rep strength)``, continuity per moved account scaled by
    ``1 + value / mean value``, balance per hour (or account) away from the rep's target.
    """

    travel: float = Field(1.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False, strict=True)
    specialty: float = Field(150.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False, strict=True)
    value_fit: float = Field(300.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False, strict=True)
    continuity: float = Field(60.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False, strict=True)
    balance: float = Field(0.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False, strict=True)


class Rules(_Frozen):
    """Which hard rules are on, and their parameters."""

    protection: bool = Field(True, strict=True)
    capacity_hours: bool = Field(True, strict=True)
    max_accounts: bool = Field(True, strict=True)
    max_travel: bool = Field(True, strict=True)
    region: bool = Field(False, strict=True)
    required_specialty: bool = Field(False, strict=True)
    key_account_min_seniority: int | None = Field(None, ge=1, le=5, strict=True)
    max_moves: int | None = Field(None, ge=0, strict=True)
    max_moves_pct: float | None = Field(None, ge=0, le=100, allow_inf_nan=False, strict=True)
    locks: tuple[tuple[str, str], ...] = ()
    forbidden: tuple[tuple[str, str], ...] = ()
    #: a protection held by a leaving rep (active = false): "release" lets the account go
    #: (listed in the plan's forced_by and counted in metrics.json); "error" refuses the input
    leaving_rep_protection: Literal["release", "error"] = "release"


class Travel(_Frozen):
    """Road distance = great-circle km x road_factor; travel time = road km / speed_kmh.

    ``route_share`` (per rep id, 0..1): the share of its round-trip travel time a rep's
    workload counts, routed km / round-trip km of its routes (set by ``travel_model =
    "routes"``; absent reps count 1). ``hours_per_day`` and ``route_time_limit_s`` (PyVRP
    seconds per rep) are how those rounds route; ``route_rounds`` caps their number;
    ``route_anchor`` is what each re-solve charges, in cost points, per account it moves
    away from the previous round's rep (0: no charge).
    """

    road_factor: float = Field(1.3, ge=1.0, le=5.0, allow_inf_nan=False, strict=True)
    speed_kmh: float = Field(60.0, gt=0, le=300, allow_inf_nan=False, strict=True)
    #: (rep id, share) pairs, sorted (a tuple keeps the scenario hashable); a table in TOML
    route_share: tuple[
        tuple[str, Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]], ...
    ] = ()
    hours_per_day: float = Field(8.0, gt=0, le=24, allow_inf_nan=False)
    route_time_limit_s: float = Field(1.0, gt=0, le=3600, allow_inf_nan=False)
    route_rounds: int = Field(5, ge=1, le=20, strict=True)
    route_anchor: float = Field(60.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)

    @field_validator("route_share", mode="before")
    @classmethod
    def _share_pairs(cls, value: Any) -> Any:
        return tuple(sorted(value.items())) if isinstance(value, Mapping) else value

    @field_serializer("route_share")
    def _share_table(self, value: tuple[tuple[str, float], ...]) -> dict[str, float]:
        return dict(value)

    @property
    def shares(self) -> dict[str, float]:
        """route_share as a mapping: rep id -> share of round-trip travel time counted."""
        return dict(self.route_share)


class InputFormat(_Frozen):
    """How text inputs are read; strict by default (UTF-8, ``,`` between fields, ``.``
    decimal mark). Files saved in much of Europe: ``sep = ";"``, ``decimal = ","``,
    ``encoding = "cp1252"``."""

    sep: str = Field(",", min_length=1, max_length=1)
    decimal: Literal[".", ","] = "."
    encoding: str = "utf-8"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        return value


class Columns(_Frozen):
    """Input headers mapped onto the contract: a table ``{contract name = "header"}`` per
    input, kept as (contract name, header) pairs so the scenario stays hashable."""

    customers: tuple[tuple[str, str], ...] = ()
    reps: tuple[tuple[str, str], ...] = ()

    @field_validator("customers", "reps", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        return tuple(value.items()) if isinstance(value, Mapping) else value


#: the ``[[balance]]`` tables of a scenario that names none: workload free within +-10 %
#: and value within +-15 % of the rep's capacity share, weights in points per percentage
#: point beyond (measured in benchmarks/RESULTS.md, "Balance defaults")
DEFAULT_BALANCE: tuple[dict[str, Any], ...] = (
    {"measure": "workload", "share": "capacity", "tolerance": 0.10, "weight": 300.0},
    {"measure": "value", "share": "capacity", "tolerance": 0.15, "weight": 50.0},
)

#: measures a [[balance]] table knows by name; any other name is a numeric customer column
BUILTIN_MEASURES = ("workload", "accounts", "value")
#: shares a [[balance]] table knows by name; any other name is a numeric rep column
BUILTIN_SHARES = ("capacity", "equal")


class BalanceBand(_Frozen):
    """One ``[[balance]]`` table: a measure each active rep's book is balanced on.

    ``measure``: "workload" (hours, or accounts with ``workload_unit = "accounts"``),
    "accounts", "value" or a numeric customer column. ``share``: each active rep's fair
    share of the plan's total, "capacity" (``capacity_hours``), "equal", or a numeric rep
    column (quota, FTE). ``band = [lo, hi]`` (hard): each active rep's measure within
    lo x share x total .. hi x share x total. See :mod:`solver.constraints.bands` for the
    total of the workload measure. ``tolerance`` and ``weight`` (soft, see
    :mod:`solver.objectives.bands`): a deviation from the target within +-tolerance x target
    costs nothing, beyond it ``weight`` cost points per percentage point of the target.
    """

    measure: str = Field("workload", min_length=1)
    share: str = Field("capacity", min_length=1)
    band: tuple[float, float] | None = None
    tolerance: float = Field(0.0, ge=0, le=10, allow_inf_nan=False)
    weight: float = Field(0.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)

    @field_validator("measure", "share")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a measure or column")
        return value.strip()

    @field_validator("band")
    @classmethod
    def _sound_band(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is None:
            return value
        lo, hi = value
        if not all(map(math.isfinite, value)):
            raise ValueError("band limits must be finite numbers, e.g. [0.85, 1.15]")
        if lo < 0:
            raise ValueError(f"the floor {lo:g} is below 0: a rep cannot carry less than nothing")
        if lo > 1:
            raise ValueError(
                f"the floor {lo:g} is above 1: every rep would need more than its fair share "
                "of the total, which no plan can give (use e.g. [0.85, 1.15])"
            )
        if hi < 1:
            raise ValueError(
                f"the ceiling {hi:g} is below 1: every rep would have to carry less than its "
                "fair share of the total, which no plan can do (use e.g. [0.85, 1.15])"
            )
        return value


class Scenario(_Frozen):
    """Everything about a solve except the data: weights, rules, as-of date, engine, limits."""

    as_of: dt.date = Field(default_factory=dt.date.today)
    engine: Literal[ENGINE_CHOICES] = "auto"
    time_limit_s: float = Field(30.0, gt=0, le=604_800, allow_inf_nan=False, strict=True)
    seed: int = Field(0, ge=0, strict=True)
    workers: int = Field(2, ge=1, le=64, strict=True)
    workload_unit: Literal["hours", "accounts"] = "hours"
    #: "star": travel is a round trip per visit; "routes": solve, route each rep, count
    #: its routed share of travel in the workload, re-solve (solver.routes.rounds)
    travel_model: Literal["star", "routes"] = "star"
    max_candidates: int | None = Field(None, ge=1, strict=True)
    deterministic: bool = Field(False, strict=True)
    #: memory a solve may use, in GiB (default: what the machine has available)
    memory_limit_gb: float | None = Field(None, gt=0, allow_inf_nan=False)
    progress: bool = Field(True, strict=True)
    #: end the search once its plan is within this gap of the bound (0.005 = 0.5 %; the
    #: certificate's gap); None = search until the time limit
    gap_tolerance: float | None = Field(DEFAULT_GAP_TOLERANCE, ge=0, lt=1, allow_inf_nan=False)
    #: end the search when no plan has improved for this share of the time limit (0.25 at
    #: 30 s: 7.5 s); None = off. Not applied in deterministic runs (it reads the clock)
    stall_share: float | None = Field(DEFAULT_STALL_SHARE, gt=0, le=1, allow_inf_nan=False)
    _source: str = PrivateAttr("scenario")  # the TOML file it came from, for messages
    weights: Weights = Weights()
    rules: Rules = Rules()
    travel: Travel = Travel()
    input: InputFormat = InputFormat()
    columns: Columns = Columns()
    #: ``[[balance]]`` tables: hard bands and soft balance terms on any number of measures
    balance: tuple[BalanceBand, ...] = ()

    @field_validator("as_of", mode="before")
    @classmethod
    def _parse_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise ValueError(f"not a date in YYYY-MM-DD form: {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _defaults_for_balance(self) -> Scenario:
        """A scenario that names no ``[[balance]]`` table gets :data:`DEFAULT_BALANCE`;
        one that sets ``weights.balance`` (the workload term) keeps it and gets only the
        value table. ``balance = []`` switches every table off."""
        if "balance" in self.model_fields_set:
            return self
        own_workload_term = self.weights.balance > 0 or "balance" in self.weights.model_fields_set
        tables = tuple(
            BalanceBand(**table)
            for table in DEFAULT_BALANCE
            if not (own_workload_term and table["measure"] == "workload")
        )
        # frozen: set once, while validating; "balance" stays out of the fields set
        object.__setattr__(self, "balance", tables)
        return self

    def band_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(customer columns, rep columns) the ``[[balance]]`` tables read by name."""
        measures = {b.measure for b in self.balance} - set(BUILTIN_MEASURES)
        shares = {b.share for b in self.balance} - set(BUILTIN_SHARES)
        return tuple(sorted(measures)), tuple(sorted(shares))

    @property
    def source(self) -> str:
        """Where the scenario came from: its TOML path, or 'scenario'."""
        return self._source

    def replace(self, *, changed_by: str = "replace()", **changes: Any) -> Scenario:
        """A new scenario with ``changes`` applied; nested tables merge (``weights={...}``).
        An invalid change is reported as coming from ``changed_by`` (e.g. the options)."""
        data = self.model_dump()
        if "balance" not in self.model_fields_set and "balance" not in changes:
            del data["balance"]  # defaults follow the changed weights
        if "balance" not in self.weights.model_fields_set:
            del data["weights"]["balance"]
        for key, value in changes.items():
            if isinstance(value, BaseModel):
                value = value.model_dump()
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        variant = Scenario.from_dict(data, source=changed_by)
        variant._source = self.source
        return variant

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "scenario") -> Scenario:
        """Validate a plain mapping; every problem is reported at once, naming its key."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(_issues_from(exc, source)) from None

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a TOML file; lock/forbidden lists may name a CSV (customer_id, rep_id)."""
        path = Path(path)
        data = read_toml(path)
        rules = data.get("rules")
        if isinstance(rules, dict):
            for key in ("locks", "forbidden"):
                if isinstance(rules.get(key), str):
                    rules[key] = read_pair_file(path.parent / rules[key], f"rules.{key}", path)
        scenario = cls.from_dict(data, source=str(path))
        scenario._source = str(path)
        return scenario


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; a missing or malformed file is a :class:`ScenarioError`."""
    try:
        return tomllib.loads(read_regular_file(path, SCENARIO_FILE_LIMIT, "").decode("utf-8-sig"))
    except InputError as exc:
        raise ScenarioError(exc.issues) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([InputIssue(str(path), "", f"not valid TOML: {exc}")]) from None


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables as dotted keys: ``{"weights": {"travel": 2}}`` -> ``{"weights.travel": 2}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def as_scenario(scenario: Scenario | dict | str | Path | None) -> Scenario:
    """Accept a Scenario, a dict, a TOML path or None (all defaults)."""
    if scenario is None:
        return Scenario()
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return Scenario.from_dict(scenario)
    return Scenario.from_toml(scenario)


def read_pair_file(path: Path, key: str, scenario_file: Path) -> list[tuple[str, str]]:
    """Read a table (CSV or workbook, ``locks.xlsx#Sheet``) of (customer_id, rep_id) pairs
    used for locks and forbidden pairs."""
    if not split_sheet(path)[0].exists():
        raise ScenarioError([InputIssue(str(path), "", f"file for {key} not found")])
    try:
        table = read_table(path, key, max_bytes=SCENARIO_FILE_LIMIT)
    except InputError as exc:
        detail = "; ".join(str(i) for i in exc.issues)
        issue = InputIssue(str(scenario_file), key, f"cannot read {path}", (), detail, "key")
        raise ScenarioError([issue]) from None
    frame = table.frame
    issues = [
        InputIssue(table.source, c, f"required column for {key} is missing", (), str(scenario_file))
        for c in ("customer_id", "rep_id")
        if c not in frame.columns
    ]
    if issues:
        raise ScenarioError(issues)
    pairs = []
    for pos, (cust, rep) in enumerate(zip(frame["customer_id"], frame["rep_id"], strict=True)):
        cust, rep = ("" if pd.isna(v) else str(v).strip() for v in (cust, rep))
        if not cust or not rep:
            issues.append(
                InputIssue(
                    table.source,
                    "customer_id/rep_id",
                    "both ids are required",
                    (table.row_number(pos),),
                )
            )
        pairs.append((cust, rep))
    if issues:
        raise ScenarioError(issues)
    return pairs


def _issues_from(exc: ValidationError, source: str) -> list[InputIssue]:
    issues = []
    for err in exc.errors():
        key = scenario_key(err["loc"])
        rule = "unknown key" if err["type"] == "extra_forbidden" else _plain(err["msg"])
        given = err.get("input")
        detail = "" if err["type"] == "extra_forbidden" else f"got {given!r}"
        issues.append(InputIssue(source, key, rule, (), detail, label="key"))
    return issues


def scenario_key(loc: tuple[str | int, ...]) -> str:
    """A pydantic error location as the user wrote it: ``("balance", 1, "band")`` is
    ``balance[2].band``, the band of the second ``[[balance]]`` table (counted from 1)."""
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part + 1}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _plain(message: str) -> str:
    """pydantic's message without its "Value error, " prefix (our validators' own words)."""
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
