"""Excel and OpenDocument workbooks: read one sheet as text, write a formula-safe .xlsx.

Reading uses python-calamine (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``); writing uses
openpyxl. A sheet is read cell by cell so every record keeps the row number Excel shows,
and cells come back as the text the user typed: a whole number stored as a float
(``1001.0``, how Excel keeps every number) is ``"1001"``, a date is ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue

#: file suffixes read as workbooks
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class Sheet:
    """One sheet as text: header names, data rows and the Excel row number of each row."""

    name: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: tuple[int, ...]

    def frame(self) -> pd.DataFrame:
        """The data rows as a text frame (missing cells are '')."""
        return pd.DataFrame(self.rows, columns=self.header, dtype=object)


def split_sheet(data: str | Path) -> tuple[Path, str | None]:
    """``book.xlsx#Accounts`` -> (``book.xlsx``, ``"Accounts"``); no ``#`` -> first sheet."""
    text = str(data)
    path = Path(text)
    if path.exists() or "#" not in text:
        return path, None
    base, _, sheet = text.rpartition("#")
    if Path(base).suffix.lower() in WORKBOOK_SUFFIXES:
        return Path(base), sheet
    return path, None


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


def read_sheet(path: Path, sheet: str | None) -> Sheet:
    """Read ``sheet`` (default: the first) of the workbook at ``path`` as text.

    The header is the first non-blank row; wholly blank rows after it are skipped, as
    in a CSV. Raises :class:`InputError` naming the file (and the sheets it has).
    """
    from python_calamine import CalamineWorkbook

    source = str(path)
    try:
        book = CalamineWorkbook.from_path(source)
    except Exception as exc:  # calamine raises its own error types per format
        raise InputError(
            [InputIssue(source, "", "cannot be read as a workbook", (), str(exc))]
        ) from None
    names = list(book.sheet_names)
    if not names:
        raise InputError([InputIssue(source, "", "workbook has no sheets")])
    name = names[0] if sheet is None else sheet
    if name not in names:
        raise InputError(
            [InputIssue(source, "", f"no sheet named {name!r}", (), f"sheets: {names}")]
        )
    cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    text_rows = [[cell_text(v) for v in row] for row in cells]
    where = f"{source}#{name}"
    filled = [i for i, row in enumerate(text_rows) if any(c.strip() for c in row)]
    if not filled:
        raise InputError([InputIssue(where, "", "sheet is empty (no header row)")])
    top = filled[0]
    header = [c.strip() for c in text_rows[top]]
    used = [k for k, h in enumerate(header) if h or any(k < len(r) and r[k] for r in text_rows)]
    header = [header[k] or f"Unnamed: {k}" for k in used]
    rows, numbers = [], []
    for i in filled[1:]:
        row = text_rows[i]
        rows.append([row[k] if k < len(row) else "" for k in used])
        numbers.append(i + 1)  # Excel counts rows from 1
    return Sheet(name, header, rows, tuple(numbers))


def cell_text(value: object) -> str:
    """A cell as the text the user typed: 1001.0 -> '1001', dates ISO, booleans lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str = "assignments") -> None:
    """Write ``frame`` as one sheet of an .xlsx; formula-safe.

    Every text cell is stored with the string type, so a cell such as ``=HYPERLINK(...)``
    shows as the text it is and is never evaluated (no ``'`` prefix is needed, unlike
    CSV); numbers, booleans and dates keep their types.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)

    def cell(value: object) -> WriteOnlyCell:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return WriteOnlyCell(ws, value=None)
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, bool | int | float | dt.date):
            return WriteOnlyCell(ws, value=value)
        out = WriteOnlyCell(ws, value=str(value))
        out.data_type = "s"  # never a formula, whatever the text starts with
        return out

    ws.append([cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    book.save(path)
