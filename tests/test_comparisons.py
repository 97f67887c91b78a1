"""Profiles and comparisons, checked against numbers worked out by hand on a tiny fixture."""

from dataclasses import replace

import pandas as pd
import pytest

from icsdash import analysis, comparisons

# Five places in two ICSs, on the 3-dimension test framework (scale 0-3).
PLACES = pd.DataFrame({
    "place_code": ["A", "B", "C", "D", "E"], "place_name": ["Ayr", "Bee", "Cee", "Dee", "Eee"],
    "icb_ods_code": ["Q01", "Q01", "Q01", "Q02", "Q02"], "icb_short_name": ["North", "North", "North", "South", "South"],
    "region_name": ["R1", "R1", "R1", "R1", "R2"],
    "governance_model": ["joint_committee", "place_board", "joint_committee", "joint_committee", "lead_provider"],
    "population": [100_000, 120_000, 400_000, 110_000, 1_000_000], "density": [500.0, 550.0, 4000.0, 480.0, 90.0],
})
LEAD, DATA, OUT = "leadership", "data_sharing", "outcomes"


@pytest.fixture
def latest():
    rows = []

    def add(place, rnd, pos, kind, group, scores):
        for dim, s in zip((LEAD, DATA, OUT), scores):
            rows.append((place, rnd, pos, kind, group, dim, s))
    add("A", "R1", 1, "individual", "icb", (0, 1, 1))            # A, round 1
    add("A", "R2", 2, "individual", "icb", (1, 2, 1))            # A, round 2: three people disagree on outcomes
    add("A", "R2", 2, "individual", "local_authority", (1, 2, 3))
    add("A", "R2", 2, "individual", "nhs_provider", (2, 1, 0))
    add("B", "R2", 2, "consensus", "consensus", (3, 3, 3))
    add("C", "R2", 2, "individual", "icb", (2, 0, None))
    add("D", "R1", 1, "individual", "icb", (3, 0, 3))
    add("E", "R2", 2, "individual", "icb", (1, 1, 1))
    frame = pd.DataFrame(rows, columns=["place_code", "round", "round_position", "kind", "stakeholder_group",
                                        "dimension_id", "score"])
    frame["score"] = frame["score"].astype("Float64")
    frame["assessment_id"] = frame.groupby(["place_code", "round", "stakeholder_group"]).ngroup()
    return frame


@pytest.fixture
def dims(latest, mini_framework):
    return analysis.dimension_scores(latest, mini_framework)


def test_profile_against_ics_and_england(dims, mini_framework):
    profile = comparisons.profile_table(dims, "A", mini_framework, PLACES).set_index("dimension_id")
    # A's latest round is R2: medians of the three individuals.
    assert profile["score"].tolist() == [1.0, 2.0, 1.0]
    assert profile.loc[OUT, "agreement"] == "Split" and profile.loc[LEAD, "agreement"] == "Agreement"
    assert profile.loc[OUT, ["n", "band"]].tolist() == [3, "Low"]
    # ICS North = A, B, C (latest): leadership 1, 3, 2 -> median 2; data 2, 3, 0 -> 2; outcomes 1, 3, (none) -> 2.
    assert profile["icb_median"].tolist() == [2.0, 2.0, 2.0]
    # England = A..E latest (D's is R1): leadership 1,3,2,3,1 -> 2; data 2,3,0,0,1 -> 1; outcomes 1,3,3,1 -> 2.
    assert profile["england_median"].tolist() == [2.0, 1.0, 2.0]
    strongest, weakest = comparisons.strongest_and_weakest(profile.reset_index(), k=1)
    assert (strongest, weakest) == (["Data sharing"], ["Leadership"])


def test_spread_and_trend(latest, dims):
    spread = comparisons.spread(latest, "A", "R2")
    assert len(spread) == 9 and set(spread["stakeholder_group"]) == {"icb", "local_authority", "nhs_provider"}
    assert "participant" not in spread.columns
    trend = comparisons.trend(dims, "A")
    assert trend[trend.dimension_id == LEAD][["round", "score"]].values.tolist() == [["R1", 0.0], ["R2", 1.0]]


def test_selection_difference_table(latest, dims, mini_framework):
    latest_scores = comparisons.latest_per_place(dims)
    series = comparisons.series_scores(latest_scores, PLACES, ["place:A", "place:B", "icb:Q02"])
    assert list(dict.fromkeys(series["series"])) == ["Ayr", "Bee", "South ICS (median)"]
    # South = D (R1: 3, 0, 3) and E (1, 1, 1): medians 2, 0.5, 2.
    south = series[series.key == "icb:Q02"].set_index("dimension_id")["score"].reindex([LEAD, DATA, OUT])
    assert south.tolist() == [2.0, 0.5, 2.0]
    table = comparisons.difference_table(series, mini_framework).set_index("Dimension")
    assert table.loc["Leadership", ["Ayr", "Bee", "South ICS (median)", "Median of selection"]].tolist() == [1, 3, 2, 2]
    assert table.loc["Leadership", "Ayr: gap to median"] == -1.0
    assert table.loc["Data sharing", "Bee: gap to median"] == 1.0


def test_peer_groups():
    rules = comparisons.PEER_RULES_BY_KEY
    assert rules["same_icb"].peers(PLACES, "A", 5) == ["B", "C"]
    assert rules["same_region"].peers(PLACES, "A", 5) == ["B", "C", "D"]
    assert rules["same_model"].peers(PLACES, "A", 5) == ["C", "D"]
    # Nearest by log population and log density: D and B are almost A's size and density; E is far.
    assert rules["nearest"].peers(PLACES, "A", 2) == ["D", "B"]
    assert rules["nearest"].peers(PLACES, "A", 4)[-1] == "E"


def test_twinning_finds_places_strong_where_a_is_weak(dims, mini_framework):
    latest_scores = comparisons.latest_per_place(dims)
    twins = comparisons.twins(latest_scores, "A", mini_framework, weakest_k=2)
    # A's two weakest: leadership (1) then outcomes (1). B leads by 2 on both; D by 2 on both (its R1 scores).
    assert twins[["place_code", "matches", "lead"]].values.tolist() == [["B", 2, 4.0], ["D", 2, 4.0]]
    assert twins.loc[0, "dimensions"] == "Leadership, Outcomes"
    assert comparisons.twins(latest_scores, "Z", mini_framework).empty


def test_twinning_takes_its_lead_from_the_framework(dims, mini_framework):
    latest_scores = comparisons.latest_per_place(dims)
    # B and D lead A by exactly 2 on both weak dimensions: a lead of 3 asked for finds nobody.
    assert comparisons.twins(latest_scores, "A", replace(mini_framework, twinning_lead=3), weakest_k=2).empty
    lenient = comparisons.twins(latest_scores, "A", replace(mini_framework, twinning_lead=1), weakest_k=2)
    assert {"B", "D"} <= set(lenient["place_code"]) and len(lenient) >= 2


GOV = pd.DataFrame({
    "place_code": ["A", "B", "C", "D", "E"], "place_name": ["Ayr", "Bee", "Cee", "Dee", "Eee"],
    "icb_ods_code": ["Q01", "Q01", "Q01", "Q02", "Q02"], "region_name": ["R1", "R1", "R1", "R1", "R2"],
    "governance_model": ["joint_committee", "place_board", "joint_committee", "joint_committee", "system_wide"],
    "sap_employer": ["council", "icb", "council", "joint", "icb"],
    "population": [100_000, 200_000, 400_000, 100_000, 1_000_000],
    "delegated_budget_gbp_m": [10.0, 60.0, 20.0, 30.0, 0.0], "pooled_budget_gbp_m": [1.0, 2.0, 4.0, 1.0, None],
    **{c: v for c, v in zip([f"c{i}" for i in range(1, 9)], [["met"] * 5] * 8)},
})


def _with_criteria(frame):
    from icsdash.place_governance import CRITERIA
    out = frame.drop(columns=[f"c{i}" for i in range(1, 9)])
    for i, c in enumerate(CRITERIA):
        out[c.key] = ["met", "not_met", "partly", "met", "unknown"] if i == 0 else ["met"] * 5
    return out


def test_model_mix_nationally_and_by_region():
    national = comparisons.model_mix(GOV).set_index("governance_model")
    assert national.loc["joint_committee", ["places", "share"]].tolist() == [3, 0.6]
    assert national.loc["lead_provider", "places"] == 0 and national["places"].sum() == 5
    regions = comparisons.model_mix(GOV, by="region_name")
    r1 = regions[regions.group == "R1"].set_index("governance_model")
    assert r1.loc["joint_committee", ["places", "share", "group_total"]].tolist() == [3, 0.75, 4]


def test_maturity_by_model_counts_and_flags_small_groups(latest, dims, mini_framework):
    places = GOV.assign(governance_model=["joint_committee", "place_board", "joint_committee", "joint_committee",
                                          "lead_provider"])
    table = comparisons.maturity_by_model(places, comparisons.latest_per_place(dims), mini_framework, min_group=3)
    jc = table[(table.governance_model == "joint_committee")].set_index("dimension_id")
    # Joint committee = A (R2 medians 1, 2, 1), C (2, 0, -), D (R1: 3, 0, 3).
    assert jc.loc[LEAD, ["n", "median", "min", "max", "too_small"]].tolist() == [3, 2.0, 1.0, 3.0, False]
    assert jc.loc[OUT, ["n", "median", "too_small"]].tolist() == [2, 2.0, True]
    assert table[table.governance_model == "place_board"]["too_small"].all()


def test_criteria_employers_and_money_by_model():
    places = _with_criteria(GOV)
    crit = comparisons.criteria_by_model(places).set_index(["governance_model", "criterion"])
    assert crit.loc[("joint_committee", "Shared plan"), ["places", "met", "share_met"]].tolist() == [3, 2, 0.6667]
    employers = comparisons.employer_by_model(GOV).set_index(["governance_model", "employer"])["places"]
    assert (employers[("joint_committee", "Council")], employers[("joint_committee", "Joint (ICB and council)")]) == (2, 1)
    money = comparisons.money_by_model(GOV).set_index("governance_model")
    # Joint committee per head: delegated 100, 50, 300 -> median 100; pooled 10, 10, 10 -> 10.
    assert money.loc["joint_committee", ["places", "delegated_per_head", "pooled_per_head"]].tolist() == [3, 100, 10]
    assert money.loc["system_wide", "delegated_per_head"] == 0 and pd.isna(money.loc["system_wide", "pooled_per_head"])


def test_snapshot_compares_icss_with_icss(reference):
    table = comparisons.snapshot_comparison(reference.places).set_index("Figure")
    # The June 2022 figures as CIPFA reports HSJ's survey: counts of ICSs, 16 of 39 a minority, no "most".
    assert table["June 2022"].to_dict() == {
        "Places": "175", "ICSs": "42", "ICSs with no places below the system": "3",
        "ICSs that had selected a leader for each place": "16 of the other 39",
        "ICSs that had identified their place governance": "21 of the other 39",
        "ICSs with a place run by a committee of a statutory body": "most of those 21",
        "ICSs with a place using a consultative forum": "a few of those 21",
        "ICSs with a place using a lead provider": "2", "ICSs with a place using a joint committee": "1"}
    # Like with like: every figure but the first counts ICSs, today as then.
    places = reference.places
    for model, figure in (("lead_provider", "ICSs with a place using a lead provider"),
                          ("joint_committee", "ICSs with a place using a joint committee"),
                          ("consultative_forum", "ICSs with a place using a consultative forum")):
        assert table.loc[figure, "Now"] == places.loc[places.governance_model == model, "icb_ods_code"].nunique()
    assert table.loc["Places", "Now"] == len(places) == 169
    assert table.loc["ICSs", "Now"] == 42
    assert table.loc["ICSs with no places below the system", "Now"] == 3       # Gloucestershire, Lincolnshire, Somerset
    assert table.loc["ICSs that had selected a leader for each place", "Now"] == 39
    assert "16 (a minority)" in comparisons.SNAPSHOT_SUMMARY and "Most ICSs" not in comparisons.SNAPSHOT_SUMMARY


def test_model_mix_of_all_england_counts_every_model(reference):
    mix = comparisons.model_mix(reference.places)
    assert mix["places"].sum() == len(reference.places)
    assert mix.set_index("governance_model").loc["system_wide", "places"] == 3
    assert mix.set_index("governance_model").loc["lead_provider", "places"] >= 1
    assert mix["share"].sum() == pytest.approx(1.0, abs=0.001)
    assert mix["governance_model"].tolist()[0] == "consultative_forum"
