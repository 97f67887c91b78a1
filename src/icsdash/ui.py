"""The only module that talks to Streamlit: cached loaders, shared widgets, error display.

Caches are keyed by data versions (the reference files' hash and the
database's newest audit id), never by a time-to-live, so a new submission
shows at the next rerun on every page and every server.
"""

from __future__ import annotations

import html
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import analysis, geography, maps
from .config import Config, load_config
from .errors import IcsdashError
from .framework import Framework, load_framework
from .geography import Geography
from .maps import Legend
from .measures import MEASURES
from .palettes import NO_DATA
from .reference import Reference, load_reference
from .store import Store

LOG = logging.getLogger("icsdash")
CONTEXT_KEY = "_icsdash_context"
FILTER_REGION = "filter_region"
ALL = "All regions"


@dataclass(frozen=True)
class Context:
    """Everything a page needs, shared read-only by all sessions of this server."""

    config: Config
    reference: Reference
    framework: Framework
    geography: Geography
    store: Store
    static_dir: Path


def _signature(*paths: Path) -> tuple:
    """Cheap change detector for files: (path, mtime, size) of each."""
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_context(config_path: str, static_dir: str, _signature_key: tuple, environ_url: str | None) -> Context:
    config = load_config(config_path)
    reference = load_reference(config.data_dir)
    framework = load_framework(config.framework_path)
    geo = geography.load_geography(config.data_dir, set(reference.places["place_code"]),
                                   set(reference.icbs["icb_ods_code"]))
    store = Store.open(config.database_url)
    if config.seed_demo:
        store.seed_demo(reference.places["place_code"].tolist(), framework)
    return Context(config, reference, framework, geo, store, static_dir=Path(static_dir))


def boot(root: Path) -> Context:
    """Load (or reuse) the context for the app in ``root``; raise IcsdashError on bad input."""
    config_path = Path(os.environ.get("ICSDASH_CONFIG", root / "config.yaml")).resolve()
    if not config_path.exists():
        raise IcsdashError(f"file not found at {config_path}", source="config.yaml")
    config = load_config(config_path)          # cheap; raises before anything is cached
    watched = [config_path, config.framework_path, *[config.data_dir / n for n in
                                                     ("places.csv", "place_governance.csv", "pcns.csv", "icbs.csv",
                                                      "regions.csv", "place_groups.csv", "geo/places.geojson")]]
    # Streamlit serves static files from the folder beside the main script, wherever the config lives.
    ctx = _load_context(str(config_path), str(root / "static"), _signature(*watched), os.environ.get("DATABASE_URL"))
    st.session_state[CONTEXT_KEY] = ctx
    return ctx


def current() -> Context:
    """The context ``app.py`` loaded for this run."""
    return st.session_state[CONTEXT_KEY]


def show_error(error: IcsdashError) -> None:
    """The one place errors are shown: what is wrong, where, and nothing of the internals."""
    where = error.location()
    st.error(f"**{'Problem in ' + where if where else 'Problem'}**\n\n{error.message}", icon=":material/error:")


def show_unexpected(page_title: str) -> None:
    """An unexpected failure: logged with its traceback on the server, a plain message in the browser."""
    LOG.exception("Unexpected error on page %r", page_title)
    st.error(f"**Something went wrong on the {page_title} page.** Nothing you entered has been lost. "
             "Reload the page to try again; if it happens again, tell your administrator the time it happened "
             "(the details are in the server's log).", icon=":material/error:")


# --------------------------------------------------------------------------- data, cached by version

@st.cache_resource(show_spinner=False, max_entries=4)
def _summary(_ctx: Context, reference_version: str, store_version: int) -> pd.DataFrame:
    store = _ctx.store
    summary = analysis.place_summary(_ctx.reference, store.latest_scores(), store.activity(), _ctx.framework)
    summary.attrs["versions"] = (reference_version, store_version)
    return summary


def place_summary(ctx: Context) -> pd.DataFrame:
    """One row per place with every map measure; recomputed only when data changes. Do not mutate."""
    return _summary(ctx, ctx.reference.version, ctx.store.data_version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _served_layers(_ctx: Context, _summary_frame: pd.DataFrame, reference_version: str, store_version: int,
                   palettes: tuple[str, str]) -> tuple[dict[str, str], dict[str, Legend]]:
    props, legends = maps.place_properties(_summary_frame, MEASURES, *palettes)
    shapes = _ctx.geography.shapes
    urls = {"places": geography.write_served_layer(_ctx.static_dir, "places",
                                                   geography.feature_collection(shapes["places"], props))}
    for layer in ("icbs", "regions", "england"):
        urls[layer] = geography.write_served_layer(_ctx.static_dir, layer, geography.feature_collection(shapes[layer]))
    return urls, legends


def served_layers(ctx: Context, summary: pd.DataFrame) -> tuple[dict[str, str], dict[str, Legend]]:
    """URLs of the map layers (written once per data version) and a legend per measure."""
    return _served_layers(ctx, summary, *summary.attrs["versions"],
                          (ctx.config.categorical_palette, ctx.config.sequential_palette))


# --------------------------------------------------------------------------- shared widgets

def region_filter(ctx: Context) -> str:
    """The sidebar's region filter, shared by every page through session state."""
    options = [ALL, *ctx.reference.regions["region_name"].tolist()]
    if st.session_state.get(FILTER_REGION) not in options:
        st.session_state[FILTER_REGION] = ALL
    return st.sidebar.selectbox("Region", options, key=FILTER_REGION,
                                help="Narrows the figures, map and tables on every page.")


def illustrative_notice(ctx: Context) -> None:
    ref = ctx.reference
    n = int((ref.places["source"] == "illustrative").sum())
    demo = " Assessment scores are illustrative demo data." if ctx.store.has_demo_data() else ""
    st.caption(
        f":material/info: **Illustrative data is labelled.** {n} of {len(ref.places)} place definitions and most "
        "governance details, all PCNs and every budget not cited from the source documents are illustrative, "
        f"invented to show how the dashboard works.{demo} Populations are estimates unless documented.")


def legend(item: Legend) -> None:
    """Draw a map legend: swatches with labels and counts, or a colour ramp with its range."""
    parts = [f"<div style='font-weight:600;margin-bottom:4px'>{html.escape(item.title)}</div>"]
    swatch = ("<span style='display:inline-block;width:18px;height:14px;margin-right:6px;vertical-align:middle;"
              "background:{c};border:1px solid #777'></span>")
    if item.kind == "categorical":
        for it in item.items:
            parts.append(f"<div style='font-size:0.95rem'>{swatch.format(c=it.colour)}"
                         f"{html.escape(it.label)} <span style='color:#555'>({it.count})</span></div>")
    else:
        ramp = ", ".join(i.colour for i in item.items)
        parts.append(f"<div style='display:flex;align-items:center;gap:8px;font-size:0.95rem'>"
                     f"<span>{html.escape(item.low)}</span><span style='display:inline-block;width:160px;height:14px;"
                     f"background:linear-gradient(to right, {ramp});border:1px solid #777'></span>"
                     f"<span>{html.escape(item.high)}</span></div>")
    if item.no_data:
        parts.append(f"<div style='font-size:0.95rem'>{swatch.format(c=NO_DATA)}No data "
                     f"<span style='color:#555'>({item.no_data})</span></div>")
    st.markdown("".join(parts), unsafe_allow_html=True)
