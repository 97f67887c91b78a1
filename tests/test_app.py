"""The app as a user meets it, through Streamlit's AppTest: every page, the figures, and clear errors."""

import json
import time
from pathlib import Path
from datetime import datetime, timezone

import re

import pytest
from streamlit.testing.v1 import AppTest

from icsdash.assessments import AssessmentRecord
from icsdash.page_registry import PAGES
from icsdash.store import Store

from conftest import ROOT, free_port, settled, write_config


@pytest.fixture
def app(tmp_path, monkeypatch):
    """An AppTest of app.py on the shipped data, with its own database and static folder."""
    config = write_config(tmp_path)
    monkeypatch.setenv("ICSDASH_CONFIG", str(config))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.tmp_path = tmp_path
    return at


def metrics(at):
    return {m.label: m.value for m in at.metric}


def sign_in(at, role, place=None, label="Tester"):
    """Create an access code in the app's database and type it into the sidebar, as a user would."""
    store = Store.open(f"sqlite:///{at.tmp_path / 'icsdash.sqlite3'}")
    code = store.create_access_code("test", role, place, label)
    at.sidebar.text_input(key="access_code").input(code).run()
    return code


@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_every_page_runs_on_the_default_data(app, page):
    app.run()                                  # st.navigation registers the pages on the first run
    if page.admin_only:
        sign_in(app, "admin")
    app.switch_page(page.path).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title, "each page has a title"
    # Issue 21: every chart and map says in words what it shows (not only "Chart: <title>").
    for chart in app.get("vega_lite_chart"):
        name = chart.proto.alt or json.loads(chart.proto.spec).get("description", "")
        assert name and not name.startswith("Chart: ") and any(ch.isdigit() for ch in name), name
    for deck in app.get("deck_gl_json_chart"):
        assert deck.proto.alt.startswith("Map of "), deck.proto.alt


def test_overview_figures(app, reference):
    app.run()
    assert not app.exception
    store = Store.open(f"sqlite:///{app.tmp_path / 'icsdash.sqlite3'}")
    latest = store.latest_scores()
    assessed = latest[latest["round"] == "2026/27"]["place_code"].nunique()      # the demo's current round
    assert 0 < assessed < len(reference.places)
    assert metrics(app) == {
        "Regions": "7", "Integrated care systems (April 2023)": "42", "Places": f"{len(reference.places):,}",
        "Primary care networks": f"{len(reference.pcns):,}",
        "Places assessed in 2026/27": f"{assessed} of {len(reference.places)}",
    }
    assert app.title[0].value == "Integrated care in England"
    assert "Illustrative data is labelled" in app.caption[0].value


def test_map_is_fed_from_static_files(app):
    app.run()
    deck = app.get("deck_gl_json_chart")[0].proto
    urls = [u for u in __import__("re").findall(r'"data": "([^"]+)"', deck.json)]
    assert len(urls) == 4 and all(u.startswith("app/static/generated/") for u in urls)
    for url in urls:
        assert (ROOT / "static" / "generated" / url.rsplit("/", 1)[1]).exists()
    assert "http" not in deck.json
    before = deck.json
    app.run()                                         # a rerun sends the same small spec, no geometry
    assert app.get("deck_gl_json_chart")[0].proto.json == before
    assert len(before) < 10_000


def test_map_has_alt_text_matching_the_legend(app, reference):
    app.run()
    alt = app.get("deck_gl_json_chart")[0].proto.alt
    counts = reference.places["governance_model"].value_counts()
    assert alt.startswith(f"Map of {len(reference.places)} places in England coloured by governance model: ")
    assert f"System-wide (no separate place) {counts['system_wide']}" in alt


def test_demo_seeding_can_be_switched_off(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"database.seed_demo": False})))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert metrics(at)["Places assessed in the current round"] == f"0 of {len(reference.places)}"
    assert Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}").data_version() == 0
    assert "Assessment scores are illustrative demo data" not in at.caption[0].value


def test_region_filter_narrows_the_figures(app, reference):
    settled(app)
    app.sidebar.selectbox[0].select("London").run()
    london = reference.places[reference.places.region_name == "London"]
    shown = metrics(app)
    assert shown["Integrated care systems (April 2023)"] == "5"
    assert shown["Places"] == str(len(london))
    assert shown["Primary care networks"] == f"{int(london.pcn_count.sum()):,}"
    assert app.title[0].value == "Integrated care in London"


def test_measure_choice_changes_the_legend(app):
    settled(app)
    app.selectbox(key="overview_measure").select("assessment_status").run()
    legend = " ".join(m.value for m in app.markdown)
    assert "Assessment status (latest round)" in legend and "Not started" in legend
    table = app.dataframe[0].value
    assert "Assessment status (latest round)" in table.columns


def test_a_new_submission_shows_at_the_next_rerun(app, framework):
    app.run()
    before = int(metrics(app)["Places assessed in 2026/27"].split(" of ")[0])
    store = Store.open(f"sqlite:///{app.tmp_path / 'icsdash.sqlite3'}")
    latest = store.latest_scores()
    done = set(latest[latest["round"] == "2026/27"]["place_code"])
    place = next(c for c in sorted(app.session_state["_icsdash_context"].reference.places.place_code) if c not in done)
    record = AssessmentRecord(place_code=place, round_label="2026/27", kind="individual", stakeholder_group="icb",
                              participant="Test participant", status="submitted",
                              created_at=datetime.now(timezone.utc), scores={d: 3 for d in framework.dimension_ids},
                              author="test", is_demo=False)
    assert store.add_assessments([record], framework, actor="test") == 1
    app.run()
    assert metrics(app)["Places assessed in 2026/27"].split(" of ")[0] == str(before + 1)


def test_bad_config_stops_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"map.zoom": 99}, seeded=False)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "icsdash cannot start"
    assert "config.yaml, map.zoom" in at.error[0].value
    assert "must be a number from 3.0 to 12.0; got 99" in at.error[0].value
    assert not (tmp_path / "icsdash.sqlite3").exists()             # nothing written


def test_bad_data_file_stops_with_a_clear_message(tmp_path, monkeypatch, data_copy):
    text = (data_copy / "place_icbs.csv").read_text().replace("2023-04,bolton,QOP", "2023-04,bolton,Q!!")
    (data_copy / "place_icbs.csv").write_text(text)
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"data.dir": str(data_copy)})))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "data/place_icbs.csv, line" in at.error[0].value and "icb_ods_code" in at.error[0].value


def test_unreachable_database_is_explained(tmp_path, monkeypatch):
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/icsdash"
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, database_url=url)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    message = at.error[0].value
    assert "cannot open the database" in message and "127.0.0.1" in message
    # Not a file to fix: the server may come back, and the page tries again by itself.
    caption = " ".join(c.value for c in at.caption)
    assert "did not answer" in caption and "tries again every 5 seconds" in caption
    assert "Fix the file named above" not in caption


def test_unopenable_sqlite_file_asks_to_fix_the_setting(tmp_path, monkeypatch):
    (tmp_path / "taken").write_text("a file where a folder should be")
    url = f"sqlite:///{tmp_path / 'taken' / 'icsdash.sqlite3'}"
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, database_url=url)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "database.url" in at.error[0].value
    assert "Fix the file named above" in " ".join(c.value for c in at.caption)


def test_memo_keeps_only_the_newest_data_version():
    """A long-running server keeps the derived values of the newest data version of each database only."""
    from icsdash import ui
    built = []

    def value(n):
        built.append(n)
        return n
    keys = {n: (ui.DataKey(("ref", "sqlite:///memo-test", n)), "page", "filters") for n in (1, 2, 3)}
    assert [ui.memo(keys[n], lambda n=n: value(n)) for n in (1, 1, 2, 2, 3, 3)] == [1, 1, 2, 2, 3, 3]
    assert built == [1, 2, 3]                                          # each built once
    assert list(ui.cache._memo_versions()[("ref", "sqlite:///memo-test")]) == [keys[3][0]]
    # A run still drawing version 2 (it read the version just before a submission) builds its own value and
    # keeps it to itself: version 3's values stay.
    assert ui.memo(keys[2], lambda: value("again")) == "again"         # version 2 was dropped when 3 came
    assert ui.memo(keys[2], lambda: value("and again")) == "and again"
    assert ui.memo(keys[3], lambda: value("not rebuilt")) == 3
    other = (ui.DataKey(("ref", "sqlite:///other", 9)), "page")
    assert ui.memo(other, lambda: "kept apart") == "kept apart"        # another database's versions are its own
    assert built == [1, 2, 3, "again", "and again"]
    assert list(ui.cache._memo_versions()[("ref", "sqlite:///memo-test")]) == [keys[3][0]]
    assert ui.cache.MEMO_VERSIONS == 1


def test_memo_builds_a_value_once_when_every_session_asks_at_once():
    """A submission moves the data version and every open session's next run asks for the same new values at
    the same moment: one builds each value, the others wait for it and share it."""
    import threading

    from icsdash import ui
    calls, started = [], threading.Barrier(8)

    def build():
        calls.append(threading.get_ident())
        time.sleep(0.3)                                    # long enough for every other session to arrive
        return {"rows": len(calls)}
    key = (ui.DataKey(("ref", "sqlite:///memo-at-once", 7)), "overview", "All regions")
    got = []

    def session():
        started.wait()
        got.append(ui.memo(key, build))
    threads = [threading.Thread(target=session) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and len(got) == 8
    assert all(g is got[0] for g in got) and got[0] == {"rows": 1}
    assert ui.cache._BUILDING == {}                              # no lock left behind


def test_memo_after_a_failed_build_the_waiting_sessions_try_side_by_side():
    """The build every session waited for fails (the database timed out after its 5 s): each waiting session
    tries at once, side by side, rather than each after another's timeout (20 sessions would wait 100 s), and a
    later run builds afresh."""
    import threading

    from icsdash import ui
    key = (ui.DataKey(("ref", "sqlite:///memo-fails", 1)), "page")
    started, attempts, outcomes = threading.Barrier(6), [], []

    def timing_out():
        attempts.append(time.monotonic())
        time.sleep(1)
        raise TimeoutError("the database did not answer")

    def session():
        started.wait()
        try:
            ui.memo(key, timing_out)
        except TimeoutError:
            outcomes.append("error shown")
    began = time.monotonic()
    threads = [threading.Thread(target=session) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert outcomes == ["error shown"] * 6
    assert len(attempts) == 6 and max(attempts) - min(attempts) < 2       # one, then the five waiting at once
    assert time.monotonic() - began < 4                                    # not 6 x 1 s in turn
    assert ui.cache._BUILDING == {}
    assert ui.memo(key, lambda: "built") == "built"


def test_the_newest_boundaries_are_the_default_and_a_person_can_switch(tmp_path, monkeypatch):
    """36 ICSs of April 2026 by default; choosing April 2023 in the sidebar brings back the 42, in the figures,
    the ICS filter and the map's ICS layer."""
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"data.vintage": "newest",
                                                                     "database.seed_demo": False})))
    at = settled(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    assert not at.exception
    assert metrics(at)["Integrated care systems (April 2026)"] == "36"
    boundaries = at.sidebar.selectbox(key="filter_vintage")
    assert boundaries.options == ["April 2026", "April 2023"]
    icss = at.sidebar.selectbox(key="filter_icb")
    assert "Thames Valley" in icss.options and "Frimley" not in icss.options and len(icss.options) == 37
    icb_layer = next(u for u in re.findall(r'"data": "([^"]+)"', at.get("deck_gl_json_chart")[0].proto.json)
                     if "/icbs-" in u)
    at.sidebar.selectbox(key="filter_icb").select("S0E4D").run()
    assert metrics(at)["Places"] == "6"          # Buckinghamshire, Oxfordshire, Berkshire West and East Berkshire's 3
    at.sidebar.selectbox(key="filter_vintage").select("2023-04").run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Integrated care systems (April 2023)"] == "42" and shown["Places"] == "169"   # the ICS fell back to all
    icss = at.sidebar.selectbox(key="filter_icb")
    assert "Frimley" in icss.options and "Thames Valley" not in icss.options and len(icss.options) == 43
    assert next(u for u in re.findall(r'"data": "([^"]+)"', at.get("deck_gl_json_chart")[0].proto.json)
                if "/icbs-" in u) != icb_layer


def test_a_pinned_vintage_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"data.vintage": "2019-04"})))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "must be 'newest' or one of 2026-04, 2023-04 (data/vintages.csv); got '2019-04'" in " ".join(
        e.value for e in at.error)


def test_a_pinned_vintage_is_named_in_the_sidebar(tmp_path, monkeypatch):
    """No switch when config.yaml pins the vintage, but the sidebar still says which boundaries every page uses."""
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"data.vintage": "2023-04"})))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert not [s for s in at.sidebar.selectbox if s.key == "filter_vintage"]
    assert "Boundaries: April 2023 (42 ICBs) (set for this deployment)" in [c.value for c in at.sidebar.caption]


def test_every_page_file_is_named_as_its_address():
    """The first request to a fresh server is routed by the files in pages/ (ui.current): a page whose file is
    named otherwise than its address (/map served by explorer.py) opened 'Page not found' over the page."""
    assert [Path(p.path).stem for p in PAGES] == [p.key for p in PAGES]
    assert sorted(f.stem for f in (ROOT / "pages").glob("*.py")) == sorted(p.key for p in PAGES)
