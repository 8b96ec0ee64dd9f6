"""Read tables (CSV, Parquet, DataFrame) and write outputs atomically.

Readers return text-typed frames plus the line number of the first data row, so that
validation (``solver.schema``) can name the exact line of a bad value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from solver.errors import InputError, InputIssue


@dataclass(frozen=True)
class RawTable:
    """A table as read, before validation; ``first_row`` is the line of its first data row."""

    frame: pd.DataFrame
    source: str
    first_row: int
    lines: tuple[int, ...] = ()  # CSV: the line each record starts on, when known
    hint: str = ""  # a likely cause to add to a missing-column message (wrong delimiter)

    def row_number(self, position: int) -> int:
        """Line (CSV) or row position (DataFrame) of the record at 0-based ``position``."""
        if position < len(self.lines):
            return self.lines[position]
        return self.first_row + position


def read_table(data: str | Path | pd.DataFrame, name: str) -> RawTable:
    """Read ``data`` (CSV or Parquet path, or a DataFrame); ``name`` labels a DataFrame."""
    if isinstance(data, pd.DataFrame):
        return RawTable(data.reset_index(drop=True), f"{name} (DataFrame)", 0)
    path = Path(data)
    source = str(path)
    if not path.exists():
        raise InputError([InputIssue(source, "", "file not found")])
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            return RawTable(frame.reset_index(drop=True), source, 0)
        raw = path.read_bytes()
        _check_text(raw, source)
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise InputError([InputIssue(source, "", "file is empty (no header row)")]) from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise InputError(
            [InputIssue(source, "", "cannot be read as a table", (), str(exc))]
        ) from None
    text = raw.decode("utf-8-sig")
    header, lines = _record_lines(text)
    hint = _check_header(header, frame, source)
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawTable(frame, source, 2, lines if len(lines) == len(frame) else (), hint)


def _check_text(raw: bytes, source: str) -> None:
    """UTF-8 text or an issue naming the line and the likely cause."""
    if b"\x00" in raw:
        raise InputError(
            [
                InputIssue(
                    source,
                    "",
                    "file is not UTF-8 text: it contains NUL bytes (UTF-16, or a binary file "
                    "such as .xlsx); save it as CSV UTF-8",
                )
            ]
        )
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [
                InputIssue(
                    source,
                    "",
                    "file is not UTF-8 text",
                    (line,),
                    "probably Windows-1252 / Latin-1; save it as CSV UTF-8",
                )
            ]
        ) from None


def _record_lines(text: str) -> tuple[list[str], tuple[int, ...]]:
    """Header fields and the line each data record starts on (blank lines skipped, quoted
    cells may span lines), as pandas reads them."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] = []
    starts: list[int] = []
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row) and len(row) <= 1:
                continue
            if not header:
                header = row
            else:
                starts.append(start)
    except csv.Error:
        return header, ()
    return header, tuple(starts)


def _check_header(header: list[str], frame: pd.DataFrame, source: str) -> str:
    """Duplicate names are an error; a likely wrong delimiter comes back as a hint."""
    names = [h.strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1 and n})
    if repeated:
        raise InputError([InputIssue(source, ", ".join(repeated), "duplicate column name", (1,))])
    if len(frame.columns) == 1:
        for sep, word in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if sep in str(frame.columns[0]):
                return (
                    f"the fields look separated by {word}, not ','; save it as comma-separated CSV"
                )
    return ""


def fingerprint_frame(frame: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of a frame's CSV text: identifies the exact input."""
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write(tmp_path)`` into a temporary file, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR, LF).

    Numbers stay numbers: only text (object/string) columns are touched.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            values = out[column]
            mask = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_LEADERS))
            if mask.any():
                out[column] = values.where(~mask, "'" + values.astype(str))
    return out


def restore_formula_text(value: str) -> str:
    """Undo :func:`neutralise_formulas` on one cell read back from our own CSV."""
    if value.startswith("'") and value[1:].startswith(FORMULA_LEADERS):
        return value[1:]
    return value


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Atomically write a spreadsheet-safe CSV (UTF-8, ``\\n`` line ends)."""
    safe = neutralise_formulas(frame)
    atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, lineterminator="\n"))


def write_json(data: dict, path: Path) -> None:
    """Atomically write pretty, key-sorted JSON."""
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
