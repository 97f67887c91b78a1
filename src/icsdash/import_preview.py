"""What an import would do (:class:`Preview`), what it is checked against (:class:`Target`), and the checks
every reader of an import shares.

The readers (:mod:`icsdash.imports` for the app's templates, :mod:`icsdash.nhs_files` for NHS files) fill a
preview in; nothing is written until :func:`icsdash.imports.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

from .assessments import AssessmentRecord
from .csv_schema import read_text_table, with_overlay
from .errors import DataError
from .framework import Framework
from .pcn_placement import BY_GUESS
from .reference import IMPORTABLE, Overlay, Reference, load_reference
from .sheets import Sheet


@dataclass(frozen=True)
class Reject:
    """A row left out of an import: its line, the column at fault ('' for the whole row) and why."""

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
            shown["guesses"] = placed[placed["placed by"] == BY_GUESS].reset_index(drop=True)
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


# --------------------------------------------------------------------------- checks every reader makes

def start_preview(kind: str, sheet: Sheet, target: Target, name: str) -> Preview:
    """An empty preview of ``sheet``, with notes on how it was read (title rows skipped, Windows-1252 text)."""
    preview = Preview(kind=kind, file_name=name, encoding=sheet.encoding, based_on=target.imported)
    if sheet.skipped:
        preview.notes.append(f"{sheet.skipped} row(s) above the header were skipped.")
    if sheet.encoding == "Windows-1252":
        preview.notes.append("Read as Windows-1252 text (not UTF-8): check that accented letters look right.")
    return preview


def shown_pcn(row: dict[str, str], place_name: str, ics: str) -> dict:
    """A PCN row (of pcns.csv) as the preview lists it among those added."""
    return {"code": row["pcn_code"], "name": row["pcn_name"], "place": place_name, "ICS": ics,
            "practices": row["gp_practices"], "list size": row["list_size"] or "—"}


def reject_duplicate(line: int, key: str, value: str, seen: dict[str, int], rejected: list[Reject]) -> bool:
    """Reject a row whose ``key`` has a ``value`` seen on an earlier line; else note the line it is on."""
    if value in seen:
        rejected.append(Reject(line, key, f"{value} appears again (first on line {seen[value]}); each may appear "
                                          "once"))
        return True
    seen[value] = line
    return False


def reject_extra_cells(line: int, extra: list[str], rejected: list[Reject]) -> bool:
    """Reject a row with more cells than the header has columns."""
    if extra:
        rejected.append(Reject(line, "", f"has {len(extra)} more cell(s) than the header has columns"))
    return bool(extra)


def result_must_load(target: Target, rows: Overlay, name: str) -> None:
    """The data with the import applied must pass every check the app makes when it starts."""
    merged = {t: {**target.overlay.get(t, {}), **rows.get(t, {})} for t in IMPORTABLE}
    try:
        load_reference(target.data_dir, merged)
    except DataError as exc:
        raise DataError(f"the data would not be consistent after this import ({exc}); nothing can be imported",
                        source=name) from None
