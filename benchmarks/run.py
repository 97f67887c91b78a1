"""The benchmark harness: page times, payloads, cold start, memory and a browser click, against budgets.

    python benchmarks/run.py                 # every dataset (default, 1,000, 10,000, 100,000 assessments)
    python benchmarks/run.py --quick         # default and 1,000 only, fewer runs (a few minutes)
    python benchmarks/run.py --check         # exit 1 when a budget is missed

Results are printed as a table and written to benchmarks/results.json. Not part of the unit tests.

Page times use Streamlit's AppTest in this process. Because the project has a pages/ folder,
AppTest routes each run the old way (see icsdash.ui.current), which a real server does only on its
first request; the harness switches that routing off, as a running server has, so each timed run is
one run of app.py and its page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from icsdash.assessments import STAKEHOLDER_GROUPS, AssessmentRecord  # noqa: E402
from icsdash.framework import load_framework  # noqa: E402
from icsdash.page_registry import PAGES  # noqa: E402
from icsdash.reference import load_reference  # noqa: E402
from icsdash.store import Store  # noqa: E402

BUDGETS = {"page_median_ms": 150, "map_floor_ratio": 20, "growth_1k_to_100k": 2.0, "cold_start_s": 5.0,
           "place_payload_bytes": 1_000_000, "rss_mb": 600}
MAP_PAGES = {"overview", "map", "governance"}
# Pages that show little until something is chosen are timed with a typical choice: Compare with six places.
PAGE_STATE = {"compare": {"compare_selection": [f"place:{b}" for b in
                                                ("bexley", "bromley", "greenwich", "lambeth", "lewisham", "southwark")]},
              "profile": {"profile_place": "barnsley"},           # a place with scores in every dataset
              "workshop": {"workshop_place": "barnsley"}}
CHROMIUM = "/usr/bin/chromium"


# --------------------------------------------------------------------------- datasets

def synthetic(place_codes: list[str], framework, n: int, seed: int = 42):
    """``n`` individual, submitted assessments spread over places and four rounds, deterministically."""
    rng = random.Random(seed)
    start = datetime(2023, 3, 1, tzinfo=timezone.utc)
    groups = list(STAKEHOLDER_GROUPS)
    for i in range(n):
        place = place_codes[i % len(place_codes)]
        round_no = rng.randrange(4)
        base = rng.uniform(0.5, 4.5)
        yield AssessmentRecord(
            place_code=place, round_label=f"{2022 + round_no}/{23 + round_no}", kind="individual",
            stakeholder_group=rng.choice(groups), participant=f"Synthetic {i}", status="submitted",
            created_at=start + timedelta(days=365 * round_no + rng.randrange(300)),
            scores={d: (None if rng.random() < 0.03 else max(0, min(5, round(base + rng.gauss(0, 0.8)))))
                    for d in framework.dimension_ids},
            justifications={}, author="benchmark", is_demo=True)


def make_dataset(name: str, folder: Path) -> Path:
    """A config.yaml in ``folder`` with its own SQLite database, seeded for ``name``."""
    doc = yaml.safe_load((ROOT / "config.yaml").read_text())
    doc["data"] = {"dir": str(ROOT / "data"), "framework": str(ROOT / doc["data"]["framework"])}
    doc["database"] = {"url": f"sqlite:///{folder / 'bench.sqlite3'}", "seed_demo": name == "default"}
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(doc))
    if name != "default":
        reference = load_reference(ROOT / "data")
        framework = load_framework(ROOT / doc["data"]["framework"])
        store = Store.open(doc["database"]["url"])
        records = list(synthetic(sorted(reference.places["place_code"]), framework, int(name)))
        for start in range(0, len(records), 20_000):
            store.add_assessments(records[start:start + 20_000], framework, actor="benchmark")
    return config


# --------------------------------------------------------------------------- page runs (AppTest)

def steady_state_routing() -> None:
    """Make AppTest run a page as a running server does: without the old pages/ routing (a server drops it after
    its first request), and with one cache of compiled scripts (AppTest compiles app.py and the page again on
    every run; a server compiles each once)."""
    import streamlit.runtime.pages_manager as pm
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner
    original = pm.PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        pm.PagesManager.uses_pages_directory = False
    pm.PagesManager.__init__ = init
    compiled = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: compiled


def timed_runs(at, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
        if at.exception:
            raise RuntimeError(f"page failed: {at.exception[0].message}")
    return times


def payload_bytes(at) -> int:
    """Bytes of chart and map specifications the page sends (their protobuf messages, as sent)."""
    return sum(element.proto.ByteSize() for kind in ("arrow_vega_lite_chart", "vega_lite_chart",
                                                     "deck_gl_json_chart") for element in at.get(kind))


def floor_ms(runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest
    script = Path(tempfile.mkdtemp()) / "empty.py"
    script.write_text("import streamlit as st\nst.title('Empty')\n")
    at = AppTest.from_file(str(script)).run()
    at.run()
    return timed_runs(at, runs)


def page_times(config: Path, runs: int) -> dict[str, dict]:
    from streamlit.testing.v1 import AppTest
    os.environ["ICSDASH_CONFIG"] = str(config)
    results = {}
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
        if page.admin_only:
            store = Store.open(yaml.safe_load(config.read_text())["database"]["url"])
            at.sidebar.text_input(key="access_code").input(store.create_access_code("bench", "admin", None, "")).run()
        at.switch_page(page.path).run()
        for key, value in PAGE_STATE.get(page.key, {}).items():        # what a user would have chosen
            at.session_state[key] = value
        at.run()                                      # warm-up: caches filled
        times = timed_runs(at, runs)
        results[page.key] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                             "payload_bytes": payload_bytes(at)}
    return results


# --------------------------------------------------------------------------- a real server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(config: Path):
    port = free_port()
    env = {**os.environ, "ICSDASH_CONFIG": str(config)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    while time.perf_counter() - t0 < 60:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1):
                return proc, base, t0, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cold_start(browser, config: Path) -> tuple[subprocess.Popen, str, float, float, float]:
    """Start a server and open its first page in an already running browser. Seconds from process start to:
    the health endpoint answering; the first page's script run finished on the server (its "finished"
    message reaching the browser: the issue's cold start, health then the first run); and the map drawn by
    the browser (which adds the browser's own work: compiling Streamlit's scripts and drawing the map without
    a GPU)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    success = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
    proc, base, t0, health_s = start_server(config)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    finished: list[float] = []

    def frame(payload) -> None:
        if isinstance(payload, bytes) and not finished:
            msg = ForwardMsg.FromString(payload)
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished == success:
                finished.append(time.perf_counter() - t0)
    page.on("websocket", lambda ws: ws.on("framereceived", frame))
    page.goto(base + "/")
    page.wait_for_selector("canvas", timeout=60_000)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
    drawn = time.perf_counter() - t0
    page.close()
    return proc, base, health_s, finished[0] if finished else float("nan"), drawn


def browser_figures(config: Path) -> dict:
    """Cold start to a drawn map (first start, which creates and seeds the database, and a restart), a
    search-to-details click, and memory after 10 sessions on every page. The browser is started first, so its
    own start-up is not counted."""
    if not Path(CHROMIUM).exists():
        return {"skipped": f"no browser at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright
    figures = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        fresh = config.parent / "cold"
        fresh.mkdir(exist_ok=True)
        first = fresh / "config.yaml"
        doc = yaml.safe_load(config.read_text())
        doc["database"] = {**doc["database"], "url": f"sqlite:///{fresh / 'first.sqlite3'}", "seed_demo": True}
        first.write_text(yaml.safe_dump(doc))
        proc, _, _, figures["first_start_s"], figures["first_start_drawn_s"] = cold_start(browser, first)  # seeds
        proc.terminate()
        proc.wait(10)
        proc, base, figures["health_s"], figures["cold_start_s"], figures["cold_start_drawn_s"] = \
            cold_start(browser, first)                                                           # a restart
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(base + "/map")
            page.wait_for_selector("canvas", timeout=60_000)
            search = page.get_by_role("combobox", name="Find a place, ICS or PCN (name or code)")
            search.click()
            search.fill("Brent")
            brent = load_reference(ROOT / "data").place("brent")       # its ICS in the newest boundaries
            option = page.get_by_role("option", name=f"Place · {brent.place_name} · {brent.icb_short_name} ICS")
            t1 = time.perf_counter()
            option.click()
            page.get_by_role("heading", name="Brent").wait_for(timeout=60_000)
            figures["search_to_details_ms"] = round((time.perf_counter() - t1) * 1000)
            for _ in range(10):
                context = browser.new_context()
                tab = context.new_page()
                for spec in PAGES:
                    if not spec.admin_only:
                        tab.goto(f"{base}/{spec.key}")
                        tab.wait_for_selector("h1", timeout=60_000)
                        tab.wait_for_timeout(300)
                context.close()
            figures["rss_after_10_sessions_mb"] = round(rss_mb(proc.pid), 1)
        finally:
            proc.terminate()
            proc.wait(10)
        browser.close()
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}


# --------------------------------------------------------------------------- report

def check(results: dict) -> list[str]:
    missed = []
    floor = results["floor_ms"]
    for dataset, pages in results["pages"].items():
        for key, figures in pages.items():
            if dataset == "default" and figures["median_ms"] > BUDGETS["page_median_ms"]:
                missed.append(f"{key}: {figures['median_ms']} ms median on the default data "
                              f"(budget {BUDGETS['page_median_ms']} ms)")
            if dataset == "default" and key in MAP_PAGES and figures["median_ms"] / floor > BUDGETS["map_floor_ratio"]:
                missed.append(f"{key}: {figures['median_ms'] / floor:.0f} x the empty-page floor "
                              f"(budget {BUDGETS['map_floor_ratio']} x)")
    if "1000" in results["pages"] and "100000" in results["pages"]:
        for key, figures in results["pages"]["100000"].items():
            small = results["pages"]["1000"][key]["median_ms"]
            if figures["median_ms"] > BUDGETS["growth_1k_to_100k"] * small:
                missed.append(f"{key}: {small} ms at 1,000 assessments, {figures['median_ms']} ms at 100,000")
    browser = results.get("browser", {})
    for key, what in (("first_start_s", "first start (creates and seeds the database)"),
                      ("cold_start_s", "cold start (restart)")):
        if browser.get(key, 0) > BUDGETS["cold_start_s"]:
            missed.append(f"{what} {browser[key]} s to the first page's run finished (budget "
                          f"{BUDGETS['cold_start_s']} s)")
    if browser.get("rss_after_10_sessions_mb", 0) > BUDGETS["rss_mb"]:
        missed.append(f"server memory {browser['rss_after_10_sessions_mb']} MB after 10 sessions "
                      f"(budget {BUDGETS['rss_mb']} MB)")
    if results["place_payload_bytes"] > BUDGETS["place_payload_bytes"]:
        missed.append(f"place layer {results['place_payload_bytes']:,} bytes (budget 1 MB)")
    return missed


def place_payload() -> int:
    generated = sorted((ROOT / "static" / "generated").glob("places-*.json"), key=lambda p: p.stat().st_mtime)
    return generated[-1].stat().st_size if generated else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="default data and 1,000 assessments, 7 runs")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per page (at least 7)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a budget is missed")
    parser.add_argument("--no-browser", action="store_true", help="skip the real-server figures")
    args = parser.parse_args()
    runs = max(7, 7 if args.quick else args.runs)
    sizes = ["default", "1000"] if args.quick else ["default", "1000", "10000", "100000"]
    steady_state_routing()
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                           "when": datetime.now(timezone.utc).isoformat(timespec="seconds")},
               "budgets": BUDGETS, "floor_ms": round(statistics.median(floor_ms(runs)), 2), "pages": {}}
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"icsdash-bench-{size}-"))
        t0 = time.perf_counter()
        config = make_dataset(size, folder)
        print(f"dataset {size}: built in {time.perf_counter() - t0:.1f} s", flush=True)
        results["pages"][size] = page_times(config, runs)
        if size == "default" and not args.no_browser:
            results["browser"] = browser_figures(config)
    results["place_payload_bytes"] = place_payload()
    results["missed"] = check(results)

    keys = [p.key for p in PAGES]
    print(f"\nempty-page floor: {results['floor_ms']} ms")
    print(f"{'page':12s}" + "".join(f"{s:>22s}" for s in sizes))
    for key in keys:
        cells = [f"{results['pages'][s][key]['median_ms']:7.1f} ({results['pages'][s][key]['median_ms'] / results['floor_ms']:4.0f}x)"
                 for s in sizes]
        print(f"{key:12s}" + "".join(f"{c:>22s}" for c in cells))
    print("\npayload (bytes, default data): " + ", ".join(f"{k} {results['pages']['default'][k]['payload_bytes']:,}"
                                                          for k in keys))
    print(f"place layer served once per data version: {results['place_payload_bytes']:,} bytes")
    print(f"browser: {results.get('browser', {})}")
    print("\nbudgets missed:" if results["missed"] else "\nall budgets met")
    for line in results["missed"]:
        print(f"  - {line}")
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 1 if args.check and results["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
