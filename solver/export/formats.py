"""The registry of change-set formats, by the name used on the command line."""

from __future__ import annotations

from solver.errors import InputError, InputIssue
from solver.export.base import ExportFormat
from solver.export.dynamics import DynamicsFormat
from solver.export.generic import GenericFormat
from solver.export.hubspot import HubSpotFormat
from solver.export.odoo import OdooFormat
from solver.export.salesforce import SalesforceFormat

FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (GenericFormat(), SalesforceFormat(), HubSpotFormat(), DynamicsFormat(), OdooFormat())
}


def get_format(name: str | ExportFormat) -> ExportFormat:
    """The format called ``name`` (case-insensitive); an unknown name is an input error."""
    if isinstance(name, ExportFormat):
        return name
    found = FORMATS.get(str(name).strip().lower())
    if found is None:
        known = ", ".join(FORMATS)
        raise InputError([InputIssue("--format", "", f"unknown format {name!r}; use {known}")])
    return found
