"""Downloads, as plain Python: tables as CSV and Excel, charts and static maps as PNG and SVG.

Everything here runs only when someone clicks a download (the app passes
these functions to Streamlit as deferred data), never on a rerun. Charts are
rendered locally by vl-convert with every external URL refused, so an export
works with no internet and can never fetch anything a chart names.

Text cells are user text (names, labels, justifications): a cell that a
spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) is written with a leading apostrophe.

Every download can say which boundary vintage its ICSs and regions belong to
(``boundaries``, :attr:`icsdash.reference.Reference.boundaries`: 'April 2026 (36
ICBs)'): a table gets a last column, :data:`BOUNDARIES_COLUMN`, and a line on its
workbook's Notes sheet; a chart or map a line under its title.
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import altair as alt
import pandas as pd
import vl_convert

from . import maps
from .geography import Geography
from .maps import Legend
from .measures import Measure
from .palettes import NO_DATA, rgb_to_hex

__all__ = ["FORMATS", "ExportFormat", "Export", "formats_for", "MIME", "BOUNDARIES_COLUMN", "table_csv", "table_xlsx", "chart_spec", "chart_png", "chart_svg",
           "map_chart", "filename", "slug", "neutralise", "fill_colours", "boundaries_line"]

EXPORT_WIDTH = 720                  # a chart that fills its container on screen gets this width in a file
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?%?")
BOUNDARIES_COLUMN = "Boundaries"       # a table's last column when its download names the boundary vintage


def boundaries_line(boundaries: str) -> str:
    """How a download names its boundary vintage.

    >>> boundaries_line("April 2026 (36 ICBs)")
    'Boundaries: April 2026 (36 ICBs)'
    """
    return f"Boundaries: {boundaries}"


# --------------------------------------------------------------------------- tables

def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe; other values as they are.

    A signed plain number written as text ('-0.4', '+12%') is left alone: no spreadsheet runs it.

    >>> [neutralise(v) for v in ("=1+1", "@SUM(A1)", "+44 20", "-0.4", "Place board", 3)]
    ["'=1+1", "'@SUM(A1)", "'+44 20", '-0.4', 'Place board', 3]
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not (
            value[:1] in "+-" and len(value) > 1 and _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def _label(value: Any) -> str:
    if isinstance(value, tuple):                  # MultiIndex columns
        return " · ".join(str(v) for v in value if str(v) != "")
    return str(value)


def _meaningful_index(frame: pd.DataFrame) -> bool:
    """An index worth writing: named (a pivot table's rows), several levels, or not a plain row number."""
    index = frame.index
    return (isinstance(index, pd.MultiIndex) or any(n is not None for n in index.names)
            or not pd.api.types.is_integer_dtype(index.dtype))


def _plain_frame(frame: pd.DataFrame, index: bool | None, boundaries: str | None = None) -> pd.DataFrame:
    """The frame as it is written: the index as leading columns when it means something, flat column labels,
    the boundary vintage as a last column (unless the table has one), formula-like text neutralised."""
    if index is None:
        index = _meaningful_index(frame)
    out = frame.reset_index() if index else frame.reset_index(drop=True)
    out.columns = [neutralise(_label(c)) for c in out.columns]
    if boundaries and BOUNDARIES_COLUMN not in out.columns:
        out[BOUNDARIES_COLUMN] = boundaries
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_datetime64_any_dtype(out[column])):
            out[column] = out[column].map(neutralise)
    return out


def table_csv(frame: pd.DataFrame, index: bool | None = None, boundaries: str | None = None) -> bytes:
    """The table as CSV in UTF-8 with a byte order mark (so Excel reads accents and '£' right).

    ``index``: write the index as the first column(s); None decides by whether it means something
    (a named or text index, as in a pivot table) or is only row numbers. ``boundaries`` ('April 2026 (36
    ICBs)') fills a last column, :data:`BOUNDARIES_COLUMN`, so the file says whose ICSs it counts.

    >>> table_csv(pd.DataFrame({"Place": ["=cmd"], "Score": [3]}))
    b"\\xef\\xbb\\xbfPlace,Score\\r\\n'=cmd,3\\r\\n"
    >>> table_csv(pd.DataFrame({"ICS": ["Thames Valley"]}), boundaries="April 2026 (36 ICBs)")
    b'\\xef\\xbb\\xbfICS,Boundaries\\r\\nThames Valley,April 2026 (36 ICBs)\\r\\n'
    """
    return _plain_frame(frame, index, boundaries).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _cell(value: Any) -> Any:
    """A value openpyxl writes as the right type: numbers as numbers, missing as empty, times without zone."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)     # Excel has no time zones: UTC
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()                       # numpy scalars
    if isinstance(value, (list, tuple, set, dict)):
        return str(value)
    return value


def _sheet_title(text: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", text).strip() or "Data"
    return cleaned[:31]


def table_xlsx(frame: pd.DataFrame, sheet: str = "Data", note: str | None = None, index: bool | None = None,
               title: str | None = None, boundaries: str | None = None) -> bytes:
    """The table as an Excel workbook: a bold, frozen header row, fitted column widths, numbers as numbers.

    ``note`` (for example 'Illustrative data: ...') goes on a second sheet, 'Notes', with ``title``; the data
    sheet stays a clean table that other tools can read. ``boundaries`` ('April 2026 (36 ICBs)') is a last
    column of the data, as in :func:`table_csv`, and a line of the notes ('Boundaries: April 2026 (36 ICBs)').
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    plain = _plain_frame(frame, index, boundaries)
    book = Workbook()
    data = book.active
    data.title = _sheet_title(sheet)
    data.append(list(plain.columns))
    for row in plain.itertuples(index=False, name=None):
        data.append([_cell(v) for v in row])
    for cell in data[1]:
        cell.font = Font(bold=True)
    data.freeze_panes = "A2"
    for number, column in enumerate(plain.columns, start=1):
        values = plain[column]
        width = max([len(str(column))] + [len(str(v)) for v in values.head(2000) if _cell(v) is not None])
        data.column_dimensions[get_column_letter(number)].width = min(max(width + 2, 8), 60)
        if pd.api.types.is_integer_dtype(values.dtype):
            for (cell,) in data.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.number_format = "#,##0"
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            for (cell,) in data.iter_rows(min_row=2, min_col=number, max_col=number):
                cell.number_format = "yyyy-mm-dd hh:mm"
    if note or title or boundaries:
        notes = book.create_sheet("Notes")
        for line in [title, boundaries and boundaries_line(boundaries), note]:
            if line:
                notes.append([neutralise(line)])
        notes.column_dimensions["A"].width = 100
        for (cell,) in notes.iter_rows():
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if title:
            notes["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- charts

def chart_spec(chart: alt.TopLevelMixin | dict, boundaries: str | None = None) -> dict:
    """A chart's Vega-Lite specification ready to render to a file: a chart that fills its container on screen
    gets a fixed width (:data:`EXPORT_WIDTH`); with ``boundaries``, a last line under its title names them.

    >>> chart_spec({"title": "Places", "mark": "point"}, boundaries="April 2026 (36 ICBs)")["title"]
    {'text': 'Places', 'subtitle': ['Boundaries: April 2026 (36 ICBs)']}
    """
    # Charts shown on the page were validated when drawn; a map's geometry takes seconds to validate.
    spec = chart.to_dict(validate=False) if hasattr(chart, "to_dict") else copy.deepcopy(chart)

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "width" and value == "container":
                    node[key] = EXPORT_WIDTH
                else:
                    fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(spec)
    if boundaries:
        spec["title"] = _subtitled(spec.get("title"), boundaries_line(boundaries))
    return spec


def _subtitled(title: Any, line: str) -> dict:
    """A Vega-Lite title with ``line`` as the last line of its subtitle (a chart without a title gets a blank
    one: Vega draws no subtitle under an empty title)."""
    title = dict(title) if isinstance(title, dict) else {"text": title if title not in (None, "") else " "}
    subtitle = title.get("subtitle")
    title["subtitle"] = [*([] if subtitle is None else [subtitle] if isinstance(subtitle, str) else subtitle), line]
    return title


def chart_png(chart: alt.TopLevelMixin | dict, scale: float = 2, boundaries: str | None = None) -> bytes:
    """The chart as a PNG, ``scale`` pixels per chart pixel, rendered locally (no URL is ever fetched);
    ``boundaries`` as for :func:`chart_spec`."""
    return vl_convert.vegalite_to_png(chart_spec(chart, boundaries), scale=scale, allowed_base_urls=[])


def chart_svg(chart: alt.TopLevelMixin | dict, boundaries: str | None = None) -> str:
    """The chart as SVG text, rendered locally (no URL is ever fetched); ``boundaries`` as for :func:`chart_spec`."""
    return vl_convert.vegalite_to_svg(chart_spec(chart, boundaries), allowed_base_urls=[])


def slug(text: str, limit: int = 80) -> str:
    """Lower-case ASCII letters and digits joined by hyphens ('' when nothing is left).

    >>> slug("Median budget per head (£) · North West")
    'median-budget-per-head-north-west'
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def filename(title: str, ext: str) -> str:
    """A safe, readable file name: ASCII letters, digits and hyphens, at most 80 characters, and ``ext``.

    >>> filename("Places by governance model · Nord-Pas-de-Calais", "xlsx")
    'places-by-governance-model-nord-pas-de-calais.xlsx'
    >>> filename("../../etc/passwd", "csv"), filename("", "png")
    ('etc-passwd.csv', 'icsdash.png')
    """
    return f"{slug(title) or 'icsdash'}.{re.sub(r'[^a-z0-9]', '', ext.lower())}"


# --------------------------------------------------------------------------- static maps

LAND = "#ECECE8"                                    # the deck's England layer, [236, 236, 232]
OUTSIDE_FOCUS = rgb_to_hex(maps.OUTSIDE_FOCUS)      # places the filters leave out, drawn grey
HIGHLIGHT = "#D55E00"                               # the explorer's selected place


def _bounds(geometries) -> tuple[float, float, float, float]:
    acc = None
    for geometry in geometries:
        acc = maps._bounds(geometry["coordinates"], acc)
    return tuple(acc)


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _collection(shapes: dict[str, dict], properties: dict[str, dict] | None = None,
                within: tuple | None = None) -> dict:
    """GeoJSON for Vega: only shapes inside ``within``, each ring wound clockwise (d3-geo's outer ring)."""
    features = []
    for code, geometry in shapes.items():
        if within is not None and not _overlaps(_bounds([geometry]), within):
            continue
        if within is not None and not _contains(within, _bounds([geometry])):
            geometry = _cut(geometry, within)
            if geometry is None:
                continue
        features.append({"type": "Feature", "properties": {"code": code, **(properties or {}).get(code, {})},
                         "geometry": _clockwise(geometry)})
    return {"type": "FeatureCollection", "features": features}


def _contains(outer: tuple, inner: tuple) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _cut(geometry: dict, window: tuple) -> dict | None:
    """The part of a polygon inside the map's window: cut here once, so the renderer need not clip (slow)."""
    from shapely.geometry import MultiPolygon, box, mapping, shape
    part = shape(geometry).intersection(box(*window))
    polygons = []
    for piece in getattr(part, "geoms", [part]):
        if piece.geom_type == "Polygon" and not piece.is_empty:
            polygons.append(piece)
        elif piece.geom_type == "MultiPolygon":
            polygons.extend(piece.geoms)
    if not polygons:
        return None
    cut = mapping(polygons[0] if len(polygons) == 1 else MultiPolygon(polygons))
    return {"type": cut["type"], "coordinates": _lists(cut["coordinates"])}


def _lists(value):
    return [_lists(v) for v in value] if isinstance(value, (list, tuple)) and value and \
        isinstance(value[0], (list, tuple)) else list(value)


def _area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))


def _clockwise(geometry: dict) -> dict:
    """d3-geo (which Vega uses) reads a ring's winding: outer rings must run clockwise, holes anticlockwise,
    the reverse of GeoJSON's right-hand rule; otherwise a place fills the whole globe."""
    def wind(polygon):
        return [ring[::-1] if (_area(ring) > 0) == (i == 0) else ring for i, ring in enumerate(polygon)]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": wind(geometry["coordinates"])}
    return {"type": "MultiPolygon", "coordinates": [wind(p) for p in geometry["coordinates"]]}


def _legend_chart(legend: Legend, outside: int) -> alt.LayerChart:
    """The legend as the app draws it beside the map: swatches with labels and counts, or a ramp."""
    rows, y = [], 8
    if legend.kind == "categorical":
        for item in legend.items:
            rows.append({"colour": item.colour, "text": f"{item.label} ({item.count})", "y": y})
            y += 24
    else:
        y += 44                                       # the ramp and its two end labels
    if legend.no_data:
        rows.append({"colour": NO_DATA, "text": f"No data ({legend.no_data})", "y": y})
        y += 24
    if outside:
        rows.append({"colour": OUTSIDE_FOCUS, "text": f"Outside the filters ({outside})", "y": y})
        y += 24
    swatches = alt.Chart(alt.Data(values=rows)).mark_rect(stroke="#777777", strokeWidth=1).encode(
        x=alt.value(0), x2=alt.value(18), y=alt.Y("y:Q", scale=None), y2=alt.Y2("bottom:Q"),
        fill=alt.Fill("colour:N", scale=None)).transform_calculate(bottom="datum.y + 14")
    labels = alt.Chart(alt.Data(values=rows)).mark_text(align="left", baseline="middle", fontSize=13,
                                                        limit=230).encode(
        x=alt.value(26), y=alt.Y("middle:Q", scale=None), text="text:N").transform_calculate(middle="datum.y + 7")
    layers = [swatches, labels]
    if legend.kind != "categorical":
        stops = [alt.GradientStop(color=item.colour, offset=i / max(len(legend.items) - 1, 1))
                 for i, item in enumerate(legend.items)]
        ramp = alt.Chart(alt.Data(values=[{}])).mark_rect(
            stroke="#777777", strokeWidth=1,
            color=alt.LinearGradient(gradient="linear", stops=stops, x1=0, x2=1, y1=0, y2=0)).encode(
            x=alt.value(0), x2=alt.value(160), y=alt.value(8), y2=alt.value(22))
        low = alt.Chart(alt.Data(values=[{"text": legend.low}])).mark_text(
            align="left", baseline="top", fontSize=13).encode(x=alt.value(0), y=alt.value(26), text="text:N")
        high = alt.Chart(alt.Data(values=[{"text": legend.high}])).mark_text(
            align="right", baseline="top", fontSize=13).encode(x=alt.value(160), y=alt.value(26), text="text:N")
        layers = [ramp, low, high, *layers] if rows else [ramp, low, high]
    return alt.layer(*layers).properties(
        width=250, height=max(y, 40), title=alt.TitleParams(legend.title, anchor="start", fontSize=14))


def map_chart(geography: Geography, summary: pd.DataFrame, measure: Measure, legend: Legend,
              shown: pd.DataFrame | None = None, *, title: str | None = None, highlight: str | None = None,
              categorical: str = "okabe_ito", sequential: str = "viridis", width: int = 460,
              height: int = 540, boundaries: str | None = None) -> alt.HConcatChart:
    """A static rendering of a place map for ``measure``: the same fills as the interactive map (colours for
    all of England from ``summary``), grey where the filters leave a place out, ICS and region borders, and
    ``legend`` (the one the page shows) beside it.

    ``shown`` (the places the filters keep) sets the extent; places outside it are left out of the file, so a
    region's map stays small. ``highlight`` outlines one place, as the explorer does. ``boundaries`` ('April
    2026 (36 ICBs)') names the vintage of the ICS borders under the title, with the outlines' source.
    """
    colours, _ = maps.colour_places(summary, measure, categorical, sequential)
    codes = list(summary["place_code"])
    focus = set(shown["place_code"]) if shown is not None and 0 < len(shown) < len(summary) else None
    shapes = geography.shapes
    extent = _bounds([shapes["places"][c] for c in (focus or codes)])
    margin = 0.04 * max(extent[2] - extent[0], extent[3] - extent[1])
    window = (extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin)
    alpha = round(maps.FILL_ALPHA / 255, 3)
    props = {}
    for code in codes:
        inside = focus is None or code in focus
        props[code] = {"fill": colours[code] if inside else OUTSIDE_FOCUS,
                       "opacity": alpha if inside else round(maps.OUTSIDE_FOCUS[3] / 255, 3)}
    within = window if focus else None
    places = _collection({c: shapes["places"][c] for c in codes}, props, within)

    def geo(collection: dict) -> alt.Data:
        # As JSON text, which Vega parses: Altair deep-copies inline objects at every step (seconds for a map).
        return alt.Data(values=json.dumps(collection, separators=(",", ":")),
                        format=alt.DataFormat(property="features", type="json"))

    land = alt.Chart(geo(_collection(shapes["england"], within=within))).mark_geoshape(
        fill=LAND, stroke=None)
    fills = alt.Chart(geo(places)).mark_geoshape(stroke="#FFFFFF", strokeWidth=0.5).encode(
        fill=alt.Fill("properties.fill:N", scale=None),
        fillOpacity=alt.FillOpacity("properties.opacity:Q", scale=None))
    icbs = alt.Chart(geo(_collection(shapes["icbs"], within=within))).mark_geoshape(
        filled=False, stroke="#282828", strokeWidth=0.9)
    regions = alt.Chart(geo(_collection(shapes["regions"], within=within))).mark_geoshape(
        filled=False, stroke="#000000", strokeWidth=1.6)
    layers = [land, fills, icbs, regions]
    if highlight and highlight in shapes["places"]:
        layers.append(alt.Chart(geo(_collection({highlight: shapes["places"][highlight]}))).mark_geoshape(
            filled=False, stroke=HIGHLIGHT, strokeWidth=3))
    corners = {"type": "Feature", "properties": {},
               "geometry": {"type": "MultiPoint", "coordinates": [[extent[0], extent[1]], [extent[2], extent[3]]]}}
    chart = alt.layer(*layers).project(type="mercator", fit=corners).properties(width=width, height=height)
    outside = 0 if focus is None else len(codes) - len(focus)
    outlines = "ONS, OGL v3; contains OS data © Crown copyright and database right."
    subtitle = boundaries_line(f"{boundaries}; {outlines}" if boundaries else outlines)
    return alt.hconcat(chart, _legend_chart(legend, outside), spacing=24).properties(
        title=alt.TitleParams(title or legend.title, anchor="start", fontSize=16, subtitle=subtitle,
                              subtitleFontSize=10, subtitleColor="#555555")
    ).configure_view(stroke=None)


def fill_colours(chart: alt.TopLevelMixin | dict) -> dict[str, str]:
    """The fill of each place in a :func:`map_chart` (code -> hex), read back from its specification."""
    spec = chart_spec(chart)
    for layer in spec["hconcat"][0]["layer"]:
        values = (layer.get("data") or {}).get("values") or "{}"
        features = json.loads(values).get("features", []) if isinstance(values, str) else []
        if features and "fill" in features[0]["properties"]:
            return {f["properties"]["code"]: f["properties"]["fill"] for f in features}
    return {}


@dataclass(frozen=True)
class StaticMap:
    """What a static rendering of a place map needs (see :func:`map_chart`); calling it, on a
    download click, draws the map. Holds references only: building one costs nothing."""

    geography: Geography
    summary: pd.DataFrame
    measure: Measure
    legend: Legend
    shown: pd.DataFrame | None = None
    title: str | None = None
    highlight: str | None = None
    palettes: tuple[str, str] = ("okabe_ito", "viridis")
    boundaries: str | None = None          # 'April 2026 (36 ICBs)': the vintage of the ICS borders

    def __call__(self) -> alt.HConcatChart:
        return map_chart(self.geography, self.summary, self.measure, self.legend, self.shown,
                                 title=self.title, highlight=self.highlight, categorical=self.palettes[0],
                                 sequential=self.palettes[1], boundaries=self.boundaries)


# --------------------------------------------------------------------------- the download formats, one registry

@dataclass(frozen=True)
class Export:
    """What a download of one element knows besides the element: its title, a note for the workbook, whether
    the index is exported, and the boundary vintage to name."""

    title: str
    note: str | None = None
    index: bool | None = None
    boundaries: str | None = None


@dataclass(frozen=True)
class ExportFormat:
    """A download format: ``of`` says which elements offer it ('table', or 'picture' for charts and maps);
    ``make(element, export)`` writes the file (a DataFrame for tables, a chart or its specification for
    pictures)."""

    ext: str
    label: str
    mime: str
    of: str
    make: Callable[[Any, Export], bytes | str]


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("csv", "CSV", "text/csv", "table",
                 lambda frame, e: table_csv(frame, index=e.index, boundaries=e.boundaries)),
    ExportFormat("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "table",
                 lambda frame, e: table_xlsx(frame, note=e.note, index=e.index, title=e.title,
                                             boundaries=e.boundaries)),
    ExportFormat("png", "PNG image", "image/png", "picture", lambda chart, e: chart_png(chart, boundaries=e.boundaries)),
    ExportFormat("svg", "SVG image", "image/svg+xml", "picture",
                 lambda chart, e: chart_svg(chart, boundaries=e.boundaries)),
)
MIME = {f.ext: f.mime for f in FORMATS}


def formats_for(of: str) -> tuple[ExportFormat, ...]:
    """The formats an element offers: 'table' or 'picture'."""
    return tuple(f for f in FORMATS if f.of == of)
