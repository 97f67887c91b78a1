"""The app served for real, for the outage and hostile-input tests: ``streamlit run app.py`` on a free localhost
port, Debian's Chromium driven by Playwright, and what those tests check on every page (no exception element,
no traceback, nothing injected ran)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import write_config
from live_app import CHROMIUM, IDLE, LAUNCH_ARGS, AppServer, app_env, free_port


@contextmanager
def app_server(folder: Path, database_url: str | None = None, overrides: dict | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on ``database_url`` (default: a SQLite file in ``folder``; config in ``folder``,
    with ``overrides``); its base URL. Stopped on leaving, even when the test fails."""
    config = write_config(folder, overrides, database_url, seeded=False)      # a real first start
    server = AppServer(free_port(), folder / "streamlit.log", app_env(config))
    try:
        try:
            server.start()
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(str(exc))
        yield server.url
    finally:
        server.stop()


def launch_chromium():
    """A context manager yielding a headless Chromium; skips (saying why) when Playwright or Chromium is missing."""
    api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium); the browser tests run in CI")

    @contextmanager
    def running():
        with api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    return running()


def idle(pg) -> None:
    """Until the script run has finished."""
    pg.wait_for_selector(IDLE, timeout=30_000)


def sign_in(pg, code: str) -> None:
    """Paste an access code into the sidebar's sign-in box."""
    idle(pg)
    field = pg.locator('input[aria-label="Access code"]')
    if not field.is_visible():
        pg.locator("[data-testid=stSidebar] summary").filter(has_text="Sign in").click()
    field.fill(code)
    field.press("Enter")
    pg.locator("[data-testid=stSidebar]").get_by_text("Signed in as").wait_for(timeout=20_000)


def no_failure_shown(pg) -> None:
    """No exception element, no traceback, and nothing a payload injected has run."""
    assert pg.locator("[data-testid=stException]").count() == 0
    body = pg.locator("body").inner_text()
    assert "Traceback" not in body and "This app has encountered an error" not in body
    assert pg.evaluate("() => window.__pwned") is None
