"""Finished assessment records written in bulk (the demo, imports, the command line), many in one transaction."""

from __future__ import annotations

import uuid
from typing import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..assessments import AssessmentRecord, demo_assessments, demo_rounds
from ..framework import Framework
from .schema import assessments, consensus_inputs, meta, scores, utc_now


def _batch_links(rows: list[dict], ids: list[int]) -> list[dict]:
    """Links from each submitted consensus in a batch of finished records to the submitted individual
    records of the same place and round in that batch (as :meth:`Store.submit` links a new consensus)."""
    inputs: dict[tuple, list[int]] = {}
    for row, i in zip(rows, ids):
        if row["kind"] == "individual" and row["status"] == "submitted":
            inputs.setdefault((row["place_code"], row["round_id"]), []).append(i)
    return [{"consensus_id": i, "input_id": j} for row, i in zip(rows, ids)
            if row["kind"] == "consensus" and row["status"] == "submitted"
            for j in inputs.get((row["place_code"], row["round_id"]), [])]


def record_key(rec: AssessmentRecord) -> str:
    """The assessment key of a record written in bulk (demo data, imports): the same for the same place,
    round, kind and participant, so importing a newer file adds versions instead of duplicates."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{rec.place_code}/{rec.round_label}/{rec.kind}/{rec.participant}"))


class Records:
    """The bulk-writing part of :class:`~icsdash.store.Store`."""

    engine: Engine

    def _write_assessments(self, conn, records: Iterable[AssessmentRecord], framework: Framework) -> int:
        round_ids: dict[str, int] = {}
        opened = {r.label: r.opened_at for r in demo_rounds()}
        rows, score_rows = [], []
        for rec in records:
            if rec.round_label not in round_ids:
                round_ids[rec.round_label] = self.ensure_round(conn, rec.round_label,
                                                               opened.get(rec.round_label, rec.created_at))
            rows.append({"assessment_key": record_key(rec), "version": rec.version, "place_code": rec.place_code,
                         "round_id": round_ids[rec.round_label], "kind": rec.kind,
                         "stakeholder_group": rec.stakeholder_group, "participant": rec.participant,
                         "author": rec.author, "status": rec.status,
                         "framework_id": framework.id, "framework_version": framework.version,
                         "is_demo": rec.is_demo, "created_at": rec.created_at, "updated_at": rec.created_at,
                         "submitted_at": rec.created_at if rec.status == "submitted" else None})
            score_rows.append([(d, s, rec.justifications.get(d, "")) for d, s in rec.scores.items()])
        if not rows:
            return 0
        ids = conn.execute(insert(assessments).returning(assessments.c.id, sort_by_parameter_order=True),
                           rows).scalars().all()
        conn.execute(insert(scores), [{"assessment_id": i, "dimension_id": d, "score": s, "not_assessed": s is None,
                                       "justification": j} for i, per in zip(ids, score_rows) for d, s, j in per])
        links = _batch_links(rows, ids)
        if links:
            conn.execute(insert(consensus_inputs), links)
        return len(ids)

    def add_assessments(self, records: Iterable[AssessmentRecord], framework: Framework, actor: str,
                        action: str = "add_assessments") -> int:
        """Write finished assessment records in one transaction, with one audit entry. Returns how many."""
        records = list(records)
        with self.engine.begin() as conn:
            added = self._write_assessments(conn, records, framework)
            self._audit(conn, actor, action, place_code=records[0].place_code if len(records) == 1 else None,
                        count=added, framework=framework.id)
        return added

    def seed_demo(self, place_codes: list[str], framework: Framework) -> int:
        """Add the illustrative demo assessments once, to an empty database. Returns how many were added.

        Safe to call from several processes at once: the first to claim the
        'demo_seed' marker seeds, the others add nothing.
        """
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(func.count()).select_from(assessments)).scalar_one():
                    return 0
                conn.execute(insert(meta).values(key="demo_seed", value=utc_now().isoformat()))
                demo = list(demo_assessments(place_codes, framework))
                self._rounds_first(conn, {r.label: r.opened_at for r in demo_rounds()
                                          if any(d.round_label == r.label for d in demo)})
                added = self._write_assessments(conn, demo, framework)
                self._audit(conn, "system", "seed_demo", count=added, framework=framework.id)
                return added
        except IntegrityError:
            return 0            # another process seeded first, or it was seeded and later emptied
