"""The numbers behind the Overview: place scores, statuses, national figures, governance mix."""

import pandas as pd
import pytest

from icsdash import analysis


def latest_rows(rows):
    """rows: (place, round, position, kind, group, dimension, score)."""
    frame = pd.DataFrame(rows, columns=["place_code", "round", "round_position", "kind", "stakeholder_group",
                                        "dimension_id", "score"])
    frame["score"] = frame["score"].astype("Float64")
    return frame


@pytest.fixture
def tiny(mini_framework):
    rows = []
    # Place A, round 1: three individuals; consensus recorded for 'leadership' only.
    for group, scores in (("icb", (1, 2, 3)), ("local_authority", (2, 2, 0)), ("nhs_provider", (3, None, 1))):
        for dim, s in zip(mini_framework.dimension_ids, scores):
            rows.append(("A", "R1", 1, "individual", group, dim, s))
    rows.append(("A", "R1", 1, "consensus", "consensus", "leadership", 3))
    # Place B, round 2 only: two individuals who disagree on 'outcomes'.
    for group, scores in (("icb", (1, 1, 0)), ("voluntary_sector", (1, 2, 3))):
        for dim, s in zip(mini_framework.dimension_ids, scores):
            rows.append(("B", "R2", 2, "individual", group, dim, s))
    return latest_rows(rows)


def test_dimension_scores(tiny, mini_framework):
    table = analysis.dimension_scores(tiny, mini_framework).set_index(["place_code", "dimension_id"])
    a_lead = table.loc[("A", "leadership")]
    assert (a_lead["median"], a_lead["n"], a_lead["consensus"], a_lead["score"]) == (2.0, 3, 3, 3)
    a_data = table.loc[("A", "data_sharing")]
    assert (a_data["median"], a_data["n"], a_data["score"]) == (2.0, 2, 2.0)     # "not assessed" left out
    assert pd.isna(a_data["consensus"])
    b_out = table.loc[("B", "outcomes")]
    assert (b_out["median"], b_out["min"], b_out["max"], b_out["agreement"]) == (1.5, 0, 3, "Split")
    assert table.loc[("B", "leadership"), "agreement"] == "Agreement"


def test_a_consensus_of_not_assessed_stays_a_gap(tiny, mini_framework):
    agreed = latest_rows([("B", "R2", 2, "consensus", "consensus", "outcomes", None)])
    table = analysis.dimension_scores(pd.concat([tiny, agreed]), mini_framework).set_index(["place_code",
                                                                                           "dimension_id"])
    b_out = table.loc[("B", "outcomes")]
    assert b_out["median"] == 1.5 and pd.isna(b_out["consensus"]) and pd.isna(b_out["score"])
    assert table.loc[("B", "leadership"), "score"] == 1.0                     # no consensus there: the median


def test_assessment_status():
    activity = pd.DataFrame([
        ("A", "R2", 2, "individual", "submitted", 3), ("A", "R2", 2, "consensus", "submitted", 1),
        ("B", "R2", 2, "individual", "submitted", 2), ("B", "R2", 2, "individual", "draft", 1),
        ("C", "R2", 2, "individual", "draft", 2), ("D", "R1", 1, "individual", "submitted", 4),
    ], columns=["place_code", "round", "round_position", "kind", "status", "n"])
    status = analysis.assessment_status(activity, ["A", "B", "C", "D", "E"], "R2")
    assert status.to_dict() == {"A": "consensus", "B": "submitted", "C": "in_progress", "D": "not_started",
                                "E": "not_started"}


def test_place_summary_on_the_default_data(reference, framework, tmp_path):
    from icsdash.store import Store
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.seed_demo(reference.places["place_code"].tolist(), framework)
    latest, activity = store.latest_scores(), store.activity()
    summary = analysis.place_summary(reference, latest, activity, framework)
    assert len(summary) == len(reference.places)
    assert summary["current_round"].unique().tolist() == ["2026/27"]
    # Overall maturity of one place, computed by hand from the stored scores.
    code = summary.dropna(subset=["overall_maturity"])["place_code"].iloc[0]
    mine = latest[latest.place_code == code]
    last = mine[mine.round_position == mine.round_position.max()]
    per_dim = {}
    for dim, rows in last.groupby("dimension_id"):
        cons = rows[rows.kind == "consensus"]["score"].dropna()
        per_dim[dim] = float(cons.iloc[0]) if len(cons) else float(rows[rows.kind == "individual"]["score"].dropna().median())
    expected = round(sum(per_dim.values()) / len(per_dim), 2)
    assert summary.set_index("place_code").loc[code, "overall_maturity"] == pytest.approx(expected)
    statuses = summary["assessment_status"].value_counts().to_dict()
    assert set(statuses) == {"not_started", "in_progress", "submitted", "consensus"}
    figures = analysis.national_figures(reference, summary)
    assert figures.places_assessed == statuses["submitted"] + statuses["consensus"]
    assert (figures.regions, figures.icbs, figures.places, figures.pcns) == (7, 42, len(reference.places), len(reference.pcns))
    per_head = summary.set_index("place_code").loc["oxfordshire", "pooled_per_head"]
    assert per_head == round(399e6 / reference.place("oxfordshire").population)


def two_rounds(mini_framework):
    rows = []
    # Place A: R1 individual medians (2, 2, 2); R2 consensus (3, 3, 1).
    for group in ("icb", "local_authority"):
        for dim in mini_framework.dimension_ids:
            rows.append(("A", "R1", 1, "individual", group, dim, 2))
    for dim, s in zip(mini_framework.dimension_ids, (3, 3, 1)):
        rows.append(("A", "R2", 2, "consensus", "consensus", dim, s))
    # Place B: R1 only.
    for dim, s in zip(mini_framework.dimension_ids, (1, 0, None)):
        rows.append(("B", "R1", 1, "individual", "icb", dim, s))
    latest = latest_rows(rows)
    activity = pd.DataFrame([("A", "R1", 1, "individual", "submitted", 2), ("A", "R2", 2, "consensus", "submitted", 1),
                             ("B", "R1", 1, "individual", "submitted", 1)],
                            columns=["place_code", "round", "round_position", "kind", "status", "n"])
    return latest, activity


class FakeReference:
    """The columns of Reference.places that the measures read, for a tiny hand-checked case."""

    def __init__(self):
        self.places = pd.DataFrame({"place_code": ["A", "B", "C"], "population": [100_000, 200_000, 300_000],
                                    "delegated_budget_gbp_m": [10.0, 20.0, None],
                                    "pooled_budget_gbp_m": [1.0, 2.0, 3.0],
                                    "governance_model": ["place_board", None, "joint_committee"],
                                    "sap_employer": ["icb", "council", None]})


def test_summary_by_round(mini_framework):
    latest, activity = two_rounds(mini_framework)
    ref = FakeReference()
    now = analysis.place_summary(ref, latest, activity, mini_framework).set_index("place_code")
    assert now.loc["A", ["overall_maturity", "maturity_round", "maturity_change"]].tolist() == [2.33, "R2", 0.33]
    assert now.loc["A", ["dim_leadership", "dim_data_sharing", "dim_outcomes"]].tolist() == [3.0, 3.0, 1.0]
    assert now.loc["B", "overall_maturity"] == 0.5 and pd.isna(now.loc["B", "maturity_change"])
    assert pd.isna(now.loc["B", "dim_outcomes"])                       # "not assessed" stays a gap
    assert now["assessment_status"].to_dict() == {"A": "consensus", "B": "not_started", "C": "not_started"}
    first = analysis.place_summary(ref, latest, activity, mini_framework, round_label="R1").set_index("place_code")
    assert first.loc["A", ["overall_maturity", "dim_leadership"]].tolist() == [2.0, 2.0]
    assert first["assessment_status"].to_dict() == {"A": "submitted", "B": "submitted", "C": "not_started"}
    assert pd.isna(first.loc["C", "overall_maturity"])
    assert now["delegated_per_head"].tolist()[:2] == [100.0, 100.0] and pd.isna(now.loc["C", "delegated_per_head"])
    assert now["pooled_per_head"].tolist() == [10.0, 10.0, 10.0]


def test_a_summary_with_no_scores_has_gaps(mini_framework):
    nothing = latest_rows([])
    summary = analysis.place_summary(FakeReference(), nothing, nothing.assign(status=[]), mini_framework)
    assert summary[["overall_maturity", "maturity_change", "dim_leadership"]].isna().all().all()
    assert summary["maturity_round"].isna().all() and summary["current_round"].isna().all()
    assert summary["assessment_status"].eq("not_started").all()


def test_another_frameworks_scores_never_mix_in(mini_framework):
    latest, activity = two_rounds(mini_framework)
    alone = analysis.place_summary(FakeReference(), latest, activity, mini_framework)
    other = latest_rows([("A", "R2", 2, "consensus", "consensus", "workforce", 0)])       # not a mini dimension
    ours = latest.assign(framework_id=mini_framework.id)
    theirs = latest.assign(framework_id="another", score=pd.array([0] * len(latest), dtype="Float64"))
    for mixed in (pd.concat([latest, other]), pd.concat([ours, theirs])):
        pd.testing.assert_frame_equal(analysis.place_summary(FakeReference(), mixed, activity, mini_framework), alone)
    # Nor does another framework's activity: a draft of it in a later round is not this framework's status.
    busy = pd.concat([activity.assign(framework_id=mini_framework.id), pd.DataFrame(
        [("C", "R3", 3, "individual", "draft", 1, "another")], columns=[*activity.columns, "framework_id"])])
    pd.testing.assert_frame_equal(analysis.place_summary(FakeReference(), latest, busy, mini_framework), alone)
    unfiltered = analysis.place_summary(FakeReference(), latest, busy.drop(columns="framework_id"), mini_framework)
    assert unfiltered.set_index("place_code").loc["C", "assessment_status"] == "in_progress"   # what it said before


def test_filters(reference):
    places = reference.places
    f = analysis.Filters(region="London", models=("joint_committee",))
    kept = analysis.apply_filters(places, f)
    assert set(kept["region_name"]) == {"London"} and set(kept["governance_model"]) == {"joint_committee"}
    assert len(analysis.apply_filters(places, analysis.Filters(icb="QOP"))) == 10
    assert len(analysis.apply_filters(places, analysis.Filters())) == len(places)


def test_the_newest_of_two_consensus_assessments_stands(tiny, mini_framework):
    first = latest_rows([("B", "R2", 2, "consensus", "consensus", d, 3) for d in mini_framework.dimension_ids])
    second = latest_rows([("B", "R2", 2, "consensus", "consensus", d, 1) for d in mini_framework.dimension_ids])
    frame = pd.concat([tiny.assign(assessment_id=1), first.assign(assessment_id=7), second.assign(assessment_id=9)])
    table = analysis.dimension_scores(frame, mini_framework).set_index(["place_code", "dimension_id"])
    assert table.loc[("B", "outcomes"), "score"] == 1 and table.loc[("B", "leadership"), "consensus"] == 1
    swapped = pd.concat([tiny.assign(assessment_id=1), first.assign(assessment_id=9), second.assign(assessment_id=7)])
    table = analysis.dimension_scores(swapped, mini_framework).set_index(["place_code", "dimension_id"])
    assert table.loc[("B", "outcomes"), "score"] == 3


@pytest.mark.parametrize("which", ["framework", "mini_framework"])
def test_agreement_of_every_group_at_once_matches_the_rule_one_group_at_a_time(which, request):
    """The vectorised agreement gives, for 2,000 random panels of 1 to 15 ratings (an even panel's median
    falls between two levels), exactly what :meth:`Framework.agreement_status` says of each."""
    import random
    from icsdash.analysis import agreement_by_group
    fw = request.getfixturevalue(which)
    rng = random.Random(7)
    rows = []
    for group in range(2000):
        centre = rng.randint(fw.scale_min, fw.scale_max)
        for _ in range(rng.randint(1, 15)):
            spread = rng.choice((0, 1, 2, fw.scale_max))
            rows.append({"place_code": f"p{group // 12}", "dimension_id": f"d{group % 12}",
                         "score": float(min(fw.scale_max, max(fw.scale_min, centre + rng.randint(-spread, spread))))})
    frame = pd.DataFrame(rows)
    keys = ["place_code", "dimension_id"]
    fast = agreement_by_group(frame, keys, fw)
    slow = frame.groupby(keys)["score"].agg(lambda s: fw.agreement_status([int(v) for v in s]))
    assert len(fast) == 2000 and fast.sort_index().tolist() == slow.sort_index().tolist()
    assert set(fast) == {fw.agreement.agreed_label, fw.agreement.split_label}
