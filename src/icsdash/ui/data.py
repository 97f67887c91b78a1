"""The data pages share, derived once per data version: the place summary, scores, served map layers, names."""

from __future__ import annotations

from typing import Callable, Hashable, TypeVar

import pandas as pd
import streamlit as st

from .. import analysis, geography, maps
from ..maps import Legend
from ..measures import measures_for
from ..views import Snapshot, Stored
from .cache import memo, version_key
from .context import Context
from .state import data_version

T = TypeVar("T")


def place_summary(ctx: Context, round_label: str | None = None) -> pd.DataFrame:
    """One row per place with every map measure, for a round (None: the latest); recomputed only when data
    changes, and kept for the newest data versions only (see :func:`memo`). Shared by all sessions: do not
    mutate."""
    def build() -> pd.DataFrame:
        latest, dims = scores(ctx)                  # read and derived once per data version, for every round
        summary = analysis.place_summary(ctx.reference, latest, ctx.store.activity(), ctx.framework, round_label,
                                         scores=dims)
        summary.attrs["versions"] = (ctx.config.database_url, ctx.reference.version, data_version(ctx), round_label)
        return summary
    return memo(version_key(ctx, "place summary", round_label), build)


def scores(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every latest submitted score, the per place/round/dimension table), once per data version."""
    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        latest = analysis.of_framework(ctx.store.latest_scores(), ctx.framework)   # never another framework's
        return latest, analysis.dimension_scores(latest, ctx.framework)
    return memo(version_key(ctx, "scores"), build)


@st.cache_resource(show_spinner=False, max_entries=4)
def _served_layers(_ctx: Context, _summary_frame: pd.DataFrame, database_url: str, reference_version: str,
                   store_version: int, round_label: str | None,
                   palettes: tuple[str, str]) -> tuple[dict[str, str], dict[str, Legend]]:
    props, legends = maps.place_properties(_summary_frame, measures_for(_ctx.framework), *palettes,
                                           boundaries=_ctx.reference.vintage_label)
    places = geography.feature_collection(_ctx.geography.shapes["places"], props)
    urls = {"places": geography.write_served_layer(_ctx.static_dir, "places", places),
            **_reference_layers(_ctx, str(_ctx.static_dir), reference_version)}
    return urls, legends


@st.cache_resource(show_spinner=False, max_entries=4)
def _reference_layers(_ctx: Context, static_dir: str, reference_version: str) -> dict[str, str]:
    """The layers that change only with the reference data (ICS and region borders, England, PCN points):
    written once per reference version, not again with every submission."""
    shapes, ref, write = _ctx.geography.shapes, _ctx.reference, geography.write_served_layer
    return {"icbs": write(_ctx.static_dir, "icbs", geography.feature_collection(shapes["icbs"], maps.icb_properties(ref))),
            "regions": write(_ctx.static_dir, "regions",
                             geography.feature_collection(shapes["regions"], maps.region_properties(ref))),
            "england": write(_ctx.static_dir, "england", geography.feature_collection(shapes["england"])),
            "pcns": write(_ctx.static_dir, "pcns", maps.pcn_points(ref))}


def served_layers(ctx: Context, summary: pd.DataFrame) -> tuple[dict[str, str], dict[str, Legend]]:
    """URLs of the map layers (written once per data version) and a legend per measure."""
    return _served_layers(ctx, summary, *summary.attrs["versions"],
                          (ctx.config.categorical_palette, ctx.config.sequential_palette))


def icb_name(ctx: Context, code: str) -> str:
    icbs = ctx.reference.icbs
    return icbs.loc[icbs["icb_ods_code"] == code, "icb_short_name"].iloc[0]


def view_for(ctx: Context, shown: pd.DataFrame) -> tuple[float, float, float]:
    """The map view that fits the places shown (the configured view for all of England)."""
    if len(shown) in (0, len(ctx.reference.places)):
        return ctx.config.map_latitude, ctx.config.map_longitude, ctx.config.map_zoom
    return maps.view_of([ctx.geography.shapes["places"][c] for c in shown["place_code"]])


def place_name(ctx: Context, place_code: str | None) -> str:
    places = ctx.reference.places
    match = places.loc[places["place_code"] == place_code, "place_name"]
    return match.iloc[0] if len(match) else str(place_code)


def snapshot(ctx: Context, round_label: str | None = None) -> Snapshot:
    """The data of this version, for a round (None: the latest), as the views read it; once per data version."""
    def build() -> Snapshot:
        summary = place_summary(ctx, round_label)
        urls, legends = served_layers(ctx, summary)
        latest, dims = scores(ctx)
        return Snapshot(ctx.reference, ctx.framework, ctx.geography, ctx.config, summary, dims, latest, urls,
                        legends)
    return memo(version_key(ctx, "snapshot", round_label), build)


def view(build: Callable[..., T], ctx: Context, chosen: analysis.Filters, *selection: Hashable) -> T:
    """``build(snapshot, chosen, *selection)``: a page's view (see :mod:`icsdash.views`), built once per data
    version, filters and selection and shared by every session. The one way pages get their numbers."""
    snap = snapshot(ctx, chosen.round)
    return memo(version_key(ctx, f"{build.__module__}.{build.__qualname__}", chosen, *selection),
                lambda: build(snap, chosen, *selection))


def stored_view(build: Callable[..., T], ctx: Context, *selection: Hashable) -> T:
    """``build(stored, *selection)``: a view read from the database itself (a workshop's submissions; see
    :class:`icsdash.views.Stored`), built once per data version and selection and shared by every session, as
    :func:`view` is."""
    return memo(version_key(ctx, f"{build.__module__}.{build.__qualname__}", *selection),
                lambda: build(Stored(ctx.store, ctx.reference, ctx.framework), *selection))


def reference_view(build: Callable[..., T], ctx: Context, *selection: Hashable) -> T:
    """``build(reference, *selection)``: a view of the reference data alone (the explorer's search options),
    built once per reference version, so a new submission does not rebuild it."""
    return memo((f"{build.__module__}.{build.__qualname__}", ctx.reference.version, *selection),
                lambda: build(ctx.reference, *selection))
