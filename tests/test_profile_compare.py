"""The Place profile and Compare pages on the default data: the numbers they show are the ones the
comparisons module computes (itself checked by hand in test_comparisons), links are checked, and
justifications are shown only to those who may read the place."""

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from icsdash import analysis, comparisons, ui
from icsdash.auth import Principal
from icsdash.store import Store

from conftest import ROOT, settled, write_config


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settled(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))          # seeds the database
    return Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")


def page(path, query=None, code=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    settled(at)
    if code:
        at.sidebar.text_input(key="access_code").input(code).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def assessed_place(store):
    latest = store.latest_scores()
    return sorted(set(latest[latest["kind"] == "individual"]["place_code"]))[0]


def test_profile_shows_the_computed_numbers(env, reference, framework):
    code = assessed_place(env)
    at = page("pages/profile.py", {"place": code})
    dims = analysis.dimension_scores(env.latest_scores(), framework)
    expected = comparisons.profile_table(dims, code, framework, reference.places)
    shown = at.dataframe[0].value
    assert shown["Dimension"].tolist() == [d.name for d in framework.dimensions]
    pd.testing.assert_series_equal(shown["Score"].astype(float), expected["score"], check_names=False)
    pd.testing.assert_series_equal(shown["ICS median"].astype(float), expected["icb_median"], check_names=False)
    pd.testing.assert_series_equal(shown["England median"].astype(float), expected["england_median"],
                                   check_names=False)
    assert shown["Agreement"].tolist() == expected["agreement"].tolist()
    strongest, weakest = comparisons.strongest_and_weakest(expected)
    text = " ".join(m.value for m in at.markdown)
    assert f"**Strongest:** {', '.join(strongest)}" in text and f"**Weakest:** {', '.join(weakest)}" in text
    assert at.header[0].value.startswith(reference.place(code).place_name)
    radar = at.get("vega_lite_chart")[0].proto                     # its text alternative says what it shows
    name = json.loads(radar.spec)["description"]                   # the chart's accessible name
    place = reference.place(code).place_name
    assert not radar.alt and name.startswith(f"Radar of {place}, ") and f"{place} is strongest on " in name
    assert "Against England median: ahead on" in name


def test_bad_place_link_is_named(env):
    at = page("pages/profile.py", {"place": "QZZ-atlantis"})
    assert "link, place: 'QZZ-atlantis' is not a place in the current filters" in at.error[0].value.replace(
        "**Problem in link, place**\n\n", "link, place: ")


def test_justifications_only_for_those_who_may_read_them(env, framework):
    code = "bolton"
    director = Principal("place_director", code, "Bolton lead", "code")
    a = env.start(director, code, "2025/26", "icb", "Ann", framework)
    texts = {d: f"<b>evidence</b> for {d}" for d in framework.dimension_ids}
    env.save_draft(director, a.id, framework, {d: 4 for d in framework.dimension_ids}, texts)
    env.submit(director, a.id, framework)
    viewer = page("pages/profile.py", {"place": code})
    assert any("Sign in as this place's director" in c.value for c in viewer.caption)
    assert not [t for t in viewer.text if "evidence" in t.value]
    mine = page("pages/profile.py", {"place": code}, code=env.create_access_code("t", "place_director", code, "B"))
    shown = [t.value for t in mine.text]
    assert "<b>evidence</b> for readiness_to_change" in shown                 # verbatim, as plain text
    other = page("pages/profile.py", {"place": code},
                 code=env.create_access_code("t", "place_director", "bury", "Bury"))
    assert not [t for t in other.text if "evidence" in t.value]


def test_compare_peer_group_and_difference_table(env, reference, framework):
    at = page("pages/compare.py")
    assert "Choose places or ICSs above" in at.info[0].value
    at.selectbox(key="peer_place").set_value("bolton")
    at.selectbox(key="peer_rule").set_value("same_icb")
    next(b for b in at.button if b.label == "Compare").click().run()
    assert not at.exception
    selection = at.session_state["compare_selection"]
    assert selection == ["place:bolton", "place:bury", "place:heywood-middleton-and-rochdale",
                         "place:manchester", "place:oldham", "place:salford"]
    dims = analysis.dimension_scores(env.latest_scores(), framework)
    series = comparisons.series_scores(comparisons.latest_per_place(dims), reference.places, selection)
    expected = comparisons.difference_table(series, framework)
    shown = at.dataframe[0].value
    assert shown.columns.tolist() == expected.columns.tolist()
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
    twins = at.dataframe[-1].value
    assert twins.columns.tolist() == ["Place", "Matching dimensions", "Total lead", "Where"]


def test_compare_mixes_places_and_icss(env):
    at = page("pages/compare.py")
    at.multiselect(key="compare_selection").set_value(["place:bexley", "icb:QKK"]).run()
    assert not at.exception
    assert "Bexley" in at.dataframe[0].value.columns
    assert "South East London ICS (median of its places)" not in at.dataframe[0].value.columns
    assert "South East London ICS (median)" in at.dataframe[0].value.columns


def test_compare_with_nothing_scored_says_so(env, reference):
    scored = set(env.latest_scores()["place_code"])
    unscored = sorted(set(reference.places["place_code"]) - scored)[0]
    at = page("pages/compare.py")
    at.multiselect(key="compare_selection").set_value([f"place:{unscored}"]).run()
    assert not at.exception
    assert "No submitted scores yet for" in at.warning[0].value
    assert "There is nothing to compare yet" in at.info[0].value and not at.dataframe


def open_tab(at, label):
    """Open a tab of a page whose tabs draw only when open (Streamlit reruns the page on a tab click)."""
    at.session_state["governance_tab"] = label
    at.run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == ["Who chose which model", "Maturity by model", "Criteria and leaders", "Money",
                                          "The models explained"]
    return at


def chart_titles(at) -> list[str]:
    return [ui.chart_title(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]


def test_governance_page_figures(env, reference):
    at = page("pages/governance.py")
    # Only the open tab is drawn: the first shows the mix, the map and the snapshot, and no other tab's content.
    assert chart_titles(at) == ["Places by governance model", "Models by region"]
    assert not any("is not evidence that the model causes it" in c.value for c in at.caption)
    snapshot = next(d.value for d in at.dataframe if "June 2022" in d.value.columns).set_index("Figure")
    assert snapshot.loc["Places"].tolist() == ["175", len(reference.places)]
    assert snapshot.loc["ICSs with a place using a lead provider"].tolist() == [
        "2", reference.places.loc[reference.places.governance_model == "lead_provider", "icb_ods_code"].nunique()]
    assert not any(f.startswith("Places ") for f in snapshot.index)         # no places beside 2022's ICS counts
    snapshot_text = " ".join(c.value for c in at.caption)
    assert "Of the other 39 ICSs, 16 (a minority) had selected executive leaders" in snapshot_text
    assert "These are counts of ICSs" in snapshot_text
    counts = reference.places["governance_model"].value_counts()
    mix = next(d.value for d in at.dataframe if "Committee of a statutory body" in getattr(d.value, "columns", []))
    assert mix.loc["London", "Committee of a statutory body"] == int(
        ((reference.places.region_name == "London") & (reference.places.governance_model ==
                                                       "committee_of_statutory_body")).sum())
    assert int(mix.sum().sum()) == len(reference.places)
    open_tab(at, "The models explained")
    cards = " ".join(m.value for m in at.markdown)
    assert "#### Lead provider" in cards and f"{counts['lead_provider']} place(s)" in " ".join(c.value for c in at.caption)
    # CIPFA Table 6.1's names; the table's words kept apart from the project's own explanation.
    assert "#### Committee of a statutory body" in cards and "#### Individual executives or staff" in cards
    assert "Committee of the ICB" not in cards and "each partner keeps its own" not in cards
    assert "**CIPFA Table 6.1:** A committee set up between partner organisations" in cards
    assert "**Our explanation:** Each partner delegates only its own functions." in cards
    assert not at.get("deck_gl_json_chart") and not chart_titles(at)
    open_tab(at, "Maturity by model")
    assert any("is not evidence that the model causes it" in c.value for c in at.caption)
    assert chart_titles(at) == ["Median score by model", ""]          # the strip chart: an axis title only
    open_tab(at, "Criteria and leaders")
    assert chart_titles(at) == ["Share of places meeting each White Paper criterion",
                                "Who employs the single accountable person, by model"]
    open_tab(at, "Money")
    assert chart_titles(at) == ["Median delegated budget per head (£)", "Median pooled budget per head (£)"]


def test_pages_never_share_derived_charts(env):
    """Overview and Governance both chart the model mix under the same filters; each shows its own chart."""
    at = page("pages/overview.py")
    assert "Governance model chosen by each place" in chart_titles(at)
    at.switch_page("pages/governance.py").run()
    assert chart_titles(at)[0] == "Places by governance model"


def test_governance_page_follows_the_filters(env, reference):
    at = page("pages/governance.py")
    at.sidebar.selectbox(key="filter_region").select("London").run()
    assert not at.exception
    assert at.title[0].value == "Governance models · London"
    mix = next(d.value for d in at.dataframe if "Committee of a statutory body" in getattr(d.value, "columns", []))
    assert sorted(mix.index) == sorted(reference.icbs.loc[reference.icbs.region_name == "London", "icb_short_name"])


def test_profile_lists_the_places_pcns_and_practices(env, reference):
    """A place director sees the real PCNs and every practice of the place, those in no PCN marked."""
    row = reference.places[reference.places["unallocated_practices"] > 0].sort_values("place_code").iloc[0]
    at = page("pages/profile.py", {"place": row.place_code})
    labels = [e.label for e in at.expander]
    practices = reference.practices[reference.practices["place_code"] == row.place_code]
    assert f"Primary care networks ({row.pcn_count}, NHS England)" in labels
    assert f"GP practices ({len(practices)}, {row.unallocated_practices} in no PCN)" in labels
    shown = next(d.value for d in at.dataframe if "Registered patients" in d.value.columns)
    assert sorted(shown["Code"]) == sorted(practices["practice_code"])
    assert (shown["PCN"] == "In no PCN").sum() == row.unallocated_practices
