"""Imports: templates, NHS practice files and ePCN, each previewed and then written in one transaction."""

import csv
import dataclasses
import io
import re
import sys
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook, load_workbook
from shapely.geometry import Point, shape
from streamlit.testing.v1 import AppTest

from icsdash import cli, imports
from icsdash.config import load_config
from icsdash.errors import DataError, IcsdashError
from icsdash.framework import load_framework
from icsdash.reference import load_reference
from icsdash.store import Store, audit_log, reference_rows

from conftest import DATA, ROOT, settled, write_config

FIXTURES = ROOT / "tests" / "data" / "imports"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402
from test_nhs_files import BOLTON, BOLTON_COUNTS, SUB_ICB_2022, moved_practice  # noqa: E402
from test_nhs_files import geography, store  # noqa: E402, F401 - the fixtures: the places' shapes, an SQLite store

# Bolton's real practices with one moved to another Bolton PCN: 2 PCNs and 1 practice change.
MOVED, _PRACTICE, _BEFORE, _AFTER = moved_practice(BOLTON)


def target(store, framework, geography, today=date(2026, 11, 23)):
    imported = store.reference_version()
    overlay = store.reference_overlay()
    return imports.Target(data_dir=DATA, reference=load_reference(DATA, overlay, imported, "2023-04"), overlay=overlay,
                          imported=imported, framework=framework, place_shapes=geography.shapes["places"],
                          max_justification=2000, assessment_keys=store.assessment_keys, today=today)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def reloaded(store):
    return load_reference(DATA, store.reference_overlay(), store.reference_version(), "2023-04")


# --------------------------------------------------------------------------- templates

@pytest.mark.parametrize("kind", [f.key for f in imports.FORMATS if f.template is not None])
def test_templates_have_an_example_row_and_describe_every_column(kind, framework):
    columns = imports.template_columns(kind, framework)
    rows = list(csv.reader(io.StringIO(imports.template(kind, framework, "csv").decode("utf-8-sig"))))
    assert rows == [[c.name for c in columns], [c.example for c in columns]]
    assert all(c.example for c in columns)
    book = load_workbook(io.BytesIO(imports.template(kind, framework, "xlsx")))
    assert book.sheetnames == [kind, "Columns"]
    assert [c.value for c in book[kind][1]] == [c.name for c in columns]
    described = {row[0]: row[2] for row in book["Columns"].iter_rows(min_row=2, values_only=True) if row and row[2]}
    assert set(described) == {c.name for c in columns} and all(described.values())


@pytest.mark.parametrize("kind", [f.key for f in imports.FORMATS if f.template is not None])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_untouched_template_imports_nothing(kind, fmt, store, framework, geography):
    p = imports.prepare(kind, imports.template(kind, framework, fmt), f"t.{fmt}", target(store, framework, geography))
    assert p.changes == 0 and p.rejected == [] and "example row" in p.notes[0]


def test_places_template_changes_governance_and_labels_it_documented(store, framework, geography, reference):
    data = csv_bytes("place_code,governance_model,delegated_budget_gbp_m,population,source_ref",
                     "bolton,place_board,250,,Bolton locality plan 2025",
                     "wigan,,,,",                                   # nothing to change
                     "nowhere,place_board,,,",
                     "bury,committees,,,",
                     "bolton,joint_committee,,,")
    p = imports.prepare("places", data, "places.csv", target(store, framework, geography))
    bolton = reference.place("bolton")
    assert p.changed == [
        {"code": "bolton", "column": "governance_model", "now": bolton.governance_model, "new": "place_board"},
        {"code": "bolton", "column": "delegated_budget_gbp_m", "now": f"{bolton.delegated_budget_gbp_m}",
         "new": "250"}]
    assert [(r.line, r.column) for r in p.rejected] == [(4, "place_code"), (5, "governance_model"), (6, "place_code")]
    assert "is not a known place" in p.rejected[0].reason and "appears again (first on line 2)" in p.rejected[2].reason
    assert p.unchanged == 1
    imports.apply(store, p, "tester", framework)
    after = reloaded(store).place("bolton")
    assert (after.governance_model, after.delegated_budget_gbp_m) == ("place_board", 250.0)
    assert {"governance_model", "delegated_budget_gbp_m"} <= set(after.documented_fields.split(";"))
    assert (after.governance_source, after.governance_source_ref) == ("documented in part", "Bolton locality plan 2025")
    audit = store.audit_entries().iloc[-1]
    assert (audit.actor, audit.action) == ("tester", "import") and '"changed": 1' in audit.detail


def test_pcn_template_adds_with_a_point_inside_the_place(store, framework, geography):
    data = csv_bytes("pcn_code,pcn_name,place_code,list_size,gp_practices,latitude,longitude",
                     "U99001,Bolton Imported PCN,bolton,41000,6,,",
                     "U99002,No Place PCN,,5000,2,,",
                     "U99003,Half Point,bolton,5000,2,53.5,")
    p = imports.prepare("pcns", data, "pcns.xlsx", target(store, framework, geography))
    assert [a["code"] for a in p.added] == ["U99001"]
    assert [(r.line, r.column) for r in p.rejected] == [(3, "place_code"), (4, "longitude")]
    row = p.rows["pcns.csv"]["U99001"]
    assert shape(geography.shapes["places"]["bolton"]).contains(Point(float(row["longitude"]),
                                                                         float(row["latitude"])))
    assert imports.point_inside(geography.shapes["places"]["bolton"], "U99001") == \
        (float(row["latitude"]), float(row["longitude"]))            # the same point every time


def test_assessments_template_adds_then_versions(store, framework, geography):
    dims = framework.dimension_ids
    header = "place_code,round,kind,stakeholder_group,participant,submitted_on," + ",".join(
        f"{d},{d}_justification" for d in dims)

    def row(place, participant, score, group="icb", kind="individual", justification="Because"):
        return f"{place},2025/26,{kind},{group},{participant},2026-03-10," + ",".join(
            f"{score},{justification}" for _ in dims)

    data = csv_bytes(header, row("bolton", "P1", 3), row("bolton", "P2", "n/a", group="nhs_provider"),
                     row("bolton", "P3", 7), row("bolton", "P4", 2, justification=""),
                     row("bolton", "P5", 2, group="martians"))
    p = imports.prepare("assessments", data, "a.csv", target(store, framework, geography))
    assert [(a["participant"], a["group"]) for a in p.added] == [("P1", "icb"), ("P2", "nhs_provider")]
    rejected = {(r.line, r.column) for r in p.rejected}
    assert (4, dims[0]) in rejected and (5, f"{dims[0]}_justification") in rejected and (6, "stakeholder_group") in rejected
    assert "must be from 0 to 5, or 'n/a'; got 7" in next(r.reason for r in p.rejected if r.line == 4)
    imports.apply(store, p, "tester", framework)
    latest = store.latest_scores()
    assert len(latest[latest["place_code"] == "bolton"]) == 2 * len(dims)
    assert sorted(latest["score"].dropna().unique()) == [3]
    same = imports.prepare("assessments", csv_bytes(header, row("bolton", "P1", 3)), "a.csv",
                           target(store, framework, geography))
    assert (same.changes, same.unchanged) == (0, 1)
    newer = imports.prepare("assessments", csv_bytes(header, row("bolton", "P1", 4)), "a.csv",
                            target(store, framework, geography))
    assert newer.counts()["changed"] == 1 and newer.records[0].version == 2
    imports.apply(store, newer, "tester", framework)
    latest = store.latest_scores()
    assert sorted(latest["score"].dropna().unique()) == [4]


# --------------------------------------------------------------------------- reading files

@pytest.mark.parametrize("encoding,expected", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with byte order mark"),
                                               ("cp1252", "Windows-1252")])
def test_encodings(encoding, expected, store, framework, geography):
    data = csv_bytes("place_code,governance_note", "bolton,Partnership board – café meeting", encoding=encoding)
    p = imports.prepare("places", data, "p.csv", target(store, framework, geography))
    assert p.encoding == expected and p.changed[0]["new"] == "Partnership board – café meeting"


@pytest.mark.parametrize("data,message", [
    (b"", "p.csv: is empty"),
    (b"   \n\n", "p.csv: is empty"),
    (b"\xff\xfep\x00l\x00", "is UTF-16 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "is not a text (CSV) file or an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old-style Excel workbook (.xls)"),
    (b"PK\x03\x04broken", "is not a readable Excel workbook"),
    (b"a,b\n1,2\n", "has no header row with the column(s) place_code in its first 20 rows (the first row holds: a, b)"),
    (b"place_code,governance_modle\nQOP-bolton,x\n", "unknown column(s) 'governance_modle' (did you mean "
                                                     "'governance_model'?)"),
    (b"place_code,place_code\nQOP-bolton,x\n", "has the column 'place_code' twice"),
    (b"place_code\n\x81\x8d\x8f\n", "is neither UTF-8 nor Windows-1252 text"),
])
def test_unreadable_files_name_the_file_and_the_problem(data, message, store, framework, geography):
    with pytest.raises(DataError, match=re.escape(message)):
        imports.prepare("places", data, "p.csv", target(store, framework, geography))


def test_title_rows_above_the_header_are_skipped_in_csv_and_excel(store, framework, geography):
    data = csv_bytes("Bolton governance update", "Prepared 2026-11-01", "", "Place_Code,Governance Model",
                     "bolton,place_board")
    p = imports.prepare("places", data, "p.csv", target(store, framework, geography))
    assert p.changed[0]["column"] == "governance_model" and "2 row(s) above the header" in p.notes[0]
    book = Workbook()
    book.active.append(["A title"])
    book.active.append(["place_code", "sap_dual_role"])
    book.active.append(["bolton", "maybe"])
    buffer = io.BytesIO()
    book.save(buffer)
    p = imports.prepare("places", buffer.getvalue(), "p.xlsx", target(store, framework, geography))
    assert [(r.line, r.column) for r in p.rejected] == [(3, "sap_dual_role")]


# --------------------------------------------------------------------------- one transaction or nothing

def test_apply_is_all_or_nothing(any_store, framework, geography):
    t = target(any_store, framework, geography)
    p = imports.prepare("gp_practices", MOVED, "map.csv", t, BOLTON_COUNTS, "counts.csv")
    before = any_store.data_version()
    p.rows["pcns.csv"][_BEFORE] = {"broken": object()}              # cannot be stored: fails mid-transaction
    with pytest.raises(TypeError):
        imports.apply(any_store, p, "tester", framework)
    with any_store.engine.connect() as conn:
        assert conn.execute(reference_rows.select()).all() == []
        assert len(conn.execute(audit_log.select()).all()) == before
    assert any_store.reference_version() == 0
    p = imports.prepare("gp_practices", MOVED, "map.csv", t, BOLTON_COUNTS, "counts.csv")
    imports.apply(any_store, p, "tester", framework)
    overlay = any_store.reference_overlay()
    assert sorted(overlay["pcns.csv"]) == sorted([_BEFORE, _AFTER]) and list(overlay["practices.csv"]) == [_PRACTICE]


def test_a_stale_preview_writes_nothing(any_store, framework, geography, reference):
    first = imports.prepare("gp_practices", MOVED, "map.csv", target(any_store, framework, geography))
    forget = dataclasses.replace(target(any_store, framework, geography), reference=dataclasses.replace(
        reference, practices=reference.practices.iloc[:0]))             # placed by sub-ICB location: changes
    second = imports.prepare("gp_practices", SUB_ICB_2022, "map.csv", forget)
    assert first.changes and second.changes
    imports.apply(any_store, first, "tester", framework)
    with pytest.raises(IcsdashError, match="the data changed since this preview was made"):
        imports.apply(any_store, second, "tester", framework)
    assert set(reloaded(any_store).pcns.query("icb_ods_code == 'QXU'")["source"]) == {"nhs england"}  # unchanged


def test_nothing_to_import_is_refused(store, framework, geography):
    p = imports.prepare("places", csv_bytes("place_code", "bolton"), "p.csv", target(store, framework, geography))
    with pytest.raises(IcsdashError, match="there is nothing to import"):
        imports.apply(store, p, "tester", framework)


# --------------------------------------------------------------------------- the command line

def test_command_line_previews_then_applies(tmp_path, capsys):
    config = write_config(tmp_path)
    path = tmp_path / "gp-reg-pat-prac-map.csv"
    path.write_bytes(MOVED)
    assert cli.main(["--config", str(config), "import", "gp_practices", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 to add, 2 to change, 0 to remove" in out and "Nothing written" in out
    assert "Practices: 0 to add, 1 to change, 0 to remove." in out
    store = Store.open(load_config(config).database_url)
    assert store.reference_version() == 0
    assert cli.main(["--config", str(config), "import", "gp_practices", str(path), "--apply"]) == 0
    assert "imported: 3 row(s) written" in capsys.readouterr().out
    assert store.reference_version() > 0
    assert cli.main(["--config", str(config), "import", "pcns", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv: cannot be read" in capsys.readouterr().err
    assert cli.main(["--config", str(config), "template", "pcns", "--format", "xlsx", "-o",
                     str(tmp_path / "t.xlsx")]) == 0
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == ["pcns", "Columns"]


# --------------------------------------------------------------------------- random and mutated files

FRAMEWORK = load_framework(DATA / "frameworks" / "scirocco_style.yaml")
SEEDS = {
    "places": csv_bytes("place_code,governance_model,delegated_budget_gbp_m,population",
                        "bolton,place_board,250,296000", "bury,joint_committee,,"),
    "pcns": csv_bytes("pcn_code,pcn_name,place_code,list_size,gp_practices,latitude,longitude",
                      "U99001,Bolton Imported PCN,bolton,41000,6,,", "U99004,Wigan PCN,wigan,,3,53.54,-2.63"),
    "assessments": csv_bytes("place_code,round,kind,stakeholder_group,participant,submitted_on," + ",".join(
        f"{d},{d}_justification" for d in FRAMEWORK.dimension_ids),
        "bolton,2025/26,individual,icb,P1,2026-03-10," + ",".join("3,Because" for _ in FRAMEWORK.dimension_ids)),
    "gp_practices": BOLTON,
    "epcn": make_fixtures.epcn_frimley(),
}


def mutate(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "lines", "encode", "cells"]))
    if kind == "truncate":
        return data[:draw(st.integers(0, len(data)))]
    if kind == "flip":
        i = draw(st.integers(0, max(0, len(data) - 1)))
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    if kind == "insert":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(max_size=40)) + data[i:]
    if kind == "lines":
        lines = data.split(b"\n")
        return b"\n".join(draw(st.permutations(lines))[:draw(st.integers(0, len(lines)))])
    if kind == "encode":
        try:
            return data.decode("utf-8").encode(draw(st.sampled_from(["utf-16", "cp1252", "latin-1", "utf-8-sig"])),
                                                 errors="replace")
        except UnicodeDecodeError:
            return data
    text = draw(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
    return data.replace(b",", ("," + text + ",").encode("utf-8"), 1)


@pytest.mark.slow                      # a hostile-input test: 40 random and mutated files (about 13 s)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_random_and_mutated_files_give_only_clear_errors(store, framework, geography, data):
    kind = data.draw(st.sampled_from([f.key for f in imports.FORMATS]))
    seed = SEEDS[kind]
    content = data.draw(st.binary(max_size=300)) if data.draw(st.booleans()) else mutate(seed, data.draw)
    try:
        preview = imports.prepare(kind, content, "random.csv", target(store, framework, geography))
    except IcsdashError as error:
        assert error.source and error.message and "Traceback" not in str(error)
    else:
        for reject in preview.rejected:
            assert reject.line >= 1 and reject.reason


# --------------------------------------------------------------------------- the Admin page

def admin_page(tmp_path, monkeypatch, tab="Import"):
    """The Admin page, signed in as an administrator, on its own database, with ``tab`` open (only the open
    tab is drawn); and that database's store."""
    config = write_config(tmp_path)
    monkeypatch.setenv("ICSDASH_CONFIG", str(config))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    at = settled(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    store = Store.open(load_config(config).database_url)
    at.sidebar.text_input(key="access_code").input(store.create_access_code("test", "admin", None, "Admin")).run()
    at.session_state["admin_tab"] = tab                 # as a click on the tab does
    at.switch_page("pages/admin.py").run()
    return at, store


def test_admin_previews_then_imports_and_every_page_follows(tmp_path, monkeypatch, reference):
    at, store = admin_page(tmp_path, monkeypatch)
    at.selectbox(key="import_kind").select("gp_practices").run()
    at.file_uploader(key="import_file_gp_practices_0").set_value(
        ("gp-reg-pat-prac-map.csv", MOVED, "text/csv")).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown).replace("\\", "")         # file names are escaped
    bolton_pcns = int((reference.pcns["place_code"] == "bolton").sum())
    assert "gp-reg-pat-prac-map.csv** (UTF-8): 0 to add, 2 to change, 0 to remove, 0 rejected row(s)" in text
    assert {"To add (0)", "To change (2)", "To remove (0)", "Rejected (0)", "Guesses (0)",
            f"How each PCN was placed ({bolton_pcns})"} <= {t.label for t in at.tabs}
    assert f"Placed {bolton_pcns} PCN(s): {bolton_pcns} by their practices' locations, 0 by their sub-ICB location, " \
           "0 by a guess." in [i.value.replace("\\", "") for i in at.info]
    assert store.reference_version() == 0                               # nothing written by the preview
    at.button(key="import_confirm").click().run()
    assert not at.exception and not at.error
    assert "Imported gp-reg-pat-prac-map.csv: 0 to add, 2 to change" in at.success[0].value.replace("\\", "")
    assert store.reference_version() > 0
    at.switch_page("pages/overview.py").run()
    figures = {m.label: m.value for m in at.metric}
    assert figures["Primary care networks"] == f"{len(reference.pcns):,}"
    # A bad file: a clear message, nothing written.
    at.switch_page("pages/admin.py").run()
    at.selectbox(key="import_kind").select("places").run()
    at.file_uploader(key="import_file_places_1").set_value(("places.csv", b"\x00\x01binary", "text/csv")).run()
    assert "places.csv" in at.error[0].value and "is not a text (CSV) file" in at.error[0].value
    assert not at.exception


def test_admin_backs_up_and_restores(tmp_path, monkeypatch):
    at, store = admin_page(tmp_path, monkeypatch, tab="Backup")
    at.button(key="backup_make").click().run()
    saved = at.session_state["backup_file"][0]
    assessments = len(store.latest_scores())
    store.add_round("test", "2031/32")
    at.file_uploader(key="restore_file_0").set_value(("monday.zip", saved, "application/zip")).run()
    assert "monday.zip: backup of" in at.info[-1].value.replace("\\", "")
    assert at.button(key="restore_confirm").disabled                  # not until the box is ticked
    at.checkbox(key="restore_sure").check().run()
    at.button(key="restore_confirm").click().run()
    assert not at.exception and at.success[0].value.startswith("Restored the backup of")
    assert "2031/32" not in store.round_labels() and len(store.latest_scores()) == assessments
    at.file_uploader(key="restore_file_1").set_value(("junk.zip", b"not a zip", "application/zip")).run()
    assert "junk.zip" in at.error[0].value and "is not an icsdash backup" in at.error[0].value


# --------------------------------------------------------------------------- a new format is one entry

def test_a_new_format_is_one_registry_entry(tmp_path, monkeypatch, capsys):
    """A made-up format added to ``imports.FORMATS`` and nowhere else reaches ``prepare``, the command line
    (import and template) and the Admin page (its label, caption, template and counts uploader)."""
    seen = []

    def read(data, name, target, counts=None, counts_name=None, actor="import"):
        seen.append((name, counts is not None))
        return imports.Preview(kind="practice_list", file_name=name, encoding="UTF-8", based_on=target.imported,
                               notes=["Read by the made-up format."])

    made_up = imports.ImportFormat("practice_list", "A practice list (made up for this test)",
                                   "A format that exists only in this test.", read,
                                   template=lambda framework: imports.pcn_template_columns(), takes_counts=True)
    monkeypatch.setattr(imports, "FORMATS", imports.FORMATS + (made_up,))
    (tmp_path / "cli").mkdir()
    config = write_config(tmp_path / "cli")
    path = tmp_path / "list.csv"
    path.write_bytes(b"code,name\nA81001,The Densham Surgery\n")
    assert cli.main(["--config", str(config), "import", "practice_list", str(path), "--counts", str(path)]) == 0
    assert "  note: Read by the made-up format." in capsys.readouterr().out and seen == [("list.csv", True)]
    assert cli.main(["--config", str(config), "template", "practice_list", "-o", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("pcn_code,pcn_name,place_code")
    (tmp_path / "admin").mkdir()
    at, _ = admin_page(tmp_path / "admin", monkeypatch)
    at.selectbox(key="import_kind").select("practice_list").run()
    assert "A format that exists only in this test." in [c.value for c in at.caption]
    assert {"Template (CSV)", "Template (Excel)"} <= {d.label for d in at.get("download_button")}
    at.file_uploader(key="import_file_practice_list_0").set_value(("list.csv", path.read_bytes(), "text/csv")).run()
    assert not at.exception and "Read by the made-up format." in [i.value.replace("\\", "") for i in at.info]
    assert at.file_uploader(key="import_counts_practice_list_0") is not None
