"""Who may do what: roles, the signed-in principal, access codes. Checked here, used by every page.

Roles (a registry): a *place director* reads and writes only their own
place's assessments; a *system leader* reads everything; an *admin* manages
access and rounds; a *viewer* (anyone not signed in) sees the public views.

Access codes look like ``K7Q2XH-4f9c...``: a public lookup id, a dash, and a
secret. Only a salted scrypt hash of the secret is stored, so a stolen
database does not reveal codes, and each guess costs the attacker real work.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Mapping

from .errors import IcsdashError


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    summary: str
    reads_all: bool = False         # may read every place's assessments, drafts included
    writes_own_place: bool = False  # may write assessments for the place bound to it
    admin: bool = False             # manages access codes and rounds


ROLES: tuple[Role, ...] = (
    Role("viewer", "Viewer", "Public views only."),
    Role("place_director", "Place director", "Completes and reads their own place's assessments.",
         writes_own_place=True),
    Role("system_leader", "System leader", "Reads every place's assessments.", reads_all=True),
    Role("admin", "Administrator", "Manages access codes and rounds; reads everything.", reads_all=True, admin=True),
)
ROLES_BY_KEY: dict[str, Role] = {r.key: r for r in ROLES}


class AccessDenied(IcsdashError):
    """The signed-in user may not do this."""


@dataclass(frozen=True)
class Principal:
    """Who is using the app in this session."""

    role: str = "viewer"
    place_code: str | None = None      # bound place, for place directors
    name: str = "anonymous"            # what the audit log and history show
    via: str = "none"                  # "code", "sso" or "none"

    @property
    def role_spec(self) -> Role:
        return ROLES_BY_KEY[self.role]

    @property
    def signed_in(self) -> bool:
        return self.via != "none"


ANONYMOUS = Principal()


def can_read_place(principal: Principal, place_code: str) -> bool:
    """May read the place's assessments, drafts included."""
    spec = principal.role_spec
    return spec.reads_all or (spec.writes_own_place and principal.place_code == place_code)


def can_write_place(principal: Principal, place_code: str) -> bool:
    return principal.role_spec.writes_own_place and principal.place_code == place_code


def require_read(principal: Principal, place_code: str) -> None:
    if not can_read_place(principal, place_code):
        raise AccessDenied(f"you are signed in as {_who(principal)} and may not see assessments for "
                           f"{place_code}", source="access")


def require_write(principal: Principal, place_code: str) -> None:
    if not can_write_place(principal, place_code):
        raise AccessDenied(f"you are signed in as {_who(principal)} and may not write assessments for "
                           f"{place_code}; a place director may write only for their own place", source="access")


def require_admin(principal: Principal) -> None:
    if not principal.role_spec.admin:
        raise AccessDenied(f"you are signed in as {_who(principal)}; only an administrator may manage access",
                           source="access")


def _who(principal: Principal) -> str:
    label = principal.role_spec.label.lower()
    return f"{label} for {principal.place_code}" if principal.place_code else label


# --------------------------------------------------------------------------- access codes

LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"      # no 0/O or 1/I: easy to read out in a workshop
CODE_PATTERN = re.compile(r"^([A-Z2-9]{6})-([A-Za-z0-9_-]{16,64})$")
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def new_code() -> tuple[str, str]:
    """A fresh access code and its lookup id: ``("K7Q2XH-...", "K7Q2XH")``."""
    lookup = "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(6))
    return f"{lookup}-{secrets.token_urlsafe(18)}", lookup


def parse_code(code: str) -> tuple[str, str] | None:
    """(lookup id, secret) of a well-formed code, else None.

    >>> parse_code("  K7Q2XH-abcdefghijklmnopqrstuvwx ")
    ('K7Q2XH', 'abcdefghijklmnopqrstuvwx')
    >>> parse_code("letmein") is None
    True
    """
    match = CODE_PATTERN.match(code.strip())
    return (match.group(1), match.group(2)) if match else None


def hash_secret(secret: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """(salt, scrypt hash) of ``secret``; a new random salt unless one is given."""
    salt = salt or secrets.token_bytes(16)
    return salt, hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **SCRYPT)


def client_key(address: str | None, headers: Mapping[str, str]) -> str:
    """Whose wrong access codes count together, for throttling: the browser's address.

    Streamlit gives no address (None) for a connection from this machine. That is the reverse proxy in a
    deployment for many users (see README, "For many users"), so it would put every user in one bucket and
    five wrong codes from anyone would pause sign-in for all. A local connection is therefore keyed by the
    ``X-Real-IP`` header the proxy sets (it overwrites what a browser sent); a remote one by its own address,
    since a header from a browser can say anything.

    >>> client_key("10.1.2.3", {"X-Real-IP": "1.1.1.1"})
    '10.1.2.3'
    >>> client_key(None, {"X-Real-Ip": "10.9.8.7"})
    '10.9.8.7 (through the proxy)'
    >>> client_key("127.0.0.1", {})
    'this machine'
    """
    if address and address not in ("127.0.0.1", "::1", "localhost"):
        return address[:100]
    forwarded = next((v for k, v in headers.items() if k.lower() == "x-real-ip"), "").strip()
    return f"{forwarded[:100]} (through the proxy)" if forwarded else "this machine"


def secret_matches(secret: str, salt: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret, salt)[1], expected)


# --------------------------------------------------------------------------- single sign-on

def principal_for_email(email: str | None, users: dict[str, str], name: str | None = None) -> Principal:
    """The principal for a single sign-on user, from ``auth.users`` in config.yaml.

    ``users`` maps an e-mail address (or ``*@domain``) to a role key, or to
    ``place_director:<place code>``. Unknown users are viewers.

    >>> users = {"lead@icb.nhs.uk": "system_leader", "*@bolton.gov.uk": "place_director:bolton"}
    >>> principal_for_email("Lead@ICB.nhs.uk", users).role
    'system_leader'
    >>> principal_for_email("ann@bolton.gov.uk", users).place_code
    'bolton'
    >>> principal_for_email("someone@else.org", users).role
    'viewer'
    """
    if not email:
        return ANONYMOUS
    email = email.strip().lower()
    lowered = {k.strip().lower(): v for k, v in users.items()}
    entry = lowered.get(email) or lowered.get("*@" + email.rsplit("@", 1)[-1])
    if entry is None:
        return Principal("viewer", None, name or email, "sso")
    role, _, place = entry.partition(":")
    return Principal(role, place or None, name or email, "sso")


def check_user_entry(value: str, place_codes: set[str] | None = None) -> str:
    """Check one ``auth.users`` value; return it or raise ValueError saying what is allowed."""
    role, _, place = value.partition(":")
    if role not in ROLES_BY_KEY:
        raise ValueError(f"role must be one of {', '.join(ROLES_BY_KEY)}; got {role!r}")
    if role == "place_director" and not place:
        raise ValueError("a place director needs a place: 'place_director:<place code>'")
    if role != "place_director" and place:
        raise ValueError(f"only place directors are bound to a place; got {value!r}")
    if place and place_codes is not None and place not in place_codes:
        raise ValueError(f"{place!r} is not a known place code")
    return value
