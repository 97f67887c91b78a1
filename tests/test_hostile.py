"""Hostile input: every free-text field, import and query parameter tried with HTML, script, Markdown, SQL
fragments, very long and control-character strings. In a real browser (the app served on SQLite) nothing runs,
no element of the payload appears, the text shows literally where it should, there is no error page; the
database holds what was typed, verbatim.

The one exception is NUL (U+0000): PostgreSQL cannot store it in text, so the store refuses it on SQLite and
PostgreSQL alike, naming the field, and writes nothing. Longer text than a field allows never reaches the app from
a browser (the field stops typing at its limit) and the store refuses it from anywhere else.

Also here: XSRF protection is on and the server refuses an upload without its token; no secret is in the
repository; a place director reaches no other place's drafts by any link. Access codes are stored only as salted
scrypt hashes: tests/test_auth.py::test_codes_are_stored_only_as_salted_hashes; throttling:
tests/test_auth.py::test_wrong_codes_are_refused_and_throttled.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from urllib.parse import quote

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from icsdash.assessments import MAX_PARTICIPANT, AssessmentRecord
from icsdash.auth import AccessDenied, Principal
from icsdash.framework import load_framework
from icsdash.store import InvalidEntry, Store, reference_rows

from conftest import DATA, ROOT, settled, write_config
from served_app import app_server, idle, launch_chromium, no_failure_shown, sign_in

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
BURY = Principal("place_director", "bury", "Bury lead", "code")

# What an attacker, or an unlucky paste, puts into a text field. Each fits every field (at most 80 characters).
PAYLOADS = {
    "script element": "<script>window.__pwned=1</script>",
    "image with onerror": '<img src=x onerror="window.__pwned=1">',
    "Markdown and a javascript: link": "**bold** _it_ [link](javascript:window.__pwned=1) `code` # h",
    "SQL: drop table": "'; DROP TABLE assessments; --",
    "SQL: delete": "Robert'); DELETE FROM scores;--",
    "control characters": "bell\x07 escape\x1b[31m red\x1b[0m tab\tend",
    "right-to-left override": "invoice\u202egpj.exe\u202c done",
    "emoji and combining marks": "Zoe\u0308 \U0001F469\U0001F3FD\u200d\u2695\ufe0f cafe\u0301 Z\u0324\u0354\u0367\u0311",
    "HTML entities and quotes": "&lt;b&gt; &amp; \"double\" 'single' \\backslash",
    "arrows and dashes": "a -> b <- c -- d >= e <= f ~= g",     # Streamlit's Markdown makes these symbols
}
HUGE = "A" * 100_000                      # refused by the store; a browser field stops at its limit
NUL_TEXT = "before\x00after"              # refused by the store, naming the field
ROUND = "2031/32"                          # the round the participants use (the latest, so profiles show it)
WORKSHOP_ROUNDS = [f"W{i}" for i in range(1, 4)]     # one consensus (and facilitator name) each


def literal(text: str) -> str:
    """Text as a browser's innerText shows it: runs of white space as one space."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip()


def shows(pg, text: str, where: str = "[data-testid=stMain]") -> bool:
    return literal(text) in literal(pg.locator(where).inner_text())


def paste(pg, field, text: str) -> None:
    """Replace a field's text as pasting does (Playwright's fill takes minutes over 100,000 characters)."""
    field.focus()
    pg.keyboard.press("Control+A")
    pg.keyboard.insert_text(text)


def nothing_injected(pg) -> None:
    """No element a payload could have made: no inline script of ours, no image with an error handler, no
    javascript: link; and nothing ran."""
    found = pg.evaluate("""() => ({
        scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
        handlers: document.querySelectorAll('[onerror], [onload]:not(body):not(iframe)').length,
        images: document.querySelectorAll('img[src="x"]').length,
        links: document.querySelectorAll('a[href^="javascript:" i]').length,
        pwned: window.__pwned === undefined ? null : window.__pwned })""")
    assert found == {"scripts": 0, "handlers": 0, "images": 0, "links": 0, "pwned": None}, found
    no_failure_shown(pg)


# --------------------------------------------------------------------------- the app, served for real

class Site:
    def __init__(self, base: str, store: Store, browser, framework):
        self.base, self.store, self.browser, self.framework = base, store, browser, framework

    def page(self, path: str = "/", code: str | None = None):
        context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(self.base + path)
        idle(pg)
        if code:
            sign_in(pg, code)
            idle(pg)
        return context, pg

    def admin_page(self):
        """Signed in with an administrator's code, on the Admin page (listed only once signed in)."""
        context, pg = self.page("/", self.code("admin"))
        pg.locator("[data-testid=stSidebarNav] a").filter(has_text="Admin").click()
        pg.get_by_role("heading", name="Admin").wait_for()
        idle(pg)
        return context, pg

    def code(self, role: str = "place_director", place: str | None = "bolton") -> str:
        return self.store.create_access_code("test", role, place if role == "place_director" else None, "Tester")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'icsdash.sqlite3'}"
    store = Store.open(url)
    framework = load_framework(DATA / "frameworks" / "scirocco_style.yaml")
    now = datetime.now(timezone.utc)
    for label in WORKSHOP_ROUNDS:              # each round has one submitted input, so a consensus can start
        store.add_round("test", label)
        store.add_assessments([AssessmentRecord(
            place_code="bolton", round_label=label, kind="individual", stakeholder_group="icb",
            participant="Input", status="submitted", created_at=now, scores={d: 2 for d in framework.dimension_ids},
            justifications={d: "Seen" for d in framework.dimension_ids}, author="test", is_demo=False)],
            framework, "test")
    store.add_round("test", ROUND)
    with launch_chromium() as browser, app_server(folder, url, {"database.seed_demo": False}) as base:
        yield Site(base, store, browser, framework)
    store.engine.dispose()


# --------------------------------------------------------------------------- free text, typed in the browser

def test_participant_names(site):
    """Each payload as the name in 'Start or continue your assessment': the header shows it literally and the
    database holds it verbatim. 100,000 characters never reach the app: the field refuses more than its 80, and
    the empty name is refused with a message."""
    context, pg = site.page("/assessment", site.code())
    name_field = pg.locator('input[aria-label="Your name or role"]')
    typed = {**PAYLOADS, "a long line": "L" * MAX_PARTICIPANT}
    for name, text in typed.items():
        name_field.fill(text)
        pg.get_by_role("button", name="Open my assessment").click()
        pg.get_by_role("button", name="Other assessment").wait_for()
        idle(pg)
        assert shows(pg, text), name
        nothing_injected(pg)
        pg.get_by_role("button", name="Other assessment").click()
        pg.get_by_role("button", name="Open my assessment").wait_for()
    stored = site.store.place_assessments(BOLTON, "bolton")
    assert set(stored.loc[stored["round"] == ROUND, "participant"]) == set(typed.values())

    paste(pg, name_field, HUGE)
    assert name_field.input_value() == ""                      # Streamlit's field takes nothing over its limit
    pg.get_by_role("button", name="Open my assessment").click()
    pg.get_by_text("enter your name or role, as it should appear in the history").wait_for()
    nothing_injected(pg)
    assert len(site.store.place_assessments(BOLTON, "bolton")) == len(stored)
    context.close()


def test_justifications(site):
    """A payload in each dimension's justification: saved verbatim as typed, then, once submitted, shown as
    plain text on the Place profile; NUL is refused with a message naming the dimension."""
    fw = site.framework
    draft = site.store.start(BOLTON, "bolton", ROUND, "nhs_provider", "Justifier", fw)
    site.store.save_draft(BOLTON, draft.id, fw, {d: 3 for d in fw.dimension_ids}, {})
    texts = [*PAYLOADS.values(), "first line\n\n- a list item?\n> a quote?\nlast line", "W" * 2000]
    assert len(texts) == len(fw.dimension_ids)
    expected = dict(zip(fw.dimension_ids, texts))

    context, pg = site.page("/assessment", site.code())
    pg.locator('input[aria-label="Your name or role"]').fill("Justifier")
    pg.get_by_role("combobox", name="Your stakeholder group").click()
    pg.get_by_role("option", name="NHS provider").click()
    pg.get_by_role("button", name="Open my assessment").click()
    areas = pg.locator("[data-testid=stTextArea] textarea")
    areas.first.wait_for()
    for i, text in enumerate(texts):
        areas.nth(i).fill(text)
        areas.nth(i).press("Control+Enter")
        idle(pg)
    paste(pg, areas.nth(0), HUGE)                       # the field takes nothing over its limit: the payload stays
    assert areas.nth(0).input_value() == texts[0]
    deadline = time.time() + 20
    while site.store.get(BOLTON, draft.id).justifications != expected:
        assert time.time() < deadline, "the justifications were not all saved"
        time.sleep(0.3)
    assert [areas.nth(i).input_value() for i in range(len(texts))] == list(expected.values())     # as typed
    nothing_injected(pg)

    areas.nth(0).fill(NUL_TEXT)                                    # refused, naming the dimension; nothing written
    areas.nth(0).press("Control+Enter")
    pg.get_by_text(f"{fw.dimensions[0].name}: justification contains a NUL character").wait_for()
    assert site.store.get(BOLTON, draft.id).justifications == expected
    pg.get_by_role("button", name="Submit assessment").click()
    pg.get_by_text("Version 1 submitted").wait_for()

    pg.locator("[data-testid=stSidebarNav] a").filter(has_text="Place profile").click()      # same session
    pg.get_by_text("Justifications by dimension").click()
    pg.get_by_text(fw.dimensions[-1].name).last.wait_for()
    idle(pg)
    for text in expected.values():
        assert shows(pg, text), text[:40]
    nothing_injected(pg)
    context.close()


def test_facilitator_names(site):
    """The workshop facilitator's name, kept in the consensus's history (the page itself shows no names)."""
    context, pg = site.page(f"/workshop?place=bolton&round={WORKSHOP_ROUNDS[0]}", site.code())
    facilitators = dict(zip(WORKSHOP_ROUNDS, list(PAYLOADS.values())[:len(WORKSHOP_ROUNDS)]))
    for round_label, text in facilitators.items():
        if round_label != WORKSHOP_ROUNDS[0]:
            picker = pg.get_by_role("combobox", name="Round", exact=True)
            picker.click()
            picker.fill(round_label)                     # the picker filters its options as one types
            picker.press("Enter")
            pg.get_by_role("heading", name=f"Bolton · round {round_label}").wait_for()
        field = pg.locator('input[aria-label="Facilitator (name or role)"]')
        field.fill(text)
        pg.get_by_role("button", name="Start recording").click()
        pg.get_by_text("dimensions agreed").wait_for()
        idle(pg)
        nothing_injected(pg)
    drafts = site.store.place_assessments(BOLTON, "bolton")
    consensus = drafts[drafts["kind"] == "consensus"]
    assert dict(zip(consensus["round"], consensus["participant"])) == facilitators
    context.close()


def test_access_code_labels(site):
    """The Admin page's access-code label, shown as 'Signed in as ...' to whoever signs in with the code. NUL is
    refused naming the label; 100,000 characters never reach the app."""
    context, pg = site.admin_page()
    label_field = pg.locator('input[aria-label^="Label"]')
    code_shown = pg.locator("[data-testid=stCode] code")
    labels = {**PAYLOADS, "a long line": "L" * 200}
    codes, last = {}, None
    role = pg.get_by_role("combobox", name="Role", exact=True)
    for name, text in labels.items():
        role.click()
        role.fill("System leader")                             # the form starts from 'Place director' each time
        role.press("Enter")
        label_field.fill(text)
        pg.get_by_role("button", name="Create code").click()
        pg.wait_for_function("last => { const c = document.querySelector('[data-testid=stCode] code'); "
                             "return c && c.innerText.trim() !== last; }", arg=last)
        codes[name] = last = code_shown.inner_text().strip()
        idle(pg)
        nothing_injected(pg)
    stored = site.store.access_codes()
    assert {c.split("-")[0]: labels[n] for n, c in codes.items()}.items() <= \
        dict(zip(stored["lookup_id"], stored["label"])).items()

    role.click()
    role.fill("System leader")
    role.press("Enter")
    label_field.fill(NUL_TEXT)
    pg.get_by_role("button", name="Create code").click()
    pg.get_by_text("Problem in access code, label").wait_for()
    assert shows(pg, "contains a NUL character (U+0000), which cannot be stored")
    paste(pg, label_field, HUGE)
    assert label_field.input_value() == ""                     # the field takes nothing over its 200 characters
    assert len(site.store.access_codes()) == len(stored)
    nothing_injected(pg)

    for name in ("image with onerror", "Markdown and a javascript: link"):
        pg.get_by_role("button", name="Sign out").click()
        sign_in(pg, codes[name])
        idle(pg)
        assert shows(pg, f"Signed in as {labels[name]}", "[data-testid=stSidebar]"), name
        nothing_injected(pg)
    context.close()


def test_an_import_with_hostile_file_name_and_cells(site):
    """A places file whose name and cells are payloads: the preview and the confirmation show the name as text,
    nothing runs, and the imported cells are kept verbatim."""
    name = "<img src=x onerror=window.__pwned=1> **places** [x](javascript:1).csv"    # (a browser sends " as %22)
    note, post = PAYLOADS["script element"] + " " + PAYLOADS["SQL: drop table"], PAYLOADS["Markdown and a javascript: link"]
    data = ("place_code,governance_note,sap_post\n"
            f"bolton,\"{note}\",\"{post}\"\n"
            f"{PAYLOADS['SQL: delete']},x,y\n").encode()
    context, pg = site.admin_page()
    pg.get_by_role("tab", name="Import").click()
    pg.locator("[data-testid=stFileUploader] input[type=file]").first.set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    pg.get_by_text("Nothing has been written yet").wait_for()
    idle(pg)
    assert shows(pg, f"{name} (UTF-8): 0 to add, 1 to change, 0 to remove, 1 rejected row(s), 0 unchanged.")
    nothing_injected(pg)
    pg.get_by_role("button", name=re.compile(r"^Import \d+ row")).click()
    pg.get_by_text(f"Imported {name}").wait_for()
    assert shows(pg, f"Imported {name}: ")
    nothing_injected(pg)
    with site.store.engine.connect() as conn:
        row = conn.execute(select(reference_rows.c.data).where(reference_rows.c.row_key == "bolton")).scalar_one()
    assert (json.loads(row)["governance_note"], json.loads(row)["sap_post"]) == (note, post)
    context.close()


# --------------------------------------------------------------------------- query parameters

# Error messages are Markdown made inert (ui.show_error: no HTML, links, images or code), but emphasis, backslashes and
# Streamlit's typography (' -- ' to a dash, ' -> ' to an arrow) still apply: such text is inert, not literal there.
MARKDOWN_ACTIVE = re.compile(r"[*_~$\\]|(?:^|\s)(?:--|->|<-|<->|>=|<=|~=)(?:\s|$)")
QUERY_PAYLOADS = [PAYLOADS["script element"], PAYLOADS["image with onerror"], PAYLOADS["Markdown and a javascript: link"],
                  PAYLOADS["SQL: drop table"], "".join(PAYLOADS[k] for k in ("control characters", "right-to-left override",
                                                                          "emoji and combining marks")),
                  "x" * 5000, "nul\x00byte"]
PARAMS = ("place", "round", "step", "present", "anon")


def test_query_parameters(site):
    """?place=, ?round=, ?step=, ?present=, ?anon= (the workshop page reads them all): each load rotates the
    payloads over the five, so that n loads try every payload in every parameter; and ?assessment= (the
    Self-assessment page, signed in) with a script and a NUL (a link not shaped like an assessment key is not even
    looked up: test_the_store_keeps_every_payload_verbatim...). Nothing runs or is written; a bad place or round is
    named and explained; the page goes on."""
    before = len(site.store.place_assessments(BOLTON, "bolton"))
    n = len(QUERY_PAYLOADS)
    for i in range(n):
        chosen = {p: QUERY_PAYLOADS[(i + k) % n] for k, p in enumerate(PARAMS)}
        context, pg = site.page("/workshop?" + "&".join(f"{p}={quote(v, safe='')}" for p, v in chosen.items()))
        pg.get_by_text("is not a place in the current filters").wait_for()
        nothing_injected(pg)
        for p in ("place", "round"):
            if chosen[p].isprintable() and not MARKDOWN_ACTIVE.search(chosen[p]):
                assert shows(pg, repr(chosen[p])), (p, chosen[p][:40])
        context.close()
    code = site.code()
    for text in (QUERY_PAYLOADS[0], QUERY_PAYLOADS[-1]):              # each a new session, so signed in again
        context, pg = site.page(f"/assessment?assessment={quote(text, safe='')}", code)
        pg.get_by_text("no assessment has that link").wait_for()
        nothing_injected(pg)
        context.close()
    assert len(site.store.place_assessments(BOLTON, "bolton")) == before


@pytest.mark.parametrize("step", ["\u00b2", "9" * 5000, "-3", "0"])
def test_a_step_of_odd_digits_is_ignored(tmp_path, monkeypatch, step):
    """Unicode digits ('²'.isdigit() is True), thousands of digits, signs and zero: presenting starts at view 1."""
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"database.seed_demo": False})))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"], at.query_params["step"] = "1", step
    at.run()
    assert not at.exception
    assert at.query_params["step"] == "1" and "**1 / 7**" in [m.value for m in at.markdown]


# --------------------------------------------------------------------------- the store: verbatim, NUL, limits

def test_the_store_keeps_every_payload_verbatim_and_refuses_nul_and_overlong_text(any_store, mini_framework):
    """On SQLite and PostgreSQL alike."""
    store, fw = any_store, mini_framework
    store.add_round("test", ROUND)
    texts = [*PAYLOADS.values(), "line one\r\nline two\n"]
    for i, text in enumerate(texts):
        a = store.start(BOLTON, "bolton", ROUND, "icb", text, fw)
        store.save_draft(BOLTON, a.id, fw, {}, {d: text for d in fw.dimension_ids})
        again = store.get(BOLTON, a.id)
        assert again.participant == text.strip() and set(again.justifications.values()) == {text}, text
        assert store.create_access_code("test", "system_leader", None, text) and \
            store.access_codes()["label"].iloc[-1] == text.strip()           # names and labels lose outer spaces
    writes = len(store.audit_entries())
    refused = [
        (lambda: store.start(BOLTON, "bolton", ROUND, "icb", NUL_TEXT, fw), "participant"),
        (lambda: store.start(BOLTON, "bolton", ROUND, "icb", HUGE, fw), "participant"),
        (lambda: store.save_draft(BOLTON, a.id, fw, {}, {"leadership": NUL_TEXT}), "leadership"),
        (lambda: store.save_draft(BOLTON, a.id, fw, {}, {"leadership": HUGE}), "leadership"),
        (lambda: store.create_access_code("test", "admin", None, NUL_TEXT), "label"),
        (lambda: store.create_access_code("test", "admin", None, HUGE), "label"),
        (lambda: store.add_round("test", "2032\x00/33"), "label"),
        (lambda: store.add_round("test", HUGE), "label")]
    for action, field in refused:
        with pytest.raises(InvalidEntry) as caught:
            action()
        assert caught.value.field == field and ("NUL" in caught.value.message or "characters" in caught.value.message)
    assert len(store.audit_entries()) == writes                              # nothing written, no audit entry either
    with pytest.raises(InvalidEntry, match="no assessment has that link"):
        store.find(BOLTON, NUL_TEXT)                                   # not even looked up


def test_a_csv_with_nul_past_the_first_4_kb_is_refused_naming_the_line(tmp_path, framework):
    from icsdash import imports
    from icsdash.errors import DataError
    data = ("place_code,governance_note\n" + "".join(f"bolton,{'x' * 100}\n" for _ in range(50))
            + "bolton,bad\x00cell\n").encode()
    with pytest.raises(DataError, match="contains a NUL character") as caught:
        imports.read_sheet(data, "p.csv", ["place_code"])
    assert caught.value.line == 52


# --------------------------------------------------------------------------- XSRF, secrets

def test_xsrf_protection_is_on_and_an_upload_without_its_token_is_refused(site):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True

    def put(headers: dict) -> int:
        body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\na,b\r\n--b--\r\n"
        request = urllib.request.Request(f"{site.base}/_stcore/upload_file/{uuid.uuid4()}/{uuid.uuid4()}", data=body,
                                         method="PUT", headers={"Content-Type": "multipart/form-data; boundary=b",
                                                                "Origin": "https://evil.example", **headers})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert put({}) == 403                                             # a cross-site form: no cookie, no token
    with urllib.request.urlopen(f"{site.base}/_stcore/health", timeout=10) as response:
        cookie = next(v for k, v in response.headers.items() if k.lower() == "set-cookie" and "xsrf" in v.lower())
    name, token = cookie.split(";")[0].split("=", 1)                   # Streamlit's '_streamlit_xsrf'
    assert put({"Cookie": f"{name}={token}"}) == 403                   # the cookie alone is not enough
    # With the token as the app's own page sends it, the request gets past XSRF (and fails on the made-up session).
    assert put({"Cookie": f"{name}={token}", "X-Xsrftoken": token}) == 400


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:([^@\s/'\"]+)@"),
    "password or secret assigned": re.compile(r"(?i)\b(?:password|passwd|secret|client_secret|cookie_secret|api_key|"
                                              r"token)\s*[=:]\s*[\"']([^\"'\s]{6,})[\"']"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub or Slack token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|xox[baprs]-[A-Za-z0-9-]{10,})\b"),
    # A code's secret is random (token_urlsafe): one of only lower-case letters is an example, as in the doctests.
    "an access code": re.compile(r"\b[A-HJ-NP-Z2-9]{6}-(?![a-z]{24}\b)[A-Za-z0-9_-]{24}\b"),
}
PLACEHOLDERS = {"password", "secret", "***", "...", "a long random string", "<password>", "xxxxxx"}


def test_the_repository_holds_no_secret():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    files = [f.decode() for f in tracked if f]
    assert ".streamlit/secrets.toml" not in files and not [f for f in files if f.endswith((".pem", ".key", ".env"))]
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().split()
    found = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue                                                  # binary (images, workbooks, fonts)
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                value = match.group(1) if pattern.groups else match.group(0)
                if value not in PLACEHOLDERS:
                    found.append(f"{name}: {what}: {match.group(0)[:60]}")
    assert found == []


# --------------------------------------------------------------------------- another place's drafts, by any link

def app(query: dict, who: Principal):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    settled(at)
    at.session_state["_icsdash_principal"] = who                  # as signing in with Bury's code does
    return at


def everything_shown(at) -> str:
    texts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error", "text") for e in getattr(at, kind)]
    texts += [str(w.value) for kind in ("text_area", "text_input", "radio") for w in getattr(at, kind)]
    return " ".join(texts + [d.value.to_string() for d in at.dataframe])


def test_a_place_director_reaches_no_other_places_drafts_by_any_link(tmp_path, monkeypatch, mini_framework):
    """Bolton has an individual draft and a consensus draft, each with a secret justification. Bury's director
    tries every page and parameter that could name them: none shows a draft, a score of one, or its text."""
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(
        tmp_path, {"data.framework": str(ROOT / "tests/data/frameworks/mini.yaml"), "database.seed_demo": False})))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert not AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run().exception
    store = Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")
    store.add_round("test", "2026/27")
    fw = mini_framework
    submitted = store.start(BOLTON, "bolton", "2026/27", "icb", "Ann", fw)
    store.save_draft(BOLTON, submitted.id, fw, {d: 2 for d in fw.dimension_ids}, {d: "Public" for d in fw.dimension_ids})
    store.submit(BOLTON, submitted.id, fw)
    secret = "Draft secret of Bolton"
    drafts = [store.start(BOLTON, "bolton", "2026/27", "local_authority", "Bea", fw),
              store.start(BOLTON, "bolton", "2026/27", "", "Fay", fw, kind="consensus")]
    for d in drafts:
        store.save_draft(BOLTON, d.id, fw, {"leadership": 3}, {"leadership": secret})

    for d in drafts:
        for query in ({"assessment": d.assessment_key}, {"assessment": d.assessment_key, "place": "bolton",
                                                         "round": "2026/27"}):
            at = app(query, BURY)
            at.switch_page("pages/assessment.py").run()
            assert not at.exception and "may not see assessments for bolton" in everything_shown(at)
            assert secret not in everything_shown(at) and not at.radio and not at.text_area
    for page in ("pages/workshop.py", "pages/profile.py"):
        at = app({"place": "bolton", "round": "2026/27"}, BURY)
        at.switch_page(page).run()
        assert not at.exception
        shown = everything_shown(at)
        assert secret not in shown and "Bea" not in shown and "Fay" not in shown and not at.text_area, page
    # Every store read that could carry a draft refuses Bury, whatever it is asked for.
    for read in (lambda: store.get(BURY, drafts[1].id), lambda: store.find(BURY, drafts[0].assessment_key),
                 lambda: store.history(BURY, drafts[1].assessment_key),
                 lambda: store.place_assessments(BURY, "bolton"),
                 lambda: store.justifications(BURY, "bolton", "2026/27"),
                 lambda: store.save_draft(BURY, drafts[0].id, fw, {"leadership": 0}, {})):
        with pytest.raises(AccessDenied):
            read()
