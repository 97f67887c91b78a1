"""The life of one assessment: start a draft, save entries as they are typed, submit, and edit as a new version.

Every version is kept; a submitted version never changes. Only those who may write a place change its
assessments, and only those who may read it see them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .. import auth
from ..assessments import CONSENSUS_GROUP, MAX_PARTICIPANT, STAKEHOLDER_GROUPS, check_entries, gaps
from ..auth import Principal
from ..errors import Incomplete, InvalidEntry
from ..framework import Framework
from .schema import NUL, NUL_REFUSED, assessments, consensus_inputs, rounds, scores, utc_now

KEY_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")   # an assessment key


@dataclass
class Assessment:
    """One version of one assessment, as a form shows it."""

    id: int
    assessment_key: str
    version: int
    place_code: str
    round: str
    kind: str
    stakeholder_group: str
    participant: str
    author: str
    status: str
    framework_id: str
    framework_version: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    scores: dict[str, int | None]
    justifications: dict[str, str]


class Lifecycle:
    """The assessment-lifecycle part of :class:`~icsdash.store.Store`."""

    engine: Engine

    def start(self, principal: Principal, place_code: str, round_label: str, stakeholder_group: str,
              participant: str, framework: Framework, kind: str = "individual") -> Assessment:
        """Open this participant's draft for the place and round, creating it if there is none."""
        auth.require_write(principal, place_code)
        participant = (participant or "").strip()
        problems = {}
        if not participant:
            problems["participant"] = "enter your name or role, as it should appear in the history"
        elif len(participant) > MAX_PARTICIPANT:
            problems["participant"] = f"must be at most {MAX_PARTICIPANT} characters; got {len(participant)}"
        elif NUL in participant:
            problems["participant"] = NUL_REFUSED
        if kind not in ("individual", "consensus"):
            problems["kind"] = f"must be 'individual' or 'consensus'; got {kind!r}"
        group = CONSENSUS_GROUP if kind == "consensus" else stakeholder_group
        if kind == "individual" and stakeholder_group not in STAKEHOLDER_GROUPS:
            problems["stakeholder_group"] = f"must be one of {', '.join(STAKEHOLDER_GROUPS)}; got {stakeholder_group!r}"
        if problems:
            raise InvalidEntry(problems)
        with self.engine.begin() as conn:
            round_id = conn.execute(select(rounds.c.id).where(rounds.c.label == round_label)).scalar_one_or_none()
            if round_id is None:
                raise InvalidEntry({"round": f"there is no round called {round_label!r}"})
            same = and_(assessments.c.place_code == place_code, assessments.c.round_id == round_id,
                        assessments.c.kind == kind, assessments.c.stakeholder_group == group,
                        assessments.c.participant == participant)
            existing = conn.execute(select(assessments.c.id, assessments.c.status).where(same)
                                    .order_by(assessments.c.version.desc())).first()
            if existing is not None:
                if existing.status == "draft":
                    return self.get(principal, existing.id)
                raise InvalidEntry({"participant": f"{participant} has already submitted this round's assessment "
                                                   "for this group; open it from the history to edit it"})
            now = utc_now()
            new_id = conn.execute(insert(assessments).values(
                assessment_key=str(uuid.uuid4()), version=1, place_code=place_code, round_id=round_id, kind=kind,
                stakeholder_group=group, participant=participant, author=principal.name, status="draft",
                framework_id=framework.id, framework_version=framework.version, is_demo=False, created_at=now,
                updated_at=now).returning(assessments.c.id)).scalar_one()
            self._audit(conn, principal.name, "start_assessment", place_code=place_code, assessment_id=new_id,
                        round=round_label, group=group)
        return self.get(principal, new_id)

    def get(self, principal: Principal, assessment_id: int) -> Assessment:
        """One assessment version with its scores; only for those who may read its place."""
        query = (select(assessments, rounds.c.label.label("round_label"))
                 .join(rounds, rounds.c.id == assessments.c.round_id).where(assessments.c.id == assessment_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                raise InvalidEntry({"assessment": f"there is no assessment {assessment_id}"})
            auth.require_read(principal, row.place_code)
            marks = conn.execute(select(scores.c.dimension_id, scores.c.score, scores.c.not_assessed,
                                        scores.c.justification)
                                 .where(scores.c.assessment_id == assessment_id)).all()
        return Assessment(id=row.id, assessment_key=row.assessment_key, version=row.version,
                          place_code=row.place_code, round=row.round_label, kind=row.kind,
                          stakeholder_group=row.stakeholder_group, participant=row.participant, author=row.author,
                          status=row.status, framework_id=row.framework_id, framework_version=row.framework_version,
                          created_at=row.created_at, updated_at=row.updated_at, submitted_at=row.submitted_at,
                          scores={m.dimension_id: m.score for m in marks if m.score is not None or m.not_assessed},
                          justifications={m.dimension_id: m.justification for m in marks if m.justification})

    def find(self, principal: Principal, assessment_key: str) -> Assessment:
        """The newest version of an assessment, by its key (as a link or query parameter carries it). A key not
        shaped like one (a UUID) is not looked up at all."""
        if not KEY_SHAPE.fullmatch(assessment_key or ""):
            raise InvalidEntry({"assessment": "no assessment has that link; it may have been mistyped"})
        with self.engine.connect() as conn:
            found = conn.execute(select(assessments.c.id).where(assessments.c.assessment_key == assessment_key)
                                 .order_by(assessments.c.version.desc())).first()
        if found is None:
            raise InvalidEntry({"assessment": "no assessment has that link; it may have been mistyped"})
        return self.get(principal, found.id)

    def save_draft(self, principal: Principal, assessment_id: int, framework: Framework,
                   scores_in: dict[str, int | None], justifications: dict[str, str],
                   max_justification: int = 2000) -> Assessment:
        """Save what was entered for some dimensions of a draft, in one transaction. Nothing is saved if
        any value is not allowed, or if the version was already submitted."""
        current = self.get(principal, assessment_id)
        auth.require_write(principal, current.place_code)
        problems = check_entries(framework, scores_in, justifications, max_justification)
        if problems:
            raise InvalidEntry(problems)
        merged_scores = {**current.scores, **scores_in}
        merged_text = {**current.justifications, **justifications}
        changed = sorted(set(scores_in) | set(justifications))
        with self.engine.begin() as conn:
            locked = conn.execute(update(assessments).where(assessments.c.id == assessment_id,
                                                            assessments.c.status == "draft")
                                  .values(updated_at=utc_now())).rowcount
            if not locked:
                raise InvalidEntry({"assessment": "this version has been submitted and cannot change; "
                                                  "choose 'Edit' to start a new version"})
            conn.execute(delete(scores).where(scores.c.assessment_id == assessment_id,
                                              scores.c.dimension_id.in_(changed)))
            conn.execute(insert(scores), [
                {"assessment_id": assessment_id, "dimension_id": d, "score": merged_scores.get(d),
                 "not_assessed": d in merged_scores and merged_scores[d] is None,
                 "justification": merged_text.get(d, "")} for d in changed])
            self._audit(conn, principal.name, "save_draft", place_code=current.place_code,
                        assessment_id=assessment_id, dimensions=changed)
        return self.get(principal, assessment_id)

    def submit(self, principal: Principal, assessment_id: int, framework: Framework) -> Assessment:
        """Freeze a complete draft. Raises :class:`Incomplete` naming every gap; then nothing changes."""
        current = self.get(principal, assessment_id)
        auth.require_write(principal, current.place_code)
        missing = gaps(framework, current.scores, current.justifications)
        if missing:
            raise Incomplete(missing)
        with self.engine.begin() as conn:
            now = utc_now()
            done = conn.execute(update(assessments).where(assessments.c.id == assessment_id,
                                                          assessments.c.status == "draft")
                                .values(status="submitted", submitted_at=now, updated_at=now)).rowcount
            if not done:
                raise InvalidEntry({"assessment": "this version was already submitted"})
            if current.kind == "consensus":
                self._link_inputs(conn, current)
            self._audit(conn, principal.name, "submit", place_code=current.place_code, assessment_id=assessment_id,
                        version=current.version)
        return self.get(principal, assessment_id)

    def _link_inputs(self, conn, consensus: Assessment) -> None:
        """Record which individual assessments (latest submitted versions) a consensus came from."""
        latest = (select(assessments.c.assessment_key, func.max(assessments.c.version).label("version"))
                  .where(assessments.c.status == "submitted").group_by(assessments.c.assessment_key).subquery())
        inputs = conn.execute(
            select(assessments.c.id).join(latest, and_(assessments.c.assessment_key == latest.c.assessment_key,
                                                       assessments.c.version == latest.c.version))
            .join(rounds, rounds.c.id == assessments.c.round_id)
            .where(assessments.c.place_code == consensus.place_code, rounds.c.label == consensus.round,
                   assessments.c.kind == "individual")).scalars().all()
        if inputs:
            conn.execute(insert(consensus_inputs), [{"consensus_id": consensus.id, "input_id": i} for i in inputs])

    def edit(self, principal: Principal, assessment_id: int) -> Assessment:
        """Start the next version of a submitted assessment as a draft (or reopen that draft)."""
        current = self.get(principal, assessment_id)
        auth.require_write(principal, current.place_code)
        with self.engine.begin() as conn:
            newest = conn.execute(select(assessments).where(assessments.c.assessment_key == current.assessment_key)
                                  .order_by(assessments.c.version.desc())).first()
            if newest.status == "draft":
                return self.get(principal, newest.id)
            now = utc_now()
            try:
                new_id = conn.execute(insert(assessments).values(
                    **{c: getattr(newest, c) for c in ("assessment_key", "place_code", "round_id", "kind",
                                                       "stakeholder_group", "participant", "framework_id",
                                                       "framework_version")},
                    version=newest.version + 1, author=principal.name, status="draft", is_demo=False,
                    created_at=now, updated_at=now).returning(assessments.c.id)).scalar_one()
            except IntegrityError:
                raise InvalidEntry({"assessment": "someone else started a new version at the same moment; "
                                                  "reload to open it"}) from None
            marks = conn.execute(select(scores).where(scores.c.assessment_id == newest.id)).mappings().all()
            if marks:
                conn.execute(insert(scores), [{**m, "assessment_id": new_id} for m in marks])
            self._audit(conn, principal.name, "new_version", place_code=current.place_code, assessment_id=new_id,
                        version=newest.version + 1)
        return self.get(principal, new_id)
