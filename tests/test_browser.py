"""What only a browser can prove: the map draws, tooltips work, geometry is fetched once, nothing leaves the machine.

The tests start ``streamlit run app.py`` on a free localhost port and drive
Debian's Chromium headless through Playwright. They skip, saying why, only
when the browser or Playwright is not installed; CI installs both.
"""

from __future__ import annotations

import io
import re
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, free_port, write_config

from live_app import CHROMIUM, app_env, wait_healthy
from served_app import app_server, launch_chromium

SERVER: dict[str, str] = {}           # what the module's server uses (its database)
LOCAL = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "data:", "blob:")

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium); the browser tests run in CI",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    SERVER["database"] = f"sqlite:///{folder / 'icsdash.sqlite3'}"
    with app_server(folder, overrides={"workshop.refresh_seconds": 3}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as b:
        yield b


def open_page(browser, url: str):
    """A fresh browser context on ``url``, recording every request, once the map has drawn."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    pg.requests = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.goto(url)
    pg.wait_for_selector("canvas", timeout=30_000)
    drawn(pg, colours=6, stable=False)      # deck.gl has fetched the layers and drawn them in colour
    return context, pg


@pytest.fixture
def page(browser, server):
    context, pg = open_page(browser, server + "/")
    yield pg
    context.close()


def distinct_colours(png: bytes) -> set[tuple[int, int, int]]:
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 200))
    return {c for _, c in image.getcolors(40_000) if max(c) - min(c) > 60}      # saturated colours only


def drawn(pg, colours: int = 0, stable: bool = True, timeout_s: float = 30) -> bytes:
    """The viewport once the script run has finished and the browser has drawn what it draws after it (deck.gl's
    maps, Vega's charts): at least ``colours`` saturated colours and, with ``stable``, nothing changing any more
    (two screenshots in a row the same: a map flying to a region has landed). Awaits the drawing itself rather
    than a guess at how long it takes."""
    idle(pg)
    deadline, before = time.monotonic() + timeout_s, None
    while True:
        shot = pg.screenshot(animations="disabled")
        if len(distinct_colours(shot)) >= colours and (not stable or shot == before):
            return shot
        if time.monotonic() > deadline:
            raise AssertionError(f"the page did not finish drawing within {timeout_s} s "
                                 f"({len(distinct_colours(shot))} colours, {colours} wanted)")
        before = shot
        pg.wait_for_timeout(200)              # the next look (a poll, not a guess at a duration)


def tooltip_after_hover(pg, x: float, y: float, wanted: str = "", timeout_ms: int = 800) -> str:
    """Move the mouse to (x, y) and return the map's tooltip as soon as it shows (containing ``wanted``); '' when
    none shows there within ``timeout_ms``."""
    pg.mouse.move(x, y)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        text = " ".join(pg.locator(".deck-tooltip").all_inner_texts())
        if text.strip() and wanted in text:
            return text
        if time.monotonic() > deadline:
            return ""
        pg.wait_for_timeout(50)               # the next look (deck.gl picks on its next frame)


def test_map_draws_places_in_colour(page, tmp_path):
    canvas = page.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    png = canvas.screenshot()
    (tmp_path / "map.png").write_bytes(png)
    assert len(distinct_colours(png)) >= 6, "the map should show several governance-model colours"
    assert page.get_by_text("Committee of a statutory body").first.is_visible()


def test_geometry_comes_from_static_serving_once(page, server):
    places = [u for u in page.requests if "/app/static/generated/places-" in u]
    assert len(places) == 1
    with urllib.request.urlopen(places[0]) as r:
        assert r.status == 200 and len(r.read()) < 1_000_000
    # Choosing another measure reuses the downloaded layer: no new geometry request.
    page.get_by_label("Colour places by").click()
    page.get_by_role("option", name="Population", exact=True).click()
    page.get_by_text("Population", exact=True).first.wait_for(timeout=15_000)
    drawn(page)
    assert len([u for u in page.requests if "/app/static/generated/places-" in u]) == 1


def test_tooltip_names_the_place(page):
    canvas = page.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    text = ""
    for fx, fy in ((0.55, 0.45), (0.5, 0.6), (0.45, 0.5), (0.6, 0.7)):
        text = tooltip_after_hover(page, box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        if text.strip():
            break
    assert " ICS (April 2023 boundaries) · " in text and "Governance model:" in text     # the tests pin 2023-04


def test_a_table_downloads_from_its_menu(page):
    """The buttons of a 'Download' menu are drawn when it opens (a rerun); the CSV is the table shown."""
    section = page.locator("[data-testid='stExpander']").filter(has_text="The map's data as a table")
    section.get_by_text("The map's data as a table").click()
    menu = section.get_by_role("button", name=re.compile(r"Download$"))
    menu.wait_for(timeout=15_000)
    assert page.get_by_role("button", name="CSV", exact=True).count() == 0        # closed: no buttons yet
    menu.evaluate("e => e.scrollIntoView({block: 'center'})")    # as a person scrolls it up to open it: at the
    menu.click()                                                   # window's bottom edge its menu opens below it
    csv = page.get_by_role("button", name="CSV", exact=True)
    csv.wait_for(timeout=15_000)
    with page.expect_download(timeout=30_000) as download:
        csv.click()
    assert download.value.suggested_filename == "places.csv"
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("Place,ICS,") and rows[0].endswith(",Boundaries") and len(rows) > 100


def test_nothing_leaves_the_machine(page):
    page.reload()
    page.wait_for_selector("canvas", timeout=30_000)
    drawn(page, colours=6, stable=False)
    page.wait_for_load_state("networkidle")         # everything the page fetches has been fetched
    outside = [u for u in page.requests if not u.startswith(LOCAL)]
    assert outside == []


@pytest.fixture
def explorer(browser, server):
    context, pg = open_page(browser, server + "/map")
    yield pg
    context.close()


def test_explorer_click_on_a_region_drills_down(explorer):
    canvas = explorer.locator("canvas").first
    assert len(distinct_colours(canvas.screenshot())) >= 6, "the explorer's map should be drawn in colour"
    box = canvas.bounding_box()
    region = explorer.get_by_role("combobox", name="Region")
    for fx, fy in ((0.5, 0.5), (0.45, 0.55), (0.55, 0.45)):          # the Midlands, near the middle
        if tooltip_after_hover(explorer, box["x"] + box["width"] * fx, box["y"] + box["height"] * fy,
                               "Click to zoom to this region"):
            explorer.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            break
    explorer.wait_for_function("() => document.querySelector('input[aria-label=\"Region\"]').value !== 'All regions'",
                               timeout=15_000)
    assert region.input_value() != "All regions"
    assert "Click a system on the map to zoom in." in explorer.locator("body").inner_text()


def open_by_search(pg, typed: str, option: str, heading: str) -> None:
    """Type into the explorer's search, pick ``option`` and wait for the place's ``heading``."""
    search = pg.get_by_role("combobox", name="Find a place, ICS or PCN (name or code)")
    search.click()
    search.fill(typed)
    pg.get_by_role("option", name=option).click()
    pg.get_by_role("heading", name=heading).wait_for(timeout=15_000)


def test_explorer_search_opens_a_place(explorer, tmp_path):
    open_by_search(explorer, "Brent", "Place · Brent · North West London ICS", "Brent")
    body = explorer.locator("body").inner_text()
    assert "327,753" in body and "documented: CIPFA, December 2022" in body and "England › London › North West London ICS" in body
    (tmp_path / "explorer.png").write_bytes(drawn(explorer))
    assert [u for u in explorer.requests if not u.startswith(LOCAL)] == []


# --------------------------------------------------------------------------- presenter mode on a projector

MIN_OPACITY_JS = """() => { window.__minOpacity = 1; window.__sampled = false; const start = performance.now();
  const sample = () => { document.querySelectorAll('[data-testid=stElementContainer]').forEach(e => {
      const o = parseFloat(getComputedStyle(e).opacity); if (o < window.__minOpacity) window.__minOpacity = o; });
    if (performance.now() - start < 4000) requestAnimationFrame(sample); else window.__sampled = true; };
  sample(); }"""


def idle(pg) -> None:
    """Wait until the script run has finished (Streamlit marks the app element with its run state), so a
    key press lands on a settled page rather than in the middle of a page switch."""
    pg.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=30_000)


def step_to(pg, key: str, step: int) -> None:
    """Press ``key`` and wait for view ``step`` to be drawn (its address, and its own clicker buttons, which
    the run of the view draws last). A press that lands while the page swaps its buttons (a rerun the previous
    view started by itself) can be lost; like a presenter, press once more if nothing moved."""
    arrived = f"() => location.search.includes('step={step}')"
    for attempt in range(2):
        idle(pg)
        before = shown_step(pg)
        pg.locator("body").press(key)
        try:
            pg.wait_for_function(arrived, timeout=15_000 if attempt == 0 else 30_000)
            pg.wait_for_selector(f".st-key-present_page_up_{step}", state="attached", timeout=30_000)
            idle(pg)
            return
        except playwright_api.TimeoutError:
            now = shown_step(pg)
            if attempt or now != before:
                raise AssertionError(f"{key} on view {before} should show view {step}; after "
                                     f"{'two presses' if attempt else 'one press'} the address is "
                                     f"{pg.evaluate('location.href')}") from None


def shown_step(pg) -> str | None:
    """The view the page's address says is shown (its ``step`` parameter), read in the page itself:
    Playwright's own ``page.url`` can lag behind a page switch."""
    found = re.search(r"[?&]step=(\d+)", pg.evaluate("location.search"))
    return found.group(1) if found else None


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ICSDASH_SCREENSHOTS when set (to look at them afterwards), else the test's folder."""
    folder = Path(os.environ.get("ICSDASH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


MAIN_VISUAL_JS = """() => { const stage = document.querySelector('.st-key-present_stage');
  const item = stage && stage.querySelector('canvas, .vega-embed, [data-testid=stTable], [data-testid=stDataFrame]');
  if (!item) return null; const r = item.getBoundingClientRect();
  return {kind: item.matches('canvas') ? 'map' : item.matches('.vega-embed') ? 'chart' : 'table',
          top: r.top, bottom: r.bottom}; }"""


def view_screenshot(pg, path: Path) -> dict:
    """Once the run has settled and charts and maps have drawn: a screenshot of the viewport, the number of
    saturated colours in it, and where the view's main visual (the first map, chart or table on the stage) is."""
    png = drawn(pg)                           # deck.gl and Vega draw after the run ends
    path.write_bytes(png)
    return {"colours": len(distinct_colours(png)), **(pg.evaluate(MAIN_VISUAL_JS) or {"kind": None})}


def test_presenter_mode_on_a_projector(browser, server, tmp_path):
    from icsdash.config import load_config
    titles = [v.title for v in load_config(ROOT / "config.yaml", environ={}).presenter_views]
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(server + "/?present=1")
    pg.wait_for_selector("canvas", timeout=30_000)
    bar = pg.locator(".st-key-present_bar")
    assert bar.locator("h1").inner_text() == titles[0] and "1 / 7" in bar.inner_text()
    # Projector legibility: body text at least 20 px, black on white; no sidebar or toolbar.
    style = pg.evaluate("""() => { const p = document.querySelector('[data-testid=stMarkdownContainer] p');
        const s = getComputedStyle(p); return [parseFloat(s.fontSize), s.color,
        getComputedStyle(document.querySelector('.stApp')).backgroundColor]; }""")
    assert style[0] >= 20 and style[1] == "rgb(0, 0, 0)" and style[2] == "rgb(255, 255, 255)", style
    captions = pg.evaluate("""() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
        .map(e => getComputedStyle(e).opacity)""")
    assert captions and set(captions) == {"1"}, captions    # notes are not faded to grey on a projector
    assert not pg.locator('[data-testid="stSidebar"]').is_visible()
    assert not pg.locator('[data-testid="stHeader"]').is_visible()
    shots = screenshot_dir(tmp_path)
    shown = {1: view_screenshot(pg, shots / "present-1.png")}
    # The keyboard steps through the running order; the address follows; each view is photographed once drawn.
    for step in range(2, len(titles) + 1):
        step_to(pg, "ArrowRight", step)
        pg.wait_for_function(f"() => (document.querySelector('.st-key-present_bar h1') || {{}}).innerText "
                             f"=== {titles[step - 1]!r}", timeout=20_000)
        bar.get_by_text(f"{step} / {len(titles)}", exact=True).wait_for(timeout=20_000)
        shown[step] = view_screenshot(pg, shots / f"present-{step}.png")
    # Each view's point is on the first screen of a 1280 x 720 projector: the map, radar or side-by-side table
    # starts just under the bar; maps and charts end above the bottom edge and are drawn in colour.
    assert [shown[s]["kind"] for s in sorted(shown)] == ["map", "map", "map", "chart", "chart", "chart", "table"], shown
    for step, seen in shown.items():
        assert seen["top"] < 300, (step, seen)
        if seen["kind"] != "table":
            assert seen["bottom"] <= 720 and seen["colours"] >= 3, (step, seen)
    assert "/workshop" in pg.url
    step_to(pg, "PageUp", 6)                           # a presentation clicker's 'back' key
    pg.get_by_role("tab", name="Who chose which model").wait_for(timeout=20_000)
    # Anonymising reruns the page without dimming it (no flicker), and names become labels.
    for step in (5, 4):
        step_to(pg, "PageUp", step)
    pg.get_by_role("heading", name="Bolton · Greater Manchester ICS · North West").wait_for(timeout=20_000)
    idle(pg)
    pg.evaluate(MIN_OPACITY_JS)
    pg.get_by_role("button", name="Anonymise").click()
    pg.get_by_role("heading", name=re.compile(r"^Place [A-Z]+ · Greater Manchester ICS")).wait_for(timeout=20_000)
    pg.wait_for_function("() => window.__sampled === true", timeout=20_000)    # 4 s of frames watched
    assert pg.evaluate("window.__minOpacity") >= 0.99
    assert "Bolton" not in pg.locator("[data-testid=stMain]").inner_text()
    pg.screenshot(path=str(shots / "present-anonymised.png"))
    outside = [u for u in requests if not u.startswith(LOCAL)]
    assert outside == [], "presenter mode must not fetch anything from the internet (fonts, tiles, images)"
    context.close()


# --------------------------------------------------------------------------- a live workshop

def test_workshop_shows_submissions_as_they_arrive_without_disturbing_the_facilitator(browser, server, tmp_path):
    from datetime import datetime, timezone

    from icsdash.assessments import AssessmentRecord
    from icsdash.config import load_config
    from icsdash.framework import load_framework
    from icsdash.store import Store

    store = Store.open(SERVER["database"])
    framework = load_framework(load_config(ROOT / "config.yaml", environ={}).framework_path)
    store.add_round("test", "2030/31")

    def arrives(participant: str, group: str) -> None:
        store.add_assessments([AssessmentRecord(
            place_code="bolton", round_label="2030/31", kind="individual", stakeholder_group=group,
            participant=participant, status="submitted", created_at=datetime.now(timezone.utc),
            scores={d: 3 for d in framework.dimension_ids}, justifications={d: "Seen" for d in framework.dimension_ids},
            author=participant, is_demo=False)], framework, "test")

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.goto(server + "/workshop?place=bolton&round=2030%2F31")
    pg.get_by_text("Join from your own device").wait_for(timeout=30_000)
    pg.locator("[data-testid=stImage] img").wait_for(timeout=20_000)                  # the QR code, made locally
    assert "/assessment?round=2030%2F31" in pg.locator("[data-testid=stMain]").inner_text()
    code = store.create_access_code("test", "place_director", "bolton", "Facilitator")
    field = pg.locator('input[aria-label="Access code"]')
    if not field.is_visible():
        pg.locator("[data-testid=stSidebar] summary").filter(has_text="Sign in").click()
    field.fill(code)
    field.press("Enter")
    pg.get_by_text("No individual self-assessment of Bolton has been submitted").wait_for(timeout=20_000)
    arrives("First participant", "icb")
    pg.get_by_text("1 individual assessment(s)").wait_for(timeout=30_000)           # no click, no reload
    box = pg.locator('input[aria-label="Facilitator (name or role)"]')
    box.fill("Fay, still typing")
    arrives("Second participant", "local_authority")
    pg.get_by_text("2 individual assessment(s)").wait_for(timeout=30_000)
    assert box.input_value() == "Fay, still typing"
    pg.screenshot(path=str(tmp_path / "workshop-live.png"), full_page=True)
    context.close()


# --------------------------------------------------------------------------- today's England (April 2026)

def click_where_tooltip_says(pg, text: str, near: tuple[float, float] = (0.5, 0.5), grid: int = 9) -> None:
    """Hover over the map on a grid, nearest to ``near`` (a fraction of the map's width and height) first,
    until the tooltip says ``text``, then click there."""
    box = pg.locator("canvas").first.bounding_box()
    points = sorted(((fx / grid, fy / grid) for fy in range(1, grid) for fx in range(1, grid)),
                    key=lambda p: (p[0] - near[0]) ** 2 + (p[1] - near[1]) ** 2)
    for fx, fy in points:
        x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
        if tooltip_after_hover(pg, x, y, text, timeout_ms=250):
            pg.mouse.click(x, y)
            return
    raise AssertionError(f"no point of the map shows a tooltip with {text!r}")


def test_todays_england_36_icss_and_thames_valley_to_oxfordshire(browser, tmp_path_factory, tmp_path):
    """On the newest boundaries (the default): the Overview counts 36 ICSs; in the Map explorer a click on the
    South East and one on Thames Valley open that ICS, whose place Oxfordshire says which ICB it was in until
    31 March 2026 and lists its real PCNs; a GP practice found by its postcode opens its place."""
    shots = screenshot_dir(tmp_path)
    with app_server(tmp_path_factory.mktemp("today"), overrides={"data.vintage": "newest"}) as base:
        context, pg = open_page(browser, base + "/")
        metric = pg.locator("[data-testid=stMetric]").filter(has_text="Integrated care systems (April 2026)")
        assert metric.locator("[data-testid=stMetricValue]").inner_text().strip() == "36"
        assert pg.get_by_role("combobox", name="Boundaries").input_value() == "April 2026"
        pg.screenshot(path=str(shots / "overview-april-2026.png"))
        pg.goto(base + "/map")
        pg.wait_for_selector("canvas", timeout=30_000)
        drawn(pg, colours=6)
        click_where_tooltip_says(pg, "South East", near=(0.65, 0.8))
        pg.get_by_text("England › South East").first.wait_for(timeout=15_000)
        drawn(pg)                                  # the map has flown to the region
        click_where_tooltip_says(pg, "Thames Valley ICS (April 2026 boundaries)", near=(0.35, 0.35))
        pg.get_by_text("England › South East › Thames Valley ICS").wait_for(timeout=15_000)
        drawn(pg)
        assert "The map's data as a table (6 places" in pg.locator("body").inner_text()
        open_by_search(pg, "Oxfordshire", "Place · Oxfordshire · Thames Valley ICS", "Oxfordshire")
        body = pg.locator("body").inner_text()
        assert "Thames Valley · South East" in body
        assert "in NHS Buckinghamshire, Oxfordshire and Berkshire West until 31 March 2026" in body
        (shots / "explorer-thames-valley-oxfordshire.png").write_bytes(drawn(pg))
        # Real PCNs: Oxfordshire's, as NHS England names them.
        from icsdash.reference import load_reference
        pcns = load_reference(ROOT / "data").pcns
        names = sorted(pcns.loc[pcns["place_code"] == "oxfordshire", "pcn_name"])
        pg.get_by_text(re.compile(r"^Primary care networks \(\d+, NHS England\)")).click()
        for name in names[:3]:                                 # the table's cells (drawn on a canvas, so hidden)
            pg.get_by_text(name, exact=True).first.wait_for(state="attached", timeout=15_000)
        # A practice found by its postcode: its place opens and the practice is ringed on the map.
        practice = pg.get_by_role("textbox", name="Find a GP practice (code, name or postcode)")
        practice.fill("sk13 8ps")
        practice.press("Enter")
        pg.get_by_role("button", name="Manor House Surgery (C81081), SK13 8PS · Glossop PCN · Derbyshire").click()
        pg.get_by_role("heading", name="Derbyshire").wait_for(timeout=15_000)
        body = pg.locator("body").inner_text()
        assert "Manor House Surgery (C81081)" in body and "Glossop PCN (U60978)" in body
        assert "England › Midlands › Derby and Derbyshire ICS" in body
        (shots / "explorer-practice-by-postcode.png").write_bytes(drawn(pg))
        context.close()


# --------------------------------------------------------------------------- offline, on the server's side

def test_a_start_as_the_quick_start_asks_nothing_of_the_internet(browser, tmp_path):
    """``streamlit run app.py`` as the README's quick start runs it (headless, no address given) makes no request
    beyond the machine while it starts and serves a page: every web request Python makes (requests, urllib) goes
    to the proxy the environment names, and here that proxy is a local listener that counts who calls."""
    calls: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)

    def count() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    calls.append(conn.recv(200))             # what it asked for: 'CONNECT host:443' or 'GET http://...'
                except OSError:
                    calls.append(b"")

    stop = threading.Event()
    threading.Thread(target=count, daemon=True).start()
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = {**app_env(write_config(tmp_path, seeded=False)), "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy,
           "http_proxy": proxy, "https_proxy": proxy, "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    port = free_port()
    log = tmp_path / "streamlit.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", 90, server)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        pg = context.new_page()
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_selector("canvas", timeout=60_000)
        drawn(pg, colours=6, stable=False)
        context.close()
    finally:
        server.terminate()
        server.wait(20)
        stop.set()
        listener.close()
    assert calls == [], f"the server asked the internet for something: {calls}"
    started = log.read_text()
    assert "URL: http://localhost:" in started and "External URL" not in started, started
