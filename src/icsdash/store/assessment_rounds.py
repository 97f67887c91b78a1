"""Assessment rounds (such as '2026/27'): opened by an administrator, or added by the demo and imports."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from ..auth import Principal
from ..errors import InvalidEntry
from .schema import NUL, NUL_REFUSED, rounds, utc_now


class Rounds:
    """The rounds part of :class:`~icsdash.store.Store`, oldest first by ``position``."""

    engine: Engine
    _rounds_seen: list[str] | None

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
            round_id = self.ensure_round(conn, label, utc_now())
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
