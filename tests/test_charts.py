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


def test_every_other_chart_says_in_words_what_it_shows(framework):
    """Issue 21: each builder writes its figures into the chart's description, its accessible name."""
    frame = pd.DataFrame({"k": ["a", "b"], "label": ["Joint committee", "Lead provider"], "n": [1200, 3],
                          "share": [0.75, 0.25]})
    bars = charts.category_bars(frame, "k", "label", "n", "Places by model", share="share").to_dict()
    assert bars["description"] == "Bar chart, Places by model: Joint committee 1,200 (75%) and Lead provider 3 (25%)."

    counts = pd.DataFrame({"choice": ["0", "1", "2", "?"], "votes": [0, 4, 7, 1]})
    votes = charts.vote_bars(counts, "Readiness", axis_title="level; ? = cannot say")
    assert votes.to_dict()["description"] == \
        "Votes on Readiness (level; ? = cannot say): 0 0, 1 4, 2 7 and ? 1."
    both = charts.vote_grid([votes, charts.vote_bars(counts.assign(votes=[1, 1, 1, 1]), "Digital")]).to_dict()
    assert both["description"] == votes.to_dict()["description"] + " Votes on Digital: 0 1, 1 1, 2 1 and ? 1."

    dims = framework.dimensions[:3]
    points = pd.DataFrame([{"dimension_id": d.id, "stakeholder_group": g, "score": s}
                           for d in dims for g, s in (("icb", 1), ("local_authority", 4))])
    profile = pd.DataFrame({"dimension_id": [d.id for d in dims], "short": [d.short for d in dims],
                            "median": [2.5, 3.0, None], "agreement": ["Split", "Agreement", None]})
    spread = charts.spread_chart(points, profile, (0, 5), {"icb": "ICB", "local_authority": "Local authority"})
    assert spread.to_dict()["description"] == (
        f"Dot plot of 6 individual scores from 2 stakeholder groups, one row per dimension, scored 0 to 5. Medians: "
        f"{dims[0].short} (split) 2.5, {dims[1].short} (agreement) 3 and {dims[2].short} no scores.")

    labels = {d.id: d.short for d in dims}
    trend = pd.DataFrame([{"round": r, "round_position": p, "dimension_id": d.id, "score": s}
                          for p, r in enumerate(["2024/25", "2025/26"]) for d, s in zip(dims[:2], (p + 1, 3 - p))])
    assert charts.trend_chart(trend, labels, (0, 5)).to_dict()["description"] == (
        f"Line charts, one per dimension, of the score in 2 rounds (2024/25 and 2025/26): {dims[0].short} 1 to 2 "
        f"and {dims[1].short} 3 to 2.")

    everyone = pd.DataFrame([{"dimension_id": d.id, "score": s} for d in dims for s in (1, 2, 3)])
    chosen = pd.DataFrame([{"dimension_id": d.id, "score": s, "series": "Bolton"} for d, s in zip(dims, (4, 2, 0))])
    assert charts.distribution_chart(everyone, chosen, labels, (0, 5)).to_dict()["description"] == (
        "Box plots of every place's latest score on 3 dimensions, with Bolton marked. Bolton is above the median of "
        f"all places on 1, below on 1 and at it on 1; furthest above on {dims[0].short} (+2); furthest below on "
        f"{dims[2].short} (-2).")


def test_governance_charts_say_in_words_what_they_show():
    mix = pd.DataFrame({"group": ["London", "London", "North West"], "label": ["A", "B", "A"], "places": [5, 2, 7]})
    stacked = charts.stacked_bars(mix, "group", "label", "places", "Models by region", {"A": "#000", "B": "#111"},
                                  group_title="Region").to_dict()
    assert stacked["description"] == ("Stacked bar chart, Models by region: 2 bars (Region). In all: A 12 (most in "
                                      "North West, 7) and B 2 (most in London, 2).")
    cells = pd.DataFrame({"model": ["A", "A", "B", "B"], "dimension": ["X", "Y", "X", "Y"],
                          "median": [1.0, 4.5, None, 2.0], "cell": ["1.0", "4.5", "", "2.0 *"]})
    heat = charts.heatmap(cells, "dimension", "model", "median", "cell", "Median score by model", (0, 5),
                          ["X", "Y"], ["A", "B"]).to_dict()
    assert heat["description"] == ("Heatmap, Median score by model: 2 rows by 2 columns; highest A, Y (4.5); "
                                   "lowest A, X (1.0); 1 cells empty.")
    places = pd.DataFrame({"model": ["A", "A", "A", "B"], "score": [1.0, 2.0, 4.0, None],
                           "place_name": ["P", "Q", "R", "S"]})
    strip = charts.strip_by_group(places, "model", "score", "place_name", "Overall maturity", (0, 5),
                                  {"A": "#000", "B": "#111"}, ["A", "B"]).to_dict()
    assert strip["description"] == ("Dot plot, Overall maturity, one dot per place and one row per group: A median "
                                    "2.00 of 3 places, 1.00 to 4.00.")


def test_a_radar_is_wide_enough_for_its_names_and_stays_round(framework):
    """The names beside the left and right spokes end inside the chart (the browser cut 'Ambition' off), and the
    chart widens rather than squashing its rings into ellipses; six small radars go two to a row, so the grid
    fits beside the sidebar."""
    frame = pd.DataFrame([{"series": "A", "dimension_id": d.id, "label": d.short, "score": 3.0}
                          for d in framework.dimensions])
    made = charts.radar(frame, framework.scale, size=330).to_dict(validate=False)
    x = next(layer["encoding"]["x"]["scale"]["domain"] for layer in made["layer"])
    y = next(layer["encoding"]["y"]["scale"]["domain"] for layer in made["layer"])
    per_unit_x, per_unit_y = made["width"] / (x[1] - x[0]), made["height"] / (y[1] - y[0])
    assert made["height"] == 330 and made["width"] > 330 and per_unit_x == pytest.approx(per_unit_y, rel=0.01)
    # Every name beside a spoke, written at 0.55 em a letter (13 px), ends inside the chart's horizontal range.
    names = [v for layer in made["layer"] if layer["mark"].get("type") == "text" and "align" in layer["mark"]
             and layer["mark"]["align"] != "center" for v in layer["data"]["values"] if "lx" in v]
    assert {v["align"] for v in names} == {"left", "right"} and len(names) == 10
    for v in names:
        length = len(v["label"]) * 13 * 0.55 / per_unit_x
        assert (v["lx"] + length <= x[1]) if v["align"] == "left" else (v["lx"] - length >= x[0]), v
    grid = charts.radar_grid(pd.concat([frame, frame.assign(series="B"), frame.assign(series="C")]),
                             framework.scale).to_dict(validate=False)
    assert grid["columns"] == 2 and sum(part["width"] for part in grid["concat"][:2]) < 800
