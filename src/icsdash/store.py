"""Storage of everything users enter, through SQLAlchemy: SQLite by default, PostgreSQL when configured.

Every write is one transaction and adds a row to the audit log in that same
transaction, so the newest audit id is the database's data version: caches
keyed by it show a new submission at the next rerun, on every server.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pandas as pd
from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, MetaData, String, Table,
                        Text, UniqueConstraint, create_engine, event, func, insert, select)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from .assessments import AssessmentRecord, DEMO_ROUNDS, demo_assessments
from .errors import IcsdashError
from .framework import Framework

metadata = MetaData()

rounds = Table(
    "rounds", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(40), nullable=False, unique=True),
    Column("position", Integer, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assessment_key", String(36), nullable=False, index=True),   # the same across versions
    Column("version", Integer, nullable=False),
    Column("place_code", String(80), nullable=False, index=True),
    Column("round_id", Integer, ForeignKey("rounds.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("stakeholder_group", String(40), nullable=False),
    Column("participant", String(80), nullable=False),
    Column("author", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("framework_id", String(80), nullable=False),
    Column("framework_version", String(40), nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),
    UniqueConstraint("assessment_key", "version"),
    CheckConstraint("kind IN ('individual', 'consensus')", name="ck_assessments_kind"),
    CheckConstraint("status IN ('draft', 'submitted')", name="ck_assessments_status"),
)

scores = Table(
    "scores", metadata,
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    Column("dimension_id", String(80), primary_key=True),
    Column("score", Integer),                         # NULL: "not assessed"
    Column("justification", Text, nullable=False, default=""),
    CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="ck_scores_range"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("place_code", String(80)),
    Column("assessment_id", Integer),
    Column("detail", Text, nullable=False, default="{}"),
)

meta = Table(
    "meta", metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder is created."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ImportError, SQLAlchemyError) as exc:
        raise IcsdashError(f"cannot use this database URL: {exc}", source="database.url") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages.

    >>> safe_url("postgresql://icsdash:secret@localhost:5432/icsdash")
    'postgresql://icsdash:***@localhost:5432/icsdash'
    """
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


@dataclass
class Store:
    """Repository functions over one database. Holds no Streamlit state."""

    engine: Engine

    @classmethod
    def open(cls, url: str) -> "Store":
        store = cls(make_engine(url))
        store.create_schema()
        return store

    def create_schema(self) -> None:
        try:
            metadata.create_all(self.engine)
        except OperationalError as exc:
            raise IcsdashError(f"cannot open the database ({safe_url(str(self.engine.url))}): "
                               f"{exc.orig}", source="database.url") from None

    # ------------------------------------------------------------------ versions and audit

    def data_version(self) -> int:
        """The newest audit id: it changes with every write."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(audit_log.c.id), 0))).scalar_one())

    @staticmethod
    def _audit(conn, actor: str, action: str, place_code: str | None = None, assessment_id: int | None = None,
               **detail) -> None:
        conn.execute(insert(audit_log).values(at=_now(), actor=actor, action=action, place_code=place_code,
                                              assessment_id=assessment_id, detail=json.dumps(detail, sort_keys=True)))

    def audit_entries(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(select(audit_log).order_by(audit_log.c.id), conn)

    # ------------------------------------------------------------------ rounds

    def ensure_round(self, conn, label: str, opened_at: datetime) -> int:
        found = conn.execute(select(rounds.c.id).where(rounds.c.label == label)).scalar_one_or_none()
        if found is not None:
            return found
        position = conn.execute(select(func.coalesce(func.max(rounds.c.position), 0))).scalar_one() + 1
        return conn.execute(insert(rounds).values(label=label, position=position, opened_at=opened_at)
                            .returning(rounds.c.id)).scalar_one()

    def rounds(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(select(rounds).order_by(rounds.c.position), conn)

    # ------------------------------------------------------------------ writing

    def _write_assessments(self, conn, records: Iterable[AssessmentRecord], framework: Framework) -> int:
        round_ids: dict[str, int] = {}
        opened = dict(DEMO_ROUNDS)
        rows, score_rows = [], []
        for rec in records:
            if rec.round_label not in round_ids:
                round_ids[rec.round_label] = self.ensure_round(conn, rec.round_label,
                                                               opened.get(rec.round_label, rec.created_at))
            rows.append({"assessment_key": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{rec.place_code}/{rec.round_label}/"
                                                                         f"{rec.kind}/{rec.participant}")),
                         "version": 1, "place_code": rec.place_code, "round_id": round_ids[rec.round_label],
                         "kind": rec.kind, "stakeholder_group": rec.stakeholder_group,
                         "participant": rec.participant, "author": rec.author, "status": rec.status,
                         "framework_id": framework.id, "framework_version": framework.version,
                         "is_demo": rec.is_demo, "created_at": rec.created_at, "updated_at": rec.created_at,
                         "submitted_at": rec.created_at if rec.status == "submitted" else None})
            score_rows.append([(d, s, rec.justifications.get(d, "")) for d, s in rec.scores.items()])
        if not rows:
            return 0
        ids = conn.execute(insert(assessments).returning(assessments.c.id, sort_by_parameter_order=True),
                           rows).scalars().all()
        conn.execute(insert(scores), [{"assessment_id": i, "dimension_id": d, "score": s, "justification": j}
                                      for i, per in zip(ids, score_rows) for d, s, j in per])
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
                conn.execute(insert(meta).values(key="demo_seed", value=_now().isoformat()))
                added = self._write_assessments(conn, demo_assessments(place_codes, framework), framework)
                self._audit(conn, "system", "seed_demo", count=added, framework=framework.id)
                return added
        except IntegrityError:
            return 0            # another process seeded first, or it was seeded and later emptied

    # ------------------------------------------------------------------ reading

    def latest_scores(self) -> pd.DataFrame:
        """One row per dimension of the latest submitted version of every assessment."""
        latest = (select(assessments.c.assessment_key, func.max(assessments.c.version).label("version"))
                  .where(assessments.c.status == "submitted")
                  .group_by(assessments.c.assessment_key).subquery())
        query = (select(assessments.c.id.label("assessment_id"), assessments.c.place_code,
                        rounds.c.label.label("round"), rounds.c.position.label("round_position"),
                        assessments.c.kind, assessments.c.stakeholder_group, assessments.c.is_demo,
                        assessments.c.submitted_at, scores.c.dimension_id, scores.c.score)
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
        """Per place and round: how many individual drafts and submissions, and whether a consensus exists."""
        query = (select(assessments.c.place_code, rounds.c.label.label("round"),
                        rounds.c.position.label("round_position"), assessments.c.kind, assessments.c.status,
                        func.count(func.distinct(assessments.c.assessment_key)).label("n"))
                 .join(rounds, rounds.c.id == assessments.c.round_id)
                 .group_by(assessments.c.place_code, rounds.c.label, rounds.c.position, assessments.c.kind,
                           assessments.c.status))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def has_demo_data(self) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(assessments)
                                     .where(assessments.c.is_demo.is_(True))).scalar_one())
