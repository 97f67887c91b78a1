"""A database outage while a place director fills in the Self-assessment form: the page says that saving failed,
keeps every entry in the session, never shows a traceback, refuses to submit, and writes everything once the
database answers again.

Two levels: the page in AppTest, on SQLite, with the engine made to fail (every connection refused, as when the
server is down); and the real thing, a browser on the app served from a PostgreSQL cluster that the test stops
and starts again (skipped only when Chromium or the PostgreSQL server binaries are not installed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from streamlit.testing.v1 import AppTest

from icsdash.auth import Principal
from icsdash.store import Store

from conftest import MINI_FRAMEWORK, ROOT, _pg_bin, free_port, settled, write_config
from served_app import app_server, idle, launch_chromium, no_failure_shown, sign_in

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
DIMS = ("leadership", "data_sharing", "outcomes")                  # the mini framework's


# --------------------------------------------------------------------------- the page (AppTest, SQLite)

class Outage:
    """Makes every new connection of the app's database fail, as a stopped server does."""

    def __init__(self, monkeypatch, url: str):
        self.down = False
        real = Engine.connect

        def connect(engine, *args, **kwargs):
            if self.down and str(engine.url) == url:
                raise OperationalError("connect", {}, ConnectionRefusedError("connection refused (test outage)"))
            return real(engine, *args, **kwargs)
        monkeypatch.setattr(Engine, "connect", connect)


@pytest.fixture
def form(tmp_path, monkeypatch):
    """A place director's draft open on the Self-assessment page (mini framework, no demo data); the store;
    and the switch for an outage."""
    url = f"sqlite:///{tmp_path / 'icsdash.sqlite3'}"
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(
        tmp_path, {"data.framework": str(MINI_FRAMEWORK), "database.seed_demo": False})))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert not AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run().exception     # creates the database
    store = Store.open(url)
    store.add_round("test", "2026/27")
    at = settled(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.sidebar.text_input(key="access_code").input(
        store.create_access_code("test", "place_director", "bolton", "Bolton lead")).run()
    at.switch_page("pages/assessment.py").run()
    at.text_input(key="start_participant").input("Ann")
    at.button(key="start_open").click().run()
    assert not at.exception
    return at, store, Outage(monkeypatch, url)


def widget(at, dim, what="score"):
    return f"assessment_{at.session_state['assessment_id']}_{what}_{dim}"


def shown(at) -> str:
    return " ".join(e.value for kind in ("error", "warning", "caption", "info") for e in getattr(at, kind)).replace("**", "")


def test_entries_made_during_an_outage_are_kept_and_all_saved_when_it_ends(form):
    at, store, outage = form
    aid = at.session_state["assessment_id"]
    at.radio(key=widget(at, "leadership")).set_value(2).run()
    assert store.get(BOLTON, aid).scores == {"leadership": 2}                  # saved at once, as usual

    outage.down = True
    at.radio(key=widget(at, "data_sharing")).set_value(3).run()
    assert not at.exception
    assert "Not saved (1 dimension(s)): saving failed because the database did not answer" in shown(at)
    at.text_area(key=widget(at, "leadership", "text")).input("Typed while the database was down").run()
    assert "Not saved (2 dimension(s))" in shown(at) and not at.exception
    assert at.radio(key=widget(at, "data_sharing")).value == 3                 # the form still shows them
    at.button(key="submit_assessment").click().run()                           # submitting is refused, clearly
    assert "Not submitted: submitting failed because the database did not answer" in shown(at)
    assert not at.exception and "Traceback" not in shown(at)

    # Back: the next change writes every unsaved entry, in one store call (one audit entry names them all).
    outage.down = False
    at.radio(key=widget(at, "outcomes")).set_value("Not assessed").run()
    saved = store.get(BOLTON, aid)
    assert (saved.scores, saved.justifications, saved.status) == (
        {"leadership": 2, "data_sharing": 3, "outcomes": None}, {"leadership": "Typed while the database was down"},
        "draft")
    last = store.audit_entries().iloc[-1]
    assert (last.action, json.loads(last.detail)["dimensions"]) == ("save_draft", ["data_sharing", "leadership",
                                                                                   "outcomes"])
    assert "Saved at" in shown(at) and "Not saved" not in shown(at)


def test_unsaved_entries_survive_leaving_the_page_and_are_saved_by_the_next_run(form):
    """Streamlit forgets the values of widgets a run does not draw; the unsaved entries are kept apart from them,
    and written by the page's next run (in the browser, the save status fragment's timer) with no new change."""
    at, store, outage = form
    aid = at.session_state["assessment_id"]
    outage.down = True
    at.radio(key=widget(at, "data_sharing")).set_value(1).run()
    at.text_area(key=widget(at, "data_sharing", "text")).input("Kept in the tab").run()
    at.switch_page("pages/overview.py").run()                                  # away, during the outage
    assert not at.exception
    outage.down = False
    time.sleep(1.1)                                                           # past the patience after a failed try
    at.switch_page("pages/assessment.py").run()                                # back, no new entry
    assert not at.exception
    saved = store.get(BOLTON, aid)
    assert (saved.scores, saved.justifications) == ({"data_sharing": 1}, {"data_sharing": "Kept in the tab"})
    assert at.text_area(key=widget(at, "data_sharing", "text")).value == "Kept in the tab"
    assert "Saved at" in shown(at)


def test_every_read_of_the_page_says_the_database_did_not_answer(form):
    at, store, outage = form
    outage.down = True
    at.run()                                                                   # the form, from the copy in the tab
    assert not at.exception and "The database is not answering" in shown(at)
    assert at.radio(key=widget(at, "leadership"))
    assert "did not answer while reading this assessment's history" in shown(at)
    next(b for b in at.button if b.label == "Other assessment").click().run()     # the start panel
    assert not at.exception and "did not answer while listing this place's assessments" in shown(at)
    at.text_input(key="start_participant").input("Bea")
    at.button(key="start_open").click().run()
    assert not at.exception and "the database did not answer, so nothing was opened" in shown(at)
    again = settled(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))    # a link, in a new session
    again.session_state["_icsdash_principal"] = BOLTON
    again.query_params["assessment"] = "8d1c7a52-0c4e-4c55-9d3e-1f0e2a7b6c90"         # well formed, so looked up
    again.switch_page("pages/assessment.py").run()
    assert not again.exception and "did not answer while opening the assessment this link names" in shown(again)


def test_the_workshop_facilitators_entries_are_kept_through_an_outage(form, mini_framework):
    """The consensus form saves the same way: during an outage the workshop page says the database did not answer
    (and waits for it); the facilitator's entry is kept and written once the page can be drawn again."""
    at, store, outage = form
    fw = mini_framework
    inputs = store.start(BOLTON, "bolton", "2026/27", "icb", "Ida", fw)
    store.save_draft(BOLTON, inputs.id, fw, {d: 2 for d in DIMS}, {d: "Seen" for d in DIMS})
    store.submit(BOLTON, inputs.id, fw)
    consensus = store.start(BOLTON, "bolton", "2026/27", "", "Fay", fw, kind="consensus")
    at.query_params["place"], at.query_params["round"] = "bolton", "2026/27"
    at.switch_page("pages/workshop.py").run()
    outage.down = True
    at.radio(key=f"assessment_{consensus.id}_score_outcomes").set_value(1).run()
    assert not at.exception and "The database did not answer" in shown(at)
    outage.down = False
    time.sleep(1.1)                                                           # past the patience after a failed try
    at.run()                                                                   # in the browser: the page's own retry
    assert not at.exception and store.get(BOLTON, consensus.id).scores == {"outcomes": 1}
    assert at.radio(key=f"assessment_{consensus.id}_score_outcomes").value == 1


# --------------------------------------------------------------------------- the real thing (browser, PostgreSQL)

SAVED_AT = re.compile(r"Saved at \d\d:\d\d:\d\d: every change")       # the save status (not its pop-up notice)


class Cluster:
    """A PostgreSQL cluster of this test's own (the session's shared one must not be stopped), on a free port."""

    def __init__(self, bin_dir: Path):
        self.bin, self.base, self.port = bin_dir, Path(tempfile.mkdtemp(prefix="icsdash-outage-")), free_port()
        self.data = self.base / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []     # initdb refuses root
        if self.as_user:
            shutil.chown(self.base, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "icsdash", "--auth=trust", "-E", "UTF8")
        self.start()
        self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "icsdash", "-d", "postgres", "-c",
                 "CREATE DATABASE icsdash")
        self.url = f"postgresql://icsdash@127.0.0.1:{self.port}/icsdash"

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, text=True,
                       timeout=60)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1",
                 "-l", str(self.base / "log"), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def remove(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def cluster():
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install -y postgresql); this test runs in CI")
    made = Cluster(bin_dir)
    yield made
    made.remove()


@pytest.fixture
def chromium():
    with launch_chromium() as browser:
        yield browser


def test_postgresql_stops_while_a_user_fills_the_form(cluster, chromium, tmp_path):
    store = Store.open(cluster.url)
    store.add_round("test", "2026/27")
    code = store.create_access_code("test", "place_director", "bolton", "Bolton lead")
    with app_server(tmp_path, cluster.url, {"data.framework": str(MINI_FRAMEWORK),
                                            "database.seed_demo": False}) as base:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        pg.goto(base + "/assessment")
        sign_in(pg, code)
        name = pg.locator('input[aria-label="Your name or role"]')
        name.fill("Ann")
        pg.get_by_role("button", name="Open my assessment").click()
        position = {d: i for i, d in enumerate(DIMS)}                            # one card per dimension, in order

        def choose(dim: str, level: str) -> None:
            pg.locator("[data-testid=stRadio]").nth(position[dim]).get_by_text(level, exact=True).click()

        def justify(dim: str, text: str) -> None:
            area = pg.locator("[data-testid=stTextArea] textarea").nth(position[dim])
            area.fill(text)
            area.press("Control+Enter")

        choose("leadership", "Level 2")
        pg.get_by_text(SAVED_AT).wait_for()
        justify("leadership", "Board agreed in May")
        aid = store.place_assessments(BOLTON, "bolton")["id"].iloc[0]
        deadline = time.time() + 10
        while store.get(BOLTON, int(aid)).justifications != {"leadership": "Board agreed in May"}:
            assert time.time() < deadline, store.get(BOLTON, int(aid))
            time.sleep(0.2)

        cluster.stop("fast")                                                   # the outage begins
        choose("data_sharing", "Level 3")
        pg.get_by_text("saving failed because the database did not answer").wait_for()
        justify("data_sharing", "Typed during the outage")
        choose("outcomes", "Not assessed")
        pg.get_by_text("Not saved (2 dimension(s))").wait_for()
        no_failure_shown(pg)
        from playwright.sync_api import TimeoutError as NotThere
        try:                          # for the screenshot only: the status redraws itself every few seconds
            pg.get_by_text("Not saved (2 dimension(s))").scroll_into_view_if_needed(timeout=5_000)
        except NotThere:
            pass
        pg.screenshot(path=str(tmp_path / "outage.png"))

        started = time.time()
        cluster.start()                                                        # it ends; nobody touches the page
        pg.get_by_text(SAVED_AT).wait_for(timeout=30_000)
        back_after = time.time() - started
        pg.wait_for_function("() => !document.body.innerText.includes('Not saved')", timeout=10_000)
        no_failure_shown(pg)
        saved = store.get(BOLTON, int(aid))
        assert saved.scores == {"leadership": 2, "data_sharing": 3, "outcomes": None}
        assert saved.justifications == {"leadership": "Board agreed in May", "data_sharing": "Typed during the outage"}
        print(f"saved again {back_after:.1f} s after PostgreSQL was started again")
        context.close()
    store.engine.dispose()


def test_any_page_drawn_during_an_outage_says_the_database_did_not_answer_and_comes_back(form):
    """Pages other than the forms: the frame says what happened (not 'something went wrong') and redraws the page
    by itself once the database answers."""
    at, _, outage = form
    at.switch_page("pages/overview.py").run()
    assert at.title[0].value == "Integrated care in England"
    outage.down = True
    at.sidebar.selectbox(key="filter_region").select("London").run()
    assert not at.exception
    assert "The database did not answer while drawing the Overview page" in shown(at)
    assert "Trying again every" in shown(at) and "Something went wrong" not in shown(at)
    outage.down = False
    at.run()
    assert not at.exception and at.title[0].value == "Integrated care in London"


def test_a_first_start_while_postgresql_is_down_opens_by_itself_when_it_answers(cluster, chromium, tmp_path):
    """The server starts while the database is stopped: a link to the Place profile says the database server did
    not answer (not 'fix the file'), lists no pages folder's file names in a sidebar, and keeps its address; once
    PostgreSQL is started it opens that Place profile by itself, with nobody reloading."""
    cluster.stop("fast")
    with app_server(tmp_path, cluster.url, {"data.framework": str(MINI_FRAMEWORK)}) as base:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(base + "/profile?place=bolton")
        pg.get_by_role("heading", name="icsdash cannot start").wait_for()
        pg.get_by_text("tries again every 5 seconds").wait_for()           # the page's last line, once drawn
        text = pg.locator("[data-testid=stMain]").inner_text()
        assert "The database server did not answer" in text and "tries again every 5 seconds" in text
        assert "Fix the file named above" not in text
        assert pg.locator("[data-testid=stSidebarNav]").count() == 0 and pg.get_by_text("Page not found").count() == 0
        assert pg.evaluate("location.pathname + location.search") == "/profile?place=bolton"
        no_failure_shown(pg)
        started = time.time()
        cluster.start()
        pg.locator("[data-testid=stMain] h1").filter(has_text="Place profile").wait_for(timeout=30_000)
        pg.get_by_role("heading", name="Bolton", exact=False).first.wait_for(timeout=30_000)
        print(f"opened {time.time() - started:.1f} s after PostgreSQL was started")
        idle(pg)                                                 # the old message goes when the run ends
        assert pg.get_by_role("heading", name="icsdash cannot start").count() == 0
        no_failure_shown(pg)
        context.close()
