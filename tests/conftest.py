"""Shared fixtures: the shipped reference data, frameworks, temporary databases and app copies."""

from __future__ import annotations

import functools
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner

from icsdash.framework import load_framework
from icsdash.reference import load_reference
from icsdash.store import Store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FRAMEWORK = DATA / "frameworks" / "scirocco_style.yaml"
MINI_FRAMEWORK = ROOT / "tests" / "data" / "frameworks" / "mini.yaml"

# Every AppTest scans all installed packages for Streamlit components when it starts (about 0.3 s), and compiles
# app.py and the page again on every run; a server does each once. Nothing is installed and no app file changes
# during a test run, so the tests scan once and share one cache of compiled scripts, as a server's sessions do.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)
_COMPILED = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _COMPILED


@pytest.fixture(scope="session")
def reference():
    """The shipped data in the April 2023 vintage (42 ICBs), which most tests' figures are about."""
    return load_reference(DATA, vintage="2023-04")


@pytest.fixture(scope="session")
def framework():
    return load_framework(DATA / "frameworks" / "scirocco_style.yaml")


@pytest.fixture(scope="session")
def mini_framework():
    return load_framework(MINI_FRAMEWORK)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("sources"))
    return target


def write_config(folder: Path, overrides: dict | None = None, database_url: str | None = None,
                 seeded: bool = True) -> Path:
    """A config.yaml in ``folder`` that points at the shipped data, with ``overrides`` merged in.

    With ``seeded`` (and no ``database_url``, the shipped data and demo seeding on), the folder's database starts
    as the app leaves a new one on its first start, copied from one made once per test run; ``seeded=False`` for
    tests of a first start itself, or that need an empty database."""
    doc = yaml.safe_load((ROOT / "config.yaml").read_text())
    doc["data"]["dir"] = str(DATA)
    doc["data"]["framework"] = str(FRAMEWORK)
    doc["database"]["url"] = database_url or f"sqlite:///{folder / 'icsdash.sqlite3'}"
    doc["data"]["vintage"] = "2023-04"         # the tests' figures are the 42 ICBs'; the newest is tested on its own
    for dotted, value in (overrides or {}).items():
        section, key = dotted.split(".")
        doc.setdefault(section, {})[key] = value
    database = folder / "icsdash.sqlite3"
    if (seeded and doc["database"]["url"] == f"sqlite:///{database}" and doc["database"].get("seed_demo", True)
            and doc["data"]["dir"] == str(DATA) and doc["data"]["framework"] == str(FRAMEWORK)
            and not database.exists()):
        shutil.copyfile(_seeded_database(), database)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@functools.cache
def _seeded_database() -> Path:
    """A database as the app leaves a new one on its first start (tables made, demo assessments seeded), made once
    per test run: a test's app starts on a copy of it instead of seeding its own (half a second each)."""
    from icsdash.reference import load_code_changes, place_codes
    path = Path(tempfile.mkdtemp(prefix="icsdash-seeded-")) / "seeded.sqlite3"
    store = Store.open(f"sqlite:///{path}", load_code_changes(DATA), place_codes(DATA))
    store.seed_demo(load_reference(DATA).places["place_code"].tolist(), load_framework(FRAMEWORK))
    store.engine.dispose()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


# --------------------------------------------------------------------------- PostgreSQL

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL cluster on a free localhost port, started by the tests themselves."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install -y postgresql); "
                    "the PostgreSQL tests run in CI")
    base = Path(tempfile.mkdtemp(prefix="icsdash-pg-"))
    data, port = base / "data", free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:                      # initdb refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "icsdash", "--auth=trust", "-E", "UTF8")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
        "-l", str(base / "log"), "-w", "start")
    try:
        for _ in range(50):
            done = subprocess.run([*as_user, str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U",
                                   "icsdash", "-d", "postgres", "-c", "CREATE DATABASE icsdash"],
                                  capture_output=True, text=True)
            if done.returncode == 0:
                break
            time.sleep(0.2)
        yield f"postgresql://icsdash@127.0.0.1:{port}/icsdash"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    """A fresh, empty store on SQLite and (when available) on PostgreSQL."""
    if request.param == "sqlite":
        store = Store.open(f"sqlite:///{tmp_path / 'any.sqlite3'}")
    else:
        url = request.getfixturevalue("postgres_url")
        store = Store.open(url)
        from icsdash.store import metadata
        metadata.drop_all(store.engine)
        metadata.create_all(store.engine)
    yield store
    store.engine.dispose()


def settled(at):
    """Run an AppTest until its widget identities are stable.

    Because the project has a pages/ folder, AppTest routes each run the old
    way: the first run goes through app.py, later runs straight to the page
    file (which then draws the frame itself, see icsdash.ui.current). Widgets
    keep their identity from the second run on, so tests start there.
    """
    at.run()
    return at.run()


# Suites that start a browser, a server under load or a database server: marked 'slow', so that
# `pytest -m "not slow"` runs everything else for day-to-day work (CI runs everything). Two more tests carry the
# mark themselves: the rebuild of every data file from its sources, and the random-file import test.
SLOW_FILES = {"test_browser.py", "test_reliability.py", "test_outage.py", "test_hostile.py", "test_live_browser.py",
              "test_live_load.py", "test_accessibility.py"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a browser, load, outage, hostile-input, PostgreSQL or data-rebuild test "
                                       "(left out by -m 'not slow')")


def pytest_collection_modifyitems(config, items):
    for item in items:
        on_postgres = "postgres_url" in getattr(item, "fixturenames", ()) or "[postgresql" in item.nodeid
        if item.path.name in SLOW_FILES or on_postgres:
            item.add_marker(pytest.mark.slow)
