"""Imports: places and their governance, PCNs and assessments, from the app's templates and from NHS files.

Every import runs in two steps. :func:`prepare` reads and checks the whole
file and returns a :class:`Preview` (rows to add, change, remove and reject,
each rejected row with its line, column and reason); nothing is written.
:func:`apply` then writes the accepted rows in one transaction through
:meth:`Store.apply_import`, or nothing. A file that cannot be read at all
(empty, not CSV or Excel, wrong encoding, no header row, unknown columns)
raises :class:`~icsdash.errors.DataError` naming the file and what is allowed.

Files accepted:

- the templates (:func:`template`): places and governance, PCNs, assessments;
- NHS Digital's practice mapping file ``gp-reg-pat-prac-map.csv`` (2021-22 layout with CCG and STP columns, or
  the layout since July 2022 with sub-ICB location and ICB columns, in any column order), with the optional
  practice counts file ``gp-reg-pat-prac-all.csv`` for list sizes;
- NHS England's ePCN workbook ``ePCN.xlsx`` (sheet ``PCNDetails`` or ``PCN Details``, and
  ``PCN Core Partner Details``).

The NHS files are read, and their PCNs placed, by :mod:`icsdash.nhs_files`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .assessments import CONSENSUS_GROUP, KINDS as ASSESSMENT_KINDS, MAX_PARTICIPANT, ROUND_LABEL, \
    STAKEHOLDER_GROUPS, AssessmentRecord, check_entries, gaps
from .errors import DataError, IcsdashError
from .framework import Framework
from .reference import (IMPORTABLE, PCN, PLACE, SCHEMAS, Column, Overlay, Reference, code, load_reference,
                        read_text_table, text, with_overlay)

HEADER_SEARCH_ROWS = 20           # extra title rows above the header that a spreadsheet may have
MAX_ROWS = 200_000                # more rows than any NHS file of England has (about 6,300 practices)
NOT_ASSESSED = ("n/a", "na", "not assessed")


# --------------------------------------------------------------------------- reading files

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


def _cell(value) -> str:
    """A spreadsheet cell as text: whole numbers without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
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
            rows.append((i, [_cell(v) for v in values]))
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


# --------------------------------------------------------------------------- the preview

@dataclass(frozen=True)
class Reject:
    line: int
    column: str
    reason: str


@dataclass
class Preview:
    """What an import would do. Nothing has been written."""

    kind: str
    file_name: str
    encoding: str
    based_on: int                                      # the reference version it was checked against
    added: list[dict] = field(default_factory=list)    # rows as shown
    changed: list[dict] = field(default_factory=list)  # {code, column, now, new}
    removed: list[dict] = field(default_factory=list)
    rejected: list[Reject] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    rows: Overlay = field(default_factory=dict)         # reference rows to write
    records: list[AssessmentRecord] = field(default_factory=list)
    placed: list[dict] = field(default_factory=list)   # NHS files: each PCN's place and how it was chosen
    extra_changes: int = 0                             # rows written besides those listed (practices only)

    @property
    def changes(self) -> int:
        """How many rows would be written (added, changed or removed)."""
        return len(self.added) + len({c["code"] for c in self.changed}) + len(self.removed) + self.extra_changes

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len({c["code"] for c in self.changed}),
                "removed": len(self.removed), "rejected": len({r.line for r in self.rejected}),
                "unchanged": self.unchanged}

    def summary(self) -> str:
        """'12 to add, 3 to change, 0 to remove, 2 rejected, 40 unchanged'."""
        c = self.counts()
        return (f"{c['added']} to add, {c['changed']} to change, {c['removed']} to remove, {c['rejected']} rejected "
                f"row(s), {c['unchanged']} unchanged")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The preview as tables to show: added, changed, removed, rejected."""
        shown = {"added": pd.DataFrame(self.added),
                 "changed": pd.DataFrame(self.changed, columns=["code", "column", "now", "new"]),
                 "removed": pd.DataFrame(self.removed),
                 "rejected": pd.DataFrame([r.__dict__ for r in self.rejected], columns=["line", "column", "reason"])}
        if self.placed:
            placed = pd.DataFrame(self.placed)
            shown["guesses"] = placed[placed["placed by"] == "a guess"].reset_index(drop=True)
            shown["placed"] = placed
        return shown


@dataclass(frozen=True)
class Target:
    """What an import is checked against: the data as it is now."""

    data_dir: Path
    reference: Reference
    overlay: Overlay
    imported: int                                     # the reference version (newest import's audit id)
    framework: Framework
    place_shapes: dict[str, dict]
    max_justification: int = 4000
    assessment_keys: Callable[[], dict] = dict        # Store.assessment_keys, read only when needed
    today: date = field(default_factory=lambda: datetime.now(timezone.utc).date())

    def text_rows(self, table: str) -> pd.DataFrame:
        """A reference table as text cells, imported rows applied: what a change is compared with."""
        frame = read_text_table(self.data_dir / table)
        return with_overlay(frame, IMPORTABLE[table], self.overlay.get(table, {}))


# --------------------------------------------------------------------------- templates

@dataclass(frozen=True)
class TemplateColumn:
    name: str
    description: str
    example: str
    check: Callable[[str], object] = text
    required: bool = False


def _schema_check(table: str, column: str) -> Callable[[str], object]:
    return next(c.check for c in SCHEMAS[table] if c.name == column)


def _governance_columns() -> list[TemplateColumn]:
    from .governance import BCF_ARRANGEMENTS, CRITERIA, CRITERION_STATUSES, EMPLOYERS, MODELS, YES_NO
    g = "place_governance.csv"
    columns = [
        TemplateColumn("governance_model", "The place's governance model: " + ", ".join(m.key for m in MODELS),
                       "committee_of_statutory_body", _schema_check(g, "governance_model")),
        TemplateColumn("governance_note", "A sentence on how the place is governed", "Bolton Partnership Board "
                       "with delegated ICB functions"),
        TemplateColumn("sap_post", "The single accountable person's post", "Place director, ICB and council"),
        TemplateColumn("sap_employer", "Who employs the single accountable person: " + ", ".join(EMPLOYERS),
                       "icb", _schema_check(g, "sap_employer")),
        TemplateColumn("sap_dual_role", "Does that person also hold a council or provider post: "
                       + ", ".join(YES_NO), "yes", _schema_check(g, "sap_dual_role")),
        TemplateColumn("delegated_budget_gbp_m", "Budget delegated to the place, GBP millions", "120.5",
                       _schema_check(g, "delegated_budget_gbp_m")),
        TemplateColumn("pooled_budget_gbp_m", "Budget pooled with the council (e.g. Section 75), GBP millions",
                       "45", _schema_check(g, "pooled_budget_gbp_m")),
        TemplateColumn("aligned_budget_gbp_m", "Budget aligned but not pooled, GBP millions", "10",
                       _schema_check(g, "aligned_budget_gbp_m")),
        TemplateColumn("section75", "Is there a Section 75 agreement: " + ", ".join(YES_NO), "yes",
                       _schema_check(g, "section75")),
        TemplateColumn("bcf_arrangement", "Better Care Fund arrangement: " + ", ".join(BCF_ARRANGEMENTS),
                       "above_minimum", _schema_check(g, "bcf_arrangement")),
    ]
    columns += [TemplateColumn(c.key, f"White Paper criterion: {c.label}. One of "
                               + ", ".join(CRITERION_STATUSES), "partly", _schema_check(g, c.key))
                for c in CRITERIA]
    return columns


PLACE_FIELDS = ("place_name", "population", "gp_practices")


def place_template_columns() -> list[TemplateColumn]:
    p = "places.csv"
    return [TemplateColumn("place_code", "The place's code, as in the dashboard (ICB ODS code and name); places "
                           "cannot be added by import, as each needs its boundary", "bolton",
                           code(PLACE, "bolton"), required=True),
            TemplateColumn("place_name", "The place's name", "Bolton", _schema_check(p, "place_name")),
            TemplateColumn("population", "Resident population (a documented figure replaces ONS's)",
                           "296000", _schema_check(p, "population")),
            TemplateColumn("gp_practices", "Number of GP practices in the place", "45",
                           _schema_check(p, "gp_practices")),
            *_governance_columns(),
            TemplateColumn("source_ref", "Where these facts come from (shown beside them in the dashboard)",
                           "Bolton locality plan 2025")]


def pcn_template_columns() -> list[TemplateColumn]:
    c = "pcns.csv"
    return [TemplateColumn("pcn_code", "The PCN's ODS code (U and five digits)", "U12345", code(PCN, "U12345"),
                           required=True),
            TemplateColumn("pcn_name", "The PCN's name (required for a new PCN)", "Bolton Central PCN",
                           _schema_check(c, "pcn_name")),
            TemplateColumn("place_code", "The place the PCN belongs to (required for a new PCN)", "bolton",
                           code(PLACE, "bolton")),
            TemplateColumn("list_size", "Registered patients", "48210", _schema_check(c, "list_size")),
            TemplateColumn("gp_practices", "Number of member practices (required for a new PCN)", "6",
                           _schema_check(c, "gp_practices")),
            TemplateColumn("latitude", "Where to draw it (WGS84); blank: a point inside its place", "53.578",
                           _schema_check(c, "latitude")),
            TemplateColumn("longitude", "Where to draw it (WGS84); blank: a point inside its place", "-2.429",
                           _schema_check(c, "longitude"))]


def assessment_template_columns(framework: Framework) -> list[TemplateColumn]:
    groups = ", ".join(STAKEHOLDER_GROUPS)
    columns = [
        TemplateColumn("place_code", "The place assessed", "bolton", code(PLACE, "bolton"), required=True),
        TemplateColumn("round", "The assessment round, e.g. 2025/26 (a new round is opened if needed)", "2025/26",
                       required=True),
        TemplateColumn("kind", "individual (one stakeholder's view) or consensus (the place's agreed scores)",
                       "individual", required=True),
        TemplateColumn("stakeholder_group", f"For individual assessments: {groups}; leave blank for a consensus",
                       "local_authority"),
        TemplateColumn("participant", "A label for who answered, unique within the place and round (not "
                       "necessarily a name)", "Participant 1", required=True),
        TemplateColumn("submitted_on", "Date submitted, YYYY-MM-DD (blank: today)", "2026-03-12"),
    ]
    for d in framework.dimensions:
        columns.append(TemplateColumn(d.id, f"{d.name}: score {framework.scale_min} to {framework.scale_max}, or "
                                      "'n/a' for not assessed", "3", required=True))
        columns.append(TemplateColumn(f"{d.id}_justification", f"Why that score for {d.name} (required for a "
                                      "score)", "Joint commissioning board meets monthly"))
    return columns


def template_columns(kind: str, framework: Framework) -> list[TemplateColumn]:
    spec = next((f for f in FORMATS if f.key == kind and f.template is not None), None)
    if spec is None:
        raise IcsdashError(f"there is no template for {kind!r}; templates exist for "
                           f"{', '.join(f.key for f in FORMATS if f.template is not None)}", source="template")
    return spec.template(framework)


def template(kind: str, framework: Framework, fmt: str = "csv") -> bytes:
    """A template to fill in: the header, one filled example row, and (Excel) a sheet describing each column.
    The CSV template's example row is marked so that it is never imported by mistake."""
    columns = template_columns(kind, framework)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in columns])
        writer.writerow([c.example for c in columns])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
        book = Workbook()
        data = book.active
        data.title = kind
        data.append([c.name for c in columns])
        data.append([c.example for c in columns])
        for cell in data[1]:
            cell.font = Font(bold=True)
        for i, c in enumerate(columns, start=1):
            data.column_dimensions[data.cell(1, i).column_letter].width = max(12, len(c.name) + 2)
        about = book.create_sheet("Columns")
        about.append(["column", "required", "what it holds", "example"])
        for cell in about[1]:
            cell.font = Font(bold=True)
        for c in columns:
            about.append([c.name, "yes" if c.required else "no", c.description, c.example])
        about.append([])
        about.append(["Replace the example row with your own rows. Blank cells leave the current value as it is."])
        about.column_dimensions["C"].width = 90
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise IcsdashError(f"unknown format {fmt!r}; use csv or xlsx", source="template")


def template_descriptions(kind: str, framework: Framework) -> pd.DataFrame:
    """The template's columns described, for the Admin page."""
    return pd.DataFrame([{"Column": c.name, "Required": "yes" if c.required else "", "What it holds": c.description,
                          "Example": c.example} for c in template_columns(kind, framework)])


# --------------------------------------------------------------------------- shared checks

def _is_example(values: dict[str, str], columns: list[TemplateColumn]) -> bool:
    """The template's own example row, left in by mistake."""
    return all(values.get(c.name, "") in ("", c.example) for c in columns) and \
        sum(values.get(c.name, "") == c.example for c in columns) >= 3


def _check_cells(line: int, values: dict[str, str], columns: dict[str, TemplateColumn],
                 rejected: list[Reject]) -> dict[str, object] | None:
    """The row's non-blank cells checked; None (with the reasons added to ``rejected``) if any is bad."""
    checked, ok = {}, True
    for name, raw in values.items():
        if raw == "" or name not in columns:
            continue
        try:
            checked[name] = columns[name].check(raw)
        except ValueError as exc:
            rejected.append(Reject(line, name, str(exc)))
            ok = False
    return checked if ok else None


def _duplicate(line: int, key: str, value: str, seen: dict[str, int], rejected: list[Reject]) -> bool:
    if value in seen:
        rejected.append(Reject(line, key, f"{value} appears again (first on line {seen[value]}); each may appear "
                                          "once"))
        return True
    seen[value] = line
    return False


def _extra_cells(line: int, extra: list[str], rejected: list[Reject]) -> bool:
    if extra:
        rejected.append(Reject(line, "", f"has {len(extra)} more cell(s) than the header has columns"))
    return bool(extra)


def _same(check: Callable[[str], object], now: str, new: str) -> bool:
    if now == new:
        return True
    try:
        return check(now) == check(new)
    except ValueError:
        return False


def _result_must_load(target: Target, rows: Overlay, name: str) -> None:
    """The data with the import applied must pass every check the app makes when it starts."""
    merged = {t: {**target.overlay.get(t, {}), **rows.get(t, {})} for t in IMPORTABLE}
    try:
        load_reference(target.data_dir, merged)
    except DataError as exc:
        raise DataError(f"the data would not be consistent after this import ({exc}); nothing can be imported",
                        source=name) from None


def _read_template(kind: str, columns: list[TemplateColumn], data: bytes, name: str, target: Target,
                   header: list[str]) -> tuple[dict[str, TemplateColumn], Sheet, Preview]:
    """A template file read and its columns checked: the columns by name, the sheet, an empty preview.
    ``header`` names the columns that identify the header row."""
    by_name = {c.name: c for c in columns}
    sheet = read_sheet(data, name, header)
    check_columns(sheet, by_name, [c.name for c in columns if c.required])
    return by_name, sheet, _preview(kind, sheet, target, name)


def _preview(kind: str, sheet: Sheet, target: Target, name: str) -> Preview:
    preview = Preview(kind=kind, file_name=name, encoding=sheet.encoding, based_on=target.imported)
    if sheet.skipped:
        preview.notes.append(f"{sheet.skipped} row(s) above the header were skipped.")
    if sheet.encoding == "Windows-1252":
        preview.notes.append("Read as Windows-1252 text (not UTF-8): check that accented letters look right.")
    return preview


# --------------------------------------------------------------------------- places and governance

def prepare_places(data: bytes, name: str, target: Target) -> Preview:
    columns = place_template_columns()
    by_name, sheet, preview = _read_template("places", columns, data, name, target, ["place_code"])
    places = target.text_rows("places.csv").set_index("place_code", drop=False)
    governance = target.text_rows("place_governance.csv").set_index("place_code", drop=False)
    seen: dict[str, int] = {}
    written: Overlay = {"places.csv": {}, "place_governance.csv": {}}
    for line, values, extra in records(sheet):
        if _is_example(values, columns):
            preview.notes.append(f"Line {line} is the template's example row and was left out.")
            continue
        code_ = values.get("place_code", "")
        checked = _check_cells(line, values, by_name, preview.rejected)
        if checked is None or _extra_cells(line, extra, preview.rejected):
            continue
        if not code_:
            preview.rejected.append(Reject(line, "place_code", "is empty; a value is required"))
            continue
        if code_ not in places.index:
            preview.rejected.append(Reject(line, "place_code", f"{code_} is not a known place; places cannot be "
                                                               "added by import (each needs its boundary)"))
            continue
        if _duplicate(line, "place_code", code_, seen, preview.rejected):
            continue
        new_place, new_gov, changes = _place_changes(code_, values, places.loc[code_], governance.loc[code_],
                                                     by_name, name, target.today)
        if not changes:
            preview.unchanged += 1
            continue
        preview.changed += changes
        if new_place is not None:
            written["places.csv"][code_] = new_place
        if new_gov is not None:
            written["place_governance.csv"][code_] = new_gov
    preview.rows = {t: r for t, r in written.items() if r}
    if preview.rows:
        _result_must_load(target, preview.rows, name)
    return preview


def _place_changes(code_: str, values: dict[str, str], place: pd.Series, gov: pd.Series,
                   columns: dict[str, TemplateColumn], file_name: str, today: date):
    changes, new_place, new_gov = [], dict(place), dict(gov)
    changed_gov = []
    for column, raw in values.items():
        if raw == "" or column in ("place_code", "source_ref"):
            continue
        row = new_place if column in PLACE_FIELDS else new_gov
        now = str(row.get(column, "") or "")
        if _same(columns[column].check, now, raw):
            continue
        changes.append({"code": code_, "column": column, "now": now, "new": raw})
        row[column] = raw
        if column not in PLACE_FIELDS:
            changed_gov.append(column)
    if not changes:
        return None, None, []
    if "population" in values and values["population"]:
        new_place["population_source"] = "documented"
        new_place["population_ref"] = values.get("source_ref") or f"Imported from {file_name} on {today.isoformat()}"
    if changed_gov:
        documented = [f for f in str(gov.get("documented_fields") or "").split(";") if f]
        new_gov["documented_fields"] = ";".join(documented + [f for f in changed_gov if f not in documented])
        new_gov["source"] = "documented in part"
        new_gov["source_ref"] = values.get("source_ref") or f"Imported from {file_name} on {today.isoformat()}"
    place_changed = any(c["column"] in PLACE_FIELDS for c in changes)
    return (new_place if place_changed else None), (new_gov if changed_gov else None), changes


# --------------------------------------------------------------------------- PCNs from the template

def point_inside(geometry: dict, seed: str) -> tuple[float, float]:
    """A point inside a place's polygon, the same for the same seed (a PCN code): (latitude, longitude)."""
    from shapely.geometry import Point, shape
    polygon = shape(geometry)
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(500):
        x, y = round(rng.uniform(minx, maxx), 5), round(rng.uniform(miny, maxy), 5)
        if polygon.contains(Point(x, y)):
            return y, x
    p = polygon.representative_point()
    return round(p.y, 5), round(p.x, 5)


def _pcn_row(code_: str, name: str, place_code: str, target: Target, list_size: str, practices: str,
             lat: str = "", lon: str = "", source: str = "imported") -> dict[str, str]:
    if not (lat and lon):
        y, x = point_inside(target.place_shapes[place_code], code_)
        lat, lon = f"{y:.5f}", f"{x:.5f}"
    return {"pcn_code": code_, "pcn_name": name, "place_code": place_code, "latitude": lat,
            "longitude": lon, "list_size": list_size, "gp_practices": practices, "source": source}


def _diff_pcn(now: dict[str, str], new: dict[str, str]) -> list[dict]:
    checks = {c.name: c.check for c in SCHEMAS["pcns.csv"]}
    return [{"code": new["pcn_code"], "column": k, "now": now.get(k, ""), "new": v} for k, v in new.items()
            if k not in ("pcn_code", "latitude", "longitude", "icb_ods_code") and
            not (k in checks and (now.get(k, "") or v) and _same_opt(checks[k], now.get(k, ""), v))]


def _same_opt(check, now: str, new: str) -> bool:
    return (now == new) or (bool(now) and bool(new) and _same(check, now, new))


def prepare_pcns(data: bytes, name: str, target: Target) -> Preview:
    columns = pcn_template_columns()
    by_name, sheet, preview = _read_template("pcns", columns, data, name, target, ["pcn_code"])
    current = target.text_rows("pcns.csv").set_index("pcn_code", drop=False)
    places = set(target.reference.places["place_code"])
    seen: dict[str, int] = {}
    written: dict[str, dict[str, str] | None] = {}
    for line, values, extra in records(sheet):
        if _is_example(values, columns):
            preview.notes.append(f"Line {line} is the template's example row and was left out.")
            continue
        checked = _check_cells(line, values, by_name, preview.rejected)
        if checked is None or _extra_cells(line, extra, preview.rejected):
            continue
        code_ = values.get("pcn_code", "")
        if not code_:
            preview.rejected.append(Reject(line, "pcn_code", "is empty; a value is required"))
            continue
        if _duplicate(line, "pcn_code", code_, seen, preview.rejected):
            continue
        now = dict(current.loc[code_]) if code_ in current.index else None
        merged = {**(now or {}), **{k: v for k, v in values.items() if v}}
        missing = [c for c in ("pcn_name", "place_code", "gp_practices") if not merged.get(c)]
        if missing:
            preview.rejected.append(Reject(line, missing[0], "is empty; a new PCN needs pcn_name, place_code and "
                                                             "gp_practices"))
            continue
        if merged["place_code"] not in places:
            preview.rejected.append(Reject(line, "place_code", f"{merged['place_code']} is not a known place"))
            continue
        if bool(values.get("latitude")) != bool(values.get("longitude")):
            preview.rejected.append(Reject(line, "latitude" if not values.get("latitude") else "longitude",
                                           "give both latitude and longitude, or neither"))
            continue
        keep_point = now is not None and now["place_code"] == merged["place_code"] and not values.get("latitude")
        row = _pcn_row(code_, merged["pcn_name"], merged["place_code"], target, merged.get("list_size", ""),
                       merged["gp_practices"], *((now["latitude"], now["longitude"]) if keep_point else
                                                 (values.get("latitude", ""), values.get("longitude", ""))))
        if now is None:
            preview.added.append(_shown_pcn(row, target))
        else:
            diff = _diff_pcn(now, row)
            if values.get("latitude") and (now["latitude"], now["longitude"]) != (row["latitude"], row["longitude"]):
                diff.append({"code": code_, "column": "position", "now": f"{now['latitude']}, {now['longitude']}",
                             "new": f"{row['latitude']}, {row['longitude']}"})
            if not diff:
                preview.unchanged += 1
                continue
            preview.changed += diff
        written[code_] = row
    preview.rows = {"pcns.csv": written} if written else {}
    if written:
        _result_must_load(target, preview.rows, name)
    return preview


def _shown_pcn(row: dict[str, str], target: Target) -> dict:
    place = target.reference.place(row["place_code"])
    return {"code": row["pcn_code"], "name": row["pcn_name"], "place": place["place_name"],
            "ICS": place["icb_short_name"], "practices": row["gp_practices"], "list size": row["list_size"] or "—"}


# --------------------------------------------------------------------------- assessments

def _score(raw: str, framework: Framework) -> int | None:
    if raw.lower() in NOT_ASSESSED:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number from {framework.scale_min} to {framework.scale_max}, or 'n/a'; "
                         f"got {raw!r}") from None
    if not framework.scale_min <= value <= framework.scale_max:
        raise ValueError(f"must be from {framework.scale_min} to {framework.scale_max}, or 'n/a'; got {value}")
    return value


def _submitted_on(raw: str, today: date) -> datetime:
    if not raw:
        return datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"must be a date like 2026-03-12; got {raw!r}") from None
    if day > today:
        raise ValueError(f"is in the future ({day.isoformat()})")
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc).replace(hour=12)


def prepare_assessments(data: bytes, name: str, target: Target, actor: str = "import") -> Preview:
    from .store import record_key
    framework = target.framework
    columns = assessment_template_columns(framework)
    by_name, sheet, preview = _read_template("assessments", columns, data, name, target, ["place_code", "round"])
    places = set(target.reference.places["place_code"])
    existing = target.assessment_keys()
    seen: dict[str, int] = {}
    for line, values, extra in records(sheet):
        if _is_example(values, columns):
            preview.notes.append(f"Line {line} is the template's example row and was left out.")
            continue
        if _extra_cells(line, extra, preview.rejected):
            continue
        record = _assessment(line, values, framework, places, target, actor, name, preview.rejected)
        if record is None:
            continue
        key = record_key(record)
        if _duplicate(line, "participant", f"{record.participant} ({record.place_code}, {record.round_label}, "
                      f"{record.kind})", seen, preview.rejected):
            continue
        shown = {"place": target.reference.place(record.place_code)["place_name"], "round": record.round_label,
                 "kind": record.kind, "group": record.stakeholder_group, "participant": record.participant,
                 **{d.short: "n/a" if record.scores[d.id] is None else record.scores[d.id]
                    for d in framework.dimensions}}
        if key in existing:
            version, dims = existing[key]
            if all(dims.get(d) == (s, record.justifications.get(d, "")) for d, s in record.scores.items()):
                preview.unchanged += 1
                continue
            preview.changed += [{"code": f"{shown['place']} · {record.round_label} · {record.participant}",
                                 "column": d, "now": "" if dims.get(d, (None,))[0] is None else dims[d][0],
                                 "new": "n/a" if s is None else s}
                                for d, s in record.scores.items() if dims.get(d, (None, ""))[0] != s] or \
                [{"code": f"{shown['place']} · {record.round_label} · {record.participant}", "column": "justifications",
                  "now": "", "new": "changed"}]
            record = AssessmentRecord(**{**record.__dict__, "version": version + 1})
        else:
            preview.added.append(shown)
        preview.records.append(record)
    return preview


def _assessment(line: int, values: dict[str, str], framework: Framework, places: set[str], target: Target,
                actor: str, file_name: str, rejected: list[Reject]) -> AssessmentRecord | None:
    problems: list[Reject] = []
    place = values.get("place_code", "")
    if place not in places:
        problems.append(Reject(line, "place_code", f"{place or '(blank)'} is not a known place"))
    round_label = values.get("round", "")
    if not ROUND_LABEL.fullmatch(round_label):
        problems.append(Reject(line, "round", f"must be a round label like 2025/26 (up to 40 letters, digits, '/', "
                                              f"'-'); got {round_label!r}"))
    kind = values.get("kind", "").lower()
    group = values.get("stakeholder_group", "")
    if kind not in ASSESSMENT_KINDS:
        problems.append(Reject(line, "kind", f"must be individual or consensus; got {kind!r}"))
    elif kind == "individual" and group not in STAKEHOLDER_GROUPS:
        problems.append(Reject(line, "stakeholder_group", f"must be one of {', '.join(STAKEHOLDER_GROUPS)}; "
                                                          f"got {group!r}"))
    participant = values.get("participant", "")
    if not participant or len(participant) > MAX_PARTICIPANT:
        problems.append(Reject(line, "participant", f"must be 1 to {MAX_PARTICIPANT} characters"))
    try:
        when = _submitted_on(values.get("submitted_on", ""), target.today)
    except ValueError as exc:
        problems.append(Reject(line, "submitted_on", str(exc)))
    scores, justifications = {}, {}
    for d in framework.dimensions:
        try:
            scores[d.id] = _score(values.get(d.id, ""), framework) if values.get(d.id, "") else None
        except ValueError as exc:
            problems.append(Reject(line, d.id, str(exc)))
            continue
        if not values.get(d.id, ""):
            problems.append(Reject(line, d.id, "is empty; give a score or 'n/a'"))
        if values.get(f"{d.id}_justification"):
            justifications[d.id] = values[f"{d.id}_justification"]
    for dim, reason in {**check_entries(framework, {k: v for k, v in scores.items() if v is not None},
                                        justifications, target.max_justification),
                        **(gaps(framework, scores, justifications) if not problems else {})}.items():
        problems.append(Reject(line, f"{dim}_justification" if "justification" in reason else dim, reason))
    if problems:
        rejected += problems
        return None
    return AssessmentRecord(place_code=place, round_label=round_label, kind=kind,
                            stakeholder_group=CONSENSUS_GROUP if kind == "consensus" else group,
                            participant=participant, status="submitted", created_at=when, scores=scores,
                            justifications=justifications, author=f"{actor} (import of {file_name})"[:200],
                            is_demo=False)


# --------------------------------------------------------------------------- the entry points

def target_for(config, framework: Framework, geography, store, vintage: str | None = None) -> Target:
    """The data as it is now in ``store`` (imports applied), in ``vintage``'s ICBs, to check an import against."""
    imported = store.reference_version()
    overlay = store.reference_overlay()
    reference = load_reference(config.data_dir, overlay, imported, vintage or config.vintage)
    return Target(data_dir=Path(config.data_dir), reference=reference,
                  overlay=overlay, imported=imported, framework=framework, place_shapes=geography.shapes["places"],
                  max_justification=config.max_justification, assessment_keys=store.assessment_keys)


# --------------------------------------------------------------------------- the formats, listed once

@dataclass(frozen=True)
class ImportFormat:
    """A kind of file an administrator can import. The Admin page, the command line (``icsdash import`` and
    ``icsdash template``), the docs test and the tests all loop over :data:`FORMATS`: adding a format is
    adding an entry there."""

    key: str                      # as the command line takes it: ``icsdash import <key> FILE``
    label: str                    # as the Admin page lists it
    caption: str                  # what the Admin page says under it
    read: Callable[..., Preview]  # (data, name, target, counts, counts_name, actor) -> Preview; writes nothing
    template: Callable[[Framework], list[TemplateColumn]] | None = None    # a template to fill in, if any
    takes_counts: bool = False    # also takes NHS Digital's practice counts file (list sizes)


TEMPLATE_CAPTION = "Fill in one row per item; blank cells keep the current value. The example row is ignored."
NHS_CAPTION = ("The file as published by NHS Digital or NHS England, of any date since 2021, unchanged. Its PCNs and "
               "practices replace those of the places it covers; add the practice counts file "
               "(gp-reg-pat-prac-all.csv) for list sizes.")


def _nhs(function: str) -> Callable[..., Preview]:
    """A reader of :mod:`icsdash.nhs_files` (which builds on this module, so it is imported when first used)."""
    def read(data, name, target, counts=None, counts_name=None, actor="import"):
        from . import nhs_files
        return getattr(nhs_files, function)(data, name, target, counts, counts_name)
    return read


FORMATS: tuple[ImportFormat, ...] = (
    ImportFormat("places", "Places and their governance (template)", TEMPLATE_CAPTION,
                 lambda data, name, target, *_, **__: prepare_places(data, name, target),
                 lambda framework: place_template_columns()),
    ImportFormat("pcns", "Primary care networks (template)", TEMPLATE_CAPTION,
                 lambda data, name, target, *_, **__: prepare_pcns(data, name, target),
                 lambda framework: pcn_template_columns()),
    ImportFormat("assessments", "Assessments (template)", TEMPLATE_CAPTION,
                 lambda data, name, target, counts=None, counts_name=None, actor="import":
                 prepare_assessments(data, name, target, actor),
                 assessment_template_columns),
    ImportFormat("gp_practices", "NHS Digital practice mapping (gp-reg-pat-prac-map.csv)", NHS_CAPTION,
                 _nhs("prepare_practice_map"), takes_counts=True),
    ImportFormat("epcn", "NHS England ePCN workbook (ePCN.xlsx)", NHS_CAPTION, _nhs("prepare_epcn"),
                 takes_counts=True),
)


def format_of(kind: str) -> ImportFormat:
    """The format ``kind`` names; IcsdashError naming the known ones otherwise."""
    for spec in FORMATS:
        if spec.key == kind:
            return spec
    raise IcsdashError(f"unknown import {kind!r}; one of {', '.join(f.key for f in FORMATS)}", source="import")


def prepare(kind: str, data: bytes, name: str, target: Target, counts: bytes | None = None,
            counts_name: str | None = None, actor: str = "import") -> Preview:
    """Check a file and say what importing it would do; writes nothing. Raises DataError when the file
    cannot be read at all."""
    spec = format_of(kind)
    return spec.read(data, Path(name or "uploaded file").name, target, counts if spec.takes_counts else None,
                     counts_name, actor)


def apply(store, preview: Preview, actor, framework: Framework) -> int:
    """Write what the preview shows, in one transaction (or nothing). Returns the import's audit id."""
    if not preview.changes:
        raise IcsdashError("there is nothing to import: every row is unchanged or rejected", source=preview.file_name)
    return store.apply_import(actor, preview.kind, preview.file_name, preview.based_on, preview.rows,
                              preview.records, framework, preview.counts())
