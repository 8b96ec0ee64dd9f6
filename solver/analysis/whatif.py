"""What-if cases: customers, reps and scenario as one immutable value with variant makers.

Every method returns a new :class:`Case`; the frames are copied on the way in and on the way
out, so neither the base case nor the caller's frames can be changed through a variant::

    base = Case.from_files("data/customers.csv", "data/reps.csv", "data/scenario.toml")
    variant = base.rep_leaves("R03").hire("R31", 30.27, -97.74, 760, specialties="energy")
    plan_a, plan_b = base.solve(), variant.solve()

A variant can also be described as plain data (``Case.apply``), which is how sweeps ship
variants to worker processes: ``{"rep_leaves": "R03", "weights.travel": 2.0}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solver.inputs.io import read_table
from solver.inputs.schema import validate_reps
from solver.plan import Plan
from solver.problem import Problem, load_inputs
from solver.scenario import BalanceBand, Scenario, as_scenario, flatten
from solver.solve import solve

#: Case methods a variant mapping may name (``{"scale_capacity": -10}``)
OPERATIONS = ("rep_leaves", "hire", "scale_capacity", "merge_regions", "as_of")
#: Scenario tables a dotted variant key may name (``"weights.travel"``)
TABLES = ("weights", "rules", "travel")


class Case:
    """Inputs of one solve: customers frame, reps frame and scenario; immutable.

    The tables are read (CSV, Parquet or DataFrame) and validated once, here, so a bad input
    fails at once with row-level messages and the frames a notebook sees are typed (numbers,
    dates, booleans, defaults filled). ``changes`` lists what was done to the base, in order.
    """

    __slots__ = ("_changes", "_customers", "_reps", "_scenario")

    def __init__(
        self,
        customers: pd.DataFrame | str | Path,
        reps: pd.DataFrame | str | Path,
        scenario: Scenario | dict | str | Path | None = None,
    ):
        scenario = as_scenario(scenario)
        customers_df, reps_df = load_inputs(customers, reps, scenario)
        self._set(customers_df, reps_df, scenario, ())

    @classmethod
    def from_files(
        cls,
        customers: str | Path,
        reps: str | Path,
        scenario: Scenario | dict | str | Path | None = None,
    ) -> Case:
        """Read the tables (CSV or Parquet) and the scenario (TOML path, dict or Scenario)."""
        return cls(customers, reps, scenario)

    def _set(self, customers, reps, scenario, changes) -> None:
        object.__setattr__(self, "_customers", customers)
        object.__setattr__(self, "_reps", reps)
        object.__setattr__(self, "_scenario", scenario)
        object.__setattr__(self, "_changes", tuple(changes))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Case is immutable; its methods return changed copies")

    def __reduce__(self):
        return (_restore, (self._customers, self._reps, self._scenario, self._changes))

    def _derive(
        self,
        change: str,
        customers: pd.DataFrame | None = None,
        reps: pd.DataFrame | None = None,
        scenario: Scenario | None = None,
    ) -> Case:
        """A new case; frames passed here are fresh copies already (no second copy)."""
        return _restore(
            self._customers if customers is None else customers,
            self._reps if reps is None else reps,
            self._scenario if scenario is None else scenario,
            (*self._changes, change),
        )

    # ----------------------------------------------------------------- read access
    @property
    def customers(self) -> pd.DataFrame:
        """A copy of the validated customers frame (editing it does not change the case)."""
        return self._customers.copy()

    @property
    def reps(self) -> pd.DataFrame:
        """A copy of the validated reps frame (editing it does not change the case)."""
        return self._reps.copy()

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def changes(self) -> tuple[str, ...]:
        return self._changes

    @property
    def label(self) -> str:
        """The changes joined into one line ('base' when there are none)."""
        return "; ".join(self._changes) or "base"

    def __repr__(self) -> str:
        active = int(self._reps["active"].sum())
        return (
            f"Case({len(self._customers)} customers, {len(self._reps)} reps ({active} active), "
            f"as of {self._scenario.as_of}; {self.label})"
        )

    # ----------------------------------------------------------------- data variants
    def rep_leaves(self, *rep_ids: str, release_protections: bool = True) -> Case:
        """The reps leave (``active = false``): they own nothing after the plan.

        A protection held by a leaving rep would make the input invalid, so by default it is
        released (``protected_rep`` and ``protected_until`` cleared on those accounts).
        """
        if not rep_ids:
            raise ValueError("name at least one rep")
        reps = self._reps.copy()
        reps.loc[_rep_rows(reps, rep_ids), "active"] = False
        customers = None
        held = self._customers["protected_rep"].isin(rep_ids)
        if release_protections and held.any():
            customers = self._customers.copy()
            customers.loc[held, "protected_rep"] = ""
            customers.loc[held, "protected_until"] = None
        return self._derive(f"{', '.join(rep_ids)} leaves", customers, _checked_reps(reps))

    def hire(
        self,
        rep_id: str,
        lat: float,
        lon: float,
        capacity_hours: float,
        *,
        specialties: str | Iterable[str] = "",
        seniority: int = 3,
        performance: float = 0.5,
        max_accounts: int | None = None,
        region: str = "",
        max_travel_km: float | None = None,
        **extra: Any,
    ) -> Case:
        """A new active rep based at (lat, lon) with ``capacity_hours`` per period.

        ``max_accounts`` / ``max_travel_km`` None = no cap; ``extra`` columns (e.g. ``name``)
        are carried through like any input column. The reps table is re-validated.
        """
        if (self._reps["rep_id"] == str(rep_id)).any():
            raise ValueError(f"rep {rep_id} already exists; pick a new rep_id")
        if not isinstance(specialties, str):
            specialties = ";".join(specialties)
        row = {
            "rep_id": str(rep_id),
            "lat": lat,
            "lon": lon,
            "capacity_hours": capacity_hours,
            "max_accounts": np.nan if max_accounts is None else max_accounts,
            "specialties": specialties,
            "seniority": seniority,
            "performance": performance,
            "region": region,
            "max_travel_km": np.nan if max_travel_km is None else max_travel_km,
            "active": True,
            **extra,
        }
        reps = pd.concat([self._reps, pd.DataFrame([row])], ignore_index=True)
        for column in reps.columns:
            if reps[column].isna().any() and not pd.api.types.is_numeric_dtype(reps[column]):
                reps[column] = reps[column].astype(object).fillna("")
        change = f"hire {rep_id} at {float(lat):.3f}, {float(lon):.3f}"
        return self._derive(change, reps=_checked_reps(reps))

    def scale_capacity(self, pct: float, reps: Iterable[str] | None = None) -> Case:
        """capacity_hours x (1 + pct / 100) for ``reps`` (default: every rep)."""
        frame = self._reps.copy()
        chosen = None if reps is None else tuple(map(str, reps))
        rows = frame.index if chosen is None else _rep_rows(frame, chosen)
        factor = 1.0 + float(pct) / 100.0
        frame.loc[rows, "capacity_hours"] = (frame.loc[rows, "capacity_hours"] * factor).round(3)
        who = "every rep" if chosen is None else ", ".join(chosen)
        return self._derive(f"capacity {pct:+g} % for {who}", reps=_checked_reps(frame))

    def merge_regions(self, into: str, *regions: str) -> Case:
        """Regions ``regions`` become ``into`` in both tables (reps and customers' 'region')."""
        if not regions:
            raise ValueError("name at least one region to merge")
        tables = {"customers": self._customers.copy(), "reps": self._reps.copy()}
        found = False
        for frame in tables.values():
            if "region" in frame:
                hit = frame["region"].isin(regions)
                found |= bool(hit.any())
                frame.loc[hit, "region"] = into
        if not found:
            raise ValueError(f"no rep or customer is in region(s) {', '.join(regions)}")
        change = f"regions {', '.join(regions)} merged into {into}"
        return self._derive(change, tables["customers"], tables["reps"])

    def with_data(
        self,
        customers: pd.DataFrame | None = None,
        reps: pd.DataFrame | None = None,
        note: str = "tables edited",
    ) -> Case:
        """Either table replaced wholesale (validated, copied): edits no method covers."""
        frames = load_inputs(
            self._customers if customers is None else customers,
            self._reps if reps is None else reps,
            self._scenario,
        )
        return self._derive(note, *frames)

    # ----------------------------------------------------------------- scenario variants
    def with_scenario(self, **changes: Any) -> Case:
        """Scenario changes as in :meth:`Scenario.replace` (nested tables merge)."""
        if not changes:
            return self
        text = ", ".join(f"{k}={v}" for k, v in flatten(changes).items())
        return self._derive(text, scenario=self._scenario.replace(**changes))

    def with_weights(self, **weights: float) -> Case:
        """Objective weights changed (``travel=2.0``); unnamed weights are kept."""
        return self.with_scenario(weights=weights)

    def with_rules(self, **rules: Any) -> Case:
        """Hard rules switched or re-parametrised (``max_moves_pct=10``); others are kept."""
        return self.with_scenario(rules=rules)

    def as_of(self, date: dt.date | str) -> Case:
        """Protections are judged at ``date`` (a protection holds while as_of <= until)."""
        return self.with_scenario(as_of=date)

    def apply(self, variant: Mapping[str, Any]) -> Case:
        """The case changed by a plain-data variant, in its key order.

        Keys are Case operations (``"rep_leaves": "R3"``, ``"scale_capacity": -10``,
        ``"hire": {...}`` or a list of such dicts, ``"merge_regions": ["South", "TX", "LA"]``
        as positional arguments), dotted scenario keys (``"weights.travel": 2``), a field of
        the ``[[balance]]`` table of one measure (``"balance.value.weight": 100``,
        ``"balance.workload.band": [0.9, 1.1]``) or top-level scenario fields
        (``"time_limit_s": 5``); scenario changes apply after the operations.
        """
        case = self
        scenario: dict[str, Any] = {}
        tables: dict[str, dict[str, Any]] = {}
        for key, value in variant.items():
            kind = key_kind(key)
            if kind == "operation":
                case = _call(case, key, value)
            elif kind == "table":
                table, name = key.split(".", 1)
                scenario.setdefault(table, {})[name] = value
            elif kind == "balance":
                _, measure, name = key.split(".")
                tables.setdefault(measure, {})[name] = value
            else:
                scenario[key] = value
        if tables:  # labelled by the keys given, not by the whole list of tables
            pairs = [(f"balance.{m}.{k}", v) for m, t in tables.items() for k, v in t.items()]
            text = ", ".join(f"{key}={v}" for key, v in pairs)
            changed = _changed_tables(case.scenario.balance, tables)
            case = case._derive(text, scenario=case.scenario.replace(balance=changed))
        return case.with_scenario(**scenario) if scenario else case

    # ----------------------------------------------------------------- solving
    def problem(self) -> Problem:
        """Validate and build the problem (raises InputError / InfeasibleError)."""
        return Problem.build(self._customers, self._reps, self._scenario)

    def solve(self, **scenario_changes: Any) -> Plan:
        """Solve this case; ``scenario_changes`` apply to this solve only (``time_limit_s=3``)."""
        scenario = self._scenario.replace(**scenario_changes) if scenario_changes else None
        return solve(self._customers, self._reps, scenario or self._scenario)


def key_kind(key: str) -> str:
    """What a variant key names: 'operation' (a Case method), 'table' (a dotted scenario
    key such as 'weights.travel'), 'balance' (a field of one measure's ``[[balance]]``
    table: 'balance.value.weight') or 'field' (a top-level scenario field); else ValueError."""
    if key in OPERATIONS:
        return "operation"
    if "." in key and key.split(".", 1)[0] in TABLES:
        return "table"
    parts = key.split(".")
    if parts[0] == "balance" and len(parts) == 3:
        if parts[2] not in BalanceBand.model_fields or parts[2] == "measure":
            fields = ", ".join(f for f in BalanceBand.model_fields if f != "measure")
            raise ValueError(f"unknown variant key {key!r}: a balance table's field is {fields}")
        return "balance"
    if "." not in key and key in Scenario.model_fields:
        return "field"
    raise ValueError(
        f"unknown variant key {key!r}: use one of {', '.join(OPERATIONS)}, "
        "a scenario field, or a dotted key such as 'weights.travel'"
    )


def _changed_tables(
    balance: tuple[BalanceBand, ...], changes: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The scenario's ``[[balance]]`` tables (its defaults when it sets none) with each
    measure's fields changed; a measure with no table, or with several, is a ValueError."""
    tables = [table.model_dump() for table in balance]
    for measure, fields in changes.items():
        matching = [table for table in tables if table["measure"] == measure]
        if len(matching) != 1:
            have = ", ".join(sorted({t["measure"] for t in tables})) or "none"
            many = "several tables measure" if matching else "no table measures"
            raise ValueError(f"{many} {measure!r} (the scenario's balance measures: {have})")
        matching[0].update(fields)
    return tables


def _restore(customers, reps, scenario, changes) -> Case:
    """A case from frames already validated and owned by it (no copy, no validation)."""
    case = object.__new__(Case)
    case._set(customers, reps, scenario, changes)
    return case


def _checked_reps(reps: pd.DataFrame) -> pd.DataFrame:
    """The reps table re-validated and typed (raises InputError naming row and column)."""
    return validate_reps(read_table(reps, "reps"))


def _rep_rows(reps: pd.DataFrame, rep_ids: tuple[str, ...]) -> pd.Index:
    unknown = sorted(set(map(str, rep_ids)) - set(reps["rep_id"]))
    if unknown:
        raise KeyError(f"no rep {', '.join(unknown)} in the reps table")
    return reps.index[reps["rep_id"].isin(list(map(str, rep_ids))).to_numpy()]


def _call(case: Case, name: str, value: Any) -> Case:
    """Apply operation ``name``: a dict is keywords, a list/tuple positional arguments, a
    list of dicts one call per dict; anything else is the single argument."""
    method = getattr(case, name)
    if isinstance(value, Mapping):
        return method(**value)
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            for kwargs in value:
                case = getattr(case, name)(**kwargs)
            return case
        return method(*value)
    return method(value)


def flatten_variant(variant: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter columns of a variant: nested tables dotted, non-scalars as text."""
    plain = (str, int, float, bool, np.number, dt.date, type(None))
    return {k: v if isinstance(v, plain) else repr(v) for k, v in flatten(variant).items()}
