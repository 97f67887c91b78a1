"""Thirty phones voting at once in a live vote, against a real server (issue 20).

``streamlit run app.py`` on a free port and its SQLite database (a laptop's workshop); Debian's Chromium driven by
Playwright's async API: one context per phone (390 x 844) and one projector signed in as the place's director.
Every phone joins with the join code, waits for the round to open (its ballot redraws itself), then votes
on three dimensions, clicking the first vote twice (a repeated click), and waits for "Vote saved" under each
before the next, as the page asks. The test reports the stored votes, lost or doubled, and the seconds from the
database holding every phone's first vote to the projector's browser drawing "30 of 30" (noted by the page on its
own clock, so a busy test process cannot make it look late). It must be under 1 second, the issue's target.

The phones' browser runs only when the cores are otherwise idle (``chrt --idle``) and the projector in a browser
of its own: in a room each phone is its own device. (With ``nice -n 19`` instead, Chromium, run as root, set its
renderers back to normal priority, 30 phone pages took the server's two cores, and the projector counted 30 of
30 after 0.2 to 1.6 s.)

Skips, saying why, only when Playwright or Chromium is missing; CI has both.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text as sql

import live_app as live
from conftest import DATA, write_config
from icsdash.auth import Principal
from icsdash.framework import load_framework
from icsdash.store import Store

pytest.importorskip("playwright.async_api", reason="Playwright for Python is not installed")
if not Path(live.CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {live.CHROMIUM} (apt-get install -y chromium); the load tests run in CI",
                allow_module_level=True)

FRAMEWORK = load_framework(DATA / "frameworks" / "scirocco_style.yaml")
VOTERS = int(os.environ.get("ICSDASH_LIVE_VOTERS", "30"))      # a smaller panel, to try the test out
DIMENSIONS = FRAMEWORK.dimension_ids[:3]
STEP_MS = 180_000              # the longest one step may take: 31 browsers share the machine's 2 cores
DIRECTOR = Principal("place_director", "bolton", "Load facilitator", "code")


def choice(phone: int, dim: int) -> int:
    """What phone ``phone`` votes on its ``dim``-th dimension: spread over every level."""
    return (phone + 2 * dim) % 6


async def voted_on_projector(page) -> str:
    count = page.locator(".live-count").filter(has_text="Voted")
    if not await count.count():
        return ""
    return await count.locator(".live-count-value").inner_text()


async def phone_votes(browser, base: str, join_code: str, number: int, opened: asyncio.Event,
                      saved_first: list[float], problems: list[str]) -> None:
    """One phone: join, wait for the round, vote on each dimension (the first twice), each until 'Vote saved'."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    try:
        await page.goto(f"{base}/vote?join={join_code}", wait_until="commit")
        await page.get_by_role("button", name=re.compile("Join")).click()
        await page.wait_for_url(re.compile(r"voter="))                   # joined: the phone holds its secret
        await opened.wait()
        for k, dim in enumerate(DIMENSIONS):
            group = page.get_by_role("radiogroup", name=f"Your score: {FRAMEWORK.dimension(dim).name}")
            level = page.locator(f'[class*="st-key-vote_"][class*="_{dim}"]') \
                .get_by_text(f"Level {choice(number, k)}", exact=True)
            await group.wait_for()
            await live.settled(page, STEP_MS)       # as a person waits for the page to settle before choosing
            saved = page.get_by_text(f"Vote saved: level {choice(number, k)}").first
            await level.click()
            if k == 0:
                await level.click()                                      # a repeated click
            await saved.wait_for()
            await live.settled(page, STEP_MS)
            if k == 0:
                saved_first.append(time.monotonic())
        for text in await page.locator("[data-testid=stException]").all_inner_texts():
            problems.append(f"phone {number}: {text[:200]}")
    except Exception as exc:  # noqa: BLE001 - recorded and asserted on
        problems.append(f"phone {number}: {type(exc).__name__}: {str(exc)[:300]}")
        await page.screenshot(path=f"/tmp/icsdash-phone-{number}.png")
    finally:
        await context.close()


def test_thirty_phones_vote_at_once_and_every_vote_is_stored_once(tmp_path):
    config = write_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'icsdash.sqlite3'}"
    figures: dict = {"voters": VOTERS, "dimensions": len(DIMENSIONS), "database": "sqlite"}
    with live.app_servers(tmp_path, config) as (server,):
        store = Store.open(url)
        rounds = store.round_labels()
        code = store.create_access_code("test", "place_director", "bolton", "Load facilitator")
        session = store.start_live_vote(DIRECTOR, "bolton", rounds[-1], FRAMEWORK)

        written: dict[str, float] = {}        # when the server wrote the full count to the projector's file
        drawn: dict[str, float] = {}          # when the projector's browser drew it (its own clock)

        async def run() -> None:
            # The phones' browser runs at the lowest priority: in a room each phone is its own device, and
            # here their 30 pages would otherwise take the cores from the server and the projector's browser.
            async with live.browser_without_webgl() as screen, \
                    live.browser_without_webgl(yielding=True, folder=tmp_path) as browser:
                projector = await live.new_session(screen, "projector", STEP_MS, tmp_path)
                wanted = f"{VOTERS} of {VOTERS}"
                # The projector's browser notes, on its own clock, when it first draws the full count: the test's
                # own process, driving 31 pages, may look late, but the page's timer is the projector's.
                await projector.page.add_init_script(f"""performance.setResourceTimingBufferSize(100000);
                setInterval(() => {{
                    const shown = document.querySelector(".live-count-value");
                    if (shown && shown.textContent === "{wanted}" && !window.icsdashFullCountAt)
                        window.icsdashFullCountAt = Date.now();
                }}, 20);""")

                async def on_response(response) -> None:        # the count file, as the projector fetched it
                    if "/app/static/generated/live/" in response.url and response.ok:
                        try:
                            tally = await response.json()
                        except Exception:       # noqa: BLE001 - a response the browser no longer holds
                            return
                        if (tally["joined"], tally["voted"]) == (VOTERS, VOTERS):
                            written.setdefault("at", tally["at"])
                projector.page.on("response", on_response)
                await projector.page.goto(f"{server.url}/live?place=bolton&round={rounds[-1]}", wait_until="commit")
                await live.settled(projector.page, STEP_MS)
                await live.sign_in(projector, code, STEP_MS)
                await projector.page.get_by_text(session.join_code, exact=True).wait_for()
                opened, saved_first, problems = asyncio.Event(), [], []
                phones = [asyncio.create_task(phone_votes(browser, server.url, session.join_code, n, opened,
                                                          saved_first, problems)) for n in range(VOTERS)]
                started = time.monotonic()
                while store.live_counts(session.id)[0] < VOTERS and time.monotonic() - started < STEP_MS / 1000:
                    await asyncio.sleep(0.5)
                figures["join_seconds"] = round(time.monotonic() - started, 1)
                store.open_live_round(DIRECTOR, session.id, DIMENSIONS, FRAMEWORK)
                opened.set()
                voting = time.monotonic()
                seen_at, stored_at = None, None
                while not all(p.done() for p in phones) or seen_at is None:
                    if stored_at is None and store.live_counts(session.id)[1] == VOTERS:
                        stored_at = time.monotonic()                     # the last phone's first vote is stored
                    if seen_at is None and await voted_on_projector(projector.page) == wanted:
                        seen_at = time.monotonic()
                    if time.monotonic() - voting > STEP_MS / 1000:
                        break
                    await asyncio.sleep(0.05)
                await asyncio.gather(*phones)
                figures["voting_seconds"] = round(time.monotonic() - voting, 1)
                figures["problems"] = problems
                if seen_at is not None and stored_at is not None:
                    figures["test_saw_count_s"] = round(seen_at - stored_at, 2)
                drawn["at"] = (await projector.page.evaluate("window.icsdashFullCountAt || null") or 0) / 1000
                fetches = sorted(await projector.page.evaluate("""performance.getEntriesByType("resource")
                    .filter(e => e.name.includes("/generated/live/")).map(e => e.duration)"""))
                if fetches:
                    figures.update(count_fetches=len(fetches), count_fetch_median_ms=round(fetches[len(fetches) // 2]),
                                   count_fetch_slowest_ms=round(fetches[-1]))
                if len(saved_first) == VOTERS:
                    figures["last_first_vote_saved_s"] = round(max(saved_first) - voting, 1)
                await projector.context.close()

        live.run(run(), timeout=4 * STEP_MS / 1000)
        store.close_live_round(DIRECTOR, session.id)
        votes = store.session_votes(session.id)
        # From the database's own time of the last phone's first vote (all clocks are this machine's).
        firsts = pd.read_sql(sql("SELECT participant_id, MIN(updated_at) AS first FROM live_votes "
                                  "GROUP BY participant_id"), store.engine)
        last_first = pd.to_datetime(firsts["first"], utc=True).max().timestamp()
        if drawn.get("at"):
            figures["projector_latency_s"] = round(drawn["at"] - last_first, 2)
        if "at" in written:
            figures["count_written_s"] = round(written["at"] - last_first, 2)
        joined, _, _ = store.live_counts(session.id)
        per_phone = votes.groupby("participant_id").size()
        figures.update(joined=joined, votes_stored=len(votes), votes_expected=VOTERS * len(DIMENSIONS),
                       doubled=int((votes.groupby(["participant_id", "dimension_id"]).size() > 1).sum()),
                       lost=VOTERS * len(DIMENSIONS) - len(votes))
        logged = [line for line in server.log().splitlines() if "Traceback" in line or "ERROR" in line]
    print(json.dumps(figures, indent=2))
    (tmp_path / "live-load.json").write_text(json.dumps(figures, indent=2))
    print(f"figures written to {tmp_path / 'live-load.json'}")
    assert figures["problems"] == [] and logged == []
    assert joined == VOTERS and len(per_phone) == VOTERS and (per_phone == len(DIMENSIONS)).all()
    assert figures["lost"] == 0 and figures["doubled"] == 0
    expected = sorted(choice(n, k) for n in range(VOTERS) for k in range(len(DIMENSIONS)))
    assert sorted(votes["score"].astype(int)) == expected                  # what was clicked, each once
    # The issue asks for the count on the projector within 1 second of the last vote (README, Reliability).
    assert figures.get("projector_latency_s", float("inf")) < 1, figures
