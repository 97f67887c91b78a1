"""Roles and access: who may read and write which place, codes, throttling, single sign-on mapping."""

import pytest

from icsdash import auth
from icsdash.auth import AccessDenied, Principal
from icsdash.store import InvalidEntry

from conftest import ROOT

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
BURY = Principal("place_director", "bury", "Bury lead", "code")
LEADER = Principal("system_leader", None, "ICB lead", "sso")
ADMIN = Principal("admin", None, "Admin", "code")


@pytest.mark.parametrize("who, place, read, write", [
    (BOLTON, "bolton", True, True),
    (BOLTON, "bury", False, False),
    (LEADER, "bury", True, False),
    (ADMIN, "bury", True, False),
    (auth.ANONYMOUS, "bolton", False, False),
])
def test_access_matrix(who, place, read, write):
    assert auth.can_read_place(who, place) is read
    assert auth.can_write_place(who, place) is write


def test_denials_say_who_and_why():
    with pytest.raises(AccessDenied, match="signed in as place director for bolton and may not write "
                                           "assessments for bury"):
        auth.require_write(BOLTON, "bury")
    with pytest.raises(AccessDenied, match="only an administrator may manage access"):
        auth.require_admin(LEADER)


def test_codes_are_stored_only_as_salted_hashes(any_store):
    code = any_store.create_access_code("cli", "place_director", "bolton", "Bolton lead")
    lookup, secret = auth.parse_code(code)
    codes = any_store.access_codes()
    assert codes[["lookup_id", "role", "place_code", "label"]].values.tolist() == [
        [lookup, "place_director", "bolton", "Bolton lead"]]
    with any_store.engine.connect() as conn:
        from sqlalchemy import text
        row = conn.execute(text("SELECT salt, code_hash FROM access_codes")).one()
    assert secret.encode() not in bytes(row.code_hash) and len(bytes(row.salt)) == 16
    assert auth.secret_matches(secret, bytes(row.salt), bytes(row.code_hash))
    principal = any_store.sign_in(code, client="browser-1")
    assert principal == Principal("place_director", "bolton", "Bolton lead", "code")


def test_wrong_codes_are_refused_and_throttled(any_store):
    code = any_store.create_access_code("cli", "system_leader", None, "")
    lookup, _ = auth.parse_code(code)
    for attempt in range(3):
        with pytest.raises(AccessDenied, match="that access code is not valid"):
            any_store.sign_in(f"{lookup}-wrongwrongwrongwrong", client="browser-2", max_failed=3)
    with pytest.raises(AccessDenied, match="too many wrong access codes from this browser; try again in 15 minutes"):
        any_store.sign_in(code, client="browser-2", max_failed=3)          # even the right code, for a while
    assert any_store.sign_in(code, client="browser-3", max_failed=3).role == "system_leader"


def test_revoked_code_no_longer_works(any_store):
    code = any_store.create_access_code("cli", "admin", None, "Admin")
    any_store.revoke_access_code("cli", auth.parse_code(code)[0])
    with pytest.raises(AccessDenied, match="not valid"):
        any_store.sign_in(code, client="b")


@pytest.mark.parametrize("role, place, message", [
    ("place_director", None, "a place director's code must name a place"),
    ("system_leader", "bolton", "only place directors' codes are bound to a place"),
    ("wizard", None, "must be one of place_director, system_leader, admin; got 'wizard'"),
    ("place_director", "QOP-nowhere", "'QOP-nowhere' is not a known place code"),
])
def test_bad_code_requests_write_nothing(any_store, role, place, message):
    with pytest.raises(InvalidEntry, match=message):
        any_store.create_access_code("cli", role, place, "", known_places={"bolton"})
    assert any_store.access_codes().empty


def test_only_admins_manage_codes_in_the_app(any_store):
    with pytest.raises(AccessDenied):
        any_store.create_access_code(LEADER, "system_leader", None, "")
    assert any_store.create_access_code(ADMIN, "system_leader", None, "x")
    assert any_store.audit_entries()["actor"].tolist() == ["Admin"]


def test_sso_mapping():
    users = {"lead@icb.nhs.uk": "system_leader", "*@bolton.gov.uk": "place_director:bolton",
             "boss@icb.nhs.uk": "admin"}
    assert auth.principal_for_email("lead@icb.nhs.uk", users, "Lee").name == "Lee"
    assert auth.principal_for_email("x@bolton.gov.uk", users) == Principal("place_director", "bolton",
                                                                            "x@bolton.gov.uk", "sso")
    assert auth.principal_for_email(None, users) == auth.ANONYMOUS
    with pytest.raises(ValueError, match="a place director needs a place"):
        auth.check_user_entry("place_director")


@pytest.mark.parametrize("address, headers, key", [
    ("10.1.2.3", {}, "10.1.2.3"),
    ("10.1.2.3", {"X-Real-IP": "10.9.9.9"}, "10.1.2.3"),            # a browser's own header counts for nothing
    (None, {"X-Real-Ip": " 10.9.8.7 "}, "10.9.8.7 (through the proxy)"),
    ("127.0.0.1", {"x-real-ip": "10.9.8.6"}, "10.9.8.6 (through the proxy)"),
    (None, {}, "this machine"),
    ("::1", {"Host": "example"}, "this machine"),
])
def test_wrong_codes_are_counted_per_browser_even_behind_the_proxy(address, headers, key):
    assert auth.client_key(address, headers) == key


def test_two_browsers_behind_the_proxy_are_throttled_apart(any_store):
    """Five wrong codes from one browser behind nginx pause that browser only; the proxy example sets the header."""
    code = any_store.create_access_code("cli", "place_director", "bolton", "Bolton lead")
    first, second = (auth.client_key(None, {"X-Real-IP": ip}) for ip in ("10.0.0.1", "10.0.0.2"))
    for _ in range(5):
        with pytest.raises(AccessDenied):
            any_store.sign_in("K7Q2XH-wrongwrongwrongwrong", client=first, max_failed=5)
    with pytest.raises(AccessDenied, match="too many wrong access codes"):
        any_store.sign_in(code, client=first, max_failed=5)
    assert any_store.sign_in(code, client=second, max_failed=5).place_code == "bolton"
    example = (ROOT / "deploy" / "nginx.conf.example").read_text()
    assert "proxy_set_header X-Real-IP $remote_addr;" in example
