"""Reading assessments: public summaries (submitted scores by stakeholder group, never names or drafts), and,
for those who may read a place, its assessments, their history and justifications."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from .. import auth
from ..auth import Principal
from .schema import assessments, consensus_inputs, rounds, scores


class Reading:
    """The reading part of :class:`~icsdash.store.Store`."""

    engine: Engine

    def latest_scores(self) -> pd.DataFrame:
        """One row per dimension of the latest submitted version of every assessment."""
        latest = (select(assessments.c.assessment_key, func.max(assessments.c.version).label("version"))
                  .where(assessments.c.status == "submitted")
                  .group_by(assessments.c.assessment_key).subquery())
        query = (select(assessments.c.id.label("assessment_id"), assessments.c.place_code,
                        rounds.c.label.label("round"), rounds.c.position.label("round_position"),
                        assessments.c.kind, assessments.c.stakeholder_group, assessments.c.is_demo,
                        assessments.c.submitted_at, assessments.c.framework_id, scores.c.dimension_id,
                        scores.c.score)
                 .join(latest, (assessments.c.assessment_key == latest.c.assessment_key)
                       & (assessments.c.version == latest.c.version))
                 .join(rounds, rounds.c.id == assessments.c.round_id)
                 .join(scores, scores.c.assessment_id == assessments.c.id)
                 .where(assessments.c.status == "submitted"))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["score"] = frame["score"].astype("Float64")
        return frame

    def activity(self) -> pd.DataFrame:
        """Per place, round and framework: how many individual drafts and submissions, and whether a consensus
        exists."""
        query = (select(assessments.c.place_code, rounds.c.label.label("round"),
                        rounds.c.position.label("round_position"), assessments.c.kind, assessments.c.status,
                        assessments.c.framework_id,
                        func.count(func.distinct(assessments.c.assessment_key)).label("n"))
                 .join(rounds, rounds.c.id == assessments.c.round_id)
                 .group_by(assessments.c.place_code, rounds.c.label, rounds.c.position, assessments.c.kind,
                           assessments.c.status, assessments.c.framework_id))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def has_demo_data(self) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(assessments)
                                     .where(assessments.c.is_demo.is_(True))).scalar_one())

    def consensus_inputs(self, consensus_id: int) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(consensus_inputs.c.input_id)
                                     .where(consensus_inputs.c.consensus_id == consensus_id)
                                     .order_by(consensus_inputs.c.input_id)).scalars())

    def round_submissions(self, place_code: str, round_label: str) -> pd.DataFrame:
        """Every submitted version of a place's assessments in a round, one row per dimension: what the
        consensus workshop sets side by side.

        Public, like :meth:`latest_scores`: submitted scores by stakeholder group only, never drafts,
        participants' names or justifications. ``first_id`` (the id of an assessment's first version)
        is the same for all its versions; ``score`` is missing where a dimension was not assessed.
        """
        first = (select(assessments.c.assessment_key, func.min(assessments.c.id).label("first_id"))
                 .where(assessments.c.place_code == place_code).group_by(assessments.c.assessment_key).subquery())
        query = (select(assessments.c.id.label("assessment_id"), first.c.first_id, assessments.c.version,
                        assessments.c.kind, assessments.c.stakeholder_group, assessments.c.submitted_at,
                        scores.c.dimension_id, scores.c.score)
                 .join(first, first.c.assessment_key == assessments.c.assessment_key)
                 .join(rounds, rounds.c.id == assessments.c.round_id)
                 .join(scores, scores.c.assessment_id == assessments.c.id)
                 .where(assessments.c.place_code == place_code, rounds.c.label == round_label,
                        assessments.c.status == "submitted")
                 .order_by(assessments.c.id, scores.c.dimension_id))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["score"] = frame["score"].astype("Float64")
        return frame

    def history(self, principal: Principal, assessment_key: str) -> pd.DataFrame:
        """Every version of one assessment: who made it and when."""
        query = (select(assessments.c.id, assessments.c.version, assessments.c.status, assessments.c.participant,
                        assessments.c.author, assessments.c.created_at, assessments.c.submitted_at,
                        assessments.c.place_code)
                 .where(assessments.c.assessment_key == assessment_key).order_by(assessments.c.version))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        for place in set(frame["place_code"]):
            auth.require_read(principal, place)
        return frame.drop(columns=["place_code"])

    def place_assessments(self, principal: Principal, place_code: str) -> pd.DataFrame:
        """The newest version of every assessment of a place (drafts included): for resuming and history."""
        auth.require_read(principal, place_code)
        newest = (select(assessments.c.assessment_key, func.max(assessments.c.version).label("version"))
                  .where(assessments.c.place_code == place_code).group_by(assessments.c.assessment_key).subquery())
        query = (select(assessments.c.id, assessments.c.assessment_key, assessments.c.version,
                        rounds.c.label.label("round"), assessments.c.kind, assessments.c.stakeholder_group,
                        assessments.c.participant, assessments.c.status, assessments.c.updated_at,
                        assessments.c.is_demo)
                 .join(newest, and_(assessments.c.assessment_key == newest.c.assessment_key,
                                    assessments.c.version == newest.c.version))
                 .join(rounds, rounds.c.id == assessments.c.round_id)
                 .order_by(rounds.c.position.desc(), assessments.c.updated_at.desc()))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def justifications(self, principal: Principal, place_code: str, round_label: str) -> pd.DataFrame:
        """The justifications of a place's latest submitted assessments in a round, by dimension and group
        (never the participant's name); only for those who may read the place."""
        auth.require_read(principal, place_code)
        latest = (select(assessments.c.assessment_key, func.max(assessments.c.version).label("version"))
                  .where(assessments.c.status == "submitted", assessments.c.place_code == place_code)
                  .group_by(assessments.c.assessment_key).subquery())
        query = (select(scores.c.dimension_id, assessments.c.kind, assessments.c.stakeholder_group, scores.c.score,
                        scores.c.justification)
                 .join(latest, and_(assessments.c.assessment_key == latest.c.assessment_key,
                                    assessments.c.version == latest.c.version))
                 .join(rounds, rounds.c.id == assessments.c.round_id)
                 .join(scores, scores.c.assessment_id == assessments.c.id)
                 .where(rounds.c.label == round_label, scores.c.justification != "")
                 .order_by(assessments.c.kind.desc(), assessments.c.stakeholder_group))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)
