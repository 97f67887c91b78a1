"""Uploaded files read into a :class:`Sheet`: a CSV file (UTF-8 or Windows-1252, comma, semicolon or tab
separated) or an Excel workbook (.xlsx), its header row found below any title rows.

A file that cannot be read at all (empty, not CSV or Excel, wrong encoding,
no header row, a column twice, unknown columns) raises
:class:`~icsdash.errors.DataError` naming the file and what is allowed. The
import readers (:mod:`icsdash.imports`, :mod:`icsdash.nhs_files`) check the
rows.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from .errors import DataError

HEADER_SEARCH_ROWS = 20           # extra title rows above the header that a spreadsheet may have
MAX_ROWS = 200_000                # more rows than any NHS file of England has (about 6,300 practices)


@dataclass(frozen=True)
class Sheet:
    """The cells of one table in a file: the header (normalised names) and each row with its line."""

    name: str                                 # the file name, and the sheet for workbooks
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    encoding: str
    skipped: int = 0                          # rows above the header


def normalise(name: str) -> str:
    """A column name as compared: lower case, words joined by '_'.

    >>> normalise(" PCN Code "), normalise("ONS_SUB_ICB_LOCATION_CODE"), normalise("\\ufeffPractice-Code")
    ('pcn_code', 'ons_sub_icb_location_code', 'practice_code')
    """
    return re.sub(r"[^a-z0-9]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")


def cell(value) -> str:
    """A spreadsheet cell (or a table's) as text: blank for none, whole numbers without '.0', dates as ISO dates.

    >>> cell(None), cell(float("nan")), cell(48210.0), cell(2.5), cell(True), cell(date(2026, 3, 12))
    ('', '', '48210', '2.5', 'yes', '2026-03-12')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text of a CSV file and the encoding it was read in: UTF-8 (with or without a byte order mark),
    else Windows-1252 (what Excel on Windows writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError("is UTF-16 text; save it as 'CSV UTF-8' (or plain CSV) and import that", source=name)
    if b"\x00" in data[:4096]:
        raise DataError("is not a text (CSV) file or an Excel workbook (.xlsx)", source=name)
    try:
        return data.decode("utf-8-sig"), "UTF-8 with byte order mark" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise DataError(f"is neither UTF-8 nor Windows-1252 text (byte {exc.object[exc.start]:#04x} at position "
                        f"{exc.start:,}); save it as 'CSV UTF-8' and import that", source=name) from None


def _csv_rows(data: bytes, name: str) -> tuple[list[tuple[int, list[str]]], str]:
    content, encoding = decode(data, name)
    if "\x00" in content:                   # past the first 4 KB (before it, the file is taken for binary)
        line = content.count("\n", 0, content.index("\x00")) + 1
        raise DataError("contains a NUL character (U+0000), which cannot be stored; remove it and import again",
                        source=name, line=line)
    first = next((line for line in content.splitlines() if line.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise DataError(f"has more than {MAX_ROWS:,} rows; split it", source=name)
    except csv.Error as exc:
        raise DataError(f"is not a readable CSV file ({exc})", source=name, line=reader.line_num) from None
    return rows, encoding


def workbook_sheets(data: bytes, name: str):
    """The sheets of an .xlsx workbook, by name (read only, values not formulas)."""
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, AttributeError) as exc:
        raise DataError(f"is not a readable Excel workbook ({type(exc).__name__}); save it again as .xlsx",
                        source=name) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise DataError(f"is not a readable Excel workbook ({type(exc).__name__}); save it again as .xlsx",
                        source=name) from None
    return book


def _sheet_rows(book, sheet: str, name: str) -> list[tuple[int, list[str]]]:
    rows = []
    try:
        for i, values in enumerate(book[sheet].iter_rows(values_only=True), start=1):
            rows.append((i, [cell(v) for v in values]))
            if len(rows) > MAX_ROWS:
                raise DataError(f"has more than {MAX_ROWS:,} rows; split it", source=name)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        raise DataError(f"sheet {sheet!r} cannot be read ({type(exc).__name__})", source=name) from None
    return rows


def is_workbook(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def read_sheet(data: bytes, name: str, required: Iterable[str], aliases: dict[str, str] | None = None,
               sheets: tuple[str, ...] = ()) -> Sheet:
    """Read a CSV file or an Excel workbook into a :class:`Sheet`.

    The header is the first of the first rows holding every ``required`` column (so title rows above it are
    skipped); ``aliases`` maps other names of a column to its name. ``sheets`` names the workbook sheet to
    read (the first that exists); otherwise the first sheet.
    """
    if not data or not data.strip():
        raise DataError("is empty", source=name)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("is an old-style Excel workbook (.xls); save it as .xlsx or CSV and import that", source=name)
    if is_workbook(data):
        book = workbook_sheets(data, name)
        names = book.sheetnames
        if sheets:
            found = next((s for s in sheets if s in names), None)
            if found is None:
                found = next((s for s in names if normalise(s) in {normalise(x) for x in sheets}), None)
            if found is None:
                raise DataError(f"has no sheet called {' or '.join(repr(s) for s in sheets)}; its sheets are "
                                f"{', '.join(repr(s) for s in names)}", source=name)
        else:
            found = next((s for s in names if normalise(s) not in {"columns", "about", "notes"}), names[0])
        rows = _sheet_rows(book, found, name)
        name, encoding = f"{name}, sheet {found!r}", "Excel workbook"
    else:
        rows, encoding = _csv_rows(data, name)
    return _with_header(rows, name, encoding, tuple(required), aliases or {})


def _with_header(rows: list[tuple[int, list[str]]], name: str, encoding: str, required: tuple[str, ...],
                 aliases: dict[str, str]) -> Sheet:
    def names(cells: list[str]) -> list[str]:
        return [aliases.get(normalise(c), normalise(c)) for c in cells]

    filled = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    if not filled:
        raise DataError("has no rows", source=name)
    for position, (line, cells) in enumerate(filled[:HEADER_SEARCH_ROWS]):
        header = names(cells)
        if all(r in header for r in required):
            break
    else:
        first = ", ".join(c for c in filled[0][1] if c.strip())[:200]
        raise DataError(f"has no header row with the column(s) {', '.join(required)} in its first "
                        f"{HEADER_SEARCH_ROWS} rows (the first row holds: {first})", source=name)
    while header and header[-1] == "":
        header.pop()
    seen = set()
    for i, column in enumerate(header):
        if column and column in seen:
            raise DataError(f"has the column {column!r} twice", source=name, line=line)
        if not column and any(c.strip() for _, r in filled[position + 1:] for c in r[i:i + 1]):
            raise DataError(f"column {i + 1} has values but no name in the header", source=name, line=line)
        seen.add(column)
    body = tuple((ln, tuple(c.strip() for c in cells)) for ln, cells in filled[position + 1:])
    return Sheet(name=name, header=tuple(header), rows=body, encoding=encoding, skipped=position)


def check_columns(sheet: Sheet, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
    """Refuse columns that are not allowed (a typo loses data silently otherwise), suggesting the nearest."""
    allowed = list(allowed)
    unknown = [c for c in sheet.header if c and c not in allowed]
    if unknown:
        hints = []
        for column in unknown:
            close = difflib.get_close_matches(column, allowed, n=1)
            hints.append(f"{column!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise DataError(f"unknown column(s) {', '.join(hints)}; the allowed columns are {', '.join(allowed)}",
                        source=sheet.name)
    missing = [c for c in required if c not in sheet.header]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}", source=sheet.name)


def records(sheet: Sheet) -> Iterable[tuple[int, dict[str, str], list[str]]]:
    """Each row as {column: value}, with its line and any cells beyond the header."""
    width = len(sheet.header)
    for line, cells in sheet.rows:
        values = dict(zip(sheet.header, cells + ("",) * (width - len(cells))))
        values.pop("", None)
        yield line, values, [c for c in cells[width:] if c]
