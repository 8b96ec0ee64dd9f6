"""Typed records that read like the JSON objects they are written as.

A :class:`Record` is a frozen dataclass whose fields are the keys of its JSON object:
``record.gap`` for code, ``record["gap"]`` (a read-only mapping) for the code and notebooks
that read plans as dicts, and :meth:`Record.as_dict` for the file. Field metadata says how a
field is written (:func:`entry`): left out while None (an optional entry), or never (kept in
memory only). Keys a record does not know, read from a file an older or newer version wrote,
are kept in ``extra`` and written back unchanged.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Mapping
from typing import Any, Self

#: field metadata: left out of the file while the value is None
OMIT_NONE = "omit_none"
#: field metadata: never written (in-memory only)
IN_MEMORY = "in_memory"


def entry(
    default: Any = dataclasses.MISSING,
    *,
    omit_none: bool = False,
    factory: Any = dataclasses.MISSING,
    **meta: Any,
) -> Any:
    """A record field; ``omit_none``: an optional entry, absent from the file while None;
    ``factory``: makes the default (a list, a dict); ``meta``: what else the field says
    about itself (unit, direction)."""
    metadata = {OMIT_NONE: omit_none, **meta}
    if default is dataclasses.MISSING and factory is dataclasses.MISSING and omit_none:
        default = None
    return dataclasses.field(default=default, default_factory=factory, metadata=metadata)


def in_memory(default: Any = None) -> Any:
    """A field kept in memory only (never written, not part of the mapping view)."""
    return dataclasses.field(default=default, metadata={IN_MEMORY: True}, compare=False)


class Record(Mapping[str, Any]):
    """Base of the typed records (subclasses are frozen dataclasses with ``eq=False``: a
    record equals any mapping with the same entries, a dict read from its file included)."""

    def _written(self) -> Iterator[tuple[str, Any]]:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get(IN_MEMORY) or f.name == "extra":
                continue
            value = getattr(self, f.name)
            if value is None and f.metadata.get(OMIT_NONE):
                continue
            yield f.name, value
        yield from getattr(self, "extra", {}).items()

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of the record (nested records, and records in a dict, as dicts)."""
        return {k: _plain(v) for k, v in self._written()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record of a JSON object; missing optional entries are None (a file written
        before they existed), unknown keys go to ``extra`` when the record has it."""
        known = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get(IN_MEMORY)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for name, f in known.items():
            if name == "extra" or name not in data:
                continue
            kind = _record_type(cls, f)
            value = data[name]
            values[name] = kind.from_dict(value) if kind and isinstance(value, Mapping) else value
        if "extra" in known:
            values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)

    def __getitem__(self, key: str) -> Any:
        for name, value in self._written():
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._written())

    def __len__(self) -> int:
        return sum(1 for _ in self._written())


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _record_type(cls: type, f: dataclasses.Field) -> type[Record] | None:
    """The Record class of field ``f`` when its annotation names one (``X`` or ``X | None``)."""
    names = f.type.split("|") if isinstance(f.type, str) else [f.type]
    scope = vars(sys.modules[cls.__module__])
    for name in names:
        kind = scope.get(name.strip()) if isinstance(name, str) else name
        if isinstance(kind, type) and issubclass(kind, Record):
            return kind
    return None
