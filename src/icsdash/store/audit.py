"""The audit log and the data version it drives: who did what, and which state pages should show."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from .. import auth
from ..auth import Principal
from .schema import audit_log, current_version, write_audit


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

    def audit_entries(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(select(audit_log).order_by(audit_log.c.id), conn)
