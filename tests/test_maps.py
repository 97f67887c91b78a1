"""Map builders: colours and legends as data, and decks that reach nothing outside the app."""

import json

import pandas as pd
import pytest

from icsdash import maps, palettes
from icsdash.measures import MEASURES, MEASURES_BY_KEY, measures_by_key
from icsdash.palettes import NO_DATA


@pytest.fixture
def summary():
    return pd.DataFrame({
        "place_code": ["A", "B", "C", "D"], "place_name": ["Ay", "Bee", "Cee", "Dee"],
        "icb_short_name": ["X"] * 4, "icb_ods_code": ["QKK"] * 4, "region_name": ["London"] * 4,
        "governance_model": ["joint_committee", "joint_committee", "place_board", None],
        "governance_model_label": ["Joint committee", "Joint committee", "Place board", None],
        "overall_maturity": [0.0, 2.5, 5.0, None], "maturity_change": [-1.0, 0.5, None, 2.0], "source": ["documented", "illustrative", "illustrative", "illustrative"],
        "assessment_status": ["consensus", "submitted", "not_started", "in_progress"],
        "sap_employer": ["icb", "council", "council", "joint"],
        "population": [100_000, 200_000, 300_000, 400_000], "population_source": ["ons"] * 4,
        "delegated_per_head": [500.0, 600.0, None, 700.0], "pooled_per_head": [10.0, 20.0, 30.0, 40.0],
    })


def test_categorical_colours_and_legend(summary):
    colours, legend = maps.colour_places(summary, MEASURES_BY_KEY["governance_model"])
    assert colours["A"] == colours["B"] != colours["C"]
    assert colours["D"] == NO_DATA
    assert [(i.label, i.count) for i in legend.items] == [("Joint committee", 2), ("Place board", 1)]
    assert legend.no_data == 1


def test_numeric_colours_use_the_frameworks_scale(summary, framework, mini_framework):
    maturity = measures_by_key(framework)["overall_maturity"]
    colours, legend = maps.colour_places(summary, maturity, sequential="viridis")
    assert colours["A"] == "#440154" and colours["C"] == "#FDE725"      # 0 and 5 are the ends of the ramp
    assert (legend.low, legend.high, legend.no_data) == ("0.0", "5.0", 1)
    colours, legend = maps.colour_places(summary.assign(overall_maturity=[0.0, 1.0, 3.0, None]),
                                         measures_by_key(mini_framework)["overall_maturity"])
    assert colours["C"] == "#FDE725" and (legend.low, legend.high) == ("0.0", "3.0")   # its scale: 0 to 3


def test_every_measure_formats_and_colours(summary):
    props, legends = maps.place_properties(summary, MEASURES)
    assert set(legends) == {m.key for m in MEASURES}
    for m in MEASURES:
        assert props[f"c_{m.key}"].map(len).eq(4).all()
        assert props[f"v_{m.key}"].map(lambda v: isinstance(v, str)).all()
    assert props.loc["D", "v_overall_maturity"] == "No data"
    assert props.loc["A", "v_delegated_per_head"] == "£500"
    assert props.loc["B", "illustrative"] == " (illustrative)"


def deck_json(basemap="none", measure="governance_model"):
    deck = maps.place_deck("app/static/generated/places-1.json", "app/static/generated/icbs-1.json",
                           "app/static/generated/england-1.json", "app/static/generated/regions-1.json",
                           MEASURES_BY_KEY[measure], 52.9, -1.8, 5.3, basemap=basemap)
    return json.loads(deck.to_json())


def test_default_deck_references_nothing_remote():
    spec = deck_json()
    text = json.dumps(spec)
    assert "http" not in text and "mapbox" not in text and "carto" not in text
    assert spec["mapStyle"] == "__MAP_STYLE__"        # Streamlit's "no basemap" marker
    assert [layer["id"] for layer in spec["layers"]] == ["england", "places", "icbs", "regions"]
    places = spec["layers"][1]
    assert places["data"] == "app/static/generated/places-1.json"
    assert places["getFillColor"] == "@@=properties.c_governance_model"


def test_configured_basemap_is_the_only_remote_part():
    spec = deck_json("carto-light", "overall_maturity")
    assert spec["mapProvider"] == "carto" and "cartocdn" in spec.pop("mapStyle")
    assert "http" not in json.dumps(spec)
    assert [layer["id"] for layer in spec["layers"]] == ["places", "icbs", "regions"]   # tiles replace the outline
    assert spec["layers"][0]["getFillColor"] == "@@=properties.c_overall_maturity"


def test_tooltip_names_the_measure_and_its_value():
    deck = maps.place_deck("p", "i", "e", "r", MEASURES_BY_KEY["overall_maturity"], 52.9, -1.8, 5.3)
    html = deck._tooltip["html"]
    assert "{name}" in html and "<br/>{where}<br/>" in html
    assert "Overall maturity (latest round): <b>{v_overall_maturity}</b>" in html
    assert "Governance: {model}" in html
    governance = maps.place_deck("p", "i", "e", "r", MEASURES_BY_KEY["governance_model"], 52.9, -1.8, 5.3)
    assert "Governance: {model}" not in governance._tooltip["html"]


@pytest.mark.parametrize("label", ["April 2023", "April 2026"])
def test_tooltip_names_the_boundaries_of_the_ics(summary, label):
    """'Thames Valley ICS (April 2026 boundaries)': which ICS a place is in depends on the vintage shown. The
    served layer's ``where`` says so; the tooltip shows it on its second line (the browser escapes it)."""
    html = maps.place_deck("p", "i", "e", "r", MEASURES_BY_KEY["population"], 52.9, -1.8, 5.3)._tooltip["html"]
    assert "<b>{name}</b>{illustrative}<br/>{where}<br/>Population: <b>{v_population}</b>" in html
    props, _ = maps.place_properties(summary, MEASURES, boundaries=label)
    row = summary.set_index("place_code").iloc[0]
    assert props["where"].iloc[0] == f"{row.icb_short_name} ICS ({label} boundaries) · {row.region_name}"
    assert maps.place_properties(summary, MEASURES)[0]["where"].iloc[0] == \
        f"{row.icb_short_name} ICS · {row.region_name}"


def test_view_of_fits_london_tighter_than_england(reference):
    from icsdash.geography import load_geography
    from conftest import DATA
    geo = load_geography(DATA, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]), reference.icb_boundaries)
    london = reference.places[reference.places.region_name == "London"]["place_code"]
    lat, lon, zoom = maps.view_of([geo.shapes["places"][c] for c in london])
    assert 51.3 < lat < 51.7 and -0.4 < lon < 0.2
    _, _, england_zoom = maps.view_of(list(geo.shapes["places"].values()))
    assert zoom > england_zoom + 2


def test_place_table_is_the_map_as_text(summary):
    table = maps.place_table(summary, MEASURES_BY_KEY["overall_maturity"])
    assert table.columns.tolist() == ["Place", "ICS", "Region", "Overall maturity (latest round)", "Governance model",
                                      "Population", "Population source", "Place definition"]
    assert table.set_index("Place").loc["Bee", "Overall maturity (latest round)"] == "2.5"


def test_focus_legend_counts_the_region_but_keeps_national_colours(summary):
    national = maps.colour_places(summary, MEASURES_BY_KEY["governance_model"])[1]
    region = maps.focus_legend(national, summary[summary.place_code.isin(["B", "D"])], MEASURES_BY_KEY["governance_model"])
    assert [(i.label, i.count, i.colour) for i in region.items] == [("Joint committee", 1, national.colours["joint_committee"])]
    assert region.no_data == 1
    numeric = maps.colour_places(summary, MEASURES_BY_KEY["population"])[1]
    focused = maps.focus_legend(numeric, summary[summary.place_code == "A"], MEASURES_BY_KEY["population"])
    assert (focused.low, focused.high, focused.no_data) == ("100,000", "400,000", 0)


def test_region_focus_greys_other_places():
    spec = json.loads(maps.place_deck("p", "i", "e", "r", MEASURES_BY_KEY["population"], 51.5, -0.1, 9,
                                      filters=maps.Filters(region="London")).to_json())
    places = spec["layers"][1]
    assert places["getFillColor"] == "@@=properties.region == 'London' ? properties.c_population : [225, 225, 222, 170]"
    assert places["updateTriggers"] == {"getFillColor": ["population", "properties.region == 'London'"]}


def test_change_uses_a_two_sided_scale_centred_on_zero(summary):
    colours, legend = maps.colour_places(summary, MEASURES_BY_KEY["maturity_change"])
    assert (legend.low, legend.high) == ("-2.0", "+2.0")
    assert colours["D"] == "#542788"                 # the largest rise: the purple end
    assert colours["C"] == NO_DATA
    assert MEASURES_BY_KEY["maturity_change"].format(0.5) == "+0.5"


@pytest.mark.parametrize("palette", sorted(palettes.CATEGORICAL))
def test_no_category_is_drawn_like_a_border_or_a_hole(palette):
    """Issue 21: 'Other arrangement' was black, like the borders between systems or a hole in the map. Every
    category's fill stands apart from the systems' borders (2:1 at least) and from every other category."""
    border = palettes.rgb_to_hex([40, 40, 40])                      # the ICS borders on every map
    colours = palettes.CATEGORICAL[palette]
    assert min(palettes.contrast_ratio(c, border) for c in colours) >= 2
    rgb = [palettes.hex_to_rgb(c) for c in colours]
    closest = min(sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 for i, a in enumerate(rgb) for b in rgb[i + 1:])
    assert closest > 50
