"""Chart builders return Altair charts whose data is what the page shows."""

import pandas as pd
import pytest

from icsdash import charts, comparisons


def test_category_bars_carry_counts_shares_and_colours(reference):
    mix = comparisons.model_mix(reference.places)
    mix = mix[mix.places > 0]
    colours = {k: "#123456" for k in mix["governance_model"]}
    spec = charts.category_bars(mix, "governance_model", "label", "places", "Mix", colours=colours,
                                share="share").to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["places"] for v in values] == mix["places"].tolist()
    system_wide = next(v for v in values if v["governance_model"] == "system_wide")
    assert system_wide["text"].startswith("3  (")
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == ["#123456"] * len(mix)
    assert spec["title"]["text"] == "Mix"


def test_category_bars_without_share():
    frame = pd.DataFrame({"k": ["a", "b"], "label": ["A", "B"], "n": [1200, 3]})
    spec = charts.category_bars(frame, "k", "label", "n", "T").to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["text"] for v in values] == ["1,200", "3"]


def compiles(chart) -> str:
    """Render the chart to SVG with the same Vega engine family the browser uses: to_dict() alone
    accepts specs that Vega-Lite then refuses to draw."""
    import vl_convert
    return vl_convert.vegalite_to_svg(chart.to_dict())


def test_radar_points_close_the_polygon_and_leave_gaps(framework):
    import math
    dims = framework.dimension_ids
    frame = pd.DataFrame({"series": "A", "dimension_id": dims, "label": dims, "score": [5] * 12})
    points = charts.radar_points(frame)
    assert len(points) == 13 and points.iloc[0]["dimension_id"] == points.iloc[-1]["dimension_id"]
    assert (points.iloc[0]["x"], points.iloc[0]["y"]) == (0.0, 5.0)                  # first spoke at the top
    quarter = points[points.dimension_id == dims[3]].iloc[0]
    assert math.isclose(quarter["x"], 5.0, abs_tol=1e-6) and math.isclose(quarter["y"], 0.0, abs_tol=1e-6)
    gappy = frame.assign(score=[3, None, 3, 3, None, 3, 3, 3, 3, 3, 3, 3])
    segments = charts.radar_points(gappy).groupby("segment")["dimension_id"].apply(list).tolist()
    assert sorted(segments, key=len) == [[dims[2], dims[3]], dims[5:] + [dims[0]]]


def test_charts_draw_the_frameworks_own_scale(framework):
    """A 1-7 scale: the centre of the radar is level 1, its rings are labelled 2..7, and the other charts'
    axes run from 1 to 7, not from 0."""
    dims = framework.dimension_ids[:4]
    frame = pd.DataFrame({"series": "A", "dimension_id": dims, "label": dims, "score": [1, 7, 4, 7]})
    points = charts.radar_points(frame, 1)
    assert points[["x", "y"]].iloc[0].tolist() == [0.0, 0.0]                         # level 1 at the centre
    assert points.loc[points["dimension_id"] == dims[1], "x"].iloc[0] == pytest.approx(6.0)
    layers = charts.radar(frame, (1, 7)).to_dict()["layer"]
    ring_labels = next(layer["data"]["values"] for layer in layers if layer["mark"].get("type") == "text"
                       and layer["encoding"]["text"]["field"] == "level")
    assert [v["level"] for v in ring_labels] == [2, 3, 4, 5, 6, 7]
    profile = pd.DataFrame({"dimension_id": dims, "short": dims, "median": [1, 7, 4, 7], "agreement": "Agreement"})
    dots = pd.DataFrame({"dimension_id": dims, "stakeholder_group": "nhs", "score": [1, 7, 4, 7]})
    spread = charts.spread_chart(dots, profile, (1, 7), {"nhs": "NHS"}).to_dict()
    assert spread["layer"][0]["encoding"]["x"]["scale"]["domain"] == [1, 7]
    trend = pd.DataFrame({"dimension_id": dims, "round": "R1", "round_position": 1, "score": [1, 7, 4, 7]})
    assert charts.trend_chart(trend, dict(zip(dims, dims)), (1, 7)).to_dict()["spec"]["encoding"]["y"]["scale"][
        "domain"] == [1, 7]


@pytest.mark.parametrize("series", [1, 3, 6])
def test_radar_renders(framework, series):
    rows = []
    for k in range(series):
        for i, d in enumerate(framework.dimensions):
            rows.append({"series": f"Series {k}", "dimension_id": d.id, "label": d.short,
                         "score": None if (i + k) % 7 == 0 else (i + k) % 6})
    svg = compiles(charts.radar(pd.DataFrame(rows), framework.scale, title="T"))
    assert svg.startswith("<svg") and "Readiness" in svg and "Capacity" in svg


def test_radar_grid_is_one_chart_with_each_series_in_its_own_colour(framework):
    rows = [{"series": name, "dimension_id": d.id, "label": d.short, "score": 3}
            for name in ("Bolton", "Wigan", "Leeds ICS", "Brent") for d in framework.dimensions]
    grid = charts.radar_grid(pd.DataFrame(rows), framework.scale, columns=3)
    made = grid.to_dict(validate=False)
    colours = [next(layer["encoding"]["color"]["scale"]["range"] for layer in part["layer"]
                    if "color" in layer.get("encoding", {})) for part in made["concat"]]
    assert [part["title"]["text"] for part in made["concat"]] == ["Bolton", "Wigan", "Leeds ICS", "Brent"]
    assert colours == [[c] for c in charts.CATEGORICAL["okabe_ito"][:4]]      # as on the combined radar
    svg = compiles(grid)
    assert svg.startswith("<svg") and svg.count(">Readiness<") == 4


def test_category_bars_render(reference):
    mix = comparisons.model_mix(reference.places)
    svg = compiles(charts.category_bars(mix, "governance_model", "label", "places", "Mix", share="share"))
    assert "Committee of a statutory body" in svg


def test_spread_trend_and_distribution_render(framework):
    dims = framework.dimension_ids
    points = pd.DataFrame([{"dimension_id": d, "stakeholder_group": g, "score": (i + k) % 6}
                           for i, d in enumerate(dims) for k, g in enumerate(["icb", "local_authority"])])
    profile = pd.DataFrame({"dimension_id": dims, "short": [d.short for d in framework.dimensions],
                            "median": [2.5] * 12, "agreement": ["Agreement", "Split"] * 6})
    groups = {"icb": "ICB", "local_authority": "Local authority"}
    spread = charts.spread_chart(points, profile, (0, 5), groups)
    svg = compiles(spread)
    assert "Capacity · Split" in svg and "Local authority" in svg
    spec = spread.to_dict()
    dots = spec["layer"][0]
    values = spec["datasets"][dots["data"]["name"]]
    assert len(values) == 24 and {v["group"] for v in values} == {"ICB", "Local authority"}
    labels = {d.id: d.short for d in framework.dimensions}
    trend = pd.DataFrame([{"round": r, "round_position": p, "dimension_id": d, "score": p + 1}
                          for p, r in enumerate(["2024/25", "2025/26"]) for d in dims])
    assert "2025/26" in compiles(charts.trend_chart(trend, labels, (0, 5)))
    everyone = pd.DataFrame([{"dimension_id": d, "score": (i * 7 + j) % 6} for i, d in enumerate(dims)
                             for j in range(10)])
    chosen = pd.DataFrame([{"dimension_id": d, "score": 3, "series": "Bolton"} for d in dims])
    assert "Bolton" in compiles(charts.distribution_chart(everyone, chosen, labels, (0, 5)))


def test_governance_charts_render(reference, framework):
    from icsdash import comparisons
    colours = {"Joint committee": "#0072B2", "Committee of a statutory body": "#E69F00"}
    mix = comparisons.model_mix(reference.places, by="region_name")
    mix = mix[mix.label.isin(colours)]
    assert "London" in compiles(charts.stacked_bars(mix, "group", "label", "places", "Mix", colours, share="share"))
    crit = comparisons.criteria_by_model(reference.places)
    crit = crit[crit.places > 0].assign(cell=lambda f: f["share_met"].map("{:.0%}".format))
    svg = compiles(charts.heatmap(crit, "criterion", "label", "share_met", "cell", "Criteria", (0, 1),
                                  sorted(crit.criterion.unique()), sorted(crit.label.unique())))
    assert "Shared plan" in svg and "%" in svg
    frame = reference.places.assign(overall_maturity=[i % 6 for i in range(len(reference.places))])
    order = list(frame["governance_model_label"].unique())
    strip = charts.strip_by_group(frame, "governance_model_label", "overall_maturity", "place_name", "Maturity",
                                  (0, 5), {g: "#0072B2" for g in order}, order)
    assert "Lead provider" in compiles(strip)


def test_stacked_bars_name_their_groups_in_the_tooltip(reference):
    """By ICS, the tooltip says whose ICSs they are: 'ICS (April 2023 boundaries)'."""
    from icsdash import comparisons
    colours = {"Joint committee": "#0072B2"}
    mix = comparisons.model_mix(reference.places[reference.places.region_name == "London"], by="icb_short_name")
    mix = mix[mix.label.isin(colours)]
    title = f"ICS ({reference.vintage_label} boundaries)"
    spec = charts.stacked_bars(mix, "group", "label", "places", "Mix", colours, group_title=title).to_dict()
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == ["ICS (April 2023 boundaries)", "Model", "Places"]
    assert charts.stacked_bars(mix, "group", "label", "places", "Mix", colours).to_dict()[
        "encoding"]["tooltip"][0]["title"] == "Group"


def test_a_radar_says_in_words_what_it_shows(framework):
    """Issue 21: its text alternative names the strongest and weakest dimensions and the gaps, not 'a chart'."""
    dims = framework.dimensions
    place = {d.short: 3.0 for d in dims} | {dims[0].short: 5.0, dims[1].short: 1.0}
    england = {d.short: 3.0 for d in dims} | {dims[1].short: 2.5, dims[2].short: 4.0}
    rows = [{"series": name, "dimension_id": d.id, "label": d.short, "score": scores[d.short]}
            for name, scores in (("Bolton", place), ("England median", england)) for d in dims]
    made = charts.radar(pd.DataFrame(rows), framework.scale).to_dict(validate=False)
    assert made["description"] == (
        f"Radar of Bolton and England median on {len(dims)} dimensions, scored 0 to 5. Bolton is strongest on "
        f"{dims[0].short} (5) and weakest on {dims[1].short} (1). Against England median: ahead on 1, behind on 2, "
        f"level on {len(dims) - 3}; furthest ahead on {dims[0].short} (+2), furthest behind on {dims[1].short} "
        "(-1.5).")
    grid = charts.radar_grid(pd.DataFrame(rows), framework.scale).to_dict(validate=False)
    assert grid["description"].count("Radar of") == 2 and "England median is strongest on" in grid["description"]
