"""CRM change-sets: only the accounts whose owner changes, with an undo file.

Python::

    from solver.export import export_changes
    result = export_changes("plan/", "salesforce", "out/owners.csv", current="customers.csv")
    result.batch_id, result.changes, result.changes_path, result.undo_path

Formats (one module each): ``generic`` (spreadsheet-safe CSV with reasons),
``salesforce`` (Account ``Id,OwnerId``), ``hubspot`` (``Record ID,Company owner``),
``dynamics`` (``accountid,ownerid``), ``odoo`` (``.id,user_id/.id``).
"""

from solver.export.base import ExportFormat, OwnerChange
from solver.export.formats import FORMATS, get_format
from solver.export.writer import ExportResult, export_changes

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportResult",
    "OwnerChange",
    "export_changes",
    "get_format",
]
