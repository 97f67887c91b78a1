"""Storage of everything users enter, through SQLAlchemy: SQLite by default, PostgreSQL when configured.

Every write is one transaction and adds a row to the audit log in that same
transaction. A write that changes what any page shows (a submission, a new
assessment, a consensus, an import, a round, a restore) also records its audit
id as the database's data version, in that transaction: caches keyed by it
show a new submission at the next rerun, on every server. Writes only their
author sees (a draft saved as someone types, a sign-in, an access code) leave
the version alone, so they do not empty every server's caches.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

import pandas as pd
from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint, and_, create_engine, delete, event, func, insert, select, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

from . import auth
from .assessments import (CONSENSUS_GROUP, MAX_PARTICIPANT, STAKEHOLDER_GROUPS, AssessmentRecord,
                          check_entries, demo_assessments, demo_rounds, gaps)
from .auth import Principal
from .errors import DatabaseUnavailable, IcsdashError
from .framework import Framework
from .reference import PLACE_REFERENCING


class Incomplete(IcsdashError):
    """An assessment cannot be submitted yet; ``gaps`` names what is missing, by dimension."""

    def __init__(self, gaps: dict[str, str]):
        self.gaps = gaps
        super().__init__(f"{len(gaps)} dimension(s) still need attention before submitting", source="assessment")


class InvalidEntry(IcsdashError):
    """A value a user entered is not allowed; ``problems`` names each, by field. Nothing was written."""

    def __init__(self, problems: dict[str, str], source: str = "assessment"):
        self.problems = problems
        first = next(iter(problems.items()))
        super().__init__(f"{first[1]} (and {len(problems) - 1} more)" if len(problems) > 1 else first[1],
                         source=source, field=first[0])


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
    Column("score", Integer),                         # NULL: not assessed, or not yet answered
    Column("not_assessed", Boolean, nullable=False, default=False),
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

access_codes = Table(
    "access_codes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lookup_id", String(12), nullable=False, unique=True),
    Column("salt", LargeBinary(32), nullable=False),
    Column("code_hash", LargeBinary(64), nullable=False),
    Column("role", String(40), nullable=False),
    Column("place_code", String(80)),
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

sign_in_attempts = Table(
    "sign_in_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(200), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
)

consensus_inputs = Table(
    "consensus_inputs", metadata,
    Column("consensus_id", Integer, ForeignKey("assessments.id"), primary_key=True),
    Column("input_id", Integer, ForeignKey("assessments.id"), primary_key=True),
)

meta = Table(
    "meta", metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

# Places, governance and PCNs imported over the shipped data files: one row per table and code, holding the
# row's cells as JSON text (NULL: the row is removed). The reference data is the files with these applied.
reference_rows = Table(
    "reference_rows", metadata,
    Column("table_name", String(40), primary_key=True),
    Column("row_key", String(80), primary_key=True),
    Column("data", Text),
    Column("import_id", Integer, nullable=False),        # the audit entry of the import that wrote it
)
IMPORTED = "reference_import"          # meta key: the audit id of the newest import of reference rows
PUBLISHED = "data_version"             # meta key: the audit id of the newest write that changes what pages show
# Audit actions that change nothing a page shows to anyone but their author: they do not move the data version.
PRIVATE_ACTIONS = frozenset({"save_draft", "sign_in", "create_access_code", "revoke_access_code"})


# Tables whose rows name a place by its code, in a place_code column.
PLACE_CODED = (assessments, access_codes, audit_log)
RENAMED_KEYS = ("places.csv", "place_governance.csv")        # imported rows keyed by a place code


class MigrationRefused(IcsdashError):
    """A place-code change cannot be applied without guessing; nothing was written."""


def rename_place_codes(conn, changes: dict[str, str], actor: str = "icsdash (data migration)",
                       places: set[str] | None = None) -> dict[str, int]:
    """Move every row naming an old place code to its new code, in the caller's transaction: assessments (and
    so their versions, scores and consensus links), access codes, audit entries and imported reference rows.

    ``changes`` maps each old code to its current code. Rows already on the new codes are left alone, so a
    second run changes nothing. Two imported rows that would land on the same place (both an old and a new
    code imported) cannot be merged without guessing which wins: :class:`MigrationRefused`, and the caller's
    transaction writes nothing. What moved is recorded in one audit entry ``migrate_place_codes``.

    With ``places`` (today's place codes; imported places count too), an assessment or access code on a code
    that is neither a place nor a retired code cannot be mapped: :class:`MigrationRefused`, naming the codes.
    (Audit entries are history and may name a place that has since gone.)
    """
    if places is not None:
        _refuse_unmappable(conn, set(places) | set(changes), changes)
    if not changes:
        return {}
    moved: dict[str, int] = {}
    for table in PLACE_CODED:
        for old, new in changes.items():
            n = conn.execute(update(table).where(table.c.place_code == old).values(place_code=new)).rowcount
            if n:
                moved[f"{table.name}: {old} -> {new}"] = n
    keyed = conn.execute(select(reference_rows).where(reference_rows.c.table_name.in_(RENAMED_KEYS)
                                                      & reference_rows.c.row_key.in_(list(changes)))).all()
    for table_name in RENAMED_KEYS:
        rows = [r for r in keyed if r.table_name == table_name]
        targets = [changes[r.row_key] for r in rows]
        existing = set(conn.execute(select(reference_rows.c.row_key).where(
            (reference_rows.c.table_name == table_name) & reference_rows.c.row_key.in_(targets))).scalars())
        clash = sorted({t for t in targets if t in existing or targets.count(t) > 1})
        if clash:
            olds = sorted(r.row_key for r in rows if changes[r.row_key] in clash)
            raise MigrationRefused(
                f"imported rows of {table_name} exist for {', '.join(olds)} and would replace the imported row of "
                f"{', '.join(clash)}; nothing was changed. Remove one of them (import again) and restart",
                source="data/place_code_changes.csv")
        for r in rows:
            data = None if r.data is None else json.dumps({**json.loads(r.data), "place_code": changes[r.row_key]})
            conn.execute(update(reference_rows).where((reference_rows.c.table_name == table_name)
                                                      & (reference_rows.c.row_key == r.row_key))
                         .values(row_key=changes[r.row_key], data=data))
            moved[f"reference_rows {table_name}: {r.row_key} -> {changes[r.row_key]}"] = 1
    for r in conn.execute(select(reference_rows).where(reference_rows.c.table_name.in_(PLACE_REFERENCING))).all():
        cells = None if r.data is None else json.loads(r.data)
        if not cells:
            continue
        shares = cells.get("place_shares") or ""
        renamed = "; ".join(" ".join([changes.get(part.rsplit(" ", 1)[0], part.rsplit(" ", 1)[0])]
                                     + part.rsplit(" ", 1)[1:]) for part in shares.split("; ")) if shares else shares
        if cells.get("place_code") in changes or renamed != shares:
            new = changes.get(cells["place_code"], cells["place_code"])
            updated = {**cells, "place_code": new, **({"place_shares": renamed} if shares else {})}
            conn.execute(update(reference_rows).where((reference_rows.c.table_name == r.table_name)
                                                      & (reference_rows.c.row_key == r.row_key))
                         .values(data=json.dumps(updated, sort_keys=True, ensure_ascii=False)))
            moved[f"reference_rows {r.table_name}: {r.row_key} to {new}"] = 1
    if moved:
        entry = conn.execute(insert(audit_log).values(
            at=_now(), actor=actor, action="migrate_place_codes",
            detail=json.dumps({"moved": moved}, sort_keys=True))).inserted_primary_key[0]
        publish(conn, entry)
    return moved


def _refuse_unmappable(conn, known: set[str], changes: dict[str, str]) -> None:
    imported = set(conn.execute(select(reference_rows.c.row_key).where(reference_rows.c.table_name == "places.csv"))
                   .scalars())
    unknown: dict[str, int] = {}
    for table in (assessments, access_codes):
        for code, n in conn.execute(select(table.c.place_code, func.count()).where(table.c.place_code.is_not(None))
                                    .group_by(table.c.place_code)).all():
            if code not in known and code not in imported:
                unknown[f"{code} ({table.name})"] = unknown.get(f"{code} ({table.name})", 0) + n
    if unknown:
        listed = ", ".join(f"{k}: {n} row{'s' if n > 1 else ''}" for k, n in sorted(unknown.items()))
        raise MigrationRefused(
            f"the database holds rows for place codes that are neither today's places nor retired codes: {listed}. "
            "Nothing was changed. Add each to data/place_code_changes.csv with the place it became "
            "(old_code,new_code,...) and restart", source="data/place_code_changes.csv")


def _newest_audit_id(conn) -> int:
    return int(conn.execute(select(func.coalesce(func.max(audit_log.c.id), 0))).scalar_one())


def current_version(conn) -> int:
    """The data version as ``conn`` sees it (see :meth:`Store.data_version`)."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == PUBLISHED)).scalar_one_or_none()
    return int(value) if value is not None else _newest_audit_id(conn)


def publish(conn, audit_id: int) -> None:
    """Record ``audit_id`` as the data version, in the caller's transaction."""
    if not conn.execute(update(meta).where(meta.c.key == PUBLISHED).values(value=str(audit_id))).rowcount:
        conn.execute(insert(meta).values(key=PUBLISHED, value=str(audit_id)))


NUL = "\x00"
# Text with a NUL character is refused, naming the field, on SQLite as on PostgreSQL (which cannot store it in text);
# every other character, control characters included, is stored as typed.
NUL_REFUSED = "contains a NUL character (U+0000), which cannot be stored; remove it and try again"
KEY_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")   # an assessment key
CONNECT_TIMEOUT = 5          # seconds to wait for a PostgreSQL server before saying it did not answer


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
        folder = Path(url[len("sqlite:///"):]).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IcsdashError(f"cannot create the folder {folder} for the SQLite database ({exc.strerror}); "
                               "choose a folder this server may write to", source="database.url") from None
    options = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}} if url.startswith("postgresql") else {}
    try:
        engine = create_engine(url, pool_pre_ping=True, **options)
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
    code_changes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    places: frozenset[str] | None = field(default=None, repr=False, compare=False)
    _rounds_seen: list[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, url: str, code_changes: dict[str, str] | None = None, places: set[str] | None = None) -> "Store":
        """The store at ``url``, its schema created and its rows moved to today's place codes
        (``code_changes``: old code -> current code, from :func:`icsdash.reference.load_code_changes`;
        ``places``: today's place codes, to refuse rows on a code that maps to none)."""
        store = cls(make_engine(url), code_changes=dict(code_changes or {}),
                    places=None if places is None else frozenset(places))
        store.create_schema()
        store.migrate()
        return store

    def migrate(self) -> dict[str, int]:
        """Move rows on retired place codes to the current ones, in one transaction (see
        :func:`rename_place_codes`); nothing to do on a database already moved."""
        if not self.code_changes and self.places is None:
            return {}
        try:
            with self.engine.begin() as conn:
                return rename_place_codes(conn, self.code_changes, places=self.places)
        except IntegrityError:
            return {}                           # another server moved them at the same moment

    def create_schema(self) -> None:
        try:
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                if conn.execute(select(meta.c.value).where(meta.c.key == PUBLISHED)).scalar_one_or_none() is None:
                    # A new database, or one made before the version was recorded: start from its newest entry.
                    conn.execute(insert(meta).values(key=PUBLISHED, value=str(_newest_audit_id(conn))))
        except IntegrityError:
            pass                                # another server recorded it at the same moment
        except OperationalError as exc:
            kind = DatabaseUnavailable if self.engine.dialect.name != "sqlite" else IcsdashError
            raise kind(f"cannot open the database ({safe_url(str(self.engine.url))}): "
                       f"{exc.orig}", source="database.url") from None

    # ------------------------------------------------------------------ versions and audit

    def data_version(self) -> int:
        """The audit id of the newest write that changes what a page shows (one key lookup).

        Each such write records its own id as it commits, so every state a reader can see has its own
        version, even when two writes commit out of id order. A draft saved as someone types does not
        move it (see :data:`PRIVATE_ACTIONS`)."""
        with self.engine.connect() as conn:
            return current_version(conn)

    @staticmethod
    def _audit(conn, actor: str, action: str, place_code: str | None = None, assessment_id: int | None = None,
               **detail) -> None:
        entry = conn.execute(insert(audit_log).values(
            at=_now(), actor=actor, action=action, place_code=place_code, assessment_id=assessment_id,
            detail=json.dumps(detail, sort_keys=True))).inserted_primary_key[0]
        if action not in PRIVATE_ACTIONS:
            publish(conn, entry)

    def audit_entries(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(select(audit_log).order_by(audit_log.c.id), conn)

    # ------------------------------------------------------------------ imported reference rows

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
            self._audit(conn, actor, "import", kind=kind, file=file_name, **counts)
            audit_id = conn.execute(select(func.max(audit_log.c.id))).scalar_one()
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

    # ------------------------------------------------------------------ rounds

    def ensure_round(self, conn, label: str, opened_at: datetime) -> int:
        found = conn.execute(select(rounds.c.id).where(rounds.c.label == label)).scalar_one_or_none()
        if found is not None:
            return found
        position = conn.execute(select(func.coalesce(func.max(rounds.c.position), 0))).scalar_one() + 1
        return conn.execute(insert(rounds).values(label=label, position=position, opened_at=opened_at)
                            .returning(rounds.c.id)).scalar_one()

    def _rounds_first(self, conn, opened: dict[str, datetime]) -> None:
        """Add rounds ``opened`` (label -> when it opened, oldest first) before every round there is: the demo's
        past rounds go before a round an administrator opened before the first start."""
        known = set(conn.execute(select(rounds.c.label)).scalars())
        new = [label for label in opened if label not in known]
        if new:
            conn.execute(update(rounds).values(position=rounds.c.position + len(new)))
            conn.execute(insert(rounds), [{"label": label, "position": i, "opened_at": opened[label]}
                                          for i, label in enumerate(new, start=1)])

    def rounds(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(select(rounds).order_by(rounds.c.position), conn)

    # ------------------------------------------------------------------ writing

    def _write_assessments(self, conn, records: Iterable[AssessmentRecord], framework: Framework) -> int:
        round_ids: dict[str, int] = {}
        opened = {r.label: r.opened_at for r in demo_rounds()}
        rows, score_rows = [], []
        for rec in records:
            if rec.round_label not in round_ids:
                round_ids[rec.round_label] = self.ensure_round(conn, rec.round_label,
                                                               opened.get(rec.round_label, rec.created_at))
            rows.append({"assessment_key": record_key(rec), "version": rec.version, "place_code": rec.place_code, "round_id": round_ids[rec.round_label],
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
                conn.execute(insert(meta).values(key="demo_seed", value=_now().isoformat()))
                demo = list(demo_assessments(place_codes, framework))
                self._rounds_first(conn, {r.label: r.opened_at for r in demo_rounds()
                                          if any(d.round_label == r.label for d in demo)})
                added = self._write_assessments(conn, demo, framework)
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

    # ------------------------------------------------------------------ access codes

    def create_access_code(self, actor: Principal | str, role: str, place_code: str | None, label: str,
                           known_places: set[str] | None = None) -> str:
        """Create an access code and return it: the only time it is ever shown. Stores only its hash."""
        actor_name = self._admin_name(actor)
        if role not in auth.ROLES_BY_KEY or role == "viewer":
            raise InvalidEntry({"role": f"must be one of place_director, system_leader, admin; got {role!r}"}, source="access code")
        if role == "place_director" and not place_code:
            raise InvalidEntry({"place_code": "a place director's code must name a place"}, source="access code")
        if role != "place_director" and place_code:
            raise InvalidEntry({"place_code": "only place directors' codes are bound to a place"}, source="access code")
        if place_code and known_places is not None and place_code not in known_places:
            raise InvalidEntry({"place_code": f"{place_code!r} is not a known place code"}, source="access code")
        label = (label or "").strip()
        if len(label) > 200:
            raise InvalidEntry({"label": f"must be at most 200 characters; got {len(label):,}"}, source="access code")
        if NUL in label:
            raise InvalidEntry({"label": NUL_REFUSED}, source="access code")
        code, lookup = auth.new_code()
        salt, digest = auth.hash_secret(auth.parse_code(code)[1])
        with self.engine.begin() as conn:
            conn.execute(insert(access_codes).values(lookup_id=lookup, salt=salt, code_hash=digest, role=role,
                                                     place_code=place_code, label=label, created_at=_now(),
                                                     created_by=actor_name))
            self._audit(conn, actor_name, "create_access_code", place_code=place_code, lookup_id=lookup, role=role)
        return code

    def revoke_access_code(self, actor: Principal | str, lookup_id: str) -> None:
        actor_name = self._admin_name(actor)
        with self.engine.begin() as conn:
            done = conn.execute(update(access_codes).where(access_codes.c.lookup_id == lookup_id,
                                                           access_codes.c.revoked_at.is_(None))
                                .values(revoked_at=_now())).rowcount
            if not done:
                raise InvalidEntry({"lookup_id": f"no active access code {lookup_id!r}"}, source="access code")
            self._audit(conn, actor_name, "revoke_access_code", lookup_id=lookup_id)

    def access_codes(self) -> pd.DataFrame:
        """Every code's public details (never the secret or its hash)."""
        query = select(access_codes.c.lookup_id, access_codes.c.role, access_codes.c.place_code,
                       access_codes.c.label, access_codes.c.created_at, access_codes.c.created_by,
                       access_codes.c.revoked_at).order_by(access_codes.c.id)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    @staticmethod
    def _admin_name(actor: Principal | str) -> str:
        if isinstance(actor, Principal):
            auth.require_admin(actor)
            return actor.name
        return actor                        # the command line, run by whoever runs the server

    def sign_in(self, code: str, client: str, max_failed: int = 5, lockout_minutes: int = 15) -> Principal:
        """The principal an access code grants. Wrong codes are counted per client and throttled."""
        since = _now() - timedelta(minutes=lockout_minutes)
        with self.engine.begin() as conn:
            failures = conn.execute(select(func.count()).select_from(sign_in_attempts).where(
                sign_in_attempts.c.client == client, sign_in_attempts.c.at >= since,
                sign_in_attempts.c.succeeded.is_(False))).scalar_one()
        if failures >= max_failed:
            raise auth.AccessDenied(f"too many wrong access codes from this browser; try again in "
                                    f"{lockout_minutes} minutes", source="sign-in")
        parsed = auth.parse_code(code or "")
        row = None
        if parsed:
            with self.engine.connect() as conn:
                row = conn.execute(select(access_codes).where(access_codes.c.lookup_id == parsed[0],
                                                              access_codes.c.revoked_at.is_(None))).first()
        # Hash even when the code is unknown, so timing does not tell which lookup ids exist.
        ok = bool(row) and auth.secret_matches(parsed[1], row.salt, row.code_hash)
        if not ok:
            auth.hash_secret(parsed[1] if parsed else "x" * 24, b"0" * 16)
        with self.engine.begin() as conn:
            conn.execute(insert(sign_in_attempts).values(client=client[:200], at=_now(), succeeded=ok))
            if ok:
                self._audit(conn, f"code {row.lookup_id}", "sign_in", place_code=row.place_code, role=row.role)
        if not ok:
            left = max_failed - failures - 1
            hint = (f"{left} more attempt(s) before sign-in pauses for {lockout_minutes} minutes" if left > 0
                    else f"sign-in is now paused for {lockout_minutes} minutes")
            raise auth.AccessDenied(f"that access code is not valid (check it with whoever gave it to you); {hint}",
                                    source="sign-in")
        name = row.label or f"{auth.ROLES_BY_KEY[row.role].label} ({row.lookup_id})"
        return Principal(row.role, row.place_code, name, "code")

    # ------------------------------------------------------------------ rounds

    def add_round(self, actor: Principal | str, label: str) -> int:
        actor_name = self._admin_name(actor)
        label = (label or "").strip()
        if not 1 <= len(label) <= 40:
            raise InvalidEntry({"label": "a round needs a name of 1 to 40 characters, e.g. '2026/27'"}, source="round")
        if NUL in label:
            raise InvalidEntry({"label": NUL_REFUSED}, source="round")
        with self.engine.begin() as conn:
            if conn.execute(select(rounds.c.id).where(rounds.c.label == label)).first():
                raise InvalidEntry({"label": f"a round called {label!r} already exists"}, source="round")
            round_id = self.ensure_round(conn, label, _now())
            self._audit(conn, actor_name, "add_round", label=label)
        return round_id

    def round_labels(self) -> list[str]:
        """Round names, oldest first. While the database does not answer, the names last read (rounds are only
        ever added), so that the sidebar and round pickers still draw and a page can say what is wrong;
        raises if none were read yet."""
        try:
            with self.engine.connect() as conn:
                self._rounds_seen = list(conn.execute(select(rounds.c.label).order_by(rounds.c.position)).scalars())
        except (OperationalError, InterfaceError):
            if self._rounds_seen is None:
                raise
        return list(self._rounds_seen)

    # ------------------------------------------------------------------ the assessment lifecycle

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
            now = _now()
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
                                  .values(updated_at=_now())).rowcount
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
            now = _now()
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

    def edit(self, principal: Principal, assessment_id: int) -> Assessment:
        """Start the next version of a submitted assessment as a draft (or reopen that draft)."""
        current = self.get(principal, assessment_id)
        auth.require_write(principal, current.place_code)
        with self.engine.begin() as conn:
            newest = conn.execute(select(assessments).where(assessments.c.assessment_key == current.assessment_key)
                                  .order_by(assessments.c.version.desc())).first()
            if newest.status == "draft":
                return self.get(principal, newest.id)
            now = _now()
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
