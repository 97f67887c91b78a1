"""The map of places several pages show: a deck coloured by one measure, its legend for the places shown, an
alt text, and a static picture of it for downloads."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from .. import maps
from ..analysis import Filters
from ..exports import StaticMap
from ..maps import Legend
from ..measures import Measure
from . import Snapshot


@dataclass(frozen=True)
class PlaceMap:
    deck: pdk.Deck
    legend: Legend
    alt: str                      # the map in one sentence, for screen readers
    picture: StaticMap            # drawn only when a download is clicked


def view_for(snap: Snapshot, shown: pd.DataFrame) -> tuple[float, float, float]:
    """The map view that fits the places shown (the configured view for all of England)."""
    cfg = snap.config
    if len(shown) in (0, len(snap.reference.places)):
        return cfg.map_latitude, cfg.map_longitude, cfg.map_zoom
    return maps.view_of([snap.geography.shapes["places"][c] for c in shown["place_code"]])


def place_map(snap: Snapshot, chosen: Filters, shown: pd.DataFrame, measure: Measure, title: str) -> PlaceMap:
    """The places ``shown`` (the filters' places) coloured by ``measure``, over all of England."""
    urls = snap.layers
    deck = maps.place_deck(urls["places"], urls["icbs"], urls["england"], urls["regions"], measure,
                           *view_for(snap, shown), basemap=snap.config.map_basemap, filters=chosen)
    national = snap.legends[measure.key]
    legend = national if len(shown) == len(snap.summary) else maps.focus_legend(national, shown, measure)
    picture = StaticMap(snap.geography, snap.summary, measure, legend, shown, title, None, snap.palettes,
                        snap.reference.boundaries)
    return PlaceMap(deck, legend, maps.alt_text(legend, len(shown), chosen.describe()), picture)
