"""The map explorer: search, drill-down targets, place facts, the deck at each level, and the page."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from icsdash import explorer, maps
from icsdash.analysis import Filters
from icsdash.measures import MEASURES_BY_KEY

from conftest import ROOT, settled, write_config


def test_search_finds_places_systems_and_pcns_by_name_or_code(reference):
    options = explorer.search_index(reference)
    assert len(options) == len(reference.places) + len(reference.icbs) + len(reference.pcns)
    assert options["place:bolton"] == "Place · Bolton · Greater Manchester ICS"
    assert options["icb:QOP"] == "ICS · Greater Manchester (QOP, E54000057)"
    assert options["pcn:U89141"] == "PCN · Stockton PCN (U89141) · Stockton-on-Tees"       # a real PCN, by code


def test_targets(reference):
    assert explorer.target_of("icb:QKK", reference) == explorer.Target("London", "QKK")
    pcn = reference.pcns[reference.pcns.place_code == "brent"].iloc[0]
    assert explorer.target_of(f"pcn:{pcn.pcn_code}", reference) == explorer.Target("London", "QRV", "brent",
                                                                                    pcn.pcn_code)
    assert [explorer.level_of(f) for f in (Filters(), Filters(region="London"), Filters("London", "QKK"))] == [
        "england", "region", "icb"]


def _facts(reference, framework, code):
    row = reference.places.set_index("place_code").loc[code].copy()
    row["place_code"] = code
    row["assessment_status"], row["current_round"] = "not_started", "2025/26"
    row["overall_maturity"], row["maturity_round"] = float("nan"), None
    return explorer.place_facts(row, framework).set_index("Fact")


def test_documented_facts_carry_source_and_date(reference, framework):
    bolton = _facts(reference, framework, "bolton")
    assert bolton.loc["Single accountable person"].tolist() == ["Chief Executive, Bolton NHS Foundation Trust",
                                                               "documented: CIPFA, December 2022"]
    # An interim 2022 arrangement says it was 2022's.
    assert bolton.loc["Note", "Value"].startswith("In 2022: an interim Section 75 joint committee")
    assert bolton.loc["Note", "Source"] == "documented: CIPFA, December 2022"
    # A budget the source says exists, with an invented amount, says both.
    assert bolton.loc["Delegated budget", "Source"] == (
        "illustrative amount; that the budget exists is documented: CIPFA, December 2022")
    assert bolton.loc["Pooled budget (Section 75)", "Source"] == "illustrative"
    brent = _facts(reference, framework, "brent")
    assert brent.loc["Population"].tolist() == ["327,753", "documented: CIPFA, December 2022"]


def test_tameside_bexley_bromley_and_manchester_read_as_documented(reference, framework):
    tameside = _facts(reference, framework, "tameside")
    assert tameside.loc["History"].tolist() == [
        "Before ICBs, Tameside and Glossop CCG and Tameside Council worked as a 'micro ICS' with a pooled budget of "
        "around £1bn (a former footprint that included Glossop, now in Derbyshire; not described as a Section 75 "
        "pool)", "documented: HFMA roundtable 'Network connection', 2021"]
    assert tameside.loc["Pooled budget (Section 75)", "Source"] == "illustrative"
    bexley, bromley = _facts(reference, framework, "bexley"), _facts(reference, framework, "bromley")
    assert bexley.loc["Better Care Fund"].tolist() == ["Extended ('super') BCF", "documented: CIPFA, December 2022"]
    assert bromley.loc["Better Care Fund", "Source"] == "illustrative"
    assert bromley.loc["Better Care Fund", "Value"] != "Extended ('super') BCF"
    assert bromley.loc["Governance model"].tolist() == ["Joint committee", "documented: CIPFA, December 2022"]
    manchester = _facts(reference, framework, "manchester")
    assert manchester.loc["Pooled budget (Section 75)"].tolist() == ["£0.0m", "documented: CIPFA, December 2022"]
    assert manchester.loc["Aligned budget", "Source"].startswith("illustrative amount; that the budget exists")
    darlington = _facts(reference, framework, "darlington")
    assert darlington.loc["Local ICP", "Value"].startswith("Tees Valley: 847,000 people, 17 PCNs. The document's "
                                                           "Tees Valley ICP also includes North Yorkshire")
    eden = _facts(reference, framework, "eden")
    assert eden.loc["Place", "Source"] == "illustrative"


def test_place_facts_say_where_each_value_comes_from(reference, framework):
    row = reference.places.set_index("place_code").loc["herefordshire"].copy()
    row["place_code"] = "herefordshire"
    row["assessment_status"], row["current_round"] = "not_started", "2025/26"
    row["overall_maturity"], row["maturity_round"] = float("nan"), None
    facts = explorer.place_facts(row, framework).set_index("Fact")
    assert facts.loc["Governance model"].tolist() == ["Lead provider", "documented: CIPFA, December 2022"]
    assert facts.loc["Delegated budget", "Source"] == "illustrative"
    assert facts.loc["Overall maturity", "Value"] == "No data"
    assert facts.loc["Population"].tolist() == ["188,719", "ONS mid-2022 population estimates"]
    criteria = explorer.criteria_table(row)
    assert len(criteria) == 8 and set(criteria["Source"]) == {"illustrative"}
    plain = reference.places.set_index("place_code").loc["east-kent"].copy()    # nothing documented
    plain["place_code"], plain["assessment_status"], plain["current_round"] = "east-kent", "submitted", "R"
    plain["overall_maturity"], plain["maturity_round"] = 2.0, "R"
    facts = explorer.place_facts(plain, framework).set_index("Fact")
    assert set(facts.drop(["ICS and region", "Population", "Self-assessment", "Overall maturity", "PCNs"])["Source"]) == {
        "illustrative"}
    assert facts.loc["PCNs", "Source"] == "NHS England"                   # real PCNs, never illustrative


URLS = {k: f"app/static/generated/{k}-1.json" for k in ("places", "icbs", "regions", "england", "pcns")}


@pytest.mark.parametrize("level, filters, pickable", [
    ("england", Filters(), "pick_regions"),
    ("region", Filters(region="London"), "pick_icbs"),
    ("icb", Filters(region="London", icb="QKK"), "places"),
])
def test_each_level_has_one_clickable_layer(level, filters, pickable):
    deck = maps.explorer_deck(URLS, MEASURES_BY_KEY["governance_model"], level, (51.5, -0.1, 9), filters, True,
                              boundaries="April 2026")
    spec = json.loads(deck.to_json())
    clickable = [layer["id"] for layer in spec["layers"] if layer.get("pickable")]
    assert clickable == [pickable]
    assert "http" not in json.dumps(spec)
    pick = next(layer for layer in spec["layers"] if layer["id"] == pickable)
    if pickable.startswith("pick_"):
        assert pick["getFillColor"][3] == 1               # invisible but still clickable
    pcn_layers = [layer for layer in spec["layers"] if layer["id"] == "pcns"]
    assert len(pcn_layers) == (1 if level == "icb" else 0)
    if pcn_layers:
        assert pcn_layers[0]["getFillColor"] == "@@=icb_code == 'QKK' ? [20, 20, 20, 190] : [0, 0, 0, 0]"


@pytest.mark.parametrize("level, tooltip", [
    ("england", "<b>{name}</b><br/>{icbs} ICSs (April 2023 boundaries) · {places} places<br/>"
                "Click to zoom to this region"),
    ("region", "<b>{name}</b> ICS (April 2023 boundaries)<br/>{places} places · population {population}<br/>"
               "Click to see its places"),
    ("icb", "<b>{name}</b>{illustrative}<br/>{where}<br/>"),      # 'where' names the boundaries: place_properties
])
def test_every_level_names_the_boundaries_of_its_icss(level, tooltip):
    deck = maps.explorer_deck(URLS, MEASURES_BY_KEY["governance_model"], level, (51.5, -0.1, 9),
                              Filters(region="London", icb="QKK"), True, boundaries="April 2023")
    assert tooltip in deck._tooltip["html"]


def test_picked_reads_a_selection():
    selection = {"indices": {"pick_regions": [3]}, "objects": {"pick_regions": [{"properties": {"name": "London"}}]}}
    assert maps.picked(selection) == ("pick_regions", {"name": "London"})
    assert maps.picked({"indices": {}, "objects": {}}) is None


def test_pcn_points_carry_size_and_system(reference):
    points = maps.pcn_points(reference)
    assert len(points) == len(reference.pcns)
    first = points[0]
    assert set(first) == {"position", "name", "code", "place", "place_code", "icb_code", "list_size", "radius"}
    assert len(json.dumps(points)) < 400_000


@pytest.fixture
def explorer_page(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    at = settled(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.switch_page("pages/map.py").run()
    assert not at.exception
    return at


def test_search_drills_down_and_shows_the_place(explorer_page, reference):
    at = explorer_page
    assert at.markdown[0].value.startswith("England")
    at.selectbox(key="explorer_search").set_value("place:brent").run()
    assert not at.exception
    assert at.session_state["filter_region"] == "London" and at.session_state["filter_icb"] == "QRV"
    assert at.markdown[0].value.startswith("England › London › North West London ICS")
    assert at.header[0].value == "Brent"
    link = at.get("page_link")[0].proto
    assert (link.label, link.page, link.query_string) == ("Open the place profile", "profile", "place=brent")
    facts = " ".join(m.value for m in at.markdown)
    assert "327,753" in facts and r"documented\: CIPFA, December 2022" in facts    # the case study population
    tables = [d.value for d in at.dataframe]
    pcns = next(t for t in tables if "PCN" in t.columns)
    assert len(pcns) == 8                                          # Brent's 8 PCNs from the case study
    assert len(tables[-1]) == 8                                    # the map's table: North West London's places


def test_up_one_level(explorer_page):
    at = explorer_page
    at.selectbox(key="explorer_search").set_value("icb:QOP").run()
    assert at.session_state["filter_icb"] == "QOP"
    at.button[0].click().run()
    assert (at.session_state["filter_region"], at.session_state["filter_icb"]) == ("North West", "All ICSs")
    at.button[0].click().run()
    assert at.session_state["filter_region"] == "All regions"


def test_dimension_and_change_measures_are_offered(explorer_page, framework):
    options = explorer_page.selectbox(key="explorer_measure").options
    assert "Dimension: Readiness to change" in options and "Change in maturity since the round before" in options
    assert len(options) == 8 + len(framework.dimensions)


def test_all_england_place_layer_with_every_measure_is_under_one_megabyte(reference, framework, tmp_path):
    from icsdash import analysis
    from icsdash.geography import feature_collection, load_geography
    from icsdash.measures import measures_for
    from icsdash.store import Store
    from conftest import DATA
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.seed_demo(reference.places["place_code"].tolist(), framework)
    summary = analysis.place_summary(reference, store.latest_scores(), store.activity(), framework)
    props, _ = maps.place_properties(summary, measures_for(framework))
    geo = load_geography(DATA, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]), reference.icb_boundaries)
    payload = json.dumps(feature_collection(geo.shapes["places"], props), separators=(",", ":")).encode()
    assert len(payload) < 1_000_000
    assert props.shape[1] == 8 + 2 * len(measures_for(framework))         # names and keys, then a value and colour each


def test_a_place_whose_icb_changed_says_so(framework):
    from icsdash.reference import load_reference
    from conftest import DATA
    newest = load_reference(DATA)
    row = newest.places.set_index("place_code").loc["oxfordshire"].copy()
    row["place_code"], row["assessment_status"], row["current_round"] = "oxfordshire", "not_started", None
    row["overall_maturity"], row["maturity_round"] = float("nan"), None
    facts = explorer.place_facts(row, framework).set_index("Fact")
    assert facts.loc["ICS and region", "Value"] == "Thames Valley · South East"
    assert facts.loc["ICS in other boundary vintages"].tolist() == [
        "in NHS Buckinghamshire, Oxfordshire and Berkshire West until 31 March 2026", "ONS and NHS England"]


def test_a_place_holding_part_of_a_district_says_where_the_rest_is(framework):
    from icsdash.reference import load_reference
    from conftest import DATA
    row = load_reference(DATA).places.set_index("place_code").loc["oxfordshire"].copy()
    row["place_code"], row["assessment_status"], row["current_round"] = "oxfordshire", "not_started", None
    row["overall_maturity"], row["maturity_round"] = float("nan"), None
    facts = explorer.place_facts(row, framework).set_index("Fact")
    assert facts.loc["Councils split between places"].tolist() == [
        "Vale of White Horse: the rest is in Swindon (NHS Bath and North East Somerset, Swindon and Wiltshire)",
        "ONS boundaries"]


def test_a_place_lists_its_real_pcns_and_practices(reference):
    """Stockton-on-Tees: NHS England's PCNs and practices, a practice in no PCN shown as such, never as a PCN."""
    pcns = explorer.pcn_table(reference, "stockton-on-tees")
    assert "Stockton PCN" in pcns["PCN"].tolist() and pcns.loc[pcns.PCN == "Stockton PCN", "Code"].item() == "U89141"
    practices = explorer.practice_table(reference, "stockton-on-tees")
    densham = practices.set_index("Code").loc["A81001"]
    assert (densham.Practice, densham.Postcode, densham.PCN) == ("The Densham Surgery", "TS18 1HU", "Stockton PCN")
    assert practices.groupby("PCN")["Registered patients"].sum().drop("In no PCN", errors="ignore").to_dict() == \
        pcns.set_index("PCN")["List size"].to_dict()
    somewhere = reference.places[reference.places["unallocated_practices"] > 0].iloc[0]
    listed = explorer.practice_table(reference, somewhere.place_code)
    assert (listed["PCN"] == "In no PCN").sum() == somewhere.unallocated_practices


def test_a_pcn_spanning_places_says_where_else(reference):
    row = reference.pcns.set_index("pcn_code").loc["U00000"]                 # West Norwich PCN
    assert row.place_shares == "north-norfolk 0.16; norwich 0.44; south-norfolk 0.40"
    table = explorer.pcn_table(reference, "norwich").set_index("Code")
    assert table.loc["U00000", "Also serves"] == "North Norfolk (16%), South Norfolk (40%)"
