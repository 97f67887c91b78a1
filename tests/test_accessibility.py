"""Accessibility in the real browser (issue 21): axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules over every page,
every presenter view, the live vote's projector and phone, and the sign-in and error states; then a person with
no mouse signs in, fills in and submits a self-assessment, changes the shared filters, steps through presenter
mode and votes in a live vote.

axe-core comes with the ``axe-playwright-python`` package (its ``axe.min.js``), injected into the page: nothing is
fetched. A view passes when axe finds no serious or critical violation. Streamlit's own markup is held to the same
rule: :data:`UPSTREAM` lists any violation that comes from Streamlit itself, with its upstream issue, and the test
fails on anything not listed, so a new one cannot slip in. The counts per view are written to
``accessibility.json`` in the test's folder (the README's table comes from it).

Skips, saying why, only when Playwright, axe-playwright-python or Chromium is missing; CI has all three.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import FRAMEWORK as FRAMEWORK_FILE
from live_app import CHROMIUM
from served_app import app_server, idle, launch_chromium, sign_in
from icsdash.auth import Principal
from icsdash.framework import load_framework
from icsdash.store import Store

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright",
                              reason="axe-playwright-python is not installed (pip install -r requirements.txt)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium); the browser tests run in CI",
                allow_module_level=True)

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}
# Violations that come from Streamlit's own markup, by axe rule and a pattern of the failing element's HTML, with
# the upstream issue and what we do about it. Empty: none was found on 2026-12-04 with Streamlit 1.67.
UPSTREAM: dict[tuple[str, str], str] = {}
FRAMEWORK = load_framework(FRAMEWORK_FILE)
DIRECTOR = Principal("place_director", "bolton", "Bolton director", "code")
FOUND: dict[str, dict] = {}              # view -> counts by impact, for the README's table


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on its shipped data, a store on its database, and a director's and an administrator's codes."""
    folder = tmp_path_factory.mktemp("a11y")
    with app_server(folder) as base:
        store = Store.open(f"sqlite:///{folder / 'icsdash.sqlite3'}")
        codes = {"director": store.create_access_code("test", "place_director", "bolton", "Bolton director"),
                 "admin": store.create_access_code("test", "admin", None, "Accessibility admin")}
        yield {"base": base, "store": store, "codes": codes, "folder": folder}
        (folder / "accessibility.json").write_text(json.dumps(FOUND, indent=2))
        print(json.dumps(FOUND, indent=2))


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


def settled(pg) -> None:
    """The page's first run has drawn its title and finished, and the charts have drawn (Vega draws after it)."""
    pg.wait_for_selector("[data-testid=stMainBlockContainer] h1", state="attached", timeout=30_000)
    idle(pg)
    # Streamlit draws grey placeholders where a page's elements are about to be (a second run just after the
    # first, as the address settles): wait until every one has been replaced.
    pg.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", timeout=30_000)
    idle(pg)
    pg.wait_for_function("() => [...document.querySelectorAll('.vega-embed')].every(e => e.querySelector('svg, "
                         "canvas'))", timeout=30_000)
    idle(pg)


def axe_check(pg, view: str) -> list[str]:
    """axe's WCAG A and AA rules on what ``pg`` shows: the serious and critical violations not listed in
    :data:`UPSTREAM`, one line each (rule, impact, how many elements, the first element's HTML)."""
    settled(pg)
    results = axe_api.Axe().run(pg, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                             "resultTypes": ["violations"]})
    violations = results.response["violations"]
    counts: dict[str, int] = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
    FOUND[view] = counts
    ours = [f"{view}: {problem}" for problem in outline_problems(pg) + unnamed_graphics(pg)]
    for v in violations:
        if v["impact"] not in BLOCKING:
            continue
        nodes = [n for n in v["nodes"] if not any(rule == v["id"] and re.search(pattern, n["html"])
                                                  for rule, pattern in UPSTREAM)]
        if nodes:
            ours.append(f"{view}: {v['id']} ({v['impact']}, {len(nodes)} element(s)): {nodes[0]['html'][:200]} "
                        f"- {nodes[0].get('failureSummary', '')[:300]}")
    return ours


def outline(pg) -> list[tuple[int, str, bool]]:
    """The headings a screen reader lists, in order: (level, text, whether in the sidebar)."""
    return [tuple(h) for h in pg.evaluate("""() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
        .filter(h => h.checkVisibility() && h.innerText.trim())
        .map(h => [Number(h.tagName[1]), h.innerText.trim().slice(0, 60), !!h.closest('[data-testid=stSidebar]')])""")]


def outline_problems(pg) -> list[str]:
    """The page's headings form an outline: one level 1 heading (the page's title), first in the main part, and no
    level skipped on the way down (a level 2 heading, then level 3, not 4); the sidebar's start at level 2."""
    found = outline(pg)
    problems = []
    for part, top in ((False, 1), (True, 2)):
        levels = [(level, text) for level, text, sidebar in found if sidebar == part]
        if not part and (not levels or levels[0][0] != 1 or sum(level == 1 for level, _ in levels) != 1):
            problems.append(f"the main part's headings should start with its one level 1 heading: {levels[:4]}")
        previous = top - 1
        for level, text in levels:
            if level > previous + 1 or (part and level < top):
                problems.append(f"heading {text!r} is level {level} after level {previous}")
            previous = level
    return problems


def unnamed_graphics(pg) -> list[str]:
    """Charts and maps on show whose name in Chromium's accessibility tree (what a screen reader announces) does not
    say what they show: a chart's must give figures (not only "Chart: <title>"), a map's must start "Map of"."""
    cdp = pg.context.new_cdp_session(pg)
    try:
        nodes = [n for n in cdp.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
    finally:
        cdp.detach()
    named = [(n["role"]["value"], (n.get("name") or {}).get("value", "")) for n in nodes]
    shown = pg.evaluate("""() => ['.vega-embed', '[data-testid=stDeckGlJsonChart]'].map(s =>
        [...document.querySelectorAll(s)].filter(e => e.checkVisibility()).length)""")
    charts = [name for role, name in named if role == "graphics-document"]
    maps = [name for role, name in named if role == "figure" and name.startswith("Map of ")]
    problems = [f"a chart is announced as {name[:80]!r}" for name in charts
                if name.startswith("Chart: ") or not any(ch.isdigit() for ch in name)]
    if len(charts) < shown[0]:
        problems.append(f"{shown[0] - len(charts)} of {shown[0]} charts have no name in the accessibility tree")
    if len(maps) < shown[1]:
        problems.append(f"{shown[1] - len(maps)} of {shown[1]} maps are not announced as 'Map of ...'")
    return problems


PUBLIC_PAGES = ["", "map", "profile", "compare", "governance", "assessment", "workshop", "live", "vote"]


@pytest.mark.parametrize("path", PUBLIC_PAGES, ids=[p or "overview" for p in PUBLIC_PAGES])
def test_every_page_passes_axe_before_signing_in(served, page, path):
    page.goto(f"{served['base']}/{path}")
    assert axe_check(page, path or "overview") == []
    page.wait_for_function("() => document.documentElement.lang === 'en-GB'", timeout=10_000)   # British English


# A 1280 px screen at 200 % zoom is 640 CSS pixels wide; WCAG's reflow rule asks for 320.
ZOOMS = {"zoom-200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
         "width-320": {"viewport": {"width": 320, "height": 640}}}


@pytest.mark.parametrize("zoom", ZOOMS)
@pytest.mark.parametrize("path", PUBLIC_PAGES, ids=[p or "overview" for p in PUBLIC_PAGES])
def test_every_page_reflows_at_200_percent_zoom_and_320_pixels(served, browser, path, zoom, tmp_path):
    """The page never scrolls sideways (a chart, map or wide table may, inside its own box, as WCAG allows for
    content laid out in two dimensions); screenshots go to ICSDASH_SCREENSHOTS (or the test's folder)."""
    context = browser.new_context(**ZOOMS[zoom])
    pg = context.new_page()
    pg.goto(f"{served['base']}/{path}")
    settled(pg)
    wide, shown = pg.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    folder = Path(os.environ.get("ICSDASH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=folder / f"{zoom}-{path or 'overview'}.png", full_page=True)
    context.close()
    assert wide <= shown + 1, f"{path or 'overview'} at {zoom}: the page is {wide} px wide in a {shown} px window"


def test_the_sign_in_form_and_its_error_pass_axe(served, page):
    page.goto(served["base"] + "/assessment")
    idle(page)
    field = page.locator('input[aria-label="Access code"]')
    if not field.is_visible():
        page.locator("[data-testid=stSidebar] summary").filter(has_text="Sign in").click()
    assert axe_check(page, "sign-in form") == []
    field.fill("not-a-code")
    field.press("Enter")
    page.get_by_text("that access code is not valid", exact=False).first.wait_for(timeout=20_000)
    assert axe_check(page, "sign-in error") == []


def test_an_error_message_passes_axe(served, page):
    page.goto(served["base"] + "/profile?place=no-such-place")
    idle(page)
    assert page.locator("[data-testid=stAlert]").count() >= 1          # the page says what is wrong
    assert axe_check(page, "error (unknown place)") == []


@pytest.mark.parametrize("path", ["assessment", "workshop", "profile"])
def test_a_place_directors_pages_pass_axe(served, page, path):
    page.goto(f"{served['base']}/{path}")
    sign_in(page, served["codes"]["director"])
    if path == "assessment":
        start = page.get_by_role("button", name=re.compile("Start"))
        if start.count():
            start.first.click()
        page.locator('[role="radiogroup"]').first.wait_for(timeout=30_000)
    assert axe_check(page, f"{path} (signed in)") == []


@pytest.mark.parametrize("tab", ["Access codes", "Rounds", "Import", "Backup", "Audit log"])
def test_admin_passes_axe(served, page, tab):
    page.goto(served["base"] + "/")
    sign_in(page, served["codes"]["admin"])
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name="Admin").click()   # listed once signed in
    page.get_by_role("tab", name=tab).click()
    idle(page)
    assert axe_check(page, f"admin: {tab}") == []


def test_every_presenter_view_passes_axe(served, browser):
    from icsdash.config import load_config
    views = load_config(Path(served["folder"]) / "config.yaml", environ={}).presenter_views
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    problems = []
    for step, view in enumerate(views, start=1):
        pg.goto(f"{served['base']}/?present=1&step={step}")
        pg.locator(".st-key-present_bar").get_by_text(f"{step} / {len(views)}", exact=True).wait_for(timeout=30_000)
        problems += axe_check(pg, f"presenter {step}: {view.title}")
    context.close()
    assert problems == []


def test_the_live_vote_projector_and_phone_pass_axe(served, browser):
    store, base = served["store"], served["base"]
    round_label = store.round_labels()[-1]
    session = store.start_live_vote(DIRECTOR, "bolton", round_label, FRAMEWORK)
    projector = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    problems = []
    try:
        projector.goto(f"{base}/live?place=bolton&round={round_label}")
        sign_in(projector, served["codes"]["director"])
        projector.get_by_text(session.join_code, exact=True).wait_for(timeout=30_000)
        problems += axe_check(projector, "live: projector, join code")
        phone.goto(f"{base}/vote?join={session.join_code}")
        problems += axe_check(phone, "live: phone, join form")
        phone.get_by_role("button", name=re.compile("Join")).click()
        phone.get_by_text("Waiting for the facilitator").wait_for(timeout=30_000)
        store.open_live_round(DIRECTOR, session.id, FRAMEWORK.dimension_ids[:2], FRAMEWORK)
        phone.get_by_role("radiogroup").first.wait_for(timeout=30_000)          # its ballot redraws by itself
        problems += axe_check(phone, "live: phone, ballot")
        phone.get_by_role("radiogroup").first.get_by_text("Level 3", exact=True).click()
        phone.get_by_text("Vote saved: level 3").wait_for(timeout=30_000)
        store.close_live_round(DIRECTOR, session.id)
        projector.reload()
        projector.get_by_text("Round 1").first.wait_for(timeout=30_000)
        problems += axe_check(projector, "live: projector, results")
    finally:
        store.end_live_vote(DIRECTOR, session.id)
        projector.context.close()
        phone.context.close()
    assert problems == []


# --------------------------------------------------------------------------- keyboard only

def tab_to(pg, where: str, test_js: str, limit: int = 60) -> None:
    """Press Tab (only Tab) until the focused element passes ``test_js`` (a function of the element); each
    element on the way must show that it has the keyboard's focus (``:focus-visible``)."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        state = pg.evaluate(f"""() => {{ const el = document.activeElement;
            return {{hit: !!el && el !== document.body && ({test_js})(el), visible: !el || el === document.body || el.matches(':focus-visible'),
                     what: el ? (el.getAttribute('aria-label') || el.innerText || el.tagName).slice(0, 60) : '',
                     where: el ? el.tagName + ' ' + (el.getAttribute('data-testid') || el.className).slice(0, 80) : ''}}; }}""")
        assert state["visible"], f"{where}: the focus on {state['what']!r} ({state['where']}) is not shown"
        if state["hit"]:
            return
    raise AssertionError(f"{where}: not reached with {limit} presses of Tab")


def keyed(key_part: str) -> str:
    return f"el => !!el.closest('[class*=\"{key_part}\"]')"


def test_a_person_with_no_mouse_completes_and_submits_a_self_assessment(served, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.goto(served["base"] + "/assessment")
    idle(pg)
    # Sign in: the sidebar's 'Sign in' opens with Enter; the code is typed and Enter sends it.
    tab_to(pg, "sign in", "el => el.tagName === 'SUMMARY' && el.innerText.includes('Sign in')")
    pg.keyboard.press("Enter")
    tab_to(pg, "access code", "el => el.getAttribute('aria-label') === 'Access code'")
    pg.keyboard.type(served["codes"]["director"])
    pg.keyboard.press("Enter")
    pg.get_by_text("Signed in as").wait_for(timeout=20_000)
    idle(pg)
    # Start an assessment: a name, then the form's button.
    tab_to(pg, "name", "el => el.getAttribute('aria-label') === 'Your name or role'")
    pg.keyboard.type("Keyboard user")
    tab_to(pg, "open", "el => el.tagName === 'BUTTON' && el.innerText.includes('Open my assessment')")
    pg.keyboard.press("Enter")
    pg.locator('[role="radiogroup"]').first.wait_for(timeout=30_000)
    idle(pg)
    store, who = served["store"], DIRECTOR

    def mine():
        listed = store.place_assessments(who, "bolton")
        return listed[listed["participant"] == "Keyboard user"]

    def stored(done) -> None:
        """Until the database holds what was just entered (the page saves each entry as it is made)."""
        for _ in range(200):
            if done(store.get(who, int(mine().iloc[0]["id"]))):
                idle(pg)
                return
            pg.wait_for_timeout(100)                   # the next look at the database
        raise AssertionError("an entry made with the keyboard was not saved")

    # Every dimension: Space chooses the focused level (arrows move between levels), then the justification.
    for dim in FRAMEWORK.dimension_ids:
        tab_to(pg, f"{dim} score", f"el => el.type === 'radio' && ({keyed('_score_' + dim)})(el)")
        pg.keyboard.press("ArrowDown")                 # from the first level to the second, as arrows do
        idle(pg)
        stored(lambda a: dim in a.scores)
        tab_to(pg, f"{dim} justification", f"el => el.tagName === 'TEXTAREA' && ({keyed('_text_' + dim)})(el)")
        pg.keyboard.type(f"Evidence for {dim}, typed without a mouse.")
        pg.keyboard.press("Control+Enter")             # saves, as the field's help says
        stored(lambda a: dim in a.justifications)
    tab_to(pg, "submit", "el => el.tagName === 'BUTTON' && el.innerText.includes('Submit assessment')", limit=120)
    pg.keyboard.press("Enter")
    pg.get_by_text("submitted. It can no longer change").wait_for(timeout=30_000)
    assert len(mine()) == 1 and mine().iloc[0]["status"] == "submitted"
    chosen = store.get(who, int(mine().iloc[0]["id"]))
    assert set(chosen.scores) == set(FRAMEWORK.dimension_ids) and set(chosen.scores.values()) == {1}
    assert all("typed without a mouse" in t for t in chosen.justifications.values())
    # The shared filters: the region box takes a typed choice.
    tab_to(pg, "region filter", "el => (el.getAttribute('aria-label') || '').startsWith('Selected All regions')"
                                " || (el.closest('[class*=\"filter_region\"]') && el.tagName === 'INPUT')", limit=200)
    pg.keyboard.type("North West")
    pg.keyboard.press("Enter")
    idle(pg)
    pg.keyboard.press("Tab")                           # on to the next filter: the choice stays
    idle(pg)
    assert pg.locator('[class*="filter_region"] input').input_value() == "North West"
    context.close()


def test_a_person_with_no_mouse_steps_through_presenter_mode_and_votes_on_a_phone(served, browser):
    store, base = served["store"], served["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    pg.goto(base + "/?present=1")
    pg.locator(".st-key-present_bar").get_by_text("1 / 7", exact=True).wait_for(timeout=30_000)
    tab_to(pg, "next", "el => el.tagName === 'BUTTON' && el.innerText.includes('Next')")
    pg.keyboard.press("Enter")
    pg.locator(".st-key-present_bar").get_by_text("2 / 7", exact=True).wait_for(timeout=30_000)
    context.close()

    session = store.start_live_vote(DIRECTOR, "bolton", store.round_labels()[-1], FRAMEWORK)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    try:
        phone.goto(f"{base}/vote?join={session.join_code}")
        idle(phone)
        tab_to(phone, "join", "el => el.tagName === 'BUTTON' && el.innerText.includes('Join')")
        phone.keyboard.press("Enter")
        phone.get_by_text("Waiting for the facilitator").wait_for(timeout=30_000)
        store.open_live_round(DIRECTOR, session.id, FRAMEWORK.dimension_ids[:1], FRAMEWORK)
        phone.get_by_role("radiogroup").first.wait_for(timeout=30_000)
        idle(phone)
        tab_to(phone, "ballot", "el => el.type === 'radio'")
        for _ in range(2):
            phone.keyboard.press("ArrowDown")              # level 0 -> 1 -> 2: each a vote, the last one kept
            idle(phone)
        phone.get_by_text("Vote saved: level 2").wait_for(timeout=30_000)
        store.close_live_round(DIRECTOR, session.id)
        assert list(store.session_votes(session.id)["score"]) == [2]
    finally:
        store.end_live_vote(DIRECTOR, session.id)
        phone.context.close()
