"""The Map explorer's numbers: the map at the level the filters open (England, a region, an ICS), the place
selected on it with its practices, facts, criteria and PCNs, the search options and the map's table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from .. import analysis, explorer, maps
from ..analysis import Filters
from ..exports import StaticMap
from ..maps import Legend
from ..measures import measures_by_key
from ..reference import Reference
from . import Snapshot
from .place_map import view_for


def search_options(reference: Reference) -> dict[str, str]:
    """Every place, ICS and PCN as a search option: key -> label (the same whatever the filters and scores)."""
    return explorer.search_index(reference)


def practice_search(snap: Snapshot, _chosen: Filters, query: str) -> tuple[dict, ...]:
    """The GP practices a search finds (by ODS code, a word of the name, or the start of the postcode)."""
    return tuple(explorer.find_practices(snap.reference, query).to_dict("records"))


@dataclass(frozen=True)
class Selected:
    """The place open on the map, as the side panel shows it."""

    code: str
    name: str
    facts: pd.DataFrame
    criteria: pd.DataFrame
    pcns: pd.DataFrame
    pcns_heading: str
    practice: pd.DataFrame | None     # the facts of the practice a search found there (None: none found)


@dataclass(frozen=True)
class Explorer:
    level: str                        # 'england', 'region' or 'icb'
    crumbs: tuple[str, ...]           # ('England', 'North West', 'Greater Manchester ICS')
    deck: pdk.Deck
    legend: Legend
    alt: str
    picture: StaticMap
    selected: Selected | None
    table: pd.DataFrame               # the map's data as a table
    places: int                       # places in the filters


def _selected(snap: Snapshot, shown: pd.DataFrame, place: str, marked: str | None) -> Selected:
    ref = snap.reference
    row = shown.set_index("place_code").loc[place].copy()
    row["place_code"] = place
    pcns = explorer.pcn_table(ref, place)
    practices = ref.practices if ref.practices is not None else pd.DataFrame(columns=["practice_code",
                                                                                     "place_code"])
    found = marked is not None and ((practices["place_code"] == place) & (practices["practice_code"] == marked)).any()
    return Selected(place, row.place_name, explorer.place_facts(row, snap.framework), explorer.criteria_table(row),
                    pcns, f"Primary care networks ({len(pcns)}, {row.pcn_source})",
                    explorer.practice_facts(ref, marked) if found else None)


def explore(snap: Snapshot, chosen: Filters, measure_key: str, place: str | None, zoom_to: str | None,
            marked: str | None, show_pcns: bool) -> Explorer:
    """The map coloured by ``measure_key``; ``place`` outlined with its practices (``marked``: the one a
    search found, ringed) and zoomed to when it is ``zoom_to``; PCN points when ``show_pcns``."""
    ref, shapes = snap.reference, snap.geography.shapes["places"]
    shown = analysis.apply_filters(snap.summary, chosen)
    measure = measures_by_key(snap.framework)[measure_key]
    level = explorer.level_of(chosen)
    icb = ref.icbs.loc[ref.icbs["icb_ods_code"] == chosen.icb, "icb_short_name"] if chosen.icb else None
    crumbs = tuple(c for c in ("England", chosen.region, f"{icb.iloc[0]} ICS" if icb is not None else None) if c)
    place = place if place in set(shown["place_code"]) else None
    view = maps.view_of([shapes[zoom_to]], margin=2.2) if zoom_to and zoom_to == place else view_for(snap, shown)
    deck = maps.explorer_deck(snap.layers, measure, level, view, chosen, show_pcns, snap.config.map_basemap,
                              boundaries=ref.vintage_label)
    if place:
        deck.layers.append(maps.outline_layer(shapes[place]))
        practices = ref.practices[ref.practices["place_code"] == place] if ref.practices is not None else None
        if practices is not None and not practices.empty:            # close zoom: the place's practices
            place_row = shown.set_index("place_code").loc[place]
            pcn_names = dict(zip(ref.pcns["pcn_code"], ref.pcns["pcn_name"]))
            deck.layers.append(maps.practice_layer(maps.practice_points(practices, place_row, pcn_names, measure)))
            if marked in set(practices["practice_code"]):
                deck.layers.append(maps.practice_layer(maps.practice_points(
                    practices[practices["practice_code"] == marked], place_row, pcn_names, measure), marked=True))
    legend = maps.focus_legend(snap.legends[measure_key], shown, measure)
    picture = StaticMap(snap.geography, snap.summary, measure, legend, shown, f"{measure.label} · {' › '.join(crumbs)}",
                        place, snap.palettes, ref.boundaries)
    return Explorer(level, crumbs, deck, legend, maps.alt_text(legend, len(shown), chosen.describe()), picture,
                    _selected(snap, shown, place, marked) if place else None, maps.place_table(shown, measure),
                    len(shown))
