"""The measures registry: each entry computes its own value, and the scale of maturity is the framework's."""

from dataclasses import replace

import pandas as pd
import pytest

from icsdash import analysis, maps, measures
from icsdash.measures import MEASURES, MEASURES_BY_KEY, Measure, measures_by_key, measures_for


def scores(rows):
    """Latest score rows of the mini framework: (place, round, position, kind, dimension, score)."""
    frame = pd.DataFrame(rows, columns=["place_code", "round", "round_position", "kind", "dimension_id", "score"])
    frame["stakeholder_group"] = frame["kind"].map({"individual": "icb", "consensus": "consensus"})
    frame["score"] = frame["score"].astype("Float64")
    return frame


@pytest.fixture
def two_places(reference, mini_framework):
    """Barnet: a consensus of 3, 2, 1 in R1; Barnsley: one assessment of 2, 'not assessed', 0 in R1."""
    barnet = [("barnet", "R1", 1, "consensus", d, s) for d, s in zip(mini_framework.dimension_ids, (3, 2, 1))]
    barnsley = [("barnsley", "R1", 1, "individual", d, s) for d, s in zip(mini_framework.dimension_ids, (2, None, 0))]
    activity = pd.DataFrame([("barnet", "R1", 1, "consensus", "submitted", 1),
                             ("barnsley", "R1", 1, "individual", "submitted", 1)],
                            columns=["place_code", "round", "round_position", "kind", "status", "n"])
    return scores(barnet + barnsley), activity


def dimensions_scored(places: pd.DataFrame, context: measures.MeasureContext) -> pd.Series:
    """A made-up measure: how many dimensions a place has a score on in the round shown."""
    counted = context.shown.dropna(subset=["score"]).groupby("place_code").size()
    return places["place_code"].map(counted).astype(float)


MADE_UP = Measure("dimensions_scored", "Dimensions scored", "numeric",
                  "How many of the framework's dimensions the place has a score on.", dimensions_scored)


def test_a_new_measure_is_one_registry_entry(monkeypatch, reference, mini_framework, two_places):
    monkeypatch.setattr(measures, "MEASURES", MEASURES + (MADE_UP,))           # the only edit
    summary = analysis.place_summary(reference, *two_places, mini_framework)
    values = summary.set_index("place_code")["dimensions_scored"]
    assert values[["barnet", "barnsley"]].tolist() == [3.0, 2.0]
    assert values.drop(["barnet", "barnsley"]).isna().all()

    props, legends = maps.place_properties(summary, measures_for(mini_framework))
    legend = legends["dimensions_scored"]
    assert (legend.title, legend.low, legend.high, legend.no_data) == ("Dimensions scored", "2", "3",
                                                                        len(summary) - 2)
    assert props.loc[["barnet", "barnsley", "barking-and-dagenham"], "v_dimensions_scored"].tolist() == [
        "3", "2", "No data"]

    table = maps.place_table(summary, measures_by_key(mini_framework)["dimensions_scored"]).set_index("Place")
    assert table.loc[["Barnet", "Barnsley", "Barking and Dagenham"], "Dimensions scored"].tolist() == [
        "3", "2", "No data"]


def test_every_measure_computes_its_column(reference, mini_framework, two_places):
    summary = analysis.place_summary(reference, *two_places, mini_framework).set_index("place_code")
    barnet = summary.loc["barnet"]
    assert barnet[["overall_maturity", "dim_leadership", "dim_data_sharing", "dim_outcomes"]].tolist() == [
        2.0, 3.0, 2.0, 1.0]
    assert summary.loc["barnsley", "overall_maturity"] == 1.0                  # 'not assessed' left out
    assert pd.isna(barnet["maturity_change"])                                  # no round before
    assert summary.loc[["barnet", "barnsley", "barking-and-dagenham"], "assessment_status"].tolist() == [
        "consensus", "submitted", "not_started"]
    place = reference.place("barnet")
    assert barnet["pooled_per_head"] == round(place.pooled_budget_gbp_m * 1e6 / place.population)
    assert [m.column for m in measures_for(mini_framework) if m.column not in summary] == []


def test_measures_follow_the_framework(framework, mini_framework):
    keys = [m.key for m in measures_for(mini_framework)]
    assert keys[:5] == ["governance_model", "overall_maturity", "dim_leadership", "dim_data_sharing", "dim_outcomes"]
    assert len(measures_for(framework)) == len(measures_for(mini_framework)) + 9
    assert measures_for(framework) == measures_for(framework)        # the same measures call after call


@pytest.mark.parametrize("scale", [(0, 5), (0, 3), (1, 4)])
def test_the_maturity_scale_is_the_frameworks(mini_framework, scale):
    fw = replace(mini_framework, scale_min=scale[0], scale_max=scale[1])
    maturity = [m for m in measures_for(fw) if m.maturity]
    assert [m.key for m in maturity] == ["overall_maturity", "dim_leadership", "dim_data_sharing", "dim_outcomes"]
    assert {m.domain for m in maturity} == {scale}
    assert [m.key for m in MEASURES if m.domain is not None] == []             # none is fixed in the registry


@pytest.mark.parametrize("key, value, shown", [
    ("governance_model", "place_board", "Place board"),
    ("assessment_status", "in_progress", "In progress (draft)"),
    ("overall_maturity", 2.345, "2.3"),
    ("maturity_change", 0.5, "+0.5"),
    ("maturity_change", -0.5, "-0.5"),
    ("population", 1234567, "1,234,567"),
    ("delegated_per_head", 500.0, "£500"),
    ("population", float("nan"), "No data"),
    ("governance_model", None, "No data"),
])
def test_format(key, value, shown):
    assert MEASURES_BY_KEY[key].format(value) == shown
