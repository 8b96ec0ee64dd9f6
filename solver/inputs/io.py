"""Read tables (CSV, Parquet, Excel/OpenDocument, DataFrame) and write outputs atomically.

Readers return text-typed frames plus the line number of the first data row, so that
validation (``solver.inputs.schema``) can name the exact line of a bad value.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from solver.errors import InputError, InputIssue
from solver.inputs.spreadsheet import is_workbook, read_sheet, split_sheet


@dataclass(frozen=True)
class RawTable:
    """A table as read, before validation; ``first_row`` is the line of its first data row."""

    frame: pd.DataFrame
    source: str
    first_row: int
    lines: tuple[int, ...] = ()  # CSV: the line each record starts on, when known
    hint: str = ""  # a likely cause to add to a missing-column message (wrong delimiter)
    decimal: str = "."  # decimal mark of numbers written as text ("," in much of Europe)

    def row_number(self, position: int) -> int:
        """Line (CSV) or row position (DataFrame) of the record at 0-based ``position``."""
        if position < len(self.lines):
            return self.lines[position]
        return self.first_row + position


#: largest file a scenario may be or name (locks, forbidden pairs): 64 MiB
SCENARIO_FILE_LIMIT = 64 * 2**20


def read_regular_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes; otherwise an
    :class:`InputError` naming the file (a device, pipe or folder is never read, and a
    file that grows while read, such as /dev/zero's kin under /proc, stops at the limit)."""
    source = str(path)
    label = f"file for {what}" if what else "file"
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError([InputIssue(source, "", f"{label} not found")]) from None
    except OSError as exc:
        raise InputError(
            [InputIssue(source, "", f"cannot read the {label}", (), str(exc))]
        ) from None
    if not stat.S_ISREG(mode):
        raise InputError(
            [InputIssue(source, "", f"{label} is not a regular file (a device, pipe or folder)")]
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(
            [InputIssue(source, "", f"cannot read the {label}", (), str(exc))]
        ) from None
    if len(data) > limit:
        raise InputError(
            [InputIssue(source, "", f"{label} is larger than the {limit // 2**20} MiB limit")]
        )
    return data


def read_table(
    data: str | Path | pd.DataFrame,
    name: str,
    *,
    sep: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    max_bytes: int | None = None,
) -> RawTable:
    """Read ``data`` (CSV, Parquet or workbook path, or a DataFrame); ``name`` labels a
    DataFrame. A workbook is ``book.xlsx`` (first sheet) or ``book.xlsx#Sheet``.

    CSV is strict by default (UTF-8, ``,`` between fields); ``sep``, ``decimal`` and
    ``encoding`` read files saved otherwise (``";"``, ``","``, ``"cp1252"``). Only a regular
    file is read, of at most ``max_bytes`` when given.
    """
    if isinstance(data, pd.DataFrame):
        return RawTable(data.reset_index(drop=True), f"{name} (DataFrame)", 0, decimal=decimal)
    path, sheet = split_sheet(data)
    source = str(path)
    if not path.exists():
        raise InputError([InputIssue(source, "", "file not found")])
    if not path.is_file():
        rule = "is not a regular file (a device, pipe or folder); give a CSV, Parquet or workbook"
        raise InputError([InputIssue(source, "", rule)])
    if max_bytes is not None and path.stat().st_size > max_bytes:
        rule = f"file is larger than the {max_bytes // 2**20} MiB limit"
        raise InputError([InputIssue(source, "", rule)])
    if is_workbook(path):
        book = read_sheet(path, sheet)
        where = f"{source}#{book.name}"
        _check_duplicates(book.header, where)
        return RawTable(book.frame(), where, 2, book.row_numbers, decimal=decimal)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            return RawTable(frame.reset_index(drop=True), source, 0, decimal=decimal)
        raw = path.read_bytes() if max_bytes is None else read_regular_file(path, max_bytes, "")
        text = _decode(raw, source, encoding)
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise InputError([InputIssue(source, "", "file is empty (no header row)")]) from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise InputError(
            [InputIssue(source, "", "cannot be read as a table", (), str(exc))]
        ) from None
    header, lines = _record_lines(text, sep)
    hint = _check_header(header, frame, source, sep)
    frame.columns = [str(c).strip() for c in frame.columns]
    lines = lines if len(lines) == len(frame) else ()
    return RawTable(frame, source, 2, lines, hint, decimal)


def _decode(raw: bytes, source: str, encoding: str) -> str:
    """The file's text: strict UTF-8 (BOM allowed) by default, else ``encoding``."""
    if codecs.lookup(encoding).name == "utf-8":
        _check_text(raw, source)
        return raw.decode("utf-8-sig")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            [InputIssue(source, "", f"file is not {encoding} text", (line,), str(exc))]
        ) from None


def _check_text(raw: bytes, source: str) -> None:
    """UTF-8 text or an issue naming the line and the likely cause."""
    if b"\x00" in raw:
        raise InputError(
            [
                InputIssue(
                    source,
                    "",
                    "file is not UTF-8 text: it contains NUL bytes (UTF-16, or a workbook "
                    "under another name: give an .xlsx its .xlsx name, or save it as CSV UTF-8)",
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
                    "probably Windows-1252 / Latin-1; save it as CSV UTF-8, "
                    "or pass --encoding cp1252",
                )
            ]
        ) from None


def _record_lines(text: str, sep: str = ",") -> tuple[list[str], tuple[int, ...]]:
    """Header fields and the line each data record starts on (blank lines skipped, quoted
    cells may span lines), as pandas reads them."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
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


def _check_header(header: list[str], frame: pd.DataFrame, source: str, sep: str = ",") -> str:
    """Duplicate names are an error; a likely wrong delimiter comes back as a hint."""
    _check_duplicates(header, source)
    if len(frame.columns) == 1:
        for other, word in ((";", "';'"), ("\t", "tabs"), ("|", "'|'"), (",", "','")):
            if other != sep and other in str(frame.columns[0]):
                return (
                    f"the fields look separated by {word}, not {sep!r}; save it as "
                    f"comma-separated CSV or pass --sep {other!r}"
                )
    return ""


def _check_duplicates(header: list[str], source: str) -> None:
    names = [h.strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1 and n})
    if repeated:
        raise InputError([InputIssue(source, ", ".join(repeated), "duplicate column name", (1,))])


def fingerprint_frame(frame: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of a frame's CSV text: identifies the exact input."""
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write(tmp_path)`` into a temporary file, then rename over ``path``
    (which must be a regular file or a new path: a device or pipe is never replaced)."""
    if path.exists() and not path.is_file():
        raise OSError(errno.EINVAL, "not a regular file; give a new path", str(path))
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
_FIRST = frozenset(FORMULA_LEADERS) | {"'"}


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR, LF),
    and to text that already starts with quotes before one (so the prefix can be undone).

    Numbers stay numbers: only text (object/string) columns are touched.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            values = out[column]
            # a formula-like cell starts with a leader or a quote: the rest is not looked at
            cells = values.tolist()
            if not _any_leader(cells):
                continue
            mask = np.fromiter(
                (isinstance(v, str) and v[:1] in _FIRST and _formula_like(v) for v in cells),
                dtype=bool, count=len(cells),
            )  # fmt: skip
            if mask.any():
                out[column] = values.where(~mask, "'" + values.astype(str))
    return out


def _any_leader(cells: list) -> bool:
    """Whether a cell may start with a formula leader or a quote: False only when every
    cell is text and none starts with one (searched in the cells joined, in C)."""
    if not all(type(v) is str for v in cells):
        return True
    joined = _SEPARATOR + _SEPARATOR.join(cells)
    if joined.count(_SEPARATOR) != len(cells):  # a cell holds the separator itself
        return True
    return any(_SEPARATOR + first in joined for first in _FIRST)


_SEPARATOR = "\x1f"


def _formula_like(text: str) -> bool:
    """A formula leader first, or after leading quotes (``'=x`` as text is written
    ``''=x``, so reading back removes exactly the one quote writing added)."""
    return text.lstrip("'").startswith(FORMULA_LEADERS)


def restore_formula_text(value: str) -> str:
    """Undo :func:`neutralise_formulas` on one cell read back from our own CSV."""
    if value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


#: a text cell is quoted when it holds a quote, the delimiter, CR or LF, or starts or ends
#: with white space (the csv module leaves a lone CR and edge spaces bare, and readers that
#: skip initial spaces or split lines on CR would then read other cells back)
_NEEDS_QUOTES = re.compile(r'[",\r\n]|^\s|\s$')


def csv_bytes(frame: pd.DataFrame, spreadsheet_safe: bool = True) -> bytes:
    """CSV bytes (UTF-8, ``\\n`` line ends) that read back to exactly the cells written;
    with ``spreadsheet_safe`` formula-like text is neutralised first."""
    if spreadsheet_safe:
        frame = neutralise_formulas(frame)
    header = ",".join(_quoted([str(c) for c in frame.columns]))
    if frame.empty:
        return (header + "\n").encode("utf-8")
    cells = [_csv_cells(frame.iloc[:, k]) for k in range(frame.shape[1])]
    rows = [",".join(row) for row in zip(*cells, strict=True)]
    return (header + "\n" + "\n".join(rows) + "\n").encode("utf-8")


def _csv_cells(series: pd.Series) -> list[str]:
    """One column as CSV cell text: text quoted where needed, other types as pandas writes."""
    if pd.api.types.is_object_dtype(series) or isinstance(
        series.dtype, pd.CategoricalDtype | pd.StringDtype
    ):
        values = series.astype(object).tolist()
        return _quoted(["" if v is None or v is pd.NA or v != v else str(v) for v in values])
    if series.dtype == np.float64:  # repr() is what to_csv writes, twice numpy's speed
        values = series.to_numpy()
        text = list(map(repr, values.tolist()))
        for k in np.flatnonzero(np.isnan(values)):
            text[k] = ""
        return text
    if series.dtype.kind in "biuf":  # numpy numbers: str() is what to_csv writes, faster
        text = series.to_numpy().astype(str)
        missing = series.isna().to_numpy()
        if missing.any():
            text[missing] = ""
        return text.tolist()
    lines = series.to_frame().to_csv(index=False, header=False, lineterminator="\n")
    return ["" if c == '""' else c for c in lines.split("\n")[:-1]]  # "" = one empty cell


def _quoted(text: list[str]) -> list[str]:
    joined = "".join(text)
    if not any(c in joined for c in '",\r\n'):  # the usual column: only edge spaces quote
        return ['"' + t + '"' if t and (t[0].isspace() or t[-1].isspace()) else t for t in text]
    search = _NEEDS_QUOTES.search
    return ['"' + t.replace('"', '""') + '"' if search(t) else t for t in text]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Atomically write a spreadsheet-safe CSV (UTF-8, ``\\n`` line ends)."""
    data = csv_bytes(frame)
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def json_bytes(data: dict) -> bytes:
    """Pretty, key-sorted JSON (UTF-8); mappings that are not dicts (the typed records of
    solver.results) are written as the objects they read as."""
    text = json.dumps(data, indent=2, sort_keys=True, default=_json_default)
    return (text + "\n").encode("utf-8")


def _json_default(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else str(value)


def write_json(data: dict, path: Path) -> None:
    """Atomically write pretty, key-sorted JSON."""
    text = json_bytes(data)
    atomic_write(path, lambda tmp: tmp.write_bytes(text))
