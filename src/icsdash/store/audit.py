"""The audit log and the data version it drives: who did what, and which state pages should show."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from .. import auth
from ..auth import Principal
from .schema import audit_log, current_version, newest_audit_id, write_audit


class AuditLog:
    """The audit part of :class:`~icsdash.store.Store`; every other part writes its entries through ``_audit``."""

    engine: Engine

    def data_version(self) -> int:
        """The audit id of the newest write that changes what a page shows (one key lookup).

        Each such write records its own id as it commits, so every state a reader can see has its own
        version, even when two writes commit out of id order. A draft saved as someone types does not
        move it (see :data:`PRIVATE_ACTIONS`)."""
        with self.engine.connect() as conn:
            return current_version(conn)

    _audit = staticmethod(write_audit)      # (conn, actor, action, place_code=None, assessment_id=None, **detail)

    @staticmethod
    def _admin_name(actor: Principal | str) -> str:
        """The name to record for an administrative write: an admin's, or the command line's as given."""
        if isinstance(actor, Principal):
            auth.require_admin(actor)
            return actor.name
        return actor                        # the command line, run by whoever runs the server

    def audit_entries(self, newest: int | None = None, newest_first: bool = False) -> pd.DataFrame:
        """The audit log, oldest first (``newest_first`` turns it round); with ``newest``, only the newest that
        many entries."""
        query = select(audit_log).order_by(audit_log.c.id.desc())
        if newest is not None:
            query = query.limit(newest)
        with self.engine.connect() as conn:
            entries = pd.read_sql(query, conn)
        return entries if newest_first else entries.iloc[::-1].reset_index(drop=True)

    def newest_entry(self) -> int:
        """The id of the newest audit entry: it moves with every write, private ones too (a sign-in, a new
        access code), where :meth:`data_version` moves only with what pages show."""
        with self.engine.connect() as conn:
            return newest_audit_id(conn)
