"""The tables, the data version, and the migration of rows to today's place codes.

Every write is one transaction and adds a row to :data:`audit_log` in that same transaction
(:func:`write_audit`). A write that changes what any page shows also records its audit id as the
database's data version (:func:`publish`); writes only their author sees (:data:`PRIVATE_ACTIONS`)
leave it alone.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint, func, insert, select, update)

from ..errors import MigrationRefused
from ..reference import PLACE_REFERENCING

NUL = "\x00"
# Text with a NUL character is refused, naming the field, on SQLite as on PostgreSQL (which cannot store it in text);
# every other character, control characters included, is stored as typed.
NUL_REFUSED = "contains a NUL character (U+0000), which cannot be stored; remove it and try again"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)

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

# A live vote (see :mod:`icsdash.live_vote`): a session per place and round, its participants (no names: a hash
# of the secret their phone keeps), its rounds (which dimensions were open, when) and one vote per participant,
# round and dimension (a NULL score: 'cannot say'). The key makes a repeated click one vote.
live_sessions = Table(
    "live_sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("place_code", String(80), nullable=False, index=True),
    Column("round_id", Integer, ForeignKey("rounds.id"), nullable=False),
    Column("framework_id", String(80), nullable=False),
    Column("join_code", String(12), unique=True),                # NULL once the vote has ended
    Column("started_by", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("consensus_id", Integer, ForeignKey("assessments.id")),   # the consensus drafted from it
)

live_participants = Table(
    "live_participants", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", Integer, ForeignKey("live_sessions.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("stakeholder_group", String(40)),
    Column("joined_at", DateTime(timezone=True), nullable=False),
)

live_rounds = Table(
    "live_rounds", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", Integer, ForeignKey("live_sessions.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("dimension_ids", Text, nullable=False),               # a JSON list, in the framework's order
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    UniqueConstraint("session_id", "number"),
)

live_votes = Table(
    "live_votes", metadata,
    Column("round_id", Integer, ForeignKey("live_rounds.id"), primary_key=True),
    Column("participant_id", Integer, ForeignKey("live_participants.id"), primary_key=True),
    Column("dimension_id", String(80), primary_key=True),
    Column("score", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="ck_live_votes_range"),
)
# Tables a backup made before they existed may lack: such a backup restores them empty.
ADDED_LATER = frozenset({"live_sessions", "live_participants", "live_rounds", "live_votes"})

IMPORTED = "reference_import"          # meta key: the audit id of the newest import of reference rows
PUBLISHED = "data_version"             # meta key: the audit id of the newest write that changes what pages show
# Audit actions that change nothing a page shows to anyone but their author: they do not move the data version.
PRIVATE_ACTIONS = frozenset({"save_draft", "sign_in", "create_access_code", "revoke_access_code"})


# Tables whose rows name a place by its code, in a place_code column.
PLACE_CODED = (assessments, access_codes, audit_log, live_sessions)
RENAMED_KEYS = ("places.csv", "place_governance.csv")        # imported rows keyed by a place code


def newest_audit_id(conn) -> int:
    return int(conn.execute(select(func.coalesce(func.max(audit_log.c.id), 0))).scalar_one())


def current_version(conn) -> int:
    """The data version as ``conn`` sees it (see :meth:`Store.data_version`)."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == PUBLISHED)).scalar_one_or_none()
    return int(value) if value is not None else newest_audit_id(conn)


def publish(conn, audit_id: int) -> None:
    """Record ``audit_id`` as the data version, in the caller's transaction."""
    if not conn.execute(update(meta).where(meta.c.key == PUBLISHED).values(value=str(audit_id))).rowcount:
        conn.execute(insert(meta).values(key=PUBLISHED, value=str(audit_id)))


def write_audit(conn, actor: str, action: str, place_code: str | None = None, assessment_id: int | None = None,
                **detail) -> int:
    """Add an audit entry in the caller's transaction and, unless the action is private, publish it as the
    data version. Returns its id."""
    entry = conn.execute(insert(audit_log).values(
        at=utc_now(), actor=actor, action=action, place_code=place_code, assessment_id=assessment_id,
        detail=json.dumps(detail, sort_keys=True))).inserted_primary_key[0]
    if action not in PRIVATE_ACTIONS:
        publish(conn, entry)
    return entry


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
        present = conn.execute(select(table.c.place_code).where(table.c.place_code.in_(list(changes)))
                               .distinct()).scalars().all()            # one look, then only the codes found
        for old in sorted(present):
            n = conn.execute(update(table).where(table.c.place_code == old).values(place_code=changes[old])).rowcount
            if n:
                moved[f"{table.name}: {old} -> {changes[old]}"] = n
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
        write_audit(conn, actor, "migrate_place_codes", moved=moved)
    return moved


def _refuse_unmappable(conn, known: set[str], changes: dict[str, str]) -> None:
    imported = set(conn.execute(select(reference_rows.c.row_key).where(reference_rows.c.table_name == "places.csv"))
                   .scalars())
    unknown: dict[str, int] = {}
    for table in (assessments, access_codes, live_sessions):
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
