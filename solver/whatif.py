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

from solver.io import read_table
from solver.plan import Plan
from solver.problem import Problem
from solver.scenario import Scenario, as_scenario
from solver.solve import solve

#: Case methods a variant mapping may name (``{"scale_capacity": -10}``)
OPERATIONS = ("rep_leaves", "hire", "scale_capacity", "merge_regions", "as_of")
#: Scenario tables a dotted variant key may name (``"weights.travel"``)
TABLES = ("weights", "rules", "travel")


class Case:
    """Inputs of one solve: customers frame, reps frame and scenario; immutable.

    ``changes`` lists, in order, what was done to the base to get this case.
    """

    __slots__ = ("_changes", "_customers", "_reps", "_scenario")

    def __init__(
        self,
        customers: pd.DataFrame | str | Path,
        reps: pd.DataFrame | str | Path,
        scenario: Scenario | dict | str | Path | None = None,
        changes: Iterable[str] = (),
    ):
        self._set(
            _frame(customers, "customers"), _frame(reps, "reps"), as_scenario(scenario), changes
        )

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
        return (Case, (self._customers, self._reps, self._scenario, self._changes))

    def _derive(
        self,
        change: str,
        customers: pd.DataFrame | None = None,
        reps: pd.DataFrame | None = None,
        scenario: Scenario | None = None,
    ) -> Case:
        """A new case; frames passed here are fresh copies already (no second copy)."""
        new = object.__new__(Case)
        new._set(
            self._customers if customers is None else customers,
            self._reps if reps is None else reps,
            self._scenario if scenario is None else scenario,
            (*self._changes, change),
        )
        return new

    # ----------------------------------------------------------------- read access
    @property
    def customers(self) -> pd.DataFrame:
        """A copy of the customers frame (editing it does not change the case)."""
        return self._customers.copy()

    @property
    def reps(self) -> pd.DataFrame:
        """A copy of the reps frame (editing it does not change the case)."""
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
        active = int(_active(self._reps).sum())
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
        rows = _rep_rows(reps, rep_ids)
        reps["active"] = _active(reps)
        reps.loc[rows, "active"] = False
        customers = None
        if release_protections and "protected_rep" in self._customers:
            customers = self._customers.copy()
            held = customers["protected_rep"].astype(str).str.strip().isin(rep_ids)
            if held.any():
                for column in ("protected_rep", "protected_until"):
                    if column in customers:
                        customers[column] = customers[column].astype(object)
                        customers.loc[held, column] = ""
        return self._derive(f"{', '.join(rep_ids)} leaves", customers, reps)

    def hire(
        self,
        rep_id: str,
        lat: float,
        lon: float,
        capacity_hours: float,
        *,
        specialties: str | Iterable[str] = "",
        seniority: int = 3,
        performance: float | None = None,
        max_accounts: int | None = None,
        region: str | None = None,
        max_travel_km: float | None = None,
        **extra: Any,
    ) -> Case:
        """A new active rep based at (lat, lon) with ``capacity_hours`` per period.

        Unset optional columns take the tables' defaults (performance 0.5, no account cap,
        no travel limit); ``extra`` columns (e.g. ``name``) are carried through like any
        input column.
        """
        if (self._reps["rep_id"].astype(str).str.strip() == str(rep_id)).any():
            raise ValueError(f"rep {rep_id} already exists; pick a new rep_id")
        if not isinstance(specialties, str):
            specialties = ";".join(specialties)
        row: dict[str, Any] = {
            "rep_id": str(rep_id),
            "lat": float(lat),
            "lon": float(lon),
            "capacity_hours": float(capacity_hours),
            "specialties": specialties,
            "seniority": int(seniority),
            "active": True,
            "performance": performance,
            "max_accounts": max_accounts,
            "region": region,
            "max_travel_km": max_travel_km,
            **extra,
        }
        row = {k: v for k, v in row.items() if v is not None}
        base = self._reps.copy()
        if "active" in base:
            base["active"] = _active(base)
        reps = pd.concat([base, pd.DataFrame([row])], ignore_index=True)
        for column in reps.columns.difference(list(row)):
            if not pd.api.types.is_numeric_dtype(reps[column]):
                reps[column] = reps[column].astype(object).fillna("")
        where = f"{float(lat):.3f}, {float(lon):.3f}"
        return self._derive(f"hire {rep_id} at {where}", reps=reps)

    def scale_capacity(self, pct: float, reps: Iterable[str] | None = None) -> Case:
        """capacity_hours x (1 + pct / 100) for ``reps`` (default: every rep)."""
        frame = self._reps.copy()
        rows = _rep_rows(frame, tuple(reps)) if reps is not None else frame.index
        capacity = pd.to_numeric(frame["capacity_hours"], errors="raise").astype(float)
        capacity.loc[rows] = capacity.loc[rows] * (1.0 + float(pct) / 100.0)
        frame["capacity_hours"] = capacity.round(3)
        who = "every rep" if reps is None else ", ".join(map(str, reps))
        return self._derive(f"capacity {pct:+g} % for {who}", reps=frame)

    def merge_regions(self, into: str, *regions: str) -> Case:
        """Regions ``regions`` become ``into`` in both tables (reps and customers' 'region')."""
        if not regions:
            raise ValueError("name at least one region to merge")
        found = False
        tables = {"customers": self._customers.copy(), "reps": self._reps.copy()}
        for frame in tables.values():
            if "region" in frame:
                text = frame["region"].astype(object).where(frame["region"].notna(), "")
                text = text.map(lambda v: str(v).strip())
                hit = text.isin(regions)
                found |= bool(hit.any())
                frame["region"] = text.where(~hit, into)
        if not found:
            raise ValueError(f"no rep or customer is in region(s) {', '.join(regions)}")
        change = f"regions {', '.join(regions)} merged into {into}"
        return self._derive(change, tables["customers"], tables["reps"])

    def with_data(
        self, customers: pd.DataFrame | None = None, reps: pd.DataFrame | None = None, note=""
    ) -> Case:
        """Replace either table wholesale (copied), for edits no other method covers."""
        c = None if customers is None else _frame(customers, "customers")
        r = None if reps is None else _frame(reps, "reps")
        return self._derive(note or "tables edited", c, r)

    # ----------------------------------------------------------------- scenario variants
    def with_scenario(self, **changes: Any) -> Case:
        """Scenario changes as in :meth:`Scenario.replace` (nested tables merge)."""
        text = ", ".join(f"{k}={v}" for k, v in _flatten(changes).items())
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
        ``"hire": {...}`` or a list of such dicts), dotted scenario keys
        (``"weights.travel": 2``) or top-level scenario fields (``"time_limit_s": 5``).
        """
        case = self
        scenario: dict[str, Any] = {}
        for key, value in variant.items():
            if key in OPERATIONS:
                case = _call(case, key, value)
            elif "." in key:
                table, name = key.split(".", 1)
                if table not in TABLES:
                    raise ValueError(f"unknown scenario table {table!r} in variant key {key!r}")
                scenario.setdefault(table, {})[name] = value
            elif key in Scenario.model_fields:
                scenario[key] = value
            else:
                raise ValueError(
                    f"unknown variant key {key!r}: use one of {', '.join(OPERATIONS)}, "
                    "a scenario field, or a dotted key such as 'weights.travel'"
                )
        return case.with_scenario(**scenario) if scenario else case

    # ----------------------------------------------------------------- solving
    def problem(self) -> Problem:
        """Validate and build the problem (raises InputError / InfeasibleError)."""
        return Problem.build(self._customers, self._reps, self._scenario)

    def solve(self, **scenario_changes: Any) -> Plan:
        """Solve this case; ``scenario_changes`` apply to this solve only (``time_limit_s=3``)."""
        scenario = self._scenario.replace(**scenario_changes) if scenario_changes else None
        return solve(self._customers, self._reps, scenario or self._scenario)


def _frame(data: pd.DataFrame | str | Path, name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True).copy()
    return read_table(data, name).frame


def _active(reps: pd.DataFrame) -> pd.Series:
    """The 'active' column as booleans (missing or blank = active)."""
    if "active" not in reps:
        return pd.Series(True, index=reps.index)
    text = reps["active"].astype(object).where(reps["active"].notna(), "")
    return ~text.map(lambda v: str(v).strip().lower()).isin({"false", "0", "no", "n", "f"})


def _rep_rows(reps: pd.DataFrame, rep_ids: tuple[str, ...]) -> pd.Index:
    ids = reps["rep_id"].astype(str).str.strip()
    unknown = sorted(set(map(str, rep_ids)) - set(ids))
    if unknown:
        raise KeyError(f"no rep {', '.join(unknown)} in the reps table")
    return reps.index[ids.isin(list(map(str, rep_ids))).to_numpy()]


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


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"weights": {"travel": 2}} -> {"weights.travel": 2}."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def flatten_variant(variant: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter columns of a variant: nested tables dotted, non-scalars as text."""
    plain = (str, int, float, bool, np.number, dt.date, type(None))
    return {k: v if isinstance(v, plain) else repr(v) for k, v in _flatten(variant).items()}
