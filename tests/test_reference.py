"""Reference data: the counts, the documented case studies, and clear errors for bad files."""

from pathlib import Path

import pandas as pd
import pytest

from icsdash.errors import DataError
from icsdash.geography import for_reference
from icsdash.reference import ENGLAND_BOUNDS, load_reference

from conftest import DATA


def test_national_counts(reference):
    assert len(reference.regions) == 7
    assert len(reference.icbs) == 42
    assert len(reference.places) == 169
    assert len(reference.pcns) >= 1200
    assert reference.icbs["place_count"].sum() == len(reference.places)
    assert set(reference.icbs["region_name"]) == set(reference.regions["region_name"])


def test_codes_carry_their_vintage(reference):
    assert reference.vintage == "2023-04" and set(reference.icbs["vintage"]) == {"2023-04"}
    surrey = reference.icbs.set_index("icb_ods_code").loc["QXU"]
    assert (surrey.icb_ons_code, surrey.previous_ons_code) == ("E54000063", "E54000052")


SOURCES = Path(__file__).parents[1] / "data" / "sources"


def test_the_36_icbs_of_april_2026_exactly_as_published():
    """ONS and ODS codes and regions as in icbs_2026_04.csv; the newest vintage is the default."""
    published = pd.read_csv(SOURCES / "icbs_2026_04.csv", dtype=str)
    ref = load_reference(DATA)
    assert (ref.vintage, ref.vintage_label) == ("2026-04", "April 2026")
    got = ref.icbs.set_index("icb_ons_code")[["icb_ods_code", "icb_name", "region_name"]].sort_index()
    want = published.set_index("ICB26CD")[["ICB26CDH_ODS", "ICB26NM", "NHSER26NM"]].sort_index()
    assert len(got) == 36 and got.to_numpy().tolist() == want.to_numpy().tolist()
    assert got.index.tolist() == want.index.tolist()
    assert ref.icbs.set_index("icb_ods_code").loc["QRL", ["icb_ons_code", "previous_ons_code"]].tolist() == [
        "E54000067", "E54000042"]                               # Hampshire and Isle of Wight kept its ODS code


def test_the_42_icbs_of_april_2023(reference):
    published = pd.read_csv(SOURCES / "icbs_2023_04.csv", dtype=str)
    got = reference.icbs.set_index("icb_ons_code")[["icb_ods_code", "icb_name", "region_name"]].sort_index()
    want = published.set_index("icb_ons_code")[["icb_ods_code", "icb_name", "region_name"]].sort_index()
    assert len(got) == 42 and got.index.tolist() == want.index.tolist()
    assert got.to_numpy().tolist() == want.to_numpy().tolist()


@pytest.mark.parametrize("vintage, icbs", [("2023-04", 42), ("2026-04", 36)])
def test_every_place_in_exactly_one_icb_per_vintage(vintage, icbs):
    ref = load_reference(DATA, vintage=vintage)
    memberships = pd.read_csv(DATA / "place_icbs.csv", dtype=str)
    mine = memberships[memberships["vintage"] == vintage]
    assert len(mine) == len(ref.places) == 169 and not mine["place_code"].duplicated().any()
    assert ref.places["icb_ods_code"].isin(ref.icbs["icb_ods_code"]).all()
    assert ref.icbs["place_count"].sum() == len(ref.places) and len(ref.icbs) == icbs
    assert (mine["share"].astype(float) >= 0.95).all()        # each place lies inside its ICB's official outline


@pytest.mark.parametrize("vintage, place, district, rest", [
    ("2023-04", "eden", "Westmorland and Furness",
     "Westmorland and Furness: the rest is in Westmorland and Furness (NHS Lancashire and South Cumbria)"),
    ("2023-04", "westmorland-and-furness", "Westmorland and Furness",
     "Westmorland and Furness: the rest is in Eden (NHS North East and North Cumbria)"),
    ("2023-04", "north-east-hampshire", "Hart", "Hart: the rest is in Hampshire (NHS Hampshire and Isle of Wight)"),
    ("2023-04", "surrey-heath-and-farnham", "Waverley", "Waverley: the rest is in Guildford and Waverley (NHS Surrey Heartlands)"),
    ("2026-04", "surrey-heath-and-farnham", "Waverley", "Waverley: the rest is in Guildford and Waverley (NHS Surrey and Sussex)"),
    ("2026-04", "north-yorkshire", "North Yorkshire", "North Yorkshire: the rest is in Bradford District and Craven "
                                                      "(NHS West Yorkshire), Lancashire (NHS Lancashire and South Cumbria)"),
])
def test_a_district_split_between_places_says_so_in_both(vintage, place, district, rest):
    """Places are May 2024 districts, cut where the ICB outlines cut them: each part says where the rest is."""
    row = load_reference(DATA, vintage=vintage).place(place)
    assert f"{district} (part)" in row.districts.split("; ")
    assert rest in row.shared_districts.split("; ")


def test_whole_districts_say_nothing_of_splits(reference):
    row = reference.place("bolton")
    assert (row.districts, row.shared_districts) == ("Bolton", "")
    hackney = reference.place("hackney")                         # the City of London joins Hackney, as in the NHS
    assert hackney.districts == "City of London; Hackney" and hackney.population == 10_847 + 261_491


@pytest.mark.parametrize("place, icb_2026, history", [
    ("oxfordshire", "S0E4D", "in NHS Buckinghamshire, Oxfordshire and Berkshire West until 31 March 2026"),
    ("slough", "S0E4D", "in NHS Frimley until 31 March 2026"),                     # East Berkshire: Thames Valley
    ("north-east-hampshire", "QRL", "in NHS Frimley until 31 March 2026"),
    ("surrey-heath-and-farnham", "S9B9J", "in NHS Frimley until 31 March 2026"),
    ("brent", "Z9B2Z", "in NHS North West London until 31 March 2026"),
    ("bolton", "QOP", ""),
])
def test_places_carry_over_to_the_merged_icbs(place, icb_2026, history):
    ref = load_reference(DATA)
    row = ref.place(place)
    assert (row.icb_ods_code, row.icb_history) == (icb_2026, history)


def test_a_third_vintage_loads_from_data_alone(data_copy):
    """A 2027 reorganisation is data: a vintage row, its ICBs, its memberships and its outlines."""
    import json
    vintages = data_copy / "vintages.csv"
    vintages.write_text(vintages.read_text().replace("2026-04-01,,", "2026-04-01,2027-03-31,")
                        + "2027-04,April 2027,2027-04-01,,geo/icbs_2027-04.geojson\n")
    icbs = pd.read_csv(data_copy / "icbs.csv", dtype=str, keep_default_na=False)
    new = icbs[icbs["vintage"] == "2026-04"].copy()
    merged = new["icb_ods_code"].isin(["QOP", "QYG"])           # Greater Manchester and Cheshire and Merseyside
    new = pd.concat([new[~merged], pd.DataFrame([{"icb_ons_code": "E54000099", "icb_ods_code": "ZZ9X1",
                                                 "icb_name": "NHS Fixture North West Integrated Care Board",
                                                 "region_name": "North West", "previous_ons_code": ""}])])
    new["vintage"] = "2027-04"
    pd.concat([icbs, new]).to_csv(data_copy / "icbs.csv", index=False)
    members = pd.read_csv(data_copy / "place_icbs.csv", dtype=str)
    later = members[members["vintage"] == "2026-04"].assign(vintage="2027-04")
    later.loc[later["icb_ods_code"].isin(["QOP", "QYG"]), "icb_ods_code"] = "ZZ9X1"
    pd.concat([members, later]).to_csv(data_copy / "place_icbs.csv", index=False)
    outlines = json.loads((data_copy / "geo" / "icbs_2026-04.geojson").read_text())
    for feature in outlines["features"]:
        if feature["properties"]["icb_ods_code"] in ("QOP", "QYG"):
            feature["properties"]["icb_ods_code"] = "ZZ9X1"
    (data_copy / "geo" / "icbs_2027-04.geojson").write_text(json.dumps(outlines))
    ref = load_reference(data_copy)
    assert (ref.vintage, len(ref.icbs)) == ("2027-04", 35)
    assert ref.place("bolton").icb_ods_code == "ZZ9X1"
    assert ref.place("bolton").icb_history == "in NHS Greater Manchester until 31 March 2027"       # 2023 and 2026
    geo = for_reference(data_copy, ref)
    assert "ZZ9X1" in geo.shapes["icbs"]
    assert len(load_reference(data_copy, vintage="2026-04").icbs) == 36


def test_an_unknown_vintage_is_named():
    with pytest.raises(DataError, match=r"vintage: no boundary vintage '2031-04'; data/vintages.csv has 2023-04, 2026-04"):
        load_reference(DATA, vintage="2031-04")


def places_of(reference, ods):
    return sorted(reference.places.loc[reference.places.icb_ods_code == ods, "place_name"])


@pytest.mark.parametrize("ods, names", [
    ("QOP", ["Bolton", "Bury", "Heywood, Middleton and Rochdale", "Manchester", "Oldham", "Salford", "Stockport",
             "Tameside", "Trafford", "Wigan"]),
    ("QKK", ["Bexley", "Bromley", "Greenwich", "Lambeth", "Lewisham", "Southwark"]),
    ("QRV", ["Brent", "Ealing", "Hammersmith and Fulham", "Harrow", "Hillingdon", "Hounslow",
             "Kensington and Chelsea", "Westminster"]),
    ("QYG", ["Cheshire East", "Cheshire West", "Halton", "Knowsley", "Liverpool", "Sefton", "St Helens",
             "Warrington", "Wirral"]),
    ("QVV", ["Bournemouth, Christchurch and Poole", "Dorset"]),
    ("QGH", ["Herefordshire", "Worcestershire"]),
    ("QU9", ["Berkshire West", "Buckinghamshire", "Oxfordshire"]),
    ("QR1", ["Gloucestershire"]),
    ("QJM", ["Lincolnshire"]),
    ("QSL", ["Somerset"]),
])
def test_documented_systems_have_exactly_their_documented_places(reference, ods, names):
    assert places_of(reference, ods) == names
    assert set(reference.places.loc[reference.places.icb_ods_code == ods, "source"]) == {"documented"}


def test_surrey_heartlands_has_three_places_one_documented(reference):
    rows = reference.places[reference.places.icb_ods_code == "QXU"].set_index("place_name")
    assert sorted(rows.index) == ["East Surrey and Surrey Downs", "Guildford and Waverley", "North West Surrey"]
    assert rows.loc["North West Surrey", "source"] == "documented"
    assert rows.loc["North West Surrey", "documented_pcns"] == 9           # the documents' count, of 2022
    assert rows.loc["Guildford and Waverley", "source"] == "illustrative"


def test_berkshire_west_covers_its_three_councils(reference):
    row = reference.place("berkshire-west")
    assert row.council_codes == "E06000037;E06000038;E06000041"
    assert row.districts_2011 == "Reading; West Berkshire; Wokingham"


def test_north_west_london_figures_from_the_case_study(reference):
    rows = reference.places[reference.places.icb_ods_code == "QRV"].set_index("place_name")
    assert rows.loc["Hillingdon", ["population", "gp_practices", "documented_pcns"]].tolist() == [309014, 45, 6]
    assert rows.loc["Ealing", ["population", "gp_practices", "documented_pcns"]].tolist() == [340341, 73, 8]
    assert rows.loc["Westminster", ["population", "gp_practices", "documented_pcns"]].tolist() == [269848, 33, 4]
    assert rows["documented_pcns"].sum() == 46
    assert set(rows["population_source"]) == {"documented"}
    # Today's PCNs are NHS England's, whatever the documents counted in 2022.
    assert rows["pcn_count"].sum() == nhs_pcns_of("QRV")


def test_north_east_and_north_cumbria_local_icps(reference):
    places = reference.places[reference.places.icb_ods_code == "QHM"]
    documented = reference.groups.set_index("group_name")["pcns"].to_dict()         # CIPFA's counts of 2022
    assert {k: documented[k] for k in ("North Cumbria", "North", "Central", "Tees Valley")} == {
        "North Cumbria": 8, "North": 24, "Central": 24, "Tees Valley": 17}
    assert places["pcn_count"].sum() == nhs_pcns_of("QHM")                         # today's, from NHS England
    members = places.groupby("group_name")["place_name"].apply(sorted).to_dict()
    assert members["North"] == ["Gateshead", "Newcastle", "North Tyneside", "Northumberland"]
    assert members["Tees Valley"] == ["Darlington", "Hartlepool", "Middlesbrough", "Redcar and Cleveland",
                                      "Stockton-on-Tees"]
    groups = reference.groups.set_index("group_name")
    assert groups.loc["Tees Valley", "population"] == 847000


def test_tees_valley_figures_stay_with_the_footprint_they_count(reference):
    """The document's Tees Valley ICP includes North Yorkshire: its 847,000 people and 17 PCNs are not shared
    out over the five council places, and each of them says whose figures they are."""
    tees = reference.places[reference.places.group_name == "Tees Valley"].set_index("place_name")
    assert sorted(tees.index) == ["Darlington", "Hartlepool", "Middlesbrough", "Redcar and Cleveland",
                                  "Stockton-on-Tees"]
    assert (tees["population_source"] == "ons").all() and tees["population"].sum() != 847000
    assert set(tees["pcn_source"]) == {"NHS England"}         # today's real PCNs; the 17 are the documents' (2022)
    assert (tees["group_pcns"] == 17).all() and (tees["group_population"] == 847000).all()
    assert tees["group_note"].str.contains("also includes North Yorkshire County Council").all()

def test_case_study_governance(reference):
    gm = reference.places[reference.places.icb_ods_code == "QOP"].set_index("place_name")
    assert gm.loc["Bolton", "sap_employer"] == "nhs_trust"
    assert (gm.drop("Bolton")["sap_employer"] == "council").all()
    assert "pooled_budget_gbp_m" not in gm.loc["Tameside", "documented_fields"]
    sel = reference.places[reference.places.icb_ods_code == "QKK"].set_index("place_name")["governance_model"]
    assert sel.to_dict() == {"Bexley": "joint_committee", "Bromley": "joint_committee",
                             "Greenwich": "committee_of_statutory_body", "Lambeth": "committee_of_statutory_body",
                             "Lewisham": "committee_of_statutory_body", "Southwark": "committee_of_statutory_body"}
    hereford = reference.place("herefordshire")
    assert hereford.governance_model == "lead_provider"
    assert "governance_model" in hereford.documented_fields
    oxon = reference.place("oxfordshire")
    assert (oxon.pooled_budget_gbp_m, oxon.pooled_budget_gbp_m + oxon.aligned_budget_gbp_m) == (399, 489)
    joint = reference.places[reference.places.icb_ods_code == "QYG"].set_index("place_name")["sap_employer"]
    assert sorted(joint[joint == "joint"].index) == ["Cheshire West", "Sefton", "St Helens"]
    assert reference.place("lincolnshire").governance_model == "system_wide"


def test_bromley_has_no_super_bcf(reference):
    """Only Bexley's local care partnership is said to run a 'super BCF'."""
    sel = reference.places[reference.places.icb_ods_code == "QKK"].set_index("place_name")
    assert sel.loc["Bexley", "bcf_arrangement"] == "super_bcf"
    assert "bcf_arrangement" in sel.loc["Bexley", "documented_fields"].split(";")
    assert "bcf_arrangement" not in sel.loc["Bromley", "documented_fields"].split(";")
    assert (reference.places.set_index("place_name").drop("Bexley")["bcf_arrangement"] != "super_bcf").all()
    assert "super" not in sel.loc["Bromley", "governance_note"].lower()


def test_tameside_billion_is_history_not_a_budget(reference):
    tameside = reference.place("tameside")
    assert tameside.pooled_budget_gbp_m < 100
    assert "pooled_budget_gbp_m" not in tameside.documented_fields.split(";")
    assert "around £1bn" in tameside.history_note and "Glossop" in tameside.history_note
    assert tameside.history_source == "HFMA roundtable 'Network connection', 2021"
    per_head = (reference.places["pooled_budget_gbp_m"] * 1e6 / reference.places["population"]).set_axis(
        reference.places["place_name"])
    assert per_head["Tameside"] < 2 * per_head.median()        # it was about 37 times the median
    assert per_head.idxmax() == "Oxfordshire"                  # the largest is now a documented Section 75 pool


@pytest.mark.parametrize("field, places", [
    ("delegated_budget_gbp_m", ["bexley", "bromley", "greenwich", "lambeth", "lewisham",
                                "southwark"]),                             # formal delegated budgets (SEL)
    ("delegated_budget_gbp_m", ["bolton", "bury", "heywood-middleton-and-rochdale", "manchester",
                                "oldham", "salford", "stockport", "tameside", "trafford",
                                "wigan"]),                                 # the ICB delegated to all ten
    ("aligned_budget_gbp_m", ["manchester"]),                              # aligned rather than pooled
])
def test_documented_budgets_are_never_illustrated_as_zero(reference, field, places):
    rows = reference.places.set_index("place_code").loc[places]
    assert (rows[field] > 0).all(), rows.loc[rows[field] <= 0, field]
    assert rows["documented_requirements"].str.contains(f"{field}>0", regex=False).all()


def test_manchester_budgets_were_aligned_not_pooled(reference):
    manchester = reference.place("manchester")
    assert manchester.pooled_budget_gbp_m == 0 and "pooled_budget_gbp_m" in manchester.documented_fields
    assert "aligned rather than pooled" in manchester.governance_note


def test_no_illustrative_value_contradicts_a_documented_one(reference):
    """Every place's governance record, documented and generated fields together, breaks no rule."""
    from icsdash.place_governance import RULES, contradictions
    broken = {row["place_code"]: contradictions(row) for row in reference.places.to_dict("records")}
    assert {k: v for k, v in broken.items() if v} == {}
    assert len(RULES) >= 7


def test_place_names_are_unique_and_as_places_use_them(reference):
    places = reference.places.set_index("place_code")
    assert not reference.places["place_name"].duplicated().any()
    assert places.loc["hull", "place_name"] == "Hull" and places.loc["bristol", "place_name"] == "Bristol"
    assert not reference.places["place_name"].str.contains(", City of|\\(", regex=True).any()
    craven = places.loc["bradford-district-and-craven"]
    assert craven.place_name == "Bradford District and Craven" and "Craven" in craven.districts_2011
    assert not reference.places["place_code"].isin(["QWO-north-yorkshire", "QNQ-hampshire"]).any()
    eden = places.loc["eden"]
    assert (eden.place_name, eden.source) == ("Eden", "illustrative")          # the project's name, not documented


def test_every_retired_place_code_leads_to_a_place(reference):
    from icsdash.reference import load_code_changes
    from conftest import DATA
    changes = load_code_changes(DATA, set(reference.places["place_code"]))
    assert changes["QWO-north-yorkshire"] == changes["QWO-bradford"] == "bradford-district-and-craven"
    assert set(changes.values()) <= set(reference.places["place_code"])
    assert not set(changes) & set(reference.places["place_code"])


def test_everything_not_documented_is_labelled_illustrative(reference):
    illustrative = reference.places[reference.places.governance_source == "illustrative"]
    assert (illustrative["documented_fields"].isna()).all()
    assert set(reference.pcns["source"]) == {"nhs england"}                      # real PCNs, none invented
    assert reference.places.loc[reference.places.icb_ods_code == "QKS", "source"].eq("illustrative").all()


def test_every_pcn_has_a_valid_location_and_code(reference):
    pcns = reference.pcns
    assert pcns["pcn_code"].str.fullmatch(r"U\d{5}").all()
    assert pcns["latitude"].between(*ENGLAND_BOUNDS["latitude"]).all()
    assert pcns["longitude"].between(*ENGLAND_BOUNDS["longitude"]).all()
    assert (pcns["list_size"] > 0).all()
    # A PCN's list size is its practices' registered patients.
    practices = reference.practices[reference.practices["pcn_code"].notna()]
    assert (practices.groupby("pcn_code")["registered_patients"].sum() == pcns.set_index("pcn_code")["list_size"]).all()
    assert (practices.groupby("pcn_code").size() == pcns.set_index("pcn_code")["gp_practices"]).all()


NHS_FILE = DATA / "sources" / "practices" / "gp-reg-pat-prac-map_2026-01.csv"


def nhs_pcns_of(icb: str) -> int:
    """The PCNs NHS England's file lists for an ICB (its ICB columns are the April 2023 ones)."""
    nhs = pd.read_csv(NHS_FILE, dtype=str)
    return nhs.loc[(nhs["ICB_CODE"] == icb) & (nhs["PCN_CODE"] != "U"), "PCN_CODE"].nunique()


def test_the_pcns_are_exactly_nhs_englands(reference):
    """No invented PCN: every code and name is in NHS England's file of 1 January 2026, and every PCN of the
    file is shipped, in a place of the ICB the file gives it."""
    nhs = pd.read_csv(NHS_FILE, dtype=str)
    real = nhs[nhs["PCN_CODE"] != "U"].drop_duplicates("PCN_CODE").set_index("PCN_CODE")
    assert set(reference.pcns["pcn_code"]) == set(real.index) and len(real) == 1298
    shipped = reference.pcns.set_index("pcn_code")
    assert (shipped["pcn_name"].str.upper() == real.loc[shipped.index, "PCN_NAME"]).all()
    assert shipped.loc["U89141", "pcn_name"] == "Stockton PCN"
    icbs_of = nhs[nhs["PCN_CODE"] != "U"].groupby("PCN_CODE")["ICB_CODE"].agg(set)           # 2023-04 vintage
    assert all(shipped.loc[c, "icb_ods_code"] in icbs_of[c] for c in shipped.index)
    assert shipped.loc["U41591", "icb_ods_code"] == "QJK"     # its practices in Devon and Cornwall: most in Devon


def test_practices_in_no_pcn_are_shown_per_place_not_as_a_pcn(reference):
    practices = reference.practices
    assert len(practices) == 6171 and practices["pcn_code"].isna().sum() == 59
    assert reference.places["unallocated_practices"].sum() == 59
    assert reference.places["unallocated_patients"].sum() == practices.loc[practices.pcn_code.isna(),
                                                                            "registered_patients"].sum()


def test_a_pcn_spanning_places_lists_its_share_in_each(reference):
    spanning = reference.pcns[reference.pcns["place_shares"].notna()]
    assert len(spanning) > 0
    for row in spanning.itertuples():
        shares = dict(part.rsplit(" ", 1) for part in row.place_shares.split("; "))
        assert row.place_code in shares and max(shares.values(), key=float) == shares[row.place_code]
        assert sum(map(float, shares.values())) == pytest.approx(1, abs=0.02)


def test_populations_are_ons_mid_2022_by_council(reference):
    """Whole councils have ONS's count exactly; a split council is shared by its 2011 LSOAs; documented figures
    (North West London's boroughs) stay; all of England adds up to ONS's total."""
    places = reference.places.set_index("place_name")
    assert places.loc["Bolton", ["population", "population_source"]].tolist() == [298_903, "ons"]
    assert places.loc["Manchester", "population"] == 568_996
    assert places.loc["Brent", ["population", "population_source"]].tolist() == [327_753, "documented"]
    assert places.loc["Brent", "population_ref"] == "CIPFA, December 2022"
    assert places.loc["Bolton", "population_ref"] == "ONS mid-2022 population estimates"
    assert places.loc["Bradford District and Craven", "population_source"] == "ons apportioned"
    ons = reference.places["population_source"] != "documented"
    nwl_ons = 185_238 + 146_154 + 211_365 + 341_221 + 369_937 + 261_185 + 310_681 + 290_488   # ONS, NWL boroughs
    assert reference.places.loc[ons, "population"].sum() + nwl_ons == pytest.approx(57_106_398, abs=200)


# --------------------------------------------------------------------------- bad files

def _edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize("file, old, new, message", [
    ("pcns.csv", "U1", "X1", r"data/pcns.csv, line \d+, pcn_code: must be a code like U12345; got 'X1"),
    ("place_icbs.csv", "2026-04,bolton,QOP", "2026-04,bolton,QZZ",
     r"data/place_icbs.csv, line \d+, icb_ods_code: 'QZZ' is not a known ICB of 2026-04"),
    ("place_icbs.csv", "2026-04,bolton,QOP", "2031-04,bolton,QOP",
     r"data/place_icbs.csv, line \d+, vintage: '2031-04' is not a known vintage \(see data/vintages.csv\)"),
    ("place_governance.csv", "committee_of_statutory_body", "parish_council",
     r"data/place_governance.csv, line \d+, governance_model: must be one of consultative_forum, "),
    ("icbs.csv", "E54000057", "E5400005", r"data/icbs.csv, line \d+, icb_ons_code: must be a code like E54000057"),
    ("places.csv", "population_source", "pop_source",
     r"data/places.csv: missing column\(s\) population_source; expected place_code"),
])
def test_malformed_data_names_file_line_and_column(data_copy, file, old, new, message):
    _edit(data_copy / file, old, new)
    with pytest.raises(DataError, match=message):
        load_reference(data_copy)


def test_duplicate_code_is_refused(data_copy):
    path = data_copy / "pcns.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[1]]) + "\n")
    with pytest.raises(DataError, match=rf"data/pcns.csv, line {len(lines) + 1}, pcn_code: duplicate value"):
        load_reference(data_copy)


def test_a_pcn_is_in_its_places_icb_in_every_vintage():
    for vintage in ("2023-04", "2026-04"):
        ref = load_reference(DATA, vintage=vintage)
        icb_of = dict(zip(ref.places["place_code"], ref.places["icb_ods_code"]))
        assert (ref.pcns["icb_ods_code"] == ref.pcns["place_code"].map(icb_of)).all()


@pytest.mark.parametrize("content, message", [
    (b"", r"data/regions.csv: is not a readable CSV file"),
    ("region_ons_code,region_ods_code,region_name,code_vintage,region_ons_code_2024\n".encode(),
     r"data/regions.csv: has no data rows"),
    ("region_ons_code,region_name\nE40000003,Londr\xe9s\n".encode("cp1252"), r"data/regions.csv: is not UTF-8 text"),
])
def test_unreadable_files(data_copy, content, message):
    (data_copy / "regions.csv").write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_reference(data_copy)


def test_missing_file(data_copy):
    (data_copy / "place_groups.csv").unlink()
    with pytest.raises(DataError, match=r"data/place_groups.csv: file not found"):
        load_reference(data_copy)
