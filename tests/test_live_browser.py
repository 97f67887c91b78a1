"""The live vote in a real browser: a projector at 1280 x 720 and a phone at 390 x 844 on a real server, a vote
from the phone, the count on the projector, the server restarted in the middle of the vote, and the results.

Screenshots of the projector and the phone are written to the test's folder (or ``ICSDASH_SCREENSHOTS``).
Skips, saying why, only when Playwright or Chromium is missing; CI has both.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

from conftest import FRAMEWORK, write_config
from icsdash.framework import load_framework
from icsdash.store import Store
import live_app
from live_app import AppServer, app_env, free_port
from served_app import idle, launch_chromium, no_failure_shown, sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PROJECTOR = {"viewport": {"width": 1280, "height": 720}}


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ICSDASH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def voted_text(pg) -> str:
    """The projector's 'Voted' figure ('1 of 1'), or '' while it is not shown."""
    count = pg.locator(".live-count").filter(has_text="Voted")
    return count.locator(".live-count-value").inner_text() if count.count() else ""


def wait_for_count(pg, wanted: str, timeout_s: float = 15) -> float:
    """Seconds until the projector shows ``wanted`` voted (polled, not slept)."""
    started = time.monotonic()
    while voted_text(pg) != wanted:
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"the projector showed {voted_text(pg)!r} voted, not {wanted!r}, after {timeout_s} s")
        pg.wait_for_timeout(50)
    return time.monotonic() - started


def file_says(pg, fetched: list, wanted: dict, timeout_s: float = 5) -> bool:
    """Whether the projector's browser fetched the count file holding ``wanted`` (within ``timeout_s``): the
    count reaches it between script runs, not only at the page's own looks at the database."""
    started, seen = time.monotonic(), 0
    while time.monotonic() - started < timeout_s:
        fresh, seen = fetched[seen:], len(fetched)
        if any({k: r.json()[k] for k in wanted} == wanted for r in fresh if r.ok):
            return True
        pg.wait_for_timeout(50)
    return False


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_phone_votes_the_projector_counts_and_a_restart_loses_nothing(database, request, tmp_path):
    shots = shots_folder(tmp_path)
    url = f"sqlite:///{tmp_path / 'icsdash.sqlite3'}"
    if database == "postgresql":
        url = live_app.fresh_postgres_database(request.getfixturevalue("postgres_url"), "live_restart")
    config = write_config(tmp_path, database_url=url, seeded=False)
    server = AppServer(free_port(), tmp_path / "streamlit.log", app_env(config))
    server.start()
    try:
        store = Store.open(url)
        code = store.create_access_code("test", "place_director", "bolton", "Bolton lead")
        with launch_chromium() as browser:
            projector = browser.new_context(**PROJECTOR).new_page()
            fetched = []             # the count file, as the projector's browser fetched it between script runs
            projector.on("response", lambda r: fetched.append(r) if "/app/static/generated/live/" in r.url else None)
            projector.goto(f"{server.url}/live?place=bolton")
            sign_in(projector, code)
            projector.get_by_role("button", name=re.compile("Start a live vote")).click()
            projector.get_by_text("Scan to join the vote").wait_for(timeout=30_000)
            idle(projector)
            live = store.active_live_vote("bolton", store.round_labels()[-1])
            assert projector.get_by_text(live.join_code, exact=True).is_visible()
            projector.screenshot(path=shots / f"live-projector-join-{database}.png")

            phone = browser.new_context(**PHONE).new_page()
            phone.goto(f"{server.url}/vote?join={live.join_code}")
            phone.get_by_role("button", name=re.compile("Join")).click()
            phone.get_by_text("Waiting for the facilitator to open voting").wait_for(timeout=30_000)
            assert "voter=" in phone.url and "join=" not in phone.url

            projector.get_by_role("button", name=re.compile("Open round 1")).click()
            wait_for_count(projector, "0 of 1")
            first = store.live_session(live.id).open_round.dimension_ids[0]
            name = load_framework(FRAMEWORK).dimension(first).name
            card = phone.get_by_role("radiogroup", name=f"Your score: {name}")
            card.wait_for(timeout=15_000)                               # the phone looked again by itself
            card.get_by_text("Level 3", exact=True).click()
            phone.get_by_text("Vote saved: level 3").wait_for(timeout=15_000)
            latency = wait_for_count(projector, "1 of 1")
            assert latency < 3, f"the projector took {latency:.1f} s to count the vote"
            assert file_says(projector, fetched, {"joined": 1, "voted": 1, "round": 1}), \
                [r.json() for r in fetched[-3:]]
            phone.screenshot(path=shots / f"live-phone-voting-{database}.png", full_page=False)
            projector.screenshot(path=shots / f"live-projector-counting-{database}.png")
            width = phone.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"the phone page is {width} px wide: it scrolls sideways"

            server.stop()                                               # a restart in the middle of the vote
            server.start()
            phone.reload()
            phone.get_by_text("Vote saved: level 3").wait_for(timeout=30_000)     # its place and its vote kept
            card = phone.get_by_role("radiogroup", name=f"Your score: {name}")
            expect(card.get_by_role("radio", checked=True)).to_have_count(1, timeout=15_000)
            card.get_by_text("Level 4", exact=True).click()                      # and it votes on
            phone.get_by_text("Vote saved: level 4").wait_for(timeout=15_000)
            projector.reload()
            sign_in(projector, code)
            wait_for_count(projector, "1 of 1", timeout_s=30)

            beside = projector.context.new_page()          # a second window on the vote (the facilitator's laptop)
            beside.goto(f"{server.url}/live?place=bolton")
            sign_in(beside, code)
            wait_for_count(beside, "1 of 1", timeout_s=30)
            projector.get_by_role("button", name=re.compile("Close voting")).click()
            projector.get_by_text("Round 1: results").wait_for(timeout=30_000)
            beside.get_by_text("Round 1: results").wait_for(timeout=15_000)     # it follows by itself
            beside.close()
            idle(projector)
            projector.get_by_text("Round 1: results").scroll_into_view_if_needed()
            results = projector.locator("[data-testid=stVegaLiteChart]").first
            results.locator("canvas, svg").first.wait_for(timeout=30_000)          # drawn
            projector.wait_for_timeout(500)                                        # (Vega's transition)
            projector.screenshot(path=shots / f"live-projector-results-{database}.png")
            no_failure_shown(projector)
            no_failure_shown(phone)
        votes = store.session_votes(live.id)
        assert votes[["round_number", "dimension_id", "score"]].values.tolist() == [[1, first, 4]]
        store.engine.dispose()
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()[-3000:]
