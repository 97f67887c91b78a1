"""Real processes for the reliability tests: ``streamlit run app.py`` on free ports, nginx in front of several
of them, a fresh PostgreSQL database per test, and what one browser session does (visit a page, sign in,
submit a whole self-assessment) through Playwright's async API.

Everything here starts real processes; every starter is a context manager that stops what it started, even
when the test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from conftest import ROOT, free_port

CHROMIUM = os.environ.get("ICSDASH_CHROMIUM", "/usr/bin/chromium")
NGINX = "/usr/sbin/nginx"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
# The reliability tests' browsers draw no WebGL: in software, on the same 2 cores as the server, 20 tabs drawing
# deck.gl maps would measure the tests' own browsers (about 5 s of CPU per map) rather than the server. Pages
# run and render everything else; tests/test_browser.py proves the maps draw.
NO_WEBGL_ARGS = [*LAUNCH_ARGS, "--disable-3d-apis"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")     # a whole script run ended
# What must never reach a user: Streamlit's exception box, an error alert saying something unexpected
# happened, or a traceback anywhere on the page.
UNEXPECTED = re.compile(r"Something went wrong|Traceback|unexpected error|did not answer", re.IGNORECASE)
PAGE_TITLES = {"": "Integrated care in", "map": "Map explorer", "profile": "Place profile", "compare": "Compare",
               "assessment": "Self-assessment"}      # each page's title (h1), by its address's first part
NAV_LABELS = {"": "Overview", "map": "Map explorer", "profile": "Place profile", "compare": "Compare",
              "assessment": "Self-assessment"}       # its link in the sidebar


# --------------------------------------------------------------------------- processes

def wait_healthy(base: str, timeout: float = 90, proc: subprocess.Popen | None = None) -> None:
    """Wait until Streamlit's health endpoint answers 200 at ``base``; raise if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server at {base} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{base} did not become healthy within {timeout:.0f} s")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for children in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in children.read_text().split())
    return found


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants, in kB (VmRSS of /proc/<pid>/status)."""
    total = 0
    for p in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process and its descendants have used so far, in seconds."""
    total = 0.0
    for p in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class AppServer:
    """One ``streamlit run app.py`` process on 127.0.0.1:``port``, logging to ``log_path``."""

    port: int
    log_path: Path
    env: dict
    proc: subprocess.Popen | None = None
    _log: object = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> "AppServer":
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.runOnSave", "false",
             "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_healthy(self.url, timeout, self.proc)
        except Exception:
            self.stop()
            raise RuntimeError("streamlit did not start: " + self.log()[-3000:]) from None
        return self

    def rss_kb(self) -> int:
        return rss_kb(self.proc.pid)

    async def settled_rss_kb(self, wait_s: float = 5, samples: int = 5) -> int:
        """Resident memory once the server has had ``wait_s`` to finish what it was doing: the median of
        ``samples`` readings a second apart, so one reading taken while a late run still holds its
        allocations does not decide a test."""
        await asyncio.sleep(wait_s)
        readings = []
        for i in range(samples):
            if i:
                await asyncio.sleep(1)
            readings.append(self.rss_kb())
        return sorted(readings)[samples // 2]

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.proc.pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        """SIGKILL the server (and anything it started) with no chance to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
        if self._log is not None:
            self._log.close()
            self._log = None


def app_env(config: Path) -> dict:
    """The environment of a server: ICSDASH_CONFIG names its configuration (and so its database)."""
    env = {**os.environ, "ICSDASH_CONFIG": str(config)}
    env.pop("DATABASE_URL", None)
    return env


@contextlib.contextmanager
def app_servers(folder: Path, config: Path, count: int = 1) -> Iterator[list[AppServer]]:
    """``count`` servers of the app on free ports, sharing one configuration (and so one database)."""
    servers = [AppServer(free_port(), folder / f"streamlit-{i}.log", app_env(config))
               for i in range(count)]
    try:
        for server in servers:         # one after the other: the first seeds the demo data
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def fresh_postgres_database(server_url: str, name: str) -> str:
    """A new, empty database ``name`` on the PostgreSQL server of ``server_url``; its URL."""
    from sqlalchemy import create_engine, text
    admin = create_engine(server_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


# --------------------------------------------------------------------------- nginx

NGINX_CONF = """\
# Written by tests/test_reliability.py: two app servers behind one address, sticky per browser.
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 1024; }}
http {{
    log_format routed '$request_uri $status $upstream_addr $cookie_icsdash_route';
    access_log {prefix}/access.log routed;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;

    # Stickiness: the first response sets a random "icsdash_route" cookie (nginx's $request_id); every later
    # request of that browser, the websocket included, carries it and is hashed to the same server. Unlike
    # ip_hash this spreads browsers that share one address (an office's NAT, or this test's 127.0.0.1).
    map $cookie_icsdash_route $icsdash_route {{
        ""      $request_id;
        default $cookie_icsdash_route;
    }}
    upstream icsdash {{
        hash $icsdash_route consistent;
{servers}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://icsdash;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 86400s;
            proxy_send_timeout 86400s;
            proxy_buffering off;
            add_header Set-Cookie "icsdash_route=$icsdash_route; Path=/; HttpOnly; SameSite=Lax" always;
            add_header X-Icsdash-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_in_front(folder: Path, backends: list[str]) -> Iterator[str]:
    """nginx (a foreground child, its files in ``folder``) on a free port, proxying to ``backends``
    (host:port) with sticky sessions and websockets; yields its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tmp").mkdir(exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=folder, port=port,
                                      servers="\n".join(f"        server {b};" for b in backends)))
    with open(folder / "stderr.log", "w") as stderr:
        proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf)], stdout=subprocess.DEVNULL,
                                stderr=stderr, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError("nginx exited: " + (folder / "stderr.log").read_text()
                                   + (folder / "error.log").read_text(errors="replace"))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("nginx did not answer within 20 s") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)        # graceful: finish open connections
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


# --------------------------------------------------------------------------- what a browser session does

@dataclass
class Session:
    """One simulated user: a browser context and what it saw."""

    name: str
    context: object = None
    page: object = None
    timings: list[float] = field(default_factory=list)        # seconds from a click on a page's link to its run
    first_loads: list[float] = field(default_factory=list)    # seconds from loading the app at an address to it
    errors: list[str] = field(default_factory=list)           # unexpected errors seen on a page
    acknowledged: list[str] = field(default_factory=list)     # participants whose submission was confirmed
    failures: list[str] = field(default_factory=list)         # steps that did not complete (timeouts)
    entered: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)   # participant -> dim -> entry
    reentered: int = 0                                         # entries made again after the page named a gap
    steps: list[tuple[float, str]] = field(default_factory=list)   # (time.monotonic(), what), to explain a failure
    folder: Path | None = None                                 # where a failure's screenshot and text go
    runs: int = 0                                              # script runs the server reported finished

    def count_run(self, payload) -> None:
        """A websocket frame from the server: count it if it says a full script run finished."""
        if isinstance(payload, (bytes, bytearray)):
            msg = ForwardMsg()
            with contextlib.suppress(Exception):
                msg.ParseFromString(payload)
                if msg.WhichOneof("type") == "script_finished" and msg.script_finished == FINISHED:
                    self.runs += 1

    def step(self, what: str) -> None:
        self.steps.append((time.monotonic(), what))

    def last_step(self) -> str:
        return self.steps[-1][1] if self.steps else "nothing yet"

    async def failed(self, what: str) -> None:
        """Record a failure, with a screenshot and the page's text in ``folder`` (when set) to explain it."""
        self.failures.append(what)
        if self.folder is not None:
            stem = self.folder / f"failure-{self.name.replace(' ', '-')}-{len(self.failures)}"
            with contextlib.suppress(Exception):
                await self.page.screenshot(path=str(stem.with_suffix(".png")), full_page=True, timeout=10_000)
                stem.with_suffix(".txt").write_text(what + "\n\n" + await self.page.locator("body").inner_text())


@contextlib.asynccontextmanager
async def browser_without_webgl(yielding: bool = False, folder: Path | None = None):
    """Chromium for the reliability tests (:data:`NO_WEBGL_ARGS`), closed on the way out.

    With ``yielding`` (and a ``folder`` for its starter script), every process of the browser runs only when the
    cores are otherwise idle (Linux's idle scheduling class, ``chrt --idle``): many simulated devices then leave
    the shared cores to the server and to a browser of normal priority, as devices of their own would. (``nice``
    is not enough: Chromium run as root sets its processes' nice values itself, its renderers back to 0.)"""
    from playwright.async_api import async_playwright

    executable = CHROMIUM
    if yielding:
        starter = Path(folder) / "chromium-idle"
        lower = "chrt --idle 0" if shutil.which("chrt") else "nice -n 19"
        starter.write_text(f'#!/bin/sh\nexec {lower} "{CHROMIUM}" "$@"\n')
        starter.chmod(0o755)
        executable = str(starter)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=NO_WEBGL_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def new_sessions(browser, count: int, name: str, timeout_ms: int, folder: Path | None) -> list[Session]:
    """``count`` sessions named '<name> 0', '<name> 1' ... (see :func:`new_session`)."""
    return [await new_session(browser, f"{name} {i}", timeout_ms, folder) for i in range(count)]


async def new_session(browser, name: str, timeout_ms: int = 60_000, folder: Path | None = None) -> Session:
    """A fresh browser context (its own cookies: a separate user) with one tab; failures explained in
    ``folder``. The session counts the script runs the server reports finished (see :func:`rerun_by`)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    session = Session(name, context, page, folder=folder)
    page.on("websocket", lambda ws: ws.on("framereceived", session.count_run))
    return session


async def rerun_by(session: Session, action, timeout_ms: int = 60_000) -> None:
    """Do ``action`` (a coroutine function: a click, an entry) on a settled page and wait until the server
    reports a script run finished after it, then until the page shows it, as a user waits for the page to
    settle before the next change. (Counted from the websocket, not the page: a busy browser may draw a
    short run's start and end in one frame.)"""
    await settled(session.page, timeout_ms)
    before = session.runs
    await action()
    deadline = time.monotonic() + timeout_ms / 1000
    while session.runs <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run finished within {timeout_ms / 1000:.0f} s")
        await asyncio.sleep(0.05)
    await settled(session.page, timeout_ms)


async def settled(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script run has finished (Streamlit marks its app element with the run state)."""
    await page.wait_for_selector(IDLE, timeout=timeout_ms)


async def check_for_errors(session: Session, where: str) -> None:
    """Record any error a user should never see: an exception box, an error alert saying something unexpected
    happened, or a traceback anywhere on the page."""
    page = session.page
    boxes = await page.locator("[data-testid=stException]").count()
    if boxes:
        session.errors.append(f"{where}: {boxes} exception box(es)")
    for text in await page.locator("[data-testid=stAlertContentError]").all_inner_texts():
        if UNEXPECTED.search(text):
            session.errors.append(f"{where}: {text[:200]}")
    body = await page.locator("body").inner_text()
    for sign in ("Traceback", "This app has encountered an error"):
        if sign in body:
            session.errors.append(f"{where}: {sign!r} on the page")


def _page_key(path: str) -> str:
    """The page an address shows: '' (Overview), 'map', 'profile' ... (its first path segment)."""
    return path.lstrip("/").split("?")[0].split("/")[0]


async def visit(session: Session, base: str, path: str, timeout_ms: int = 60_000, fresh: bool = False) -> float:
    """Show the page at ``path`` and wait for its title and a finished run; record how long that took (in
    ``session.timings``, or ``session.first_loads`` for a load of the whole app) and any error shown.

    Like a user: the first time (or with ``fresh``, or to reload the page already shown) the tab loads
    ``base + path``; after that it clicks the page's link in the sidebar, which keeps the session (sign-in,
    filters, the place last looked at). Returns the seconds taken."""
    page = session.page
    key = _page_key(path)
    title = PAGE_TITLES[key]
    here = page.url.startswith(base) and _page_key(page.url[len(base):]) == key
    start = time.monotonic()
    session.step(f"open {path}")
    if fresh or here or not page.url.startswith(base):
        await page.goto(base + path, wait_until="commit", timeout=timeout_ms)
        timings = session.first_loads
    else:
        link = page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=NAV_LABELS[key], exact=True)
        await rerun_by(session, link.click, timeout_ms)
        timings = session.timings
    await page.locator("[data-testid=stMain] h1").filter(has_text=title).first.wait_for(timeout=timeout_ms)
    await settled(page, timeout_ms)
    took = time.monotonic() - start
    timings.append(took)
    await check_for_errors(session, path)
    return took


async def sign_in(session: Session, code: str, timeout_ms: int = 60_000) -> None:
    """Sign in with an access code in the sidebar's Sign in box."""
    page = session.page
    field_ = page.locator('input[aria-label="Access code"]')
    if not await field_.is_visible():
        await page.locator("[data-testid=stSidebar] summary").filter(has_text="Sign in").click()
    await field_.fill(code)
    await rerun_by(session, lambda: field_.press("Enter"), timeout_ms)
    await page.get_by_text("Signed in as").wait_for(timeout=timeout_ms)


def _keyed(page, what: str, dim: str):
    """The element of a dimension's widget, found by its key (``assessment_<id>_<what>_<dim>``; Streamlit
    gives every keyed widget the class ``st-key-<key>``), so a locator never lands on another dimension."""
    return page.locator(f'[class*="st-key-assessment_"][class*="_{what}_{dim}"]')


async def submit_assessment(session: Session, base: str, code: str, participant: str, dimensions: dict[str, str],
                            level: int = 3, timeout_ms: int = 60_000) -> bool:
    """Through the real UI: open /assessment, sign in, open a new assessment as ``participant``, score every
    dimension (``dimensions``: id to name) at ``level`` with a justification, waiting after each change for
    the rerun it causes to finish (as the form's "Saved at" invites), and submit. True only when the
    page confirms "Version 1 submitted"; then ``participant`` joins the session's acknowledged submissions and
    ``session.entered[participant]`` holds what was entered, {dimension: (score, justification)}.

    When the page names gaps instead (entries the browser sent but the server did not save), they are entered
    again with a new value, as a user would, at most twice; ``session.reentered`` counts them."""
    page = session.page
    await visit(session, base, "/assessment", timeout_ms, fresh=True)       # a new tab: sign in afresh
    session.step("sign in")
    await sign_in(session, code, timeout_ms)
    session.step("open a new assessment")
    await page.get_by_role("textbox", name="Your name or role").fill(participant)
    await rerun_by(session, page.get_by_role("button", name="Open my assessment").click, timeout_ms)
    submit = page.get_by_role("button", name="Submit assessment")
    await submit.wait_for(timeout=timeout_ms)
    entered = session.entered.setdefault(participant, {})
    todo = list(dimensions)
    for attempt in range(3):
        for dim in todo:
            score = level if attempt % 2 == 0 else (level + 1) % 6      # a retry must change the value
            text = f"{participant}: evidence for {dim}" + " (again)" * attempt
            box = _keyed(page, "text", dim).locator("textarea")
            session.step(f"score {dim} (attempt {attempt + 1})")
            level_button = _keyed(page, "score", dim).get_by_text(f"Level {score}", exact=True)
            await rerun_by(session, level_button.click, timeout_ms)
            session.step(f"justify {dim} (attempt {attempt + 1})")
            await box.fill(text)
            await rerun_by(session, lambda: box.press("Control+Enter"), timeout_ms)     # as the box's help says
            entered[dim] = (score, text)
        n = len(dimensions)
        await page.get_by_text(f"{n} of {n} dimensions answered").wait_for(timeout=timeout_ms)
        session.step(f"submit (attempt {attempt + 1})")
        await rerun_by(session, submit.click, timeout_ms)
        done = page.get_by_text("Version 1 submitted", exact=False)
        gaps = page.locator("[data-testid=stAlertContentError]").filter(has_text="need attention before submitting")
        await done.or_(gaps).first.wait_for(timeout=timeout_ms)
        await settled(page, timeout_ms)
        if await done.count():
            session.acknowledged.append(participant)
            await check_for_errors(session, "/assessment (submitted)")
            return True
        named = await gaps.first.inner_text()
        todo = [d for d, name in dimensions.items() if f"{name}:" in named]
        session.reentered += len(todo)
        if not todo:
            await session.failed(f"{participant}: gaps named no dimension: {named[:200]}")
            break
    await check_for_errors(session, "/assessment (not submitted)")
    await session.failed(f"{participant}: not submitted after 3 attempts")
    return False


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN for no values.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(coro, timeout: float):
    """Run a coroutine to completion with a hard limit, on a fresh event loop."""
    return asyncio.run(asyncio.wait_for(coro, timeout))
