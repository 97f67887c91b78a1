"""Map builders: colours and legends as data, and the pydeck deck for a measure.

No basemap by default (``map_provider=None``): England's outline and region
borders come from the shipped boundaries, so the map works with no internet.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace

import pandas as pd
import pydeck as pdk

from .analysis import Filters
from .measures import MEASURES_BY_KEY, Measure  # noqa: F401 - the doctests use MEASURES_BY_KEY
from .palettes import CATEGORICAL, DIVERGING, NO_DATA, SEQUENTIAL, hex_to_rgb, interpolate

FILL_ALPHA = 220
BASEMAPS = {"carto-light": pdk.map_styles.CARTO_LIGHT, "carto-dark": pdk.map_styles.CARTO_DARK}


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str          # hex
    count: int


@dataclass(frozen=True)
class Legend:
    """What the map's colours mean, drawn by the app (see :func:`icsdash.ui.legend`)."""

    title: str
    kind: str                                  # "categorical" or "numeric"
    items: tuple[LegendItem, ...] = ()         # categories, in order (numeric: the ramp's stops)
    low: str = ""                              # numeric: formatted range ends
    high: str = ""
    no_data: int = 0                           # places with no value, drawn in grey
    colours: dict = field(default_factory=dict)  # categorical: value -> hex, for charts to match the map


def colour_places(summary: pd.DataFrame, measure: Measure, categorical: str = "okabe_ito",
                  sequential: str = "viridis") -> tuple[pd.Series, Legend]:
    """Each place's fill colour (hex, indexed by place code) for ``measure``, and its legend."""
    values = summary.set_index("place_code")[measure.column]
    missing = values.isna()
    if measure.kind == "categorical":
        palette = measure.colours or CATEGORICAL[categorical]
        colour_of = {value: palette[i % len(palette)] for i, (value, _) in enumerate(measure.categories)}
        colours = values.map(colour_of).fillna(NO_DATA)
        counts = values.value_counts()
        items = tuple(LegendItem(label, colour_of[value], int(counts.get(value, 0)))
                      for value, label in measure.categories if counts.get(value, 0))
        return colours, Legend(measure.label, "categorical", items, no_data=int(missing.sum()), colours=colour_of)
    numbers = values.astype(float)
    low, high = measure.domain or (numbers.min(), numbers.max())
    if measure.diverging:
        reach = max(abs(low), abs(high), 0.5) if not pd.isna(low) else 1.0
        low, high = -reach, reach
    if pd.isna(low) or low == high:
        low, high = (0.0, 1.0) if pd.isna(low) else (low, low + 1)
    stops = DIVERGING if measure.diverging else SEQUENTIAL[sequential]
    colours = numbers.map(lambda v: NO_DATA if pd.isna(v) else interpolate(stops, (v - low) / (high - low)))
    items = tuple(LegendItem("", c, 0) for c in stops)
    return colours, Legend(measure.label, "numeric", items, low=measure.format(low), high=measure.format(high),
                           no_data=int(missing.sum()))


def focus_legend(legend: Legend, shown: pd.DataFrame, measure: Measure) -> Legend:
    """The national legend recounted for the places ``shown``; colours and numeric range stay national,
    because the map's colours are computed once for all of England."""
    values = shown[measure.column]
    if legend.kind == "categorical":
        counts = values.value_counts()
        labels = dict(measure.categories)
        items = tuple(LegendItem(labels[v], legend.colours[v], int(counts[v]))
                      for v, _ in measure.categories if counts.get(v, 0))
        return replace(legend, items=items, no_data=int(values.isna().sum()))
    return replace(legend, no_data=int(values.isna().sum()))


def rgba(colour: str, alpha: int = FILL_ALPHA) -> list[int]:
    return [*hex_to_rgb(colour), alpha]


def place_properties(summary: pd.DataFrame, measures: tuple[Measure, ...], categorical: str = "okabe_ito",
                     sequential: str = "viridis", boundaries: str = "") -> tuple[pd.DataFrame, dict[str, Legend]]:
    """The per-place properties the served layer carries, and a legend per measure.

    For every measure the layer holds its formatted value (``v_<key>``) and
    fill colour (``c_<key>``), so switching measure needs no new download. The
    tooltip's second line (``where``) names the place's ICS with the vintage of
    its borders, ``boundaries`` ('Thames Valley ICS (April 2026 boundaries) · South East').
    """
    frame = summary.set_index("place_code")
    vintage = f" ({boundaries} boundaries)" if boundaries else ""
    props = pd.DataFrame({
        "name": frame["place_name"],
        "where": frame["icb_short_name"] + f" ICS{vintage} · " + frame["region_name"],
        "icb": frame["icb_short_name"],
        "icb_code": frame["icb_ods_code"],
        "region": frame["region_name"],
        "model": frame["governance_model_label"],
        "model_key": frame["governance_model"],
        "illustrative": frame["source"].eq("illustrative").map({True: " (illustrative)", False: ""}),
    })
    legends = {}
    for measure in measures:
        colours, legends[measure.key] = colour_places(summary, measure, categorical, sequential)
        props[f"v_{measure.key}"] = frame[measure.column].map(measure.format)
        props[f"c_{measure.key}"] = colours.reindex(frame.index).map(rgba)
    return props, legends


OUTSIDE_FOCUS = [225, 225, 222, 170]


def _quoted(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"{value!r} cannot be used in a map expression")
    return f"'{value}'"


def focus_condition(filters: Filters) -> str | None:
    """A deck.gl expression that is true for places the filters keep, or None when they keep all.

    >>> focus_condition(Filters(region="London", models=("lead_provider", "place_board")))
    "properties.region == 'London' && (properties.model_key == 'lead_provider' || properties.model_key == 'place_board')"
    """
    parts = []
    if filters.region:
        parts.append(f"properties.region == {_quoted(filters.region)}")
    if filters.icb:
        parts.append(f"properties.icb_code == {_quoted(filters.icb)}")
    if filters.models:
        parts.append("(" + " || ".join(f"properties.model_key == {_quoted(m)}" for m in filters.models) + ")")
    return " && ".join(parts) or None


def fill_accessor(measure: Measure, filters: Filters | None = None) -> str:
    """The deck.gl accessor for a place's fill: its colour for ``measure``, grey where filters leave it out.

    >>> fill_accessor(MEASURES_BY_KEY["population"])
    'properties.c_population'
    >>> fill_accessor(MEASURES_BY_KEY["population"], Filters(region="London"))
    "properties.region == 'London' ? properties.c_population : [225, 225, 222, 170]"
    """
    colour = f"properties.c_{measure.key}"
    condition = focus_condition(filters) if filters else None
    return f"{condition} ? {colour} : {OUTSIDE_FOCUS}" if condition else colour


def place_deck(places_url: str, icbs_url: str, england_url: str, regions_url: str, measure: Measure,
               latitude: float, longitude: float, zoom: float, basemap: str = "none",
               filters: Filters | None = None) -> pdk.Deck:
    """The England map: places filled by ``measure`` (colours in the served layer), ICB and region borders.

    Places the ``filters`` leave out are drawn in grey. The tooltip's second line is the served layer's
    ``where``, which names a place's ICS with the vintage of its borders ('Thames Valley ICS (April 2026
    boundaries) · South East', :func:`place_properties`).
    """
    layers = [
        pdk.Layer("GeoJsonLayer", england_url, id="england", filled=True, stroked=False,
                  get_fill_color=[236, 236, 232, 255], pickable=False),
        pdk.Layer("GeoJsonLayer", places_url, id="places", filled=True, stroked=True, pickable=True,
                  auto_highlight=True, highlight_color=[255, 255, 255, 90], get_fill_color=fill_accessor(measure, filters),
                  # deck.gl recomputes colours only when a trigger changes, not when the accessor text does
                  update_triggers={"getFillColor": [measure.key, focus_condition(filters) if filters else ""]},
                  get_line_color=[255, 255, 255, 200], line_width_min_pixels=0.6),
        pdk.Layer("GeoJsonLayer", icbs_url, id="icbs", filled=False, stroked=True, pickable=False,
                  get_line_color=[40, 40, 40, 230], line_width_min_pixels=1.4),
        pdk.Layer("GeoJsonLayer", regions_url, id="regions", filled=False, stroked=True, pickable=False,
                  get_line_color=[0, 0, 0, 255], line_width_min_pixels=2.6),
    ]
    extra = "" if measure.key == "governance_model" else "<br/>Governance: {model}"
    tooltip = {      # fields only where a practice's point (practice_points) has its own text
        "html": (f"<b>{{name}}</b>{{illustrative}}<br/>{{where}}<br/>{html.escape(measure.label)}: "
                 f"<b>{{v_{measure.key}}}</b>{extra}"),
        "style": {"backgroundColor": "#1f1f1f", "color": "white", "fontSize": "15px"},
    }
    if basemap == "none":
        # Leave map_style unset: pydeck then sends its sentinel, which Streamlit reads as "no basemap".
        # (An explicit None makes Streamlit fall back to a CARTO style fetched from the internet.)
        kwargs = {"map_provider": None}
    else:                                       # needs internet: only when configured
        layers = [layer for layer in layers if layer.id != "england"]
        kwargs = {"map_provider": "carto", "map_style": BASEMAPS[basemap]}
    return pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(latitude=latitude, longitude=longitude,
                                                                    zoom=zoom, min_zoom=4, max_zoom=12),
                    tooltip=tooltip, **kwargs)


def _bounds(coords, acc=None):
    acc = acc if acc is not None else [180.0, 90.0, -180.0, -90.0]
    if coords and isinstance(coords[0], (int, float)):
        acc[0], acc[1] = min(acc[0], coords[0]), min(acc[1], coords[1])
        acc[2], acc[3] = max(acc[2], coords[0]), max(acc[3], coords[1])
        return acc
    for part in coords:
        _bounds(part, acc)
    return acc


def view_of(geometries: list[dict], width: int = 600, height: int = 620,
            margin: float = 1.15) -> tuple[float, float, float]:
    """(latitude, longitude, zoom) that fits the geometries into a map of the given pixel size.

    >>> square = {"type": "Polygon", "coordinates": [[[-1, 52], [1, 52], [1, 54], [-1, 54], [-1, 52]]]}
    >>> lat, lon, zoom = view_of([square])
    >>> (lat, lon, round(zoom, 1))
    (53.0, 0.0, 6.8)
    """
    acc = None
    for geometry in geometries:
        acc = _bounds(geometry["coordinates"], acc)
    west, south, east, north = acc
    lat, lon = (south + north) / 2, (west + east) / 2
    lon_span = max(east - west, 0.05) * margin
    # Mercator stretches latitude by 1/cos(lat).
    lat_span = max(north - south, 0.05) * margin / math.cos(math.radians(lat))
    zoom = min(math.log2(360 / lon_span * width / 512), math.log2(360 / lat_span * height / 512))
    return round(lat, 4), round(lon, 4), max(4.0, min(11.0, zoom))


def place_table(summary: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """The map's data as a table: the accessible alternative to the map."""
    return pd.DataFrame({
        "Place": summary["place_name"],
        "ICS": summary["icb_short_name"],
        "Region": summary["region_name"],
        measure.label: summary[measure.column].map(measure.format),
        "Governance model": summary["governance_model_label"],
        "Population": summary["population"],
        "Population source": summary["population_source"],
        "Place definition": summary["source"],
    }).sort_values(["Region", "ICS", "Place"]).reset_index(drop=True)


def alt_text(legend: Legend, places: int, area: str) -> str:
    """A sentence describing the map for screen readers: what is coloured and how many of each.

    >>> alt_text(Legend("Governance model", "categorical", (LegendItem("Joint committee", "#000", 3),),
    ...                 no_data=1), 4, "England")
    'Map of 4 places in England coloured by governance model: Joint committee 3; no data 1. The same data is in the table below.'
    """
    if legend.kind == "categorical":
        parts = [f"{item.label} {item.count}" for item in legend.items]
    else:
        parts = [f"from {legend.low} to {legend.high}"]
    if legend.no_data:
        parts.append(f"no data {legend.no_data}")
    return (f"Map of {places} places in {area} coloured by {legend.title[0].lower() + legend.title[1:]}: "
            f"{'; '.join(parts)}. The same data is in the table below.")



# --------------------------------------------------------------------------- the map explorer

def icb_properties(reference) -> pd.DataFrame:
    icbs = reference.icbs.set_index("icb_ods_code")
    return pd.DataFrame({"name": icbs["icb_short_name"], "region": icbs["region_name"],
                         "places": icbs["place_count"], "population": icbs["population"].map("{:,}".format)})


def region_properties(reference) -> pd.DataFrame:
    counts = reference.icbs.groupby("region_name").agg(icbs=("icb_ods_code", "size"), places=("place_count", "sum"))
    regions = reference.regions.set_index("region_ons_code")
    return pd.DataFrame({"name": regions["region_name"],
                         "icbs": regions["region_name"].map(counts["icbs"]),
                         "places": regions["region_name"].map(counts["places"])})


def pcn_points(reference) -> list[dict]:
    """PCNs as points for a ScatterplotLayer: position, name, code, place, list size."""
    names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    return [{"position": [row.longitude, row.latitude], "name": row.pcn_name, "code": row.pcn_code,
             "place": names[row.place_code], "place_code": row.place_code, "icb_code": row.icb_ods_code,
             "list_size": int(row.list_size) if pd.notna(row.list_size) else None,
             "radius": round(math.sqrt(row.list_size if pd.notna(row.list_size) else TYPICAL_LIST_SIZE) * 6)}
            for row in reference.pcns.itertuples()]


TYPICAL_LIST_SIZE = 50_000        # the size of a PCN's dot when its list size is not known


LEVELS = ("england", "region", "icb")
# The clickable layer's tooltip at each level; {{field}} is deck.gl's, {boundaries} the vintage ('April 2026').
TOOLTIPS = {
    "england": "<b>{{name}}</b><br/>{{icbs}} ICSs ({boundaries} boundaries) · {{places}} places<br/>"
               "Click to zoom to this region",
    "region": "<b>{{name}}</b> ICS ({boundaries} boundaries)<br/>{{places}} places · population {{population}}<br/>"
              "Click to see its places",
}


def explorer_deck(urls: dict[str, str], measure: Measure, level: str, view: tuple[float, float, float],
                  filters: Filters, show_pcns: bool, basemap: str = "none", *, boundaries: str) -> pdk.Deck:
    """The explorer: the England map plus a clickable layer for the level being explored.

    At England level the regions are clickable, in a region its ICSs, in an
    ICS its places (and its PCNs, as points sized by list size). Every tooltip
    that names an ICS names its ``boundaries`` ('April 2026').
    """
    deck = place_deck(urls["places"], urls["icbs"], urls["england"], urls["regions"], measure, *view,
                      basemap=basemap, filters=filters)
    layers = list(deck.layers)
    places = next(layer for layer in layers if layer.id == "places")
    places.pickable = level == "icb"
    if level in ("england", "region"):
        pick = "regions" if level == "england" else "icbs"
        layers.append(pdk.Layer("GeoJsonLayer", urls[pick], id=f"pick_{pick}", filled=True, stroked=False,
                                pickable=True, auto_highlight=True, highlight_color=[255, 255, 255, 110],
                                # alpha 1, not 0: deck.gl does not pick fully transparent pixels
                                get_fill_color=[0, 0, 0, 1]))
        deck._tooltip = {"html": TOOLTIPS[level].format(boundaries=html.escape(boundaries)),
                         "style": deck._tooltip["style"]}
    if show_pcns and level == "icb":
        # Points only (not hoverable): one tooltip template serves the places; PCNs are listed beside the map.
        inside = f"icb_code == {_quoted(filters.icb)}" if filters.icb else "true"
        layers.append(pdk.Layer("ScatterplotLayer", urls["pcns"], id="pcns", pickable=False, stroked=True,
                                get_position="position", get_radius="radius",
                                radius_min_pixels=3, radius_max_pixels=11,
                                get_fill_color=f"{inside} ? [20, 20, 20, 190] : [0, 0, 0, 0]",
                                get_line_color=f"{inside} ? [255, 255, 255, 230] : [0, 0, 0, 0]",
                                update_triggers={"getFillColor": [filters.icb or ""],
                                                 "getLineColor": [filters.icb or ""]},
                                line_width_min_pixels=1))
    deck.layers = layers
    return deck


def practice_points(practices: pd.DataFrame, place: pd.Series, pcn_names: dict[str, str],
                    measure: Measure) -> list[dict]:
    """A place's GP practices as points for a ScatterplotLayer, sized by registered patients. Each carries the
    fields of the map's tooltip: its name and code, its PCN and list size (``where``), and the place's value
    of ``measure`` and governance model, so that the one tooltip reads right for both.

    >>> import pandas as pd
    >>> from icsdash.measures import MEASURES
    >>> one = pd.DataFrame({"practice_code": ["A81001"], "practice_name": ["The Densham Surgery"],
    ...     "pcn_code": ["U89141"], "latitude": [54.56162], "longitude": [-1.31899], "registered_patients": [3895]})
    >>> place = pd.Series({"place_name": "Stockton-on-Tees", "governance_model_label": "Place board",
    ...                    MEASURES[0].column: None})
    >>> point = practice_points(one, place, {"U89141": "Stockton PCN"}, MEASURES[0])[0]
    >>> point["name"], point["where"], point["radius"]
    ('The Densham Surgery (A81001)', 'Stockton PCN · 3,895 registered patients · in Stockton-on-Tees', 374)
    """
    located = practices.dropna(subset=["latitude", "longitude"])
    value = measure.format(place.get(measure.column))
    points = []
    for row in located.itertuples():
        pcn = pcn_names.get(row.pcn_code, row.pcn_code) if isinstance(row.pcn_code, str) else "In no PCN"
        patients = row.registered_patients if pd.notna(row.registered_patients) else None
        size = f" · {int(patients):,} registered patients" if patients is not None else ""
        points.append({"position": [row.longitude, row.latitude], "code": row.practice_code,
                       "name": f"{row.practice_name} ({row.practice_code})", "illustrative": " · GP practice",
                       "where": f"{pcn}{size} · in {place['place_name']}",
                       f"v_{measure.key}": f"{value} (the place's)", "model": place["governance_model_label"],
                       "radius": round(math.sqrt(patients if patients is not None else TYPICAL_PRACTICE) * 6)})
    return points


TYPICAL_PRACTICE = 9_000          # the size of a practice's dot when its list size is not known


def practice_layer(points: list[dict], marked: bool = False) -> pdk.Layer:
    """The selected place's practices: white-ringed blue dots, hoverable for their tooltip; ``marked``: the
    practice a search found, ringed in orange (the selected place's outline colour) on top."""
    return pdk.Layer("ScatterplotLayer", points, id="practice_found" if marked else "practices", pickable=True,
                     stroked=True, get_position="position", get_radius="radius", radius_min_pixels=6 if marked else 3,
                     radius_max_pixels=16 if marked else 14,
                     get_fill_color=[0, 90, 140, 230], get_line_color=[213, 94, 0, 255] if marked else [255, 255, 255, 240],
                     line_width_min_pixels=4 if marked else 1, auto_highlight=True, highlight_color=[213, 94, 0, 255])


def picked(selection: dict) -> tuple[str, dict] | None:
    """(layer id, properties) of the object a map click selected, if any."""
    for layer_id, objects in (selection or {}).get("objects", {}).items():
        if objects:
            obj = objects[0]
            return layer_id, obj.get("properties", obj)
    return None


def outline_layer(geometry: dict) -> pdk.Layer:
    """A thick outline around the selected place (its one polygon, sent inline: a few kilobytes)."""
    return pdk.Layer("GeoJsonLayer", {"type": "Feature", "properties": {}, "geometry": geometry}, id="selected",
                     filled=False, stroked=True, get_line_color=[213, 94, 0, 255], line_width_min_pixels=4,
                     pickable=False)
