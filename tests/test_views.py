"""The views behind the pages, checked by the numbers they return on a small fixture: four real places with
submitted scores worked out by hand, the rest of England unassessed."""

from pathlib import Path

import pandas as pd
import pytest

from icsdash import analysis, geography, maps
from icsdash.auth import Principal
from icsdash.config import load_config
from icsdash.place_governance import MODELS_BY_KEY
from icsdash.measures import MEASURES_BY_KEY, measures_for
from icsdash.store import Store
from icsdash.views import Snapshot, Stored
from icsdash.views import governance as gov
from icsdash.views import overview as ov
from icsdash.views import compare as cp
from icsdash.views import map as mp
from icsdash.views import profile as pf
from icsdash.views import workshop as ws

from conftest import DATA, write_config

ROUND = "2026/27"


def _submit(store: Store, framework, place: str, score: int) -> None:
    who = Principal("place_director", place_code=place, name=f"Director of {place}", via="code")
    started = store.start(who, place, ROUND, "icb", "Ann", framework)
    store.save_draft(who, started.id, framework, {d: score for d in framework.dimension_ids},
                     {d: "Agreed at the board" for d in framework.dimension_ids})
    store.submit(who, started.id, framework)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory, reference, framework):
    """(snapshot, the three places of the most common model in one region scored 1, 3 and 5 on every
    dimension, the place of another model there scored 2)."""
    folder: Path = tmp_path_factory.mktemp("views")
    config = load_config(write_config(folder, seeded=False))
    places = reference.places
    region = "North West"
    local = places[places["region_name"] == region]
    common = local["governance_model"].value_counts().index[0]
    same = local.loc[local["governance_model"] == common, "place_code"].tolist()[:3]
    other = local.loc[local["governance_model"] != common].iloc[0]
    store = Store.open(config.database_url)
    store.add_round("tests", ROUND)
    for place, score in zip(same, (1, 3, 5)):
        _submit(store, framework, place, score)
    _submit(store, framework, other["place_code"], 2)
    latest = store.latest_scores()
    summary = analysis.place_summary(reference, latest, store.activity(), framework)
    _, legends = maps.place_properties(summary, measures_for(framework))
    layers = {name: f"/app/static/{name}.geojson" for name in ("places", "icbs", "england", "regions", "pcns")}
    snap = Snapshot(reference, framework, geography.for_reference(DATA, reference), config, summary,
                    analysis.dimension_scores(latest, framework), latest, layers, legends)
    return snap, region, common, same, other


def test_who_chose_counts_every_place_in_the_filters(fixture, reference):
    snap, region, *_ = fixture
    chosen = analysis.Filters(region=region)
    view = gov.who_chose(snap, chosen)
    local = reference.places[reference.places["region_name"] == region]
    expected = local["governance_model"].value_counts()
    bars = {row["governance_model"]: row["places"] for row in view.mix_chart["datasets"][
        next(iter(view.mix_chart["datasets"]))]}
    assert bars == expected.to_dict()
    assert int(view.mix_by_table.to_numpy().sum()) == len(local)             # one row per ICS of the region
    assert set(view.mix_by_table.index) == set(local["icb_short_name"])
    assert view.map.alt.startswith(f"Map of {len(local)} places in {region} coloured by governance model")
    assert view.map.picture.title == f"Governance models · {region}"
    assert view.map.deck.initial_view_state.zoom > snap.config.map_zoom       # zoomed in on the region


def test_maturity_medians_per_model_and_dimension(fixture, framework):
    snap, region, common, same, other = fixture
    view = gov.maturity(snap, analysis.Filters(region=region))
    table = view.table.set_index(["label", "dimension"])
    label = MODELS_BY_KEY[common].label
    first = framework.dimensions[0].short
    assert (table.loc[(label, first), "median"], table.loc[(label, first), "n"]) == (3.0, 3)      # 1, 3, 5
    other_label = MODELS_BY_KEY[other["governance_model"]].label
    assert (table.loc[(other_label, first), "median"], table.loc[(other_label, first), "n"]) == (2.0, 1)
    assert bool(table.loc[(other_label, first), "too_small"]) is (1 < snap.config.min_group_size)
    assert len(table) == 2 * len(framework.dimensions)          # models nobody scored are left out
    cells = {(row["model"], row["dimension"]): row["cell"] for rows in view.heatmap["datasets"].values()
             for row in rows}
    assert cells[(f"{label} (n=3)", first)] == "3.0 *"          # fewer than min_group_size places: starred


def test_models_explained_lists_each_place_once(fixture, reference):
    snap, region, common, same, _ = fixture
    users = gov.models_explained(snap, analysis.Filters(region=region))
    assert sum(len(u.places) for u in users) == int((reference.places["region_name"] == region).sum())
    named = {u.model.key: u.places for u in users}
    names = reference.places.set_index("place_code")["place_name"]
    assert set(names[same]) <= set(named[common]) and named[common] == sorted(named[common])


def test_money_and_criteria_cover_the_models_used(fixture, reference):
    snap, region, *_ = fixture
    chosen = analysis.Filters(region=region)
    used = reference.places.loc[reference.places["region_name"] == region, "governance_model"].nunique()
    money = gov.money(snap, chosen)
    assert len(money.table) == used and int(money.table["places"].sum()) == int(
        (reference.places["region_name"] == region).sum())
    assert set(money.charts) == set(gov.PER_HEAD)
    crit = gov.criteria_and_leaders(snap, chosen)
    assert set(crit.criteria["label"]) == set(money.table["label"])
    assert int(crit.employers.to_numpy(na_value=0).sum()) == int(money.table["places"].sum())


def test_overview_figures_and_charts(fixture, reference):
    snap, region, common, same, other = fixture
    view = ov.overview(snap, analysis.Filters(region=region))
    local = reference.places[reference.places["region_name"] == region]
    figures = {m.label: m.value for m in view.metrics}
    assert view.title == f"Integrated care in {region}"
    assert figures["Regions"] == "1"
    assert figures["Integrated care systems (April 2023)"] == str(local["icb_ods_code"].nunique())
    assert figures["Places"] == f"{len(local):,}"
    assert figures[f"Places assessed in {ROUND}"] == f"4 of {len(local)}"
    status = {row["assessment_status"]: row["places"] for rows in view.status_chart["datasets"].values()
              for row in rows}
    assert status["submitted"] == 4 and sum(status.values()) == len(local)


def test_overview_names_the_ics_chosen(fixture, reference):
    snap = fixture[0]
    icb = reference.icbs.iloc[0]
    view = ov.overview(snap, analysis.Filters(icb=icb["icb_ods_code"]))
    assert view.title == f"Integrated care in {icb['icb_short_name']}"


def test_measure_map_table_and_gaps(fixture, reference, framework):
    snap, region, *_ = fixture
    view = ov.measure_map(snap, analysis.Filters(region=region), "overall_maturity")
    local = reference.places[reference.places["region_name"] == region]
    assert len(view.table) == len(local)
    assert view.no_data == len(local) - 4                         # only the four scored places have a maturity
    column = MEASURES_BY_KEY["overall_maturity"].label
    scored = view.table[view.table[column] != "No data"]
    assert sorted(scored[column].astype(float)) == [1.0, 2.0, 3.0, 5.0]
    assert view.map.legend.no_data == len(local) - 4
    assert (view.map.legend.low, view.map.legend.high) == (f"{framework.scale_min:.1f}", f"{framework.scale_max:.1f}")


def test_profile_of_a_scored_place_against_its_ics_and_england(fixture, reference, framework):
    snap, region, common, same, other = fixture
    code = same[2]                                     # scored 5 on every dimension
    view = pf.profile(snap, analysis.Filters(), code)
    place = reference.place(code)
    assert view.round == ROUND and view.heading.startswith(f"{place.place_name} · ")
    assert view.scores["Score"].tolist() == [5.0] * len(framework.dimensions)
    assert view.scores["England median"].tolist() == [2.5] * len(framework.dimensions)     # of 1, 2, 3, 5
    assert view.spread is not None and view.trend is None                # one round only
    assert len(view.practices) == int((reference.practices["place_code"] == code).sum())
    assert view.pcns_heading.startswith(f"Primary care networks ({int(view.place.pcn_count)}, ")


def test_the_trend_as_a_table_has_a_column_per_round_oldest_first(framework):
    dims = framework.dimension_ids
    trend = pd.DataFrame([{"round": r, "round_position": p, "dimension_id": d, "score": s}
                          for r, p, s in (("2025/26", 1, 3.0), ("2024/25", 0, 1.5)) for d in dims[:2]])
    table = pf.trend_table(trend, framework)
    assert list(table.columns) == ["Dimension", "2024/25", "2025/26"]
    assert table["Dimension"].tolist() == [d.name for d in framework.dimensions]
    assert table.iloc[0, 1:].tolist() == [1.5, 3.0] and table.iloc[2, 1:].isna().all()   # never scored: empty


def test_profile_of_a_place_never_assessed(fixture, reference):
    snap, region, common, same, other = fixture
    code = next(c for c in reference.places["place_code"] if c not in {*same, other["place_code"]})
    view = pf.profile(snap, analysis.Filters(), code)
    assert view.round is None and view.radar is None and view.scores is None
    assert set(view.criteria["Status"]) <= {"Met", "Partly met", "Not met", "Unknown"}


def test_justifications_follow_the_framework(framework):
    notes = pd.DataFrame({"dimension_id": [framework.dimension_ids[1], framework.dimension_ids[0]],
                          "kind": ["individual", "consensus"], "stakeholder_group": ["icb", "consensus"],
                          "score": pd.array([None, 4], dtype="Int64"), "justification": ["Not yet", "Agreed"]})
    listed = pf.justifications(notes, framework)
    assert [name for name, _ in listed] == [d.name for d in framework.dimensions]
    assert listed[0][1] == [("Consensus · score 4", "Agreed")]
    assert listed[1][1][0][0].endswith("· score not assessed")


def test_compare_choices_and_a_selection(fixture, reference, framework):
    snap, region, common, same, other = fixture
    options = cp.choices(snap, analysis.Filters(region=region))
    local = reference.places[reference.places["region_name"] == region]
    assert len(options.places) == len(local)
    assert sum(k.startswith("icb:") for k in options.labels) == len(reference.icbs)    # every ICS, whatever the filters
    unscored = next(c for c in local["place_code"] if c not in {*same, other["place_code"]})
    selection = (f"place:{same[0]}", f"place:{same[2]}", f"place:{unscored}")
    view = cp.compare(snap, analysis.Filters(region=region), selection)
    assert view.missing == (reference.place(unscored).place_name,)
    small = view.radars["concat"]                                        # one chart, one small radar per place
    assert [part["title"]["text"] for part in small] == [reference.place(same[0]).place_name,
                                                        reference.place(same[2]).place_name]
    assert view.radars["columns"] == 2 and view.radars["resolve"]["scale"]["color"] == "independent"
    names = [reference.place(c).place_name for c in (same[0], same[2])]
    assert list(view.differences.columns) == ["Dimension", *names, "Median of selection",
                                              *(f"{n}: gap to median" for n in names)]
    assert list(view.scores_table.columns) == ["Dimension", *names, "Median of selection"]    # presenter mode
    assert view.scores_table[names[0]].tolist() == view.differences[names[0]].tolist()
    spread = view.distribution_table                   # the box plot's figures: every place's latest is 1, 2, 3 or 5
    assert list(spread.columns) == ["Dimension", "All places: lowest", "lower quartile", "median", "upper quartile",
                                    "highest", *names]
    assert spread["Dimension"].tolist() == [d.name for d in framework.dimensions]
    assert spread.iloc[0, 1:].tolist() == [1.0, 1.75, 2.5, 3.5, 5.0, 1.0, 5.0]
    assert view.twin_of == reference.place(same[0]).place_name         # scored 1: the others lead by 4 and 1
    assert set(view.twins["Place"]) == {reference.place(same[2]).place_name, reference.place(same[1]).place_name}
    assert view.twins["Matching dimensions"].tolist() == [3, 3]
    assert view.twin_rule == "2 points or more ahead on its 3 lowest dimensions" and view.twin_note == ""
    best = cp.compare(snap, analysis.Filters(), (f"place:{same[2]}",))     # scored highest: nobody leads it
    assert best.twins.empty and best.twin_note == (f"No place is 2 points or more ahead of "
                                                   f"{reference.place(same[2]).place_name} on its 3 lowest dimensions.")
    first_unscored = cp.compare(snap, analysis.Filters(), (f"place:{unscored}", f"place:{same[0]}"))
    assert first_unscored.twin_of == reference.place(unscored).place_name
    assert first_unscored.twin_note == (f"{reference.place(unscored).place_name} has no submitted scores yet, so it "
                                        "has no weakest dimensions to find twins for.")


def test_compare_with_nothing_scored(fixture, reference):
    snap, region, common, same, other = fixture
    unscored = [c for c in reference.places["place_code"] if c not in {*same, other["place_code"]}][:2]
    view = cp.compare(snap, analysis.Filters(), tuple(f"place:{c}" for c in unscored))
    assert view.radar is None and len(view.missing) == 2


def test_map_explorer_with_a_place_open_and_a_practice_found(fixture, reference):
    snap, region, common, same, other = fixture
    place = reference.place(same[0])
    chosen = analysis.Filters(region=place.region_name, icb=place.icb_ods_code)
    practices = reference.practices[reference.practices["place_code"] == same[0]]
    marked = practices["practice_code"].iloc[0]
    view = mp.explore(snap, chosen, "overall_maturity", same[0], same[0], marked, True)
    icb = reference.icbs.set_index("icb_ods_code").loc[place.icb_ods_code, "icb_short_name"]
    assert view.level == "icb" and view.crumbs == ("England", place.region_name, f"{icb} ICS")
    layers = [layer.id for layer in view.deck.layers]
    assert layers[-3:] == ["selected", "practices", "practice_found"]
    practice_points = next(layer for layer in view.deck.layers if layer.id == "practices").data
    assert len(practice_points) == len(practices)
    assert view.selected.code == same[0] and view.selected.name == place.place_name
    assert view.selected.practice is not None and marked in view.selected.practice.to_string()
    assert view.places == int((reference.places["icb_ods_code"] == place.icb_ods_code).sum()) == len(view.table)
    assert view.picture.highlight == same[0]


def test_map_explorer_ignores_a_place_outside_the_filters(fixture, reference):
    snap, region, common, same, other = fixture
    elsewhere = reference.places[reference.places["region_name"] != region].iloc[0]["place_code"]
    view = mp.explore(snap, analysis.Filters(region=region), "governance_model", elsewhere, None, None, False)
    assert view.selected is None and view.level == "region" and view.crumbs == ("England", region)
    assert "selected" not in [layer.id for layer in view.deck.layers]


def test_map_search_options_and_practice_search(fixture, reference):
    snap = fixture[0]
    options = mp.search_options(snap.reference)
    assert len(options) == len(reference.places) + len(reference.icbs) + len(reference.pcns)
    found = mp.practice_search(snap, analysis.Filters(), "sk13 8ps")
    assert [hit["practice_code"] for hit in found] == reference.practices.loc[
        reference.practices["postcode"] == "SK13 8PS", "practice_code"].tolist()


def test_workshop_side_by_side(fixture, framework):
    snap, region, common, same, other = fixture
    stored = Stored(Store.open(snap.config.database_url), snap.reference, framework)
    view = ws.workshop(stored, same[1], ROUND)
    assert len(view.workshop.inputs) == 1 and len(view.table) == len(framework.dimensions)
    assert view.table["Median"].tolist() == [3.0] * len(framework.dimensions)
    assert "dimension_id" not in view.table and view.chart is not None
    empty = ws.workshop(stored, other["place_code"], "2027/28")
    assert empty.workshop.inputs == () and empty.table is None and empty.chart is None


def test_admin_tables_follow_every_write(tmp_path, reference, framework):
    """Admin's tables are keyed by the newest audit entry: a new code, a revoked one and a new round each move
    it, and each shows; names become labels when anonymised."""
    from icsdash import anonymise
    from icsdash.views import admin as ad
    store = Store.open(f"sqlite:///{tmp_path / 'admin.sqlite3'}")
    stored = Stored(store, reference, framework)
    first = store.newest_entry()
    director = store.create_access_code("Ada Admin", "place_director", "bolton", "Bea Director")
    store.create_access_code("Ada Admin", "system_leader", None, "Cy Leader")
    store.revoke_access_code("Ada Admin", director.split("-")[0])
    store.add_round("Ada Admin", "2027/28")
    assert store.newest_entry() == first + 4
    shown = ad.admin(stored, store.newest_entry(), False)
    assert shown.codes[["role", "place", "label"]].fillna("").values.tolist() == [
        ["place_director", "Bolton · Greater Manchester", "Bea Director"], ["system_leader", "", "Cy Leader"]]
    assert shown.codes["revoked_at"].notna().tolist() == [True, False]
    assert shown.active == (shown.codes["lookup_id"].iloc[1],)
    assert shown.rounds["Round"].iloc[-1] == "2027/28" and list(shown.rounds.columns) == ["Round", "Order", "Opened"]
    assert shown.audit["action"].tolist()[:4] == ["add_round", "revoke_access_code", "create_access_code",
                                                  "create_access_code"]
    assert shown.audit_caption.startswith(f"The newest {len(shown.audit)} entries.")
    assert shown.place_labels["bolton"] == "Bolton · Greater Manchester" and len(shown.place_labels) == len(
        reference.places)
    hidden = ad.admin(stored, store.newest_entry(), True)
    assert hidden.codes["label"].tolist() == [anonymise.person_label(n) for n in ("Bea Director", "Cy Leader")]
    assert "Ada Admin" not in set(hidden.audit["actor"])
