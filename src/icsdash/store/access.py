"""Access codes and sign-in: codes stored only as salted hashes, wrong codes counted and throttled per client."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from .. import auth
from ..auth import Principal
from ..errors import InvalidEntry
from .schema import NUL, NUL_REFUSED, access_codes, sign_in_attempts, utc_now


def recent_failures(conn, client: str, minutes: int) -> int:
    """Wrong codes from ``client`` in the last ``minutes``: what sign-in and joining a live vote throttle on."""
    since = utc_now() - timedelta(minutes=minutes)
    return conn.execute(select(func.count()).select_from(sign_in_attempts).where(
        sign_in_attempts.c.client == client, sign_in_attempts.c.at >= since,
        sign_in_attempts.c.succeeded.is_(False))).scalar_one()


class AccessCodes:
    """The access-code part of :class:`~icsdash.store.Store`: create, revoke, list and sign in with codes."""

    engine: Engine

    def create_access_code(self, actor: Principal | str, role: str, place_code: str | None, label: str,
                           known_places: set[str] | None = None) -> str:
        """Create an access code and return it: the only time it is ever shown. Stores only its hash."""
        actor_name = self._admin_name(actor)
        if role not in auth.ROLES_BY_KEY or role == "viewer":
            raise InvalidEntry({"role": f"must be one of place_director, system_leader, admin; got {role!r}"},
                               source="access code")
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
                                                     place_code=place_code, label=label, created_at=utc_now(),
                                                     created_by=actor_name))
            self._audit(conn, actor_name, "create_access_code", place_code=place_code, lookup_id=lookup, role=role)
        return code

    def revoke_access_code(self, actor: Principal | str, lookup_id: str) -> None:
        actor_name = self._admin_name(actor)
        with self.engine.begin() as conn:
            done = conn.execute(update(access_codes).where(access_codes.c.lookup_id == lookup_id,
                                                           access_codes.c.revoked_at.is_(None))
                                .values(revoked_at=utc_now())).rowcount
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

    def sign_in(self, code: str, client: str, max_failed: int = 5, lockout_minutes: int = 15) -> Principal:
        """The principal an access code grants. Wrong codes are counted per client and throttled."""
        with self.engine.connect() as conn:
            failures = recent_failures(conn, client, lockout_minutes)
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
            conn.execute(insert(sign_in_attempts).values(client=client[:200], at=utc_now(), succeeded=ok))
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
