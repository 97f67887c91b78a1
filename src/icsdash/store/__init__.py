"""Storage of everything users enter, through SQLAlchemy: SQLite by default, PostgreSQL when configured.

Every write is one transaction and adds a row to the audit log in that same
transaction. A write that changes what any page shows (a submission, a new
assessment, a consensus, an import, a round, a restore) also records its audit
id as the database's data version, in that transaction: caches keyed by it
show a new submission at the next rerun, on every server. Writes only their
author sees (a draft saved as someone types, a sign-in, an access code) leave
the version alone, so they do not empty every server's caches.

The package is a map of that store:

- :mod:`.schema`: the tables, the data version (:func:`publish`, :func:`current_version`) and the
  migration of rows to today's place codes (:func:`rename_place_codes`);
- :mod:`.engine`: the engine for a database URL (:func:`make_engine`, :func:`safe_url`);
- one part of :class:`Store` a concern: :mod:`.lifecycle` (one assessment, draft to submitted),
  :mod:`.reading` (scores, activity, history), :mod:`.records` (records written in bulk, the demo),
  :mod:`.assessment_rounds`, :mod:`.access` (access codes and sign-in), :mod:`.imported` (imported
  reference rows), :mod:`.live` (live votes: sessions, participants, rounds, votes) and :mod:`.audit` (the
  audit log).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from ..errors import DatabaseUnavailable, IcsdashError, Incomplete, InvalidEntry, MigrationRefused
from .access import AccessCodes
from .assessment_rounds import Rounds
from .audit import AuditLog
from .engine import CONNECT_TIMEOUT, make_engine, safe_url
from .imported import Imports
from .lifecycle import KEY_SHAPE, Assessment, Lifecycle
from .live import LiveVotes
from .reading import Reading
from .records import Records, record_key
from .schema import (ADDED_LATER, IMPORTED, NUL, NUL_REFUSED, PLACE_CODED, PRIVATE_ACTIONS, PUBLISHED, RENAMED_KEYS,
                     access_codes, assessments, audit_log, consensus_inputs, current_version, live_participants,
                     live_rounds, live_sessions, live_votes, meta, metadata, newest_audit_id, publish, reference_rows,
                     rename_place_codes, rounds, scores, sign_in_attempts)

__all__ = ["Store", "Assessment", "Incomplete", "InvalidEntry", "MigrationRefused", "make_engine", "safe_url",
           "CONNECT_TIMEOUT", "record_key", "rename_place_codes", "current_version", "publish", "metadata",
           "rounds", "assessments", "scores", "audit_log", "access_codes", "sign_in_attempts", "consensus_inputs",
           "meta", "reference_rows", "IMPORTED", "PUBLISHED", "PRIVATE_ACTIONS", "PLACE_CODED", "RENAMED_KEYS",
           "NUL", "NUL_REFUSED", "KEY_SHAPE", "newest_audit_id", "ADDED_LATER", "live_sessions", "live_participants",
           "live_rounds", "live_votes"]


@dataclass
class Store(Lifecycle, Reading, Records, Rounds, Imports, AccessCodes, LiveVotes, AuditLog):
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
                    conn.execute(insert(meta).values(key=PUBLISHED, value=str(newest_audit_id(conn))))
        except IntegrityError:
            pass                                # another server recorded it at the same moment
        except OperationalError as exc:
            kind = DatabaseUnavailable if self.engine.dialect.name != "sqlite" else IcsdashError
            raise kind(f"cannot open the database ({safe_url(str(self.engine.url))}): "
                       f"{exc.orig}", source="database.url") from None
