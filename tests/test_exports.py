"""Downloads: tables as CSV and Excel, charts and static maps as PNG and SVG; in the app, a menu per element."""

from __future__ import annotations

import io
import json
import struct
import xml.etree.ElementTree as ET
from datetime import datetime

import altair as alt
import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from icsdash import charts, exports, geography, maps, ui
from icsdash.measures import MEASURES_BY_KEY
from icsdash.palettes import NO_DATA

from conftest import DATA, ROOT, write_config

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def svg_lines(svg: str) -> list[str]:
    """Every line of text in an SVG picture (a text of several lines holds one tspan per line)."""
    lines = []
    for text in ET.fromstring(svg).iter(f"{SVG}text"):
        spans = list(text.iter(f"{SVG}tspan"))
        lines += [span.text for span in spans] if spans else [text.text]
    return lines


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Place": ["Bolton", "Wigan", "Ŷnys Môn & £"],
        "Score": [3, 4, 2],
        "Median": [2.5, np.nan, 3.25],
        "Change": ["+0.4", "-0.4", "No data"],
    })


# --------------------------------------------------------------------------- tables

@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A3)", "'@SUM(A1:A3)"),
    ("\tTab", "'\tTab"),
    ("-0.4", "-0.4"),                 # a signed number written as text runs nothing
    ("+12%", "+12%"),
    ("-", "'-"),
    ("Joint committee", "Joint committee"),
    ("", ""),
    (7, 7),
])
def test_formula_like_text_is_neutralised(value, written):
    assert exports.neutralise(value) == written


def test_csv_round_trip_with_bom():
    data = exports.table_csv(frame())
    assert data.startswith(b"\xef\xbb\xbf")                               # Excel reads it as UTF-8
    assert data.splitlines()[0] == b"\xef\xbb\xbfPlace,Score,Median,Change"
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"Change": str})
    pd.testing.assert_frame_equal(back, frame(), check_dtype=False)
    assert back["Score"].tolist() == [3, 4, 2] and back["Place"][2] == "Ŷnys Môn & £"


def test_csv_neutralises_formula_cells_and_headers():
    hostile = pd.DataFrame({"=Name": ["=1+1", "@A1", "Ann"], "Note": ["+x", "-0.5", "ok"]})
    back = pd.read_csv(io.BytesIO(exports.table_csv(hostile)), encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == ["'=Name", "Note"]
    assert back["'=Name"].tolist() == ["'=1+1", "'@A1", "Ann"]
    assert back["Note"].tolist() == ["'+x", "-0.5", "ok"]


def test_csv_keeps_an_index_only_when_it_means_something():
    mix = pd.DataFrame({"group": ["London", "London", "North West"], "label": ["Place board", "Joint committee",
                                                                              "Place board"], "places": [3, 2, 5]})
    pivot = mix.pivot_table(index="group", columns="label", values="places", aggfunc="sum")
    lines = exports.table_csv(pivot).decode("utf-8-sig").splitlines()
    assert lines == ["group,Joint committee,Place board", "London,2.0,3.0", "North West,,5.0"]
    filtered = mix[mix["places"] > 2]                                      # row numbers 0 and 2: not data
    assert exports.table_csv(filtered).decode("utf-8-sig").splitlines()[0] == "group,label,places"
    assert exports.table_csv(pivot, index=False).decode("utf-8-sig").splitlines()[0] == \
        "Joint committee,Place board"


def test_excel_has_a_bold_header_typed_values_and_the_note():
    table = frame().assign(When=pd.Timestamp("2026-03-01 09:30", tz="UTC"), Flag=[True, False, True],
                           Formula=["=1+1", "x", None])
    book = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx(table, note="Illustrative data: invented.",
                                                                title="Scores")))
    assert book.sheetnames == ["Data", "Notes"]
    sheet = book["Data"]
    assert [c.value for c in sheet[1]] == ["Place", "Score", "Median", "Change", "When", "Flag", "Formula"]
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0] == ["Bolton", 3, 2.5, "+0.4", datetime(2026, 3, 1, 9, 30), True, "'=1+1"]
    assert rows[1][:3] == ["Wigan", 4, None] and rows[2][6] is None         # NaN and None: empty cells
    assert isinstance(rows[0][1], int) and isinstance(rows[0][2], float)
    assert sheet["G2"].data_type == "s"                                     # text, never a formula
    assert sheet["B2"].number_format == "#,##0"
    assert sheet.column_dimensions["A"].width == len("Ŷnys Môn & £") + 2
    assert sheet.max_row == 4
    assert [c.value for (c,) in book["Notes"].iter_rows()] == ["Scores", "Illustrative data: invented."]


def test_excel_without_a_note_has_one_sheet_and_a_safe_name():
    book = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx(frame(), sheet="Scores: 2025/26 [draft]")))
    assert book.sheetnames == ["Scores  2025 26  draft"]


def test_csv_and_excel_name_the_boundaries_in_a_last_column():
    data = exports.table_csv(frame(), boundaries="April 2026 (36 ICBs)")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"Change": str})
    assert list(back.columns) == ["Place", "Score", "Median", "Change", "Boundaries"]
    assert back["Boundaries"].tolist() == ["April 2026 (36 ICBs)"] * 3
    pd.testing.assert_frame_equal(back.drop(columns="Boundaries"), frame(), check_dtype=False)
    book = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx(frame(), title="Places", note="Illustrative.",
                                                                boundaries="April 2023 (42 ICBs)")))
    rows = [[c.value for c in row] for row in book["Data"].iter_rows()]
    assert rows[0][-1] == "Boundaries" and [r[-1] for r in rows[1:]] == ["April 2023 (42 ICBs)"] * 3
    assert [c.value for (c,) in book["Notes"].iter_rows()] == ["Places", "Boundaries: April 2023 (42 ICBs)",
                                                              "Illustrative."]
    own = frame().assign(Boundaries="April 2023")                          # a table that says it already
    assert exports.table_csv(own, boundaries="April 2026 (36 ICBs)").decode("utf-8-sig").splitlines()[0] == \
        "Place,Score,Median,Change,Boundaries"
    assert "April 2026" not in exports.table_csv(own, boundaries="April 2026 (36 ICBs)").decode("utf-8-sig")


def test_excel_writes_a_pivot_tables_rows():
    pivot = pd.DataFrame({"London": [2, 3]}, index=pd.Index(["Joint committee", "Place board"], name="label"))
    sheet = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx(pivot))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["label", "London"], ["Joint committee", 2], ["Place board", 3]]


# --------------------------------------------------------------------------- charts

def bars() -> alt.LayerChart:
    data = pd.DataFrame({"key": ["a", "b"], "label": ["Joint committee", "Place board"], "places": [3, 5]})
    return charts.category_bars(data, "key", "label", "places", "Places by governance model")


def fixed_size() -> dict:
    return {"width": 300, "height": 200, "autosize": {"type": "none"}, "padding": 0, "title": "Fixed",
            "data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}


@pytest.mark.parametrize("scale, size", [(1, (300, 200)), (2, (600, 400)), (3, (900, 600))])
def test_png_has_the_signature_and_its_size_follows_the_scale(scale, size):
    picture = exports.chart_png(fixed_size(), scale=scale)
    assert picture[:8] == PNG_SIGNATURE
    assert struct.unpack(">II", picture[16:24]) == size


def test_png_of_a_chart_is_twice_its_svg_size_by_default():
    svg = ET.fromstring(exports.chart_svg(bars()))
    width, height = int(svg.get("width")), int(svg.get("height"))
    assert struct.unpack(">II", exports.chart_png(bars())[16:24]) == (2 * width, 2 * height)


def test_svg_parses_and_carries_the_title_as_text():
    svg = ET.fromstring(exports.chart_svg(bars()))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Places by governance model" in texts
    assert {"Joint committee", "Place board", "3", "5"} <= set(texts)


@pytest.mark.parametrize("chart", [bars(), bars().properties(title=alt.TitleParams("Mix", subtitle="All places")),
                                   alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")],
                         ids=["titled", "with a subtitle", "untitled"])
def test_a_charts_picture_names_the_boundaries_under_its_title(chart):
    texts = svg_lines(exports.chart_svg(chart, boundaries="April 2026 (36 ICBs)"))
    assert "Boundaries: April 2026 (36 ICBs)" in texts
    assert "Boundaries: April 2026 (36 ICBs)" not in svg_lines(exports.chart_svg(chart))
    if "subtitle" in str(exports.chart_spec(chart).get("title")):
        assert texts.index("All places") < texts.index("Boundaries: April 2026 (36 ICBs)")
    plain, signed = exports.chart_png(chart, scale=1), exports.chart_png(chart, scale=1, boundaries="April 2026")
    assert struct.unpack(">II", signed[16:24])[1] > struct.unpack(">II", plain[16:24])[1]     # a line taller


def test_a_chart_that_fills_its_container_gets_a_fixed_width():
    spec = exports.chart_spec(bars().properties(width="container"))
    assert spec["width"] == exports.EXPORT_WIDTH
    assert int(ET.fromstring(exports.chart_svg(spec)).get("width")) > exports.EXPORT_WIDTH


def test_nothing_is_fetched_while_rendering():
    remote = {"data": {"url": "https://example.com/data.json"}, "mark": "point"}
    with pytest.raises(ValueError, match="External data url not allowed"):
        exports.chart_svg(remote)
    with pytest.raises(ValueError, match="External data url not allowed"):
        exports.chart_png(remote)


@pytest.mark.parametrize("title, ext, name", [
    ("Places by governance model", "csv", "places-by-governance-model.csv"),
    ("Median budget per head (£) · North West", "XLSX", "median-budget-per-head-north-west.xlsx"),
    ("Évaluation: Bolton/Wigan", "png", "evaluation-bolton-wigan.png"),
    ("../../etc/passwd", "svg", "etc-passwd.svg"),
    ("", "png", "icsdash.png"),
    ("x" * 200, "csv", "x" * 80 + ".csv"),
])
def test_filenames_are_safe(title, ext, name):
    assert exports.filename(title, ext) == name


# --------------------------------------------------------------------------- static maps

@pytest.fixture(scope="module")
def geo(reference):
    return geography.load_geography(DATA, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]), reference.icb_boundaries)


def features(chart, layer: int) -> list[dict]:
    import json
    return json.loads(exports.chart_spec(chart)["hconcat"][0]["layer"][layer]["data"]["values"])["features"]


def legend_rows(chart) -> list[dict]:
    legend = exports.chart_spec(chart)["hconcat"][1]
    return next(layer["data"]["values"] for layer in legend["layer"] if layer["mark"]["type"] == "rect"
                and isinstance(layer["data"]["values"], list) and layer["data"]["values"] and
                "colour" in layer["data"]["values"][0])


def test_map_of_england_has_one_feature_per_place_in_the_legends_colours(reference, geo):
    measure = MEASURES_BY_KEY["governance_model"]
    colours, legend = maps.colour_places(reference.places, measure)
    chart = exports.map_chart(geo, reference.places, measure, legend)
    fills = exports.fill_colours(chart)
    assert sorted(fills) == sorted(reference.places["place_code"]) and len(fills) == len(reference.places) == 169
    assert fills == colours.to_dict()                                     # the served layer's colours exactly
    assert set(fills.values()) == {item.colour for item in legend.items}
    bolton = reference.places.set_index("place_code").loc["bolton", "governance_model"]
    assert fills["bolton"] == legend.colours[bolton]
    counts = reference.places["governance_model_label"].value_counts()
    assert [(r["colour"], r["text"]) for r in legend_rows(chart)] == [
        (item.colour, f"{item.label} ({counts[item.label]})") for item in legend.items]
    assert len(features(chart, 2)) == 42 and len(features(chart, 3)) == 7   # ICS and region borders
    assert exports.chart_spec(chart)["title"]["text"] == "Governance model"


def test_map_of_a_region_shows_its_places_and_greys_the_rest(reference, geo):
    measure = MEASURES_BY_KEY["population"]
    colours, national = maps.colour_places(reference.places, measure)
    london = reference.places[reference.places["region_name"] == "London"]
    legend = maps.focus_legend(national, london, measure)
    chart = exports.map_chart(geo, reference.places, measure, legend, london, title="Population · London",
                              highlight="lambeth")
    fills = exports.fill_colours(chart)
    assert set(london["place_code"]) < set(fills) and len(fills) < 100     # neighbours only, not all England
    assert all(fills[c] == colours[c] for c in london["place_code"])
    assert {fills[c] for c in set(fills) - set(london["place_code"])} == {exports.OUTSIDE_FOCUS}
    assert [r["text"] for r in legend_rows(chart)] == [f"Outside the filters ({len(reference.places) - len(london)})"]
    spec = exports.chart_spec(chart)
    assert spec["hconcat"][0]["layer"][-1]["mark"]["stroke"] == exports.HIGHLIGHT
    assert [f["properties"]["code"] for f in features(chart, -1)] == ["lambeth"]
    svg = ET.fromstring(exports.chart_svg(chart))
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"Population · London", "Population", national.low, national.high} <= texts


def test_a_static_map_names_the_boundaries_of_its_ics_borders(reference, geo):
    measure = MEASURES_BY_KEY["governance_model"]
    _, legend = maps.colour_places(reference.places, measure)
    chart = exports.map_chart(geo, reference.places, measure, legend, boundaries=reference.boundaries)
    assert exports.chart_spec(chart)["title"]["subtitle"] == (
        "Boundaries: April 2023 (42 ICBs); ONS, OGL v3; contains OS data © Crown copyright and database right.")
    assert len(features(chart, 2)) == 42                                  # the borders drawn are that vintage's


def test_missing_values_are_no_data_in_the_map_and_its_legend(reference, geo):
    measure = MEASURES_BY_KEY["overall_maturity"]
    summary = reference.places[["place_code"]].assign(overall_maturity=[np.nan] * 10 + [3.0] * (len(reference.places) - 10))
    _, legend = maps.colour_places(summary, measure)
    chart = exports.map_chart(geo, summary, measure, legend)
    fills = exports.fill_colours(chart)
    assert sum(c == NO_DATA for c in fills.values()) == 10
    assert [r["text"] for r in legend_rows(chart)] == ["No data (10)"]


def test_rings_are_wound_for_d3():
    anticlockwise = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]               # GeoJSON's right-hand rule
    wound = exports._clockwise({"type": "Polygon", "coordinates": [anticlockwise, anticlockwise]})
    assert wound["coordinates"][0] == anticlockwise[::-1] and wound["coordinates"][1] == anticlockwise


# --------------------------------------------------------------------------- in the app

def test_download_keys_come_from_names_and_stay_unique():
    ui.state._RUN.export_keys = {}
    assert [ui.render._export_key("table", n) for n in ("Places", "Places", "Then and now", "")] == [
        "export_table_places", "export_table_places_2", "export_table_then-and-now", "export_table_table"]
    assert ui.chart_title(bars()) == "Places by governance model"
    assert ui.chart_title(alt.Chart(pd.DataFrame({"a": [1]})).mark_point()) == ""


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


class Offered(dict):
    """Download buttons by key (see :func:`offered`), and the keys of the 'Download' menus drawn."""
    menus: list[str]


@pytest.fixture
def offered(monkeypatch) -> Offered:
    """Every download the app offers in its latest run, by key: file name, type and the deferred callable that
    Streamlit runs on a click (AppTest has no server to serve the file). The buttons exist only while their
    menu is open: :func:`open_menus` opens every menu, as clicks on them would."""
    import streamlit as st
    made = Offered()
    made.menus = []
    button, menu = st.download_button, st.popover

    def keep(label, data, *args, key=None, **kwargs):
        made[key] = {"label": label, "data": data, **kwargs}
        return button(label, data, *args, key=key, **kwargs)

    def listed(label, *args, key=None, **kwargs):
        made.menus.append(key)
        return menu(label, *args, key=key, **kwargs)

    monkeypatch.setattr(st, "download_button", keep)
    monkeypatch.setattr(st, "popover", listed)
    return made


def open_menus(app, offered: Offered):
    """Open every 'Download' menu of the page's last run (each click on one reruns the page), then rerun."""
    for key in dict.fromkeys(offered.menus):
        app.session_state[key] = True
    offered.menus.clear()
    return app.run()


OVERVIEW_DOWNLOADS = {
    "export_map_map_png": "governance-model-england.png", "export_map_map_svg": "governance-model-england.svg",
    "export_chart_governance-model-chosen_png": "governance-model-chosen-by-each-place.png",
    "export_chart_governance-model-chosen_svg": "governance-model-chosen-by-each-place.svg",
    "export_chart_self-assessment-status_png": "self-assessment-in-2026-27.png",
    "export_chart_self-assessment-status_svg": "self-assessment-in-2026-27.svg",
    "export_table_places_csv": "places.csv", "export_table_places_xlsx": "places.xlsx"}


def test_every_table_chart_and_map_has_downloads_and_presenting_hides_them(app, offered):
    app.run()
    assert not app.exception, app.exception
    assert len(app.main.get("popover")) == 4 and not app.main.get("download_button")   # menus closed: no buttons
    open_menus(app, offered)
    buttons = app.main.get("download_button")
    assert [b.key for b in buttons] == list(OVERVIEW_DOWNLOADS)
    assert [b.label for b in buttons] == ["PNG image", "SVG image"] * 3 + ["CSV", "Excel"]
    ours = {k: d for k, d in offered.items() if k.startswith("export_")}
    assert {k: d["file_name"] for k, d in ours.items()} == OVERVIEW_DOWNLOADS
    assert {d["mime"] for d in ours.values()} == {"image/png", "image/svg+xml", "text/csv", exports.MIME["xlsx"]}
    assert all(callable(d["data"]) and d["on_click"] == "ignore" for d in ours.values())   # made on a click
    assert len(app.main.get("popover")) == 4

    app.switch_page("pages/governance.py").run()
    assert not app.exception, app.exception
    keys = [b.key for b in open_menus(app, offered).main.get("download_button")]
    # The open tab: 2 charts, 1 map and 2 tables, two formats each; a chart and a table sharing a name keep
    # apart by kind
    assert len(keys) == 10 and len(set(keys)) == 10
    assert {"export_table_models-by-area_csv", "export_chart_models-by-area_png"} <= set(keys)
    picture = offered["export_chart_models-by-area_png"]["data"]()
    assert picture[:8] == PNG_SIGNATURE
    app.session_state["governance_tab"] = "Money"                   # another tab: its own downloads
    app.run()
    keys = [b.key for b in open_menus(app, offered).main.get("download_button")]
    assert len(keys) == 6 and {"export_chart_delegated-per-head_svg", "export_chart_pooled-per-head_svg",
                               "export_table_money-by-model_xlsx"} <= set(keys)

    app.sidebar.toggle(key="present_switch").set_value(True).run()          # presenter mode: a clean projector
    assert not app.exception, app.exception
    assert app.title[0].value.startswith("Integrated care") and app.get("vega_lite_chart")
    assert not app.main.get("download_button") and not app.main.get("popover")


@pytest.mark.parametrize("vintage, label, icbs", [("2023-04", "April 2023", 42), ("2026-04", "April 2026", 36)])
def test_every_download_names_the_boundaries_shown(tmp_path, monkeypatch, offered, vintage, label, icbs):
    """The Overview's table, chart and map downloads, and the map's tooltip, in either vintage."""
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"data.vintage": vintage})))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    open_menus(app, offered)
    boundaries = f"{label} ({icbs} ICBs)"
    back = pd.read_csv(io.BytesIO(offered["export_table_places_csv"]["data"]()), encoding="utf-8-sig")
    assert back.columns[-1] == "Boundaries" and set(back["Boundaries"]) == {boundaries}
    assert back["ICS"].nunique() == icbs                                   # the ICSs listed are that vintage's
    book = openpyxl.load_workbook(io.BytesIO(offered["export_table_places_xlsx"]["data"]()))
    assert f"Boundaries: {boundaries}" in [c.value for (c,) in book["Notes"].iter_rows()]
    assert [c.value for c in book.active[1]][-1] == "Boundaries"
    chart = offered["export_chart_governance-model-chosen_svg"]["data"]()
    assert f"Boundaries: {boundaries}" in svg_lines(chart)
    picture = offered["export_map_map_svg"]["data"]()
    subtitle = f"Boundaries: {boundaries}; ONS, OGL v3; contains OS data © Crown copyright and database right."
    assert subtitle in svg_lines(picture)
    deck = app.get("deck_gl_json_chart")[0].proto
    assert "<br/>{where}<br/>" in json.loads(deck.tooltip)["html"]
    places_url = next(layer["data"] for layer in json.loads(deck.json)["layers"] if layer["id"] == "places")
    served = json.loads((ROOT / "static" / "generated" / places_url.rsplit("/", 1)[1]).read_text())
    wheres = {f["properties"]["where"] for f in served["features"]}
    assert len(wheres) > 1 and all(w.count(f" ICS ({label} boundaries) · ") == 1 for w in wheres)


def test_anonymised_downloads_hold_only_what_is_shown(app, offered):
    app.run()
    app.sidebar.toggle(key="anonymise_switch").set_value(True).run()
    assert not app.exception, app.exception
    open_menus(app, offered)
    shown = app.dataframe[-1].value
    text = offered["export_table_places_csv"]["data"]().decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype=str)
    assert back["Place"].tolist() == shown["Place"].tolist()
    assert back["Place"].str.fullmatch(r"Place [A-Z]+").all() and "Bolton" not in text
    notes = openpyxl.load_workbook(io.BytesIO(offered["export_table_places_xlsx"]["data"]()))["Notes"]
    assert "replaced by labels (anonymised)" in " ".join(str(c.value) for (c,) in notes.iter_rows())
    svg = offered["export_map_map_svg"]["data"]()
    assert "Bolton" not in svg and "Governance model" in svg


def test_the_explorers_map_downloads_as_drawn(app, offered):
    app.run()
    app.switch_page("pages/map.py").run()
    app.selectbox(key="explorer_search").select("place:bolton").run()      # opens its ICS, selects it
    assert not app.exception, app.exception
    open_menus(app, offered)
    assert offered["export_map_map_png"]["file_name"] == \
        "governance-model-england-north-west-greater-manchester-ics.png"
    svg = offered["export_map_map_svg"]["data"]()
    texts = {t.text for t in ET.fromstring(svg).iter(f"{SVG}text")}
    assert "Governance model · England › North West › Greater Manchester ICS" in texts
    assert f"Outside the filters ({169 - 10})" in texts                     # Greater Manchester's ten places
    assert svg.count(f'stroke="{exports.HIGHLIGHT}"') == 1                  # Bolton outlined, as on screen


def test_a_new_download_format_needs_only_its_registry_entry(app, offered, monkeypatch):
    """A made-up format (tab-separated text) added to exports.FORMATS alone is offered under every table, named
    and typed as its entry says, and makes the table's rows."""
    tsv = exports.ExportFormat("tsv", "Tab-separated", "text/tab-separated-values", "table",
                               lambda frame, e: frame.to_csv(sep="\t", index=False).encode())
    monkeypatch.setattr(exports, "FORMATS", (*exports.FORMATS, tsv))
    open_menus(app.run(), offered)
    assert not app.exception, app.exception
    made = offered["export_table_places_tsv"]
    assert (made["label"], made["file_name"], made["mime"]) == ("Tab-separated", "places.tsv",
                                                                  "text/tab-separated-values")
    rows = made["data"]().decode().splitlines()
    assert rows[0].split("\t")[:2] == ["Place", "ICS"] and len(rows) == 1 + 42 * 0 + len(rows) - 1
    assert "export_chart_governance-model-chosen_tsv" not in offered           # pictures do not offer it
