"""Imports: places, governance and PCNs imported over the shipped data files, and assessments imported with them.

The reference data pages show is the shipped files with the imported rows (:data:`reference_rows`) applied.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..assessments import AssessmentRecord
from ..auth import Principal
from ..errors import IcsdashError
from ..framework import Framework
from .schema import IMPORTED, assessments, meta, reference_rows, scores


class Imports:
    """The import part of :class:`~icsdash.store.Store`: what was imported, and writing one checked import."""

    engine: Engine

    def reference_version(self) -> int:
        """The audit id of the newest import of places, governance or PCNs (0: none): a cheap lookup."""
        with self.engine.connect() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == IMPORTED)).scalar_one_or_none()
        return int(value) if value else 0

    def reference_overlay(self) -> dict[str, dict[str, dict[str, str] | None]]:
        """Every imported reference row: table -> code -> cells (None: removed)."""
        overlay: dict[str, dict[str, dict[str, str] | None]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(reference_rows).order_by(reference_rows.c.table_name,
                                                                    reference_rows.c.row_key)):
                overlay.setdefault(row.table_name, {})[row.row_key] = \
                    None if row.data is None else json.loads(row.data)
        return overlay

    def assessment_keys(self) -> dict[str, tuple[int, dict[str, tuple[int | None, str]]]]:
        """For every assessment: its newest version and that version's (score, justification) by dimension."""
        newest = (select(assessments.c.assessment_key, func.max(assessments.c.version).label("version"))
                  .group_by(assessments.c.assessment_key).subquery())
        query = (select(assessments.c.assessment_key, assessments.c.version, scores.c.dimension_id,
                        scores.c.score, scores.c.justification)
                 .join(newest, (assessments.c.assessment_key == newest.c.assessment_key)
                       & (assessments.c.version == newest.c.version))
                 .join(scores, scores.c.assessment_id == assessments.c.id, isouter=True))
        found: dict[str, tuple[int, dict[str, tuple[int | None, str]]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                version, dims = found.setdefault(row.assessment_key, (row.version, {}))
                if row.dimension_id is not None:
                    dims[row.dimension_id] = (row.score, row.justification)
        return found

    def apply_import(self, actor: Principal | str, kind: str, file_name: str, based_on: int,
                     rows: dict[str, dict[str, dict[str, str] | None]], records: list[AssessmentRecord],
                     framework: Framework, counts: dict[str, int]) -> int:
        """Write one checked import in one transaction: reference rows and assessments, with one audit entry.

        ``based_on`` is the reference version the preview was made against: if another import landed in
        between, nothing is written and the user is asked to check the file again. Returns the audit id.
        """
        actor = self._admin_name(actor)
        try:
            return self._apply_import(actor, kind, file_name, based_on, rows, records, framework, counts)
        except IntegrityError:
            raise IcsdashError("another import or submission changed the same rows at the same moment; nothing "
                               "was written: check the file again", source=file_name) from None

    def _apply_import(self, actor: str, kind: str, file_name: str, based_on: int,
                      rows: dict[str, dict[str, dict[str, str] | None]], records: list[AssessmentRecord],
                      framework: Framework, counts: dict[str, int]) -> int:
        with self.engine.begin() as conn:
            current = conn.execute(select(meta.c.value).where(meta.c.key == IMPORTED)
                                   .with_for_update()).scalar_one_or_none()
            if int(current or 0) != based_on:
                raise IcsdashError("the data changed since this preview was made (another import landed); "
                                   "check the file again", source=file_name)
            audit_id = self._audit(conn, actor, "import", kind=kind, file=file_name, **counts)   # its own entry
            if records:
                self._write_assessments(conn, records, framework)
            if rows:
                for table, keyed in rows.items():
                    conn.execute(delete(reference_rows).where((reference_rows.c.table_name == table)
                                                              & reference_rows.c.row_key.in_(list(keyed))))
                    conn.execute(insert(reference_rows), [
                        {"table_name": table, "row_key": key, "import_id": audit_id,
                         "data": None if data is None else json.dumps(data, sort_keys=True, ensure_ascii=False)}
                        for key, data in keyed.items()])
                if current is None:
                    conn.execute(insert(meta).values(key=IMPORTED, value=str(audit_id)))
                else:
                    conn.execute(update(meta).where(meta.c.key == IMPORTED).values(value=str(audit_id)))
        return audit_id
