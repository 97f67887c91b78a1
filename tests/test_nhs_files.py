"""NHS practice files (icsdash.nhs_files, their PCNs placed by icsdash.pcn_placement): every layout since 2021 and
the ePCN workbook, made from NHS England's real rows (tests/data/imports/, see its README), place every PCN in the
right place and ICS of the chosen vintage."""

import dataclasses
import io
import sys
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, shape

from icsdash import imports, nhs_files, pcn_placement
from icsdash.geography import load_geography
from icsdash.reference import load_reference
from icsdash.store import Store

from conftest import DATA, ROOT

FIXTURES = ROOT / "tests" / "data" / "imports"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402  (the fixtures' maker: the ePCN workbook is made from real rows on the fly)

NHS = pd.read_csv(DATA / "sources" / "practices" / "gp-reg-pat-prac-map_2026-01.csv", dtype=str)
SHIPPED = (DATA / "sources" / "practices" / "gp-reg-pat-prac-map_2026-01.csv").read_bytes()
CCG_2021 = (FIXTURES / "gp-reg-pat-prac-map-2021-22.csv").read_bytes()
SUB_ICB_2022 = (FIXTURES / "gp-reg-pat-prac-map-2022-10.csv").read_bytes()
BOLTON = (FIXTURES / "gp-reg-pat-prac-map-bolton.csv").read_bytes()
BOLTON_COUNTS = (FIXTURES / "gp-reg-pat-prac-all-bolton.csv").read_bytes()
SURREY_AND_SUSSEX, THAMES_VALLEY, HAMPSHIRE = "S9B9J", "S0E4D", "QRL"      # ICBs of April 2026 (ODS)


@pytest.fixture(scope="module")
def geography(reference):
    return load_geography(DATA, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]),
                          reference.icb_boundaries)


@pytest.fixture
def store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'nhs.sqlite3'}")
    yield s
    s.engine.dispose()


def target(store, framework, geography, vintage="2023-04", forget=()):
    """The data as ``store`` holds it, in ``vintage``; ``forget``: practices the data does not know (as in a
    deployment whose data predates them), so that their PCNs must be placed by sub-ICB location."""
    imported, overlay = store.reference_version(), store.reference_overlay()
    reference = load_reference(DATA, overlay, imported, vintage)
    if forget:
        reference = dataclasses.replace(
            reference, practices=reference.practices[~reference.practices["practice_code"].isin(set(forget))])
    return imports.Target(data_dir=DATA, reference=reference, overlay=overlay, imported=imported, framework=framework,
                          place_shapes=geography.shapes["places"], today=date(2026, 12, 3))


def codes_in(data: bytes) -> set[str]:
    return set(pd.read_csv(io.BytesIO(data), dtype=str)["PRACTICE_CODE"])


def pcns_in(data: bytes, sub_icb: str) -> set[str]:
    """The PCNs of a mapping file's practices in the sub-ICB location (or CCG) with ODS code ``sub_icb``."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    column = "CCG_CODE" if "CCG_CODE" in frame else "SUB_ICB_LOCATION_CODE"            # the 2021-22 layout's, or since
    return set(frame.loc[frame[column] == sub_icb, "PCN_CODE"])


def placed(preview) -> dict[str, tuple[str, str, str]]:
    """PCN code -> (place, ICS, how it was placed)."""
    return {p["code"]: (p["place"], p["ICS"], p["placed by"]) for p in preview.placed}


def icb_of(preview, target_) -> dict[str, str]:
    """PCN code -> the ODS code of the ICB (of the target's vintage) of the place it was put in."""
    ref = target_.reference
    by_name = dict(zip(ref.places["place_name"], ref.places["icb_ods_code"]))
    return {p["code"]: by_name[p["place"]] for p in preview.placed}


# --------------------------------------------------------------------------- the shipped file

@pytest.mark.parametrize("vintage", ["2023-04", "2026-04"])
def test_the_shipped_january_2026_file_imports_with_every_pcn_placed(store, framework, geography, vintage):
    t = target(store, framework, geography, vintage)
    p = imports.prepare("gp_practices", SHIPPED, "gp-reg-pat-prac-map.csv", t)
    pcns = NHS.loc[NHS["PCN_CODE"] != "U", "PCN_CODE"].nunique()
    assert pcns == 1_298
    assert p.rejected == [] and len(p.placed) == pcns
    assert {p_["placed by"] for p_ in p.placed} == {"its practices' locations"}
    assert p.summary() == "0 to add, 0 to change, 0 to remove, 0 rejected row(s), 1298 unchanged"
    assert p.changes == 0                                   # the shipped data is that file
    assert f"Placed 1,298 PCN(s): 1,298 by their practices' locations, 0 by their sub-ICB location, 0 by a guess." \
        in p.notes
    # West Norwich PCN's real code is U00000: a PCN, not the files' "no PCN".
    assert placed(p)["U00000"][0] == "Norwich"
    icbs = icb_of(p, t)
    shipped = t.reference.pcns.set_index("pcn_code")["icb_ods_code"]
    assert all(icbs[c] == shipped[c] for c in shipped.index)
    assert len(set(icbs.values())) == len(t.reference.icbs)               # 42 in 2023, 36 in 2026


def test_every_pcn_code_of_the_default_data_is_in_the_nhs_file(reference):
    published = set(NHS.loc[NHS["PCN_CODE"] != "U", "PCN_CODE"])
    assert set(reference.pcns["pcn_code"]) == published
    assert set(reference.practices["practice_code"]) == set(NHS["PRACTICE_CODE"])


# --------------------------------------------------------------------------- layouts and codes of other dates

def test_ccg_layout_of_2021_22_places_glossop_by_its_practices_not_its_old_ccg(store, framework, geography):
    """Tameside and Glossop CCG (E38000182, 01Y) split in July 2022: Glossop's practices went to Derbyshire.
    Known practices are placed by their locations, whatever the old code says."""
    t = target(store, framework, geography)
    p = imports.prepare("gp_practices", CCG_2021, "gp-reg-pat-prac-map.csv", t)
    assert p.rejected == [] and len(p.placed) == 32 and p.summary().endswith("32 unchanged")
    where = placed(p)
    assert where["U60978"] == ("Derbyshire", "Derby and Derbyshire", "its practices' locations")      # Glossop PCN
    assert {where[c][0] for c in ("U01630", "U02275", "U38271", "U53900")} == {"Tameside"}
    assert {icb_of(p, t)[c] for c in where if c != "U60978" and where[c][0] != "Tameside"} == {"QXU"}
    # The file holds 4 of Derbyshire's practices: Derbyshire's other PCNs are kept, not removed.
    derbyshire = int((t.reference.practices["place_code"] == "derbyshire").sum())
    assert p.removed == [] and (f"The file lists under half of the practices of Derbyshire (4 of {derbyshire}): "
                                "their PCNs and practices that the file does not list are kept.") in p.notes


# Tameside's CCG E38000182 (2021-22) is not a sub-ICB location code of July 2022 or since; October 2022's codes of
# Surrey Heartlands (E38000246, 92A) and Sussex (E38000248, 70F) changed in April 2023.
RETIRED_CCG = ("ONS code E38000182 (35 practice(s)) is not a sub-ICB location code of July 2022 or since: "
               "recognised by its ODS code 01Y as NHS Greater Manchester ICB - 01Y.")
RETIRED_2023 = ("Sub-ICB location codes no longer in use, recognised: E38000246 (NHS Surrey Heartlands ICB - 92A, "
                "until 31 March 2023); E38000248 (NHS Sussex ICB - 70F, until 31 March 2023).")


@pytest.mark.parametrize("data, note, located, vintage, icbs", [
    (CCG_2021, RETIRED_CCG, ("Tameside", "01Y"), "2023-04", {"Tameside": "QOP", "": "QXU"}),
    (CCG_2021, RETIRED_CCG, ("Tameside", "01Y"), "2026-04", {"Tameside": "QOP", "": SURREY_AND_SUSSEX}),
    (SUB_ICB_2022, RETIRED_2023, ("West Sussex", "70F"), "2023-04", {"West Sussex": "QNX", "": "QXU"}),
    (SUB_ICB_2022, RETIRED_2023, ("West Sussex", "70F"), "2026-04", {"": SURREY_AND_SUSSEX}),
], ids=["ccg-2021-in-2023", "ccg-2021-in-2026", "sub-icb-2022-in-2023", "sub-icb-2022-in-2026"])
def test_old_layouts_with_unknown_practices_are_placed_by_their_retired_codes(store, framework, geography, data, note,
                                                                             located, vintage, icbs):
    """The 2021-22 CCG layout and October 2022's sub-ICB layout (its columns in another order), none of whose
    practices the data knows: a location that is one place (``located``: the place and the location's ODS
    code) places its PCNs there; Surrey Heartlands' covers several places, so each of its 27 PCNs is a guess,
    listed, by its name where its name says a place, else the place with most of the location's patients.
    ``icbs``: each place's ICB in ``vintage`` ("": every other place's)."""
    t = target(store, framework, geography, vintage, forget=codes_in(data))
    p = imports.prepare("gp_practices", data, "gp-reg-pat-prac-map.csv", t)
    place, sub_icb = located
    where = placed(p)
    by_location = {c for c, w in where.items() if w[0] == place}
    n = len(by_location)
    assert p.rejected == [] and len(where) == n + 27 and note in p.notes
    assert by_location == pcns_in(data, sub_icb) and {where[c][2] for c in by_location} == {"its sub-ICB location"}
    assert {where[c][2] for c in set(where) - by_location} == {"a guess"}
    assert icb_of(p, t) == {c: icbs.get(where[c][0], icbs[""]) for c in where}
    assert where["U02049"][0] == "East Surrey and Surrey Downs"               # South Tandridge PCN
    assert where["U33566"][0] == "Guildford and Waverley"                     # Guildford East PCN
    guesses = p.tables()["guesses"]
    assert len(guesses) == 27 and guesses.loc[guesses["code"] == "U02049", "why"].iloc[0].startswith(
        "its name says Tandridge (East Surrey and Surrey Downs); NHS Surrey Heartlands ICB - 92A covers")
    assert (f"Placed {n + 27} PCN(s): 0 by their practices' locations, {n} by their sub-ICB location, 27 by a "
            "guess.") in p.notes


@pytest.mark.parametrize("vintage", ["2023-04", "2026-04"])
def test_known_practices_place_every_pcn_by_their_locations(store, framework, geography, vintage):
    known = imports.prepare("gp_practices", SUB_ICB_2022, "map.csv", target(store, framework, geography, vintage))
    assert {w[2] for w in placed(known).values()} == {"its practices' locations"} and known.rejected == []


@pytest.mark.parametrize("vintage", ["2023-04", "2026-04"])
def test_epcn_workbook_of_frimley_goes_to_three_icbs_in_2026(store, framework, geography, vintage):
    t = target(store, framework, geography, vintage)
    p = imports.prepare("epcn", make_fixtures.epcn_frimley(), "ePCN.xlsx", t)
    assert p.rejected == [] and len(p.placed) == 16 and p.changes == 0
    assert "1 row(s) above the header were skipped." in p.notes
    icbs = icb_of(p, t)
    if vintage == "2023-04":
        assert set(icbs.values()) == {"QNQ"}                                        # NHS Frimley
    else:
        assert (icbs["U03055"], icbs["U14694"], icbs["U17969"]) == (HAMPSHIRE, THAMES_VALLEY, SURREY_AND_SUSSEX)
        assert sorted(set(icbs.values())) == sorted({HAMPSHIRE, THAMES_VALLEY, SURREY_AND_SUSSEX})
    windsor = next(x for x in p.placed if x["code"] == "U82487")
    assert windsor["place"] == "Windsor and Maidenhead" and "Surrey Heath and Farnham (17%)" in windsor["why"]


def test_epcn_with_unknown_practices_guesses_by_name_and_lists_every_guess(store, framework, geography):
    rows = NHS[(NHS["SUB_ICB_LOCATION_CODE"] == "D4U1Y")]
    t = target(store, framework, geography, "2026-04", forget=set(rows["PRACTICE_CODE"]))
    p = imports.prepare("epcn", make_fixtures.epcn_frimley(), "ePCN.xlsx", t)
    where = placed(p)
    assert p.rejected == [] and {w[2] for w in where.values()} == {"a guess"}
    assert where["U14694"][:2] == ("Slough", "Thames Valley")                  # Central Slough Network PCN
    assert where["U20320"][:2] == ("Windsor and Maidenhead", "Thames Valley")  # Maidenhead PCN
    assert where["U17969"][:2] == ("Surrey Heath and Farnham", "Surrey and Sussex")      # Farnham PCN
    assert len(p.tables()["guesses"]) == 16
    assert "16 PCN(s) were placed by a guess, listed under 'Guesses' with the other places they could be in; " \
           "correct any with the PCN template (place_code column)." in p.notes


# --------------------------------------------------------------------------- changes, counts, rejections

def moved_practice(data: bytes) -> tuple[bytes, str, str, str]:
    """Bolton's file with its first practice moved to another Bolton PCN: the bytes, the practice, its PCN
    before and after."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    practice, before = frame.loc[0, "PRACTICE_CODE"], frame.loc[0, "PCN_CODE"]
    after = sorted(set(frame["PCN_CODE"]) - {before, "U"})[0]
    frame.loc[0, ["PCN_CODE", "PCN_NAME"]] = frame.loc[frame["PCN_CODE"] == after, ["PCN_CODE", "PCN_NAME"]].iloc[0]
    return frame.to_csv(index=False).encode(), practice, before, after


def test_a_practice_that_moves_pcn_changes_both_pcns_and_the_practice(store, framework, geography, reference):
    data, practice, before, after = moved_practice(BOLTON)
    t = target(store, framework, geography)
    p = imports.prepare("gp_practices", data, "gp-reg-pat-prac-map.csv", t, BOLTON_COUNTS, "gp-reg-pat-prac-all.csv")
    pcns = reference.pcns.set_index("pcn_code")
    patients = int(reference.practices.set_index("practice_code").at[practice, "registered_patients"])
    changed = {(c["code"], c["column"]): (c["now"], c["new"]) for c in p.changed}
    assert changed[(before, "gp_practices")] == (str(pcns.at[before, "gp_practices"]),
                                                 str(pcns.at[before, "gp_practices"] - 1))
    assert changed[(after, "list_size")] == (str(pcns.at[after, "list_size"]),
                                             str(pcns.at[after, "list_size"] + patients))
    assert p.counts()["changed"] == 2 and p.removed == [] and p.rejected == []
    assert "Practices: 0 to add, 1 to change, 0 to remove." in p.notes
    assert "The file covers 1 place(s) in 1 ICS(s) of the April 2023 boundaries (at least half of each place's " \
           "practices): their PCNs and practices are replaced by the file's." in p.notes             # Bolton
    assert p.changes == 3                                                  # 2 PCNs and the practice
    imports.apply(store, p, "tester", framework)
    after_ref = load_reference(DATA, store.reference_overlay(), store.reference_version(), "2023-04")
    assert after_ref.practices.set_index("practice_code").at[practice, "pcn_code"] == after
    assert after_ref.pcns.set_index("pcn_code").at[before, "gp_practices"] == pcns.at[before, "gp_practices"] - 1
    assert after_ref.pcns.set_index("pcn_code").at[after, "source"] == "imported"
    again = imports.prepare("gp_practices", data, "map.csv", target(store, framework, geography), BOLTON_COUNTS,
                            "counts.csv")
    assert again.changes == 0 and again.summary().endswith(f"{again.unchanged} unchanged")


def test_a_whole_ics_file_removes_the_pcns_and_practices_it_no_longer_lists(store, framework, geography, reference):
    manchester = NHS[NHS["ICB_CODE"] == "QOP"]
    gone = sorted(set(manchester["PCN_CODE"]) - {"U"})[0]
    data = manchester[manchester["PCN_CODE"] != gone].to_csv(index=False).encode()
    p = imports.prepare("gp_practices", data, "gp-reg-pat-prac-map.csv", target(store, framework, geography))
    assert [r["code"] for r in p.removed] == [gone] and p.added == [] and p.changed == []
    leaving = int((manchester["PCN_CODE"] == gone).sum())
    assert f"Practices: 0 to add, 0 to change, {leaving} to remove." in p.notes
    places = reference.places.loc[reference.places["icb_ods_code"] == "QOP", "place_code"]
    assert len(places) == 10 and (f"The file covers 10 place(s) in 1 ICS(s) of the April 2023 boundaries (at least "
                                  "half of each place's practices): their PCNs and practices are replaced by the "
                                  "file's.") in p.notes
    imports.apply(store, p, "tester", framework)
    after = load_reference(DATA, store.reference_overlay(), store.reference_version(), "2023-04")
    assert gone not in set(after.pcns["pcn_code"]) and len(after.pcns) == len(reference.pcns) - 1
    assert len(after.practices) == len(reference.practices) - leaving


def test_counts_file_gives_list_sizes_and_leaves_out_split_rows(store, framework, geography, reference):
    counts = pd.read_csv(io.BytesIO(BOLTON_COUNTS), dtype=str)
    first = counts.loc[0, "CODE"]
    counts.loc[(counts["CODE"] == first) & (counts["SEX"] == "ALL"), "NUMBER_OF_PATIENTS"] = "20000"
    p = imports.prepare("gp_practices", BOLTON, "map.csv", target(store, framework, geography),
                        counts.to_csv(index=False).encode(), "gp-reg-pat-prac-all.csv")
    known = reference.practices.set_index("practice_code")
    pcn = known.at[first, "pcn_code"]
    size = int(reference.pcns.set_index("pcn_code").at[pcn, "list_size"])
    expected = size - int(known.at[first, "registered_patients"]) + 20_000         # the male row is not added in
    assert p.changed == [{"code": pcn, "column": "list_size", "now": str(size), "new": str(expected)}]
    assert p.rows["practices.csv"][first]["registered_patients"] == "20000"
    assert "Practices: 0 to add, 1 to change, 0 to remove." in p.notes
    assert {w[:2] for w in placed(p).values()} == {("Bolton", "Greater Manchester")}      # 00T is Bolton alone


def test_rows_that_cannot_be_placed_are_rejected_with_line_column_and_reason(store, framework, geography):
    frame = pd.read_csv(io.BytesIO(BOLTON), dtype=str)
    lost = frame.loc[4, "PCN_CODE"]                                          # a PCN none of whose practices is
    mine = frame["PCN_CODE"] == lost                                         # known, in a location known nowhere
    frame.loc[mine, ["ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE"]] = ["E38999999", "ZZZ"]
    frame.loc[mine, ["ONS_ICB_CODE", "ICB_CODE"]] = ["E54999999", "ZZZ"]
    lines = frame.to_csv(index=False).splitlines()
    lines[2] = lines[2].replace(frame.loc[1, "PRACTICE_CODE"], "BAD", 1)
    lines[3] = lines[3].replace(frame.loc[2, "PCN_CODE"], "X1", 1)
    lines.append(lines[5])                                                   # a duplicate practice
    t = target(store, framework, geography, forget=set(frame.loc[mine, "PRACTICE_CODE"]))
    p = imports.prepare("gp_practices", "\n".join(lines).encode(), "map.csv", t)
    lost_lines = [i + 2 for i in frame.index[mine] if i + 2 not in (3, 4)]
    assert [(r.line, r.column) for r in p.rejected] == [(3, "PRACTICE_CODE"), (4, "PCN_CODE"),
                                                        (len(lines), "PRACTICE_CODE")] + \
        [(line, "ONS_SUB_ICB_LOCATION_CODE") for line in lost_lines]
    assert "must be a code like P82001; got 'BAD'" in p.rejected[0].reason
    assert "appears again (first on line 6)" in p.rejected[2].reason
    assert p.rejected[3].reason == (f"PCN {lost}: sub-ICB location E38999999 is not known and none of its "
                                    "practices is, so its place is unknown")
    assert lost not in {x["code"] for x in p.placed} and p.removed == []


def test_unallocated_practices_are_not_a_pcn(store, framework, geography):
    data = NHS[NHS["ICB_CODE"] == "QHM"].to_csv(index=False).encode()       # North East and North Cumbria
    p = imports.prepare("gp_practices", data, "map.csv", target(store, framework, geography))
    assert "U" not in {x["code"] for x in p.placed} and p.changes == 0 and p.rejected == []
    assert nhs_files.is_unallocated("U", "Unallocated") and not nhs_files.is_unallocated("U00000", "West Norwich PCN")


def test_imported_pcn_points_lie_in_their_place(store, framework, geography):
    t = target(store, framework, geography, "2026-04", forget=set(NHS.loc[NHS["SUB_ICB_LOCATION_CODE"] == "D4U1Y",
                                                                         "PRACTICE_CODE"]))
    p = imports.prepare("epcn", make_fixtures.epcn_frimley(), "ePCN.xlsx", t)
    for code_, row in p.rows["pcns.csv"].items():
        polygon = shape(geography.shapes["places"][row["place_code"]])
        assert polygon.contains(Point(float(row["longitude"]), float(row["latitude"]))), code_


def test_sub_icb_lookup_knows_every_code_since_july_2022():
    lookup = pcn_placement.SubIcbLookup(DATA)
    assert len(lookup.rows) == 111                     # 106 of July 2022, 2 new in April 2023, 3 in April 2026
    assert lookup.find("E38000246", "", None).ods == "92A"
    assert lookup.find("", "92A", date(2022, 10, 1)).ons == "E38000246"
    assert lookup.find("", "92A", date(2025, 1, 1)).ons == "E38000264"
    assert lookup.find("", "92A", None).ons == "E38000267"                    # the newest: Surrey and Sussex
    frimley = lookup.by_ons["E38000252"]
    assert frimley.valid_to == date(2026, 3, 31)
    assert [p for p, _ in frimley.places] == ["north-east-hampshire", "slough", "windsor-and-maidenhead",
                                              "surrey-heath-and-farnham", "bracknell-forest"]
    frame = pd.read_csv(DATA / "sub_icb_locations.csv", dtype=str).set_index("sub_icb_ons_code")
    assert frame.at["E38000252", "successors"] == "E38000266;E38000267;E38000268"
    assert frame.at["E38000246", "successors"] == "E38000264"


def test_fixtures_are_the_real_rows_they_say(tmp_path):
    """The fixtures are made from the shipped NHS file by make_fixtures.py, byte for byte."""
    for name, frame in (("gp-reg-pat-prac-map-2021-22.csv", make_fixtures.ccg_layout_2021_22()),
                        ("gp-reg-pat-prac-map-2022-10.csv", make_fixtures.sub_icb_layout_2022_10())):
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        assert (FIXTURES / name).read_text() == buffer.getvalue()
    book = load_workbook(io.BytesIO(make_fixtures.epcn_frimley()))
    assert book.sheetnames == ["PCNDetails", "PCN Core Partner Details"]


def test_a_practice_new_to_the_data_is_added_in_its_pcns_place(store, framework, geography):
    """Salford's Limefield Road Medical Practice (P87651) is in NHS England's 2026/27 practice list but not in the
    mapping of January 2026: a file that lists it in a Salford PCN adds it there, without a location (so no
    point on the map) and with its postcode; a file without a postcode for it adds it with none."""
    salford = NHS[NHS["SUB_ICB_LOCATION_CODE"] == "01G"]
    pcn = salford.iloc[0]
    new = pcn.copy()
    new[["PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE"]] = ["P87651", "LIMEFIELD ROAD MEDICAL PRACTICE",
                                                                     "m7 4nx"]
    data = pd.concat([salford, new.to_frame().T]).to_csv(index=False).encode()
    p = imports.prepare("gp_practices", data, "map.csv", target(store, framework, geography))
    assert p.rejected == [] and "Practices: 1 to add, 0 to change, 0 to remove." in p.notes
    row = p.rows["practices.csv"]["P87651"]
    assert (row["practice_name"], row["postcode"], row["pcn_code"], row["place_code"], row["latitude"]) == (
        "Limefield Road Medical Practice", "M7 4NX", pcn["PCN_CODE"], "salford", "")
    changed = {c["column"]: (c["now"], c["new"]) for c in p.changed}
    practices = int((salford["PCN_CODE"] == pcn["PCN_CODE"]).sum())
    assert p.counts()["changed"] == 1 and changed["gp_practices"] == (str(practices), str(practices + 1))
    assert changed["list_size"][1] == ""               # not known until a counts file gives the new practice's
    new["PRACTICE_POSTCODE"] = ""
    blank = imports.prepare("gp_practices", pd.concat([salford, new.to_frame().T]).to_csv(index=False).encode(),
                            "map.csv", target(store, framework, geography))
    assert blank.rejected == [] and blank.rows["practices.csv"]["P87651"]["postcode"] == ""
    imports.apply(store, p, "tester", framework)
    after = load_reference(DATA, store.reference_overlay(), store.reference_version(), "2023-04")
    added = after.practices.set_index("practice_code").loc["P87651"]
    assert added["place_code"] == "salford" and pd.isna(added["latitude"]) and added["postcode"] == "M7 4NX"
    from icsdash import explorer
    assert explorer.find_practices(after, "M7 4NX")["practice_code"].tolist()[:1] == ["P87651"]
