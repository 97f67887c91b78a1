"""Presenter mode and anonymising: the running order, projector-sized charts, labels instead of names."""

from __future__ import annotations

import re

import pytest
import vl_convert
from streamlit.testing.v1 import AppTest

from icsdash import anonymise, charts, presenter
from icsdash.config import load_config
from icsdash.errors import ConfigError

from conftest import ROOT, write_config

RUNNING_ORDER = load_config(ROOT / "config.yaml", environ={}).presenter_views


# --------------------------------------------------------------------------- the running order

@pytest.mark.parametrize("views, message", [
    ([{"title": "x"}], "presenter.views[1].page: must be one of 'overview', 'map', 'profile', 'compare', "
                       "'governance', 'workshop', 'live'; got None"),
    ([{"page": "overview"}, {"page": "profile", "measure": "overall_maturity"}],
     "presenter.views[2].measure: 'profile' views take page, title, place; got 'measure'"),
    ([{"page": "map", "measure": "colour"}], "presenter.views[1].measure: must be one of governance_model"),
    ([{"page": "governance", "models": ["tribal_council"]}],
     "presenter.views[1].models: 'tribal_council' is not a governance model"),
    ([{"page": "compare", "places": [f"p{i}" for i in range(7)]}],
     "presenter.views[1].places: at most 6 places or ICSs; got 7"),
    ([{"page": "profile", "place": ""}], "presenter.views[1].place: must be non-empty text"),
    ("overview", "presenter.views: must be a list of views"),
])
def test_a_bad_running_order_names_the_view_and_key(tmp_path, views, message):
    config = write_config(tmp_path, {"presenter.views": views})
    with pytest.raises(ConfigError) as caught:
        load_config(config, environ={})
    assert str(caught.value).startswith(f"{config.name}, {message}"), str(caught.value)


def test_the_shipped_running_order_is_checked_against_the_data(reference, framework):
    assert [v.page for v in RUNNING_ORDER] == ["overview", "overview", "map", "profile", "compare", "governance",
                                              "workshop"]
    presenter.check_views(RUNNING_ORDER, tuple(presenter.SETTINGS_BY_PAGE), reference, framework)


@pytest.mark.parametrize("view, message", [
    (presenter.View("profile", place="QOP-boltn"), "[1].place: 'QOP-boltn' is not a place code"),
    (presenter.View("map", icb="XXX"), "[1].icb: 'XXX' is not an ICB ODS code"),
    (presenter.View("overview", region="Wessex"), "[1].region: no region is called 'Wessex'"),
    (presenter.View("overview", region="London", icb="QOP"), "[1].icb: QOP is in North West, not in London"),
    (presenter.View("compare", places=("icb:QOP", "boltn")), "[1].places: 'boltn' is neither a place code"),
    (presenter.View("workshop", place="bolton"), "[1].page: the page 'workshop' is not in app.pages"),
])
def test_codes_in_the_running_order_must_exist(reference, framework, view, message):
    with pytest.raises(ValueError) as caught:
        presenter.check_views((view,), ("overview", "map", "profile", "compare"), reference, framework)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_map_view_of_a_place_opens_its_ics(reference):
    assert presenter.filters_of(presenter.View("map", place="lambeth"), reference) == {
        "region": "London", "icb": "QKK", "models": []}
    assert presenter.filters_of(presenter.View("overview"), reference) == {"region": None, "icb": None, "models": []}


# --------------------------------------------------------------------------- charts on a projector

def font_sizes(node) -> list[float]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k.endswith(("fontSize", "FontSize")) and isinstance(v, (int, float))] \
            + [s for v in node.values() for s in font_sizes(v)]
    if isinstance(node, list):
        return [s for v in node for s in font_sizes(v)]
    return []


def test_projector_charts_have_large_type_and_still_compile(framework):
    import pandas as pd
    frame = pd.DataFrame({"key": ["a", "b"], "label": ["Joint committee", "Place board"], "n": [3, 5]})
    bars = charts.category_bars(frame, "key", "label", "n", "Models")
    normal, big = bars.to_dict(), presenter.projector_spec(bars.to_dict())
    assert min(font_sizes(normal)) < 16
    assert min(font_sizes(big)) >= 18                      # every label at least 18 px on the projector
    assert big["config"]["axis"]["labelColor"] == "#000000"
    assert "<svg" in vl_convert.vegalite_to_svg(big)
    radar_frame = pd.DataFrame({"series": "A", "dimension_id": framework.dimension_ids,
                                "label": [d.short for d in framework.dimensions], "score": 3})
    radar = charts.radar(radar_frame, framework.scale, size=300).to_dict()
    scaled = presenter.projector_spec(radar)
    assert (scaled["width"], scaled["height"]) == (round(radar["width"] * 1.35), 405)     # as wide as its names need
    assert "<svg" in vl_convert.vegalite_to_svg(scaled)
    small = charts.radar_grid(pd.concat([radar_frame, radar_frame.assign(series="B")]), framework.scale,
                              size=200).to_dict()
    grid = presenter.projector_spec(small)
    assert [(part["width"], part["height"]) for part in grid["concat"]] == \
        [(round(part["width"] * 1.35), 270) for part in small["concat"]]
    assert [part["title"]["fontSize"] for part in grid["concat"]] == [24, 24]       # 16 px titles, half as large again
    assert "<svg" in vl_convert.vegalite_to_svg(grid)


# --------------------------------------------------------------------------- anonymising

def test_place_labels_are_stable_unique_and_not_alphabetical(reference):
    codes = reference.places["place_code"].tolist()
    labels = anonymise.place_labels(codes)
    assert labels == anonymise.place_labels(codes[::-1])
    assert len(set(labels.values())) == len(codes) == 169
    assert set(labels.values()) >= {"Place A", "Place Z", "Place AA", "Place FM"}
    alphabetical = sorted(codes, key=lambda c: reference.place(c).place_name)
    assert [labels[c] for c in alphabetical[:3]] != ["Place A", "Place B", "Place C"]


def test_anonymised_reference_names_no_place(reference):
    anon = anonymise.anonymise_reference(reference)
    assert anon.version == reference.version + "+anonymised" and anon.places["anonymised"].all()
    names = [n for n in reference.places["place_name"] if len(n) > 4]
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    for table in (anon.places, anon.pcns, anon.groups, anon.practices):
        text = table.select_dtypes(include=["object", "string"]).drop(columns=["icb_name", "icb_short_name", "icb_history"],
                                                                      errors="ignore")
        leaks = {m.group(0) for column in text for value in text[column] for m in [pattern.search(str(value))] if m}
        assert leaks == set(), leaks
    bolton = anon.places.set_index("place_code").loc["bolton"]
    assert bolton.place_name == anonymise.place_labels(reference.places["place_code"])["bolton"]
    assert bolton.sap_post == f"Chief Executive, {bolton.place_name} NHS Foundation Trust"
    assert len(anon.pcns) == len(reference.pcns) and anon.pcns["pcn_code"].is_unique
    # Practices: no name, code or postcode of a real practice; each still in its (relabelled) PCN.
    assert not set(anon.practices["practice_code"]) & set(reference.practices["practice_code"])
    assert (anon.practices["postcode"] == "").all() and anon.practices["practice_code"].is_unique
    assert set(anon.practices["pcn_code"].dropna()) <= set(anon.pcns["pcn_code"])
    assert anon.practices["pcn_code"].isna().sum() == reference.practices["pcn_code"].isna().sum()
    # Unchanged: codes the database keys scores by, ICS and region names, every number.
    assert anon.places["place_code"].tolist() == reference.places["place_code"].tolist()
    assert anon.places["icb_short_name"].tolist() == reference.places["icb_short_name"].tolist()
    assert anon.places["population"].tolist() == reference.places["population"].tolist()


def test_free_text_is_redacted_and_people_relabelled(reference):
    redact = anonymise.redactor(reference)
    labels = anonymise.place_labels(reference.places["place_code"])
    assert redact("Bolton agreed with WIGAN; Boltonian is not a place") == \
        f"{labels['bolton']} agreed with {labels['wigan']}; Boltonian is not a place"
    assert redact("Surrey Heartlands asked North West Surrey") == \
        f"Surrey Heartlands asked {labels['north-west-surrey']}"          # ICS names are kept whole
    assert anonymise.person_label("Ann Smith") == anonymise.person_label(" ann smith ")
    assert anonymise.person_label("Ann Smith") != anonymise.person_label("Bob Jones")
    assert re.fullmatch(r"Person [A-Z]{3}", anonymise.person_label("Ann Smith"))


# --------------------------------------------------------------------------- in the app

@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.tmp_path = tmp_path
    return at


def shown_text(at) -> str:
    """Everything a user reads on the page: headings, text, tables, widget labels and choices."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
             for e in getattr(at, kind)]
    parts += [t.value.to_csv() for t in at.table] + [d.value.to_csv() for d in at.dataframe]
    for box in [*at.selectbox, *at.multiselect]:
        parts += [str(box.value), *map(str, box.options)]
    return "\n".join(map(str, parts))


def position(at) -> str:
    return next(m.value for m in at.markdown if re.fullmatch(r"\*\*\d+ / \d+\*\*", m.value))


def test_presenter_mode_steps_through_the_running_order(app):
    app.query_params["present"] = "1"
    app.run()
    assert not app.exception, app.exception
    assert position(app) == "**1 / 7**"
    assert app.session_state["overview_measure"] == "governance_model"
    assert "# Which governance model each place chose" in [m.value for m in app.markdown]
    assert app.button(key="present_previous").disabled

    app.button(key="present_next").click().run()
    assert position(app) == "**2 / 7**" and app.session_state["overview_measure"] == "assessment_status"

    app.button(key="present_next").click().run()            # to the map explorer, opened on Greater Manchester
    assert not app.exception, app.exception
    assert position(app) == "**3 / 7**" and app.title[0].value == "Map explorer"
    assert app.session_state["filter_icb"] == "QOP" and app.session_state["filter_region"] == "North West"
    assert app.session_state["explorer_measure"] == "overall_maturity"

    app.button(key="present_next").click().run()            # Bolton's profile
    assert app.title[0].value == "Place profile"
    assert app.header[0].value.startswith("Bolton · Greater Manchester ICS")
    assert app.session_state["filter_icb"] == "All ICSs"    # the next view starts from all of England

    app.button(key="present_next").click().run()            # South East London's six places
    assert app.title[0].value == "Compare"
    assert app.multiselect(key="compare_selection").value == [
        "place:bexley", "place:bromley", "place:greenwich", "place:lambeth", "place:lewisham",
        "place:southwark"]
    assert app.query_params["step"] == "5" and app.query_params["present"] == "1"

    app.button(key="present_previous").click().run()         # and back again
    assert app.title[0].value == "Place profile" and position(app) == "**4 / 7**"

    app.button(key="present_exit").click().run()
    assert not app.session_state["_present"]
    assert "present" not in app.query_params and "step" not in app.query_params
    assert not [m for m in app.markdown if m.value.startswith("**4 / 7")]


def test_a_link_opens_a_step_and_anonymised(app):
    app.query_params.update({"present": "1", "step": "4", "anon": "1"})
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Place profile" and position(app) == "**4 / 7**"
    label = anonymise.place_labels(app.session_state["_icsdash_context"].reference.places["place_code"])["bolton"]
    text = shown_text(app)
    assert app.header[0].value.startswith(f"{label} · Greater Manchester ICS")
    for name in ("Bolton", "Wigan", "Salford", "Bury", "Rochdale", "Oldham", "Trafford", "Stockport"):
        assert not re.search(rf"\b{name}\b", text), name
    assert "place" not in app.query_params                    # the place code stays out of the address

    app.button(key="present_anonymise").click().run()        # names back, same view
    assert app.header[0].value.startswith("Bolton · Greater Manchester ICS")
    assert "anon" not in app.query_params


def test_anonymise_switch_without_presenter_mode(app):
    app.run()
    app.sidebar.toggle(key="anonymise_switch").set_value(True).run()
    app.switch_page("pages/map.py").run()
    assert not app.exception, app.exception
    search = app.selectbox(key="explorer_search")
    labels = [str(o) for o in search.options]              # what the user reads in the list
    assert not [o for o in labels if "Bolton" in o]
    assert sum(o.startswith("Place · Place ") for o in labels) == 169
    table = app.dataframe[-1].value
    assert table["Place"].str.fullmatch(r"Place [A-Z]+").all() and len(table) == 169


def test_a_bad_code_in_the_running_order_stops_the_app_with_its_name(tmp_path, monkeypatch):
    views = [{"page": "overview"}, {"page": "profile", "place": "QOP-boltn"}]
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"presenter.views": views})))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "icsdash cannot start"
    shown = at.error[0].value.replace("\\", "")          # as read: brackets are escaped in the Markdown
    assert "presenter.views[2].place" in shown and "'QOP-boltn' is not a place code" in shown


def test_a_running_order_written_with_former_place_codes_still_runs(tmp_path, monkeypatch):
    """A config.yaml from before places were recoded (place: QOP-bolton) opens today's place."""
    views = [{"page": "profile", "title": "Bolton", "place": "QOP-bolton"},
             {"page": "compare", "places": ["QKK-bexley", "icb:QOP"]}]
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"presenter.views": views})))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"present": "1", "step": "1"})
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["profile_place"] == "bolton"


def test_choosing_another_place_after_a_link_keeps_the_choice(app):
    """A link (?place=) opens a place; the picker's next choice must win over the address it wrote itself."""
    app.query_params["place"] = "bolton"
    app.run()
    app.switch_page("pages/profile.py").run()
    assert app.header[0].value.startswith("Bolton · ")
    app.selectbox(key="profile_place").set_value("wigan").run()
    assert app.header[0].value.startswith("Wigan · ") and app.query_params["place"] == "wigan"
    app.run()                                                   # and it stays chosen on the next rerun
    assert app.header[0].value.startswith("Wigan · ")


def test_each_page_says_what_a_view_sets():
    """One registry entry per page: the settings a view may name, and the page's own state it sets."""
    compare = presenter.View("compare", places=("bolton", "icb:QOP"))
    assert presenter.PRESENTER_PAGES["compare"].state(compare, "governance_model") == {
        "compare_selection": ["place:bolton", "icb:QOP"]}
    explore = presenter.View("map", place="bolton")
    assert presenter.PRESENTER_PAGES["map"].state(explore, "overall_maturity") == {
        "explorer_measure": "overall_maturity", "explorer_place": "bolton", "explorer_zoom_place": "bolton"}
    assert [k for k, p in presenter.PRESENTER_PAGES.items() if p.place_in_address] == ["profile", "workshop", "live"]
    assert presenter.SETTINGS_BY_PAGE["governance"] == ("region", "icb", "models")
