"""The only module that talks to Streamlit: cached loaders, shared widgets, error display.

Caches are keyed by data versions (the reference files' hash and the
database's newest audit id), never by a time-to-live, so a new submission
shows at the next rerun on every page and every server.
"""

from __future__ import annotations

import ctypes
import dataclasses
import html
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NoReturn

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from . import analysis, anonymise, auth, exports, geography, maps, presenter
from .auth import Principal
from .config import Config, load_config
from .errors import ConfigError, DatabaseUnavailable, IcsdashError
from .framework import Framework, load_framework
from .geography import Geography
from .governance import MODELS
from .maps import Legend
from .measures import Measure, measures_for
from .page_registry import PAGES_BY_KEY
from .palettes import NO_DATA
from .reference import Reference, load_code_changes, load_reference, place_codes, vintage_labels
from .reference import illustrative_note as reference_note
from .store import Store

LOG = logging.getLogger("icsdash")
CONTEXT_KEY = "_icsdash_context"
PRINCIPAL_KEY = "_icsdash_principal"
FILTER_REGION = "filter_region"
FILTER_ICB = "filter_icb"
FILTER_MODELS = "filter_models"
FILTER_ROUND = "filter_round"
FILTER_VINTAGE = "filter_vintage"
ALL = "All regions"
ALL_ICBS = "All ICSs"
LATEST = "Latest"
PRESENT = "_present"              # presenter mode on (kept apart from its switch: a page switch may run
ANONYMISE = "_anonymise"          # without the sidebar, and Streamlit forgets unrendered widgets' values)
STEP = "present_step"             # position in the running order, from 1
APPLIED = "_present_applied"      # the step whose settings were last applied


@dataclass(frozen=True)
class Context:
    """Everything a page needs, shared read-only by all sessions of this server."""

    config: Config
    reference: Reference
    framework: Framework
    geography: Geography
    store: Store
    static_dir: Path
    anonymised: bool = False
    redact: Callable[[str], str] = str       # free text as shown: place names replaced when anonymised


def _signature(*paths: Path) -> tuple:
    """Cheap change detector for files: (path, mtime, size) of each."""
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_store(url: str, data_dir: Path) -> Store:
    """The store, its rows moved to today's place codes (data/place_code_changes.csv) on first opening."""
    return Store.open(url, load_code_changes(data_dir), place_codes(data_dir))


_IMPORTED: dict[str, int] = {}       # database URL -> the newest import seen (kept through an outage)


def _imported(store: Store, url: str) -> int:
    """The reference version in the database (newest import of places or PCNs): one cheap lookup a run. While
    the database cannot be reached, the last one seen, so pages keep showing the data they had."""
    try:
        _IMPORTED[url] = store.reference_version()
    except SQLAlchemyError as exc:
        LOG.warning("cannot read the reference version: %s", exc)
    return _IMPORTED.get(url, 0)


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_context(config_path: str, static_dir: str, _signature_key: tuple, environ_url: str | None,
                  imported: int, vintage: str) -> Context:
    config = load_config(config_path)
    store = _open_store(config.database_url, config.data_dir)
    reference = load_reference(config.data_dir, store.reference_overlay() if imported else None, imported, vintage)
    changes = load_code_changes(config.data_dir, set(reference.places["place_code"]))   # each ends at a place
    config = dataclasses.replace(config, presenter_views=presenter.with_current_codes(config.presenter_views, changes))
    framework = load_framework(config.framework_path)
    geo = geography.for_reference(config.data_dir, reference)
    try:
        presenter.check_views(config.presenter_views, config.pages, reference, framework)
    except ValueError as exc:
        item, _, text = str(exc).partition(": ")
        raise ConfigError(text, source=config.source.name, field="presenter.views" + item) from None
    if config.seed_demo:
        store.seed_demo(reference.places["place_code"].tolist(), framework)
    return Context(config, reference, framework, geo, store, static_dir=Path(static_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _checked_config(config_path: str, _signature_key: tuple, environ_url: str | None) -> Config:
    """The configuration, checked once per version of the file (a bad one raises and is not kept)."""
    return load_config(config_path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _vintages(data_dir: Path, _signature_key: tuple) -> dict[str, str]:
    """The boundary vintages, newest first ('2026-04' -> 'April 2026'), read once per version of the file."""
    return vintage_labels(data_dir)


def vintages(config) -> dict[str, str]:
    return _vintages(config.data_dir, _signature(config.data_dir / "vintages.csv"))


def chosen_vintage(config) -> str:
    """The vintage pages show: the configured one, else the sidebar's choice, else the newest."""
    if config.vintage:
        return config.vintage
    known = vintages(config)
    chosen = st.session_state.get(FILTER_VINTAGE)
    return chosen if chosen in known else next(iter(known))


def boot(root: Path) -> Context:
    """Load (or reuse) the context for the app in ``root``; raise IcsdashError on bad input."""
    config_path = Path(os.environ.get("ICSDASH_CONFIG", root / "config.yaml")).resolve()
    if not config_path.exists():
        raise IcsdashError(f"file not found at {config_path}", source="config.yaml")
    config = _checked_config(str(config_path), _signature(config_path), os.environ.get("DATABASE_URL"))
    watched = [config_path, config.framework_path, *[config.data_dir / n for n in
                                                     ("places.csv", "place_governance.csv", "pcns.csv", "icbs.csv",
                                                      "vintages.csv", "place_icbs.csv",
                                                      "regions.csv", "place_groups.csv", "geo/places.geojson")]]
    # Streamlit serves static files from the folder beside the main script, wherever the config lives.
    imported = _imported(_open_store(config.database_url, config.data_dir), config.database_url)
    ctx = _load_context(str(config_path), str(root / "static"), _signature(*watched), os.environ.get("DATABASE_URL"),
                        imported, chosen_vintage(config))
    st.session_state[CONTEXT_KEY] = ctx
    return ctx


_RUN = threading.local()          # per script thread: did app.py's frame run in this run?


def start(root: Path) -> Context:
    """Page config, configuration and data, presenter mode and anonymising. Stops with a clear message
    (and writes nothing) when the configuration or data is bad."""
    st.set_page_config(page_title="icsdash", page_icon=str(root / "static" / "icsdash.png"), layout="wide")
    try:
        ctx = boot(root)
    except IcsdashError as error:
        _cannot_start(error)
    _read_mode()
    if anonymised():
        ctx = _anonymised(ctx, id(ctx), ctx.reference.version)
        st.session_state[CONTEXT_KEY] = ctx
    if presenting():
        st.html(f"<style>{PROJECTOR_CSS}</style>")
    st.session_state["_icsdash_reroutes"] = 0
    _RUN.framed = True
    _RUN.export_keys = {}
    _RUN.versions = {}
    return ctx


RETRY_START_SECONDS = 5


def _cannot_start(error: IcsdashError) -> NoReturn:
    """Say why the app cannot start and stop the run. The message is declared as every page (hidden) with
    st.navigation, or Streamlit would list the pages folder's file names in the sidebar instead."""
    def page() -> None:
        st.title("icsdash cannot start")
        show_error(error)
        if isinstance(error, DatabaseUnavailable):
            st.caption(f"The database server did not answer: check that it is running and that database.url (or "
                       f"DATABASE_URL) points at it. This page tries again every {RETRY_START_SECONDS} seconds and "
                       "opens by itself once it answers. Nothing has been written.")
            _retry_start()
        else:
            st.caption("Fix the file named above and reload the page. Nothing has been written.")

    # Every page's address shows this page (no 'page not found'), and keeps the address for when it opens.
    st.navigation([st.Page(page, title="icsdash cannot start", url_path=key, default=(i == 0))
                   for i, key in enumerate(PAGES_BY_KEY)], position="hidden").run()
    st.stop()


def _retry_start() -> None:
    """Under 'cannot start' because the database did not answer: run the whole app again every few seconds."""
    drawn = time.monotonic()

    def again() -> None:
        if time.monotonic() - drawn > 1:              # a timed rerun, not this run's own drawing
            st.rerun(scope="app")
    st.fragment(again, run_every=RETRY_START_SECONDS)()


def data_version(ctx: Context) -> int:
    """The database's data version: asked once per full script run, so every cache key of the run agrees and a
    run costs one query, not one per lookup; asked afresh by every fragment run (a workshop's refresh)."""
    if not getattr(_RUN, "framed", False):
        return ctx.store.data_version()
    seen = _RUN.versions
    if ctx.config.database_url not in seen:
        seen[ctx.config.database_url] = ctx.store.data_version()
    return seen[ctx.config.database_url]


def sidebar(ctx: Context, who: Principal) -> None:
    """The sidebar: title, sign-in, shared filters and the presenting switches (hidden when presenting)."""
    st.sidebar.markdown(f"### {ctx.config.title}")
    sign_in_panel(ctx, who)
    shared_filters(ctx)
    with st.sidebar.expander("Presenting", icon=":material/co_present:", expanded=presenting() or anonymised()):
        st.session_state["present_switch"] = presenting()
        st.session_state["anonymise_switch"] = anonymised()
        st.toggle("Presenter mode", key="present_switch", on_change=_presenting_changed,
                  help="Large type and high contrast for a projector, no sidebar, and the running order from "
                       "config.yaml stepped through with Next and Previous (keys: right and left arrows). "
                       "The same as adding ?present=1 to the address.")
        st.toggle("Anonymise places and people", key="anonymise_switch", on_change=_anonymise_changed,
                  help="Replaces every place, PCN and person name with a stable label (Place A, Place B ...) "
                       "on every page, tooltip and table. ICS and region names are kept.")

        def slides() -> bytes:                    # made only when the button is clicked, on a thread of its own
            from . import reports
            data = reports.DeckData.read(ctx.store, ctx.reference, ctx.framework, ctx.geography, ctx.config)
            note = reports.illustrative_note(ctx.reference, ctx.store.has_demo_data(), short=True)
            return reports.running_order_pptx(ctx.config.presenter_views, data, note=note, redact=ctx.redact,
                                              anonymised=ctx.anonymised)
        st.download_button("Download the running order as slides (PPTX)", slides, key="running_order_pptx",
                           file_name="icsdash-running-order.pptx", on_click="ignore", icon=":material/slideshow:",
                           mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                           disabled=not ctx.config.presenter_views,
                           help="One slide per view of the running order, titled as in presenter mode, with the "
                                "view's main chart; anonymised when the switch above is on. Takes a few seconds.")


def frame(root: Path) -> tuple[Context, Principal]:
    """The whole frame for a page run on its own: :func:`start`, who is signed in, :func:`sidebar`."""
    ctx = start(root)
    who = principal(ctx)
    sidebar(ctx, who)
    return ctx, who


def end_of_run() -> None:
    _RUN.framed = False
    _RUN.versions = {}
    _RUN.stage = None


def stage():
    """Where a page draws its main visual (map, radar, side-by-side table): in presenter mode, at the top, just
    under the bar, so each view's point is on the first screen of a projector whatever else the page shows;
    otherwise where the page is. Use as ``with ui.stage(): ...``; once per page."""
    slot = getattr(_RUN, "stage", None) if presenting() else None
    return slot if slot is not None else st.container()


def current() -> Context:
    """The context for this run. A page run on its own draws the frame itself.

    That happens when Streamlit routes a request the old way, by the files in
    ``pages/``: on the first request after the server starts, if it asks for a
    page other than the first. From then on ``app.py``'s navigation is used.
    """
    if not getattr(_RUN, "framed", False):
        try:
            from streamlit.runtime.pages_manager import PagesManager
            PagesManager.uses_pages_directory = False
        except ImportError:  # pragma: no cover - a Streamlit without this switch routes by st.navigation anyway
            pass
        if st.session_state.get("_icsdash_reroutes", 0) < 2:
            # Run again through app.py, whose navigation now applies: same page, proper frame and menu.
            # (frame() resets the count, so this can never loop; after two tries the page frames itself.)
            st.session_state["_icsdash_reroutes"] = st.session_state.get("_icsdash_reroutes", 0) + 1
            st.rerun()
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        frame(Path(get_script_run_ctx().main_script_path).parent)
    return st.session_state[CONTEXT_KEY]


def show_error(error: IcsdashError) -> None:
    """The one place errors are shown: what is wrong, where, and nothing of the internals."""
    where = _inert(error.location())         # file names and cells quoted in messages come from users
    st.error(f"**{'Problem in ' + where if where else 'Problem'}**\n\n{_inert(error.message)}", icon=":material/error:")


def _inert(text: str) -> str:
    r"""Text for a message: no HTML, links, images or code spans take effect; the rest reads as written.

    >>> _inert("<img src=x> [a](http://b) `c`")
    '&lt;img src=x&gt; \\[a\\](http://b) \\`c\\`'
    """
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("[", r"\[")
            .replace("]", r"\]").replace("`", r"\`"))


def show_unexpected(page_title: str) -> None:
    """An unexpected failure: logged with its traceback on the server, a plain message in the browser."""
    LOG.exception("Unexpected error on page %r", page_title)
    st.error(f"**Something went wrong on the {page_title} page.** Nothing you entered has been lost. "
             "Reload the page to try again; if it happens again, tell your administrator the time it happened "
             "(the details are in the server's log).", icon=":material/error:")


# --------------------------------------------------------------------------- data, cached by version

def place_summary(ctx: Context, round_label: str | None = None) -> pd.DataFrame:
    """One row per place with every map measure, for a round (None: the latest); recomputed only when data
    changes, and kept for the newest data versions only (see :func:`memo`). Shared by all sessions: do not
    mutate."""
    def build() -> pd.DataFrame:
        store = ctx.store
        summary = analysis.place_summary(ctx.reference, store.latest_scores(), store.activity(), ctx.framework,
                                         round_label)
        summary.attrs["versions"] = (ctx.config.database_url, ctx.reference.version, data_version(ctx), round_label)
        return summary
    return memo(version_key(ctx, "place summary", round_label), build)


def scores(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every latest submitted score, the per place/round/dimension table), once per data version."""
    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        latest = ctx.store.latest_scores()
        return latest, analysis.dimension_scores(latest, ctx.framework)
    return memo(version_key(ctx, "scores"), build)


def link_echo(param: str, key: str) -> bool:
    """Whether ?param= only repeats what the picker ``key`` wrote on its last run, so that a user's new
    choice wins over it (a link that names something else still wins over the picker)."""
    return key in st.session_state and st.query_params.get(param) == st.session_state.get(f"{key}_link")


def place_choice(ctx: Context, key: str, places: pd.DataFrame, who: Principal) -> str | None:
    """A place picker that starts from ?place=, then the place last looked at, then the user's own place."""
    options = places.sort_values("place_name")
    labels = dict(zip(options["place_code"], options["place_name"] + " · " + options["icb_short_name"]))
    wanted = None if link_echo("place", key) else st.query_params.get("place")
    wanted = ctx.store.code_changes.get(wanted, wanted)          # an old link names the place by a retired code
    if wanted and wanted not in labels:
        show_error(IcsdashError(f"{wanted!r} is not a place in the current filters; choose one below",
                                source="link", field="place"))
    for candidate in (wanted, st.session_state.get(key), st.session_state.get("explorer_place"), who.place_code):
        if candidate in labels:
            st.session_state[key] = candidate
            break
    if not labels:
        st.info("No place matches the filters in the sidebar.")
        return None
    code = st.selectbox("Place", list(labels), key=key, format_func=labels.get)
    st.session_state[f"{key}_link"] = code
    if ctx.anonymised:
        st.query_params.pop("place", None)      # the code names the place: keep it out of the address
    else:
        st.query_params["place"] = code
    return code


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


# --------------------------------------------------------------------------- shared widgets

def _keep_valid(key: str, options: list, default) -> None:
    if st.session_state.get(key, default) not in options:
        st.session_state[key] = default


def shared_filters(ctx: Context) -> None:
    """The sidebar's filters (region, ICS, governance model, round), shared by every page.

    They are widgets of the frame, so they keep their values across pages; a
    page reads them with :func:`filters`. Values that no longer fit (an ICS
    outside the chosen region) fall back to 'all'.
    """
    ref = ctx.reference
    if not ctx.config.vintage:                      # not pinned in config.yaml: people may switch
        labels = vintages(ctx.config)
        st.session_state[FILTER_VINTAGE] = ref.vintage
        st.sidebar.selectbox("Boundaries", list(labels), key=FILTER_VINTAGE, format_func=labels.get,
                             help="Which ICBs every page shows, and which ICB each place is in: the newest "
                                  "boundaries, or an earlier vintage's. Places and their assessments are the same.")
    else:                                           # pinned: still say which, since every ICS figure depends on it
        st.sidebar.caption(f"Boundaries: {ref.boundaries} (set for this deployment)")
    regions = [ALL, *ref.regions["region_name"].tolist()]
    _keep_valid(FILTER_REGION, regions, ALL)
    st.sidebar.selectbox("Region", regions, key=FILTER_REGION,
                         help="Narrows the figures, maps and tables on every page.")
    icbs = ref.icbs if st.session_state[FILTER_REGION] == ALL else \
        ref.icbs[ref.icbs["region_name"] == st.session_state[FILTER_REGION]]
    icb_names = dict(zip(icbs["icb_ods_code"], icbs["icb_short_name"]))
    _keep_valid(FILTER_ICB, [ALL_ICBS, *icb_names], ALL_ICBS)
    st.sidebar.selectbox("Integrated care system", [ALL_ICBS, *sorted(icb_names, key=icb_names.get)], key=FILTER_ICB,
                         format_func=lambda c: icb_names.get(c, c))
    models = {m.key: m.label for m in MODELS}
    st.session_state[FILTER_MODELS] = [m for m in st.session_state.get(FILTER_MODELS, []) if m in models]
    st.sidebar.multiselect("Governance model", list(models), key=FILTER_MODELS, format_func=models.get,
                           placeholder="All models")
    rounds = ctx.store.round_labels()
    _keep_valid(FILTER_ROUND, [LATEST, *rounds], LATEST)
    st.sidebar.selectbox("Assessment round", [LATEST, *rounds[::-1]], key=FILTER_ROUND,
                         help="Which round's scores and status the maps and figures show.")


def filters() -> analysis.Filters:
    region = st.session_state.get(FILTER_REGION, ALL)
    icb = st.session_state.get(FILTER_ICB, ALL_ICBS)
    chosen_round = st.session_state.get(FILTER_ROUND, LATEST)
    return analysis.Filters(region=None if region == ALL else region, icb=None if icb == ALL_ICBS else icb,
                            models=tuple(st.session_state.get(FILTER_MODELS, [])),
                            round=None if chosen_round == LATEST else chosen_round)


def facts(frame: pd.DataFrame) -> None:
    """Facts as a readable list: label, value, and where the value comes from (never cut off)."""
    st.markdown("\n".join(f"- **{escape_markdown(r.Fact)}:** {escape_markdown(r.Value)} {source_tag(r.Source)}"
                          for r in frame.itertuples()))


def source_tag(source: str) -> str:
    """A fact's source as a coloured tag: green where documented or imported (with its citation), amber where
    invented or estimated; nothing for sources that need no tag ('assessments', '—')."""
    kind = source.split(":", 1)[0].split(";", 1)[0]
    colour = "green" if kind.startswith("ONS") else {
        "documented": "green", "imported": "green", "illustrative": "orange", "illustrative in part": "orange",
        "illustrative amount": "orange", "estimate": "orange", "demo data": "orange"}.get(kind)
    return f":{colour}[{escape_markdown(source)}]" if colour else ""


def icb_name(ctx: Context, code: str) -> str:
    icbs = ctx.reference.icbs
    return icbs.loc[icbs["icb_ods_code"] == code, "icb_short_name"].iloc[0]


def view_for(ctx: Context, shown: pd.DataFrame) -> tuple[float, float, float]:
    """The map view that fits the places shown (the configured view for all of England)."""
    if len(shown) in (0, len(ctx.reference.places)):
        return ctx.config.map_latitude, ctx.config.map_longitude, ctx.config.map_zoom
    return maps.view_of([ctx.geography.shapes["places"][c] for c in shown["place_code"]])


def _has_demo(ctx: Context) -> bool:
    """Whether the database holds demo assessments: asked once per data version, not on every rerun."""
    return memo(version_key(ctx, "has demo"), ctx.store.has_demo_data)


def illustrative_notice(ctx: Context) -> None:
    """The notice that illustrative data is labelled; on a projector one short line, so the view fits the screen.
    Its text is worked out once per reference data."""
    demo_scores, short = _has_demo(ctx), presenting()
    st.caption(memo(("illustrative notice", ctx.reference.version, demo_scores, short),
                    lambda: _notice_text(ctx.reference, demo_scores, short)))


def _notice_text(ref: Reference, demo_scores: bool, short: bool) -> str:
    if short:
        return f":material/info: **{escape_markdown(reference_note(ref, demo_scores, short=True))}**"
    n = int((ref.places["source"] == "illustrative").sum())
    demo = " Assessment scores are illustrative demo data." if demo_scores else ""
    pcns = pcns_illustrative(ref)
    invented = f", {pcns}" if pcns != "no PCNs" else ""
    published = f" PCNs and practices: {escape_markdown(published_pcns(ref))}." if published_pcns(ref) else ""
    return (f":material/info: **Illustrative data is labelled.** {n} of {len(ref.places)} place definitions and "
            f"most governance details{invented} and every budget not cited from the source documents "
            f"or imported are illustrative, invented to show how the dashboard works.{demo} Populations: "
            f"{escape_markdown(published_population(ref))} (a council split between places shared by its 2011 LSOAs) "
            f"unless documented.{published}")


def published_pcns(ref: Reference) -> str:
    """The citation of the published PCNs the data holds ('NHS England, practice to PCN mapping, 1 January
    2026'), or '' when it holds none."""
    shipped = ref.pcns.loc[ref.pcns["source"] == "nhs england", "source_ref"].dropna() \
        if "source_ref" in ref.pcns else pd.Series(dtype=object)
    return shipped.mode().iloc[0] if len(shipped) else ""


def published_population(ref: Reference) -> str:
    """The citation of the published population counts most places use ('ONS mid-2022 population estimates')."""
    published = ref.places.loc[ref.places["population_source"] != "documented", "population_ref"]
    return published.mode().iloc[0] if len(published) else "documented figures"


def pcns_illustrative(ref: Reference) -> str:
    """'all PCNs', '1,196 of 1,260 PCNs' or 'no PCNs', for the illustrative-data notices."""
    n = int((ref.pcns["source"] == "illustrative").sum())
    return "all PCNs" if n == len(ref.pcns) else f"{n:,} of {len(ref.pcns):,} PCNs" if n else "no PCNs"


def illustrative_note(ctx: Context) -> str:
    """The illustrative-data notice as plain text, for the notes of an exported workbook."""
    demo_scores = _has_demo(ctx)
    return memo(("illustrative note", ctx.reference.version, demo_scores),
                lambda: reference_note(ctx.reference, demo_scores))


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


# --------------------------------------------------------------------------- who is signed in

def sso_configured() -> bool:
    """Single sign-on is on when .streamlit/secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def principal(ctx: Context) -> Principal:
    """The signed-in user: single sign-on first, else an access code's grant, else a viewer."""
    if sso_configured():
        try:
            if st.user.is_logged_in:
                return auth.principal_for_email(st.user.get("email"), ctx.config.auth_users, st.user.get("name"))
        except Exception:  # noqa: BLE001 - SSO misconfigured: stay anonymous, the page says so
            LOG.exception("Single sign-on is configured but the user could not be read")
    return st.session_state.get(PRINCIPAL_KEY, auth.ANONYMOUS)


def _client_key() -> str:
    """Who is knocking, for throttling wrong access codes (see :func:`icsdash.auth.client_key`)."""
    try:
        address, headers = st.context.ip_address, st.context.headers
    except Exception:  # noqa: BLE001 - no request context (tests, scripts)
        address, headers = None, {}
    return auth.client_key(address if isinstance(address, str) else None, headers or {})


def _sign_in(ctx: Context) -> None:
    code = st.session_state.get("access_code", "")
    try:
        st.session_state[PRINCIPAL_KEY] = ctx.store.sign_in(code, _client_key(), ctx.config.max_failed_attempts,
                                                             ctx.config.lockout_minutes)
        st.session_state.pop("sign_in_error", None)
    except IcsdashError as error:
        st.session_state["sign_in_error"] = error
    except Exception:  # noqa: BLE001 - e.g. the database is down: say so, never a traceback
        LOG.exception("Sign-in failed unexpectedly")
        st.session_state["sign_in_error"] = IcsdashError(
            "signing in failed because the server could not check the code (is the database running?); "
            "try again in a minute", source="sign-in")
    st.session_state["access_code"] = ""          # never keep a code in the session


def _sign_out() -> None:
    for key in [k for k in st.session_state if k.startswith(("_icsdash_principal", "assessment_", "sign_in"))]:
        del st.session_state[key]


def sign_in_panel(ctx: Context, who: Principal) -> Principal:
    """The sidebar's sign-in box (access code, or single sign-on when configured), or who is signed in."""
    with st.sidebar:
        if who.signed_in:
            place = place_name(ctx, who.place_code) if who.place_code else ""
            st.caption(f":material/person: Signed in as **{escape_markdown(person(ctx, who.name))}**  \n"
                       f"{who.role_spec.label}{' for ' + escape_markdown(place) if place else ''}")
            if who.via == "sso":
                st.button("Sign out", on_click=st.logout, icon=":material/logout:")
            else:
                st.button("Sign out", on_click=_sign_out, icon=":material/logout:")
            return who
        with st.expander("Sign in", icon=":material/login:",
                         expanded="sign_in_error" in st.session_state):
            st.text_input("Access code", type="password", key="access_code", on_change=_sign_in, args=(ctx,),
                          help="The code your ICS administrator gave you; press Enter to sign in.")
            st.button("Sign in", on_click=_sign_in, args=(ctx,))
            if "sign_in_error" in st.session_state:
                show_error(st.session_state["sign_in_error"])
            if sso_configured():
                st.button("Sign in with single sign-on", on_click=st.login, icon=":material/key:")
    return who


def place_name(ctx: Context, place_code: str | None) -> str:
    places = ctx.reference.places
    match = places.loc[places["place_code"] == place_code, "place_name"]
    return match.iloc[0] if len(match) else str(place_code)


def escape_markdown(text: str) -> str:
    r"""User text made safe to embed in Markdown: no formatting, links or HTML take effect.

    >>> escape_markdown("<b>*Ann*</b> [x](y)")
    '&lt;b&gt;\\*Ann\\*&lt;/b&gt; \\[x\\]\\(y\\)'
    """
    text = html.escape(str(text), quote=False)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~>$:" else ch for ch in text)


# --------------------------------------------------------------------------- presenting and anonymising

PROJECTOR_CSS = """
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stStatusWidget"],
[data-testid="stDecoration"], footer, .st-key-present_clicker { display: none !important; }
html { font-size: 21px; }
.stApp { background: #FFFFFF; color: #000000; }
[data-testid="stMainBlockContainer"] { padding: 1rem 2rem 2rem; max-width: 100%; }
.stApp p, .stApp li, .stApp label, [data-testid="stMetricLabel"] { color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #1A1A1A !important;
  opacity: 1 !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1rem; line-height: 1.45; }
[data-testid="stCaptionContainer"] p { font-size: 0.95rem; }
h1, h2, h3 { color: #000000 !important; font-weight: 700 !important; }
[data-stale="true"], .stale-element { opacity: 1 !important; transition: none !important; }
.st-key-present_bar { border-bottom: 3px solid #000000; padding-bottom: 0.5rem; }
.st-key-present_bar h2 { font-size: 1.6rem; padding: 0 !important; margin: 0 !important; line-height: 1.25; }
.st-key-present_bar [data-testid="stMarkdownContainer"] { margin-bottom: 0 !important; }
.st-key-present_bar button { min-height: 2.1rem; padding: 0.1rem 0.7rem; }
[data-testid="stHeading"]:has(h1) { display: none; }   /* the bar's title leads instead */
"""


def _flag(value: str | None) -> bool | None:
    return {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(
        (value or "").strip().lower())


def _read_mode() -> None:
    """Presenter mode and anonymising from the address (?present=1&step=3&anon=1), read once per browser
    session; from then on the switches decide and the address follows them, so a reload keeps the view."""
    state, params = st.session_state, st.query_params
    if "_mode_read" not in state:
        state["_mode_read"] = True
        state[PRESENT] = bool(_flag(params.get("present")))
        state[ANONYMISE] = bool(_flag(params.get("anon")))
        step = params.get("step", "1")
        plain = step.isascii() and step.isdigit() and len(step) <= 4      # not '²', not 5,000 digits
        state[STEP] = int(step) if plain and int(step) >= 1 else 1
        state[APPLIED] = None
    state.setdefault(PRESENT, False)
    state.setdefault(ANONYMISE, False)
    for key, on, value in (("present", state[PRESENT], "1"), ("step", state[PRESENT], str(state.get(STEP, 1))),
                           ("anon", state[ANONYMISE], "1")):
        if on and params.get(key) != value:
            params[key] = value
        elif not on and key in params:
            del params[key]


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT))


def anonymised() -> bool:
    return bool(st.session_state.get(ANONYMISE))


def _presenting_changed() -> None:
    """Presenter mode switched on: the running order starts from its first view."""
    st.session_state[PRESENT] = bool(st.session_state.get("present_switch"))
    st.session_state[STEP] = 1
    st.session_state[APPLIED] = None


def _anonymise_changed() -> None:
    st.session_state[ANONYMISE] = bool(st.session_state.get("anonymise_switch"))


@st.cache_resource(show_spinner=False, max_entries=4)
def _anonymised(_ctx: Context, context_id: int, reference_version: str) -> Context:
    return dataclasses.replace(_ctx, reference=anonymise.anonymise_reference(_ctx.reference),
                               redact=anonymise.redactor(_ctx.reference), anonymised=True)


def person(ctx: Context, name: str) -> str:
    """A person's name as shown: a stable label when anonymised."""
    return anonymise.person_label(name) if ctx.anonymised and name else name


def people(ctx: Context, frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A table with the named columns' person names replaced by labels when anonymised."""
    return anonymise.relabel_people(frame, columns) if ctx.anonymised else frame


def _move(by: int, count: int) -> None:
    """Step relative to where the session is now, so quick presses during a rerun each count."""
    st.session_state[STEP] = min(max(st.session_state.get(STEP, 1) + by, 1), count)


def _stop_presenting() -> None:
    st.session_state[PRESENT] = False


def _flip_anonymise() -> None:
    st.session_state[ANONYMISE] = not st.session_state.get(ANONYMISE)


def _apply_view(ctx: Context, view: presenter.View) -> None:
    """Put a running-order view's settings into the shared filters and the page's own choices."""
    state, params = st.session_state, st.query_params
    chosen = presenter.filters_of(view, ctx.reference)
    state[FILTER_REGION] = chosen["region"] or ALL
    state[FILTER_ICB] = chosen["icb"] or ALL_ICBS
    state[FILTER_MODELS] = chosen["models"]
    state[FILTER_ROUND] = LATEST
    measure = view.measure or ctx.config.map_default_measure
    if view.page == "overview":
        state["overview_measure"] = measure
    elif view.page == "map":
        state["explorer_measure"] = measure
        state["explorer_place"] = state["explorer_zoom_place"] = view.place
    elif view.page == "compare":
        state["compare_selection"] = [p if p.startswith("icb:") else f"place:{p}" for p in view.places]
    if view.place and view.page in ("profile", "workshop"):
        params["place"] = view.place
    elif "place" in params:
        del params["place"]


def presenter_bar(ctx: Context, page: Any, pages: dict[str, Any]) -> None:
    """In presenter mode: go to the running order's current view (once per step) and draw the bar with the
    view's title, its position ('3 / 7'), Previous and Next (arrow keys; Page Up and Page Down for a
    clicker), Anonymise and Exit."""
    if not presenting():
        return
    views = ctx.config.presenter_views
    state = st.session_state
    if views:
        step = min(max(state.get(STEP, 1), 1), len(views))
        state[STEP] = step
        view = views[step - 1]
        if state.get(APPLIED) != step:
            target = pages[view.page]
            if target.url_path != page.url_path:
                params = {"present": "1", "step": str(step), **({"anon": "1"} if anonymised() else {})}
                st.switch_page(target, query_params=params)
            _apply_view(ctx, view)
            state[APPLIED] = step
    with st.container(key="present_bar"):
        title_col, controls = st.columns([5, 6], vertical_alignment="center")
        if views:
            title = ctx.redact(view.title) or presenter.default_title(view, lambda c: place_name(ctx, c))
            title_col.markdown(f"## {escape_markdown(title)}")
        else:
            title_col.markdown("## Presenter mode")
        with controls.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center"):
            if views:
                st.button("Back", icon=":material/arrow_back:", on_click=_move, args=(-1, len(views)),
                          disabled=step == 1, shortcut="Left", key="present_previous",
                          help="The previous view of the running order (left arrow or Page Up).")
                st.markdown(f"**{step} / {len(views)}**", width="content")
                st.button("Next", icon=":material/arrow_forward:", on_click=_move, args=(1, len(views)),
                          disabled=step == len(views), shortcut="Right", key="present_next", type="primary",
                          help="The next view of the running order (right arrow or Page Down).")
            st.button("Names" if anonymised() else "Anonymise",
                      icon=":material/visibility:" if anonymised() else ":material/visibility_off:",
                      on_click=_flip_anonymise, key="present_anonymise",
                      help="Show the real names again." if anonymised() else
                      "Replace place, PCN and person names with labels (Place A, Place B ...).")
            st.button("Exit", icon=":material/close:", on_click=_stop_presenting, key="present_exit",
                      help="Leave presenter mode: the sidebar and normal type come back.")
    _RUN.stage = st.container(key="present_stage")
    if views:
        # Hidden: a presentation clicker's keys. A fresh key per step: the same button pressed again right
        # after its own page switch was sometimes not seen as a new press (CI lost a Page Up that way).
        with st.container(key="present_clicker"):
            st.button("Previous view", on_click=_move, args=(-1, len(views)), shortcut="PageUp",
                      key=f"present_page_up_{step}")
            st.button("Next view", on_click=_move, args=(1, len(views)), shortcut="PageDown",
                      key=f"present_page_down_{step}")


def scaled(pixels: int) -> int:
    """A fixed size in pixels, larger in presenter mode."""
    return round(pixels * presenter.SIZE_SCALE) if presenting() else pixels


@st.cache_resource(show_spinner=False, max_entries=512)
def _memo_box(key: tuple) -> dict:
    return {}


class DataKey(tuple):
    """(reference version, database URL, data version): what :func:`version_key` keys start with."""


MEMO_VERSIONS = 1          # data versions kept per database: the newest (a run still drawing an older one rebuilds)
MEMO_ENTRIES = 512         # values kept per data version (pages x filters x selections), oldest dropped first
_MEMO_LOCK = threading.Lock()
_BUILDING: dict[tuple, _Build] = {}              # key -> the _Build of the run building its value now


@st.cache_resource(show_spinner=False)
def _memo_versions() -> dict[tuple, dict[DataKey, dict[tuple, Any]]]:
    """(reference version, URL) -> data key -> values; one per process (cleared with Streamlit's caches)."""
    return {}


def version_key(ctx: Context, scope: str, *parts) -> tuple:
    """What a page's derived values depend on: the reference data, the database (which one, and its data version),
    ``scope`` (the page, so two pages' values never meet under one key) and ``parts`` (the filters, say). Read
    once per run and passed to :func:`memo`."""
    return (DataKey((ctx.reference.version, ctx.config.database_url, data_version(ctx))), scope, *parts)


def _versioned(data: DataKey) -> dict[tuple, Any]:
    """The values of one data version. A new version drops all but the newest :data:`MEMO_VERSIONS` of its
    database, so a server that sees a submission every minute for a year holds what the pages show now, not
    every version since it started. A run still drawing an older version than those kept (it read the version
    just before a submission) gets a dictionary of its own: it never pushes out the newest values."""
    with _MEMO_LOCK:
        versions = _memo_versions().setdefault(data[:2], {})
        dropped = []
        if data not in versions:
            if any(held[2] > data[2] for held in versions):
                return {}
            versions[data] = {}
            dropped = [versions.pop(old) for old in sorted(versions, key=lambda held: held[2])[:-MEMO_VERSIONS]]
        values = versions[data]
    if dropped:
        dropped.clear()                 # the old values go now (nothing else holds them) ...
        _give_back_memory()             # ... and so does the memory they took
    return values


def _give_back_memory() -> None:
    """Return freed heap to the operating system (glibc keeps it otherwise), so a long-running server's size
    follows what it holds now rather than its high-water mark. Nothing happens where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _Build:
    """A value being built by one run while others wait for it (see :func:`memo`)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


def memo(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()`` once per key (start it with :func:`version_key`), shared by every session: the tables and chart
    specifications a page derives, so a rerun with nothing changed rebuilds nothing. Treat the value as
    read-only. Keys from :func:`version_key` are kept for the newest data versions only (see :func:`_versioned`).

    When a submission moves the data version, every open session's next run asks for the same new values at
    once: one run builds each value while the others wait for it, rather than each building (and holding) a
    copy. If that build fails (the database stopped answering, say), the runs that waited each try at once, side
    by side, so none waits for the others' timeouts in turn.
    """
    if not (key and isinstance(key[0], DataKey)):
        box = _memo_box(key)
        if "value" not in box:
            box["value"] = build()
        return box["value"]
    rest = key[1:]
    values = _versioned(key[0])
    if rest in values:
        return values[rest]
    with _MEMO_LOCK:
        pending = _BUILDING.get(key)
        if pending is None:
            pending = _BUILDING[key] = _Build()
            leading = True
        else:
            leading = False
    if not leading:
        pending.done.wait()
        if not pending.failed:
            return pending.value
    try:
        value = build()
        with _MEMO_LOCK:
            values[rest] = value
            while len(values) > MEMO_ENTRIES:
                del values[next(iter(values))]
        if leading:
            pending.value = value
    except BaseException:
        if leading:
            pending.failed = True
        raise
    finally:
        if leading:
            with _MEMO_LOCK:
                del _BUILDING[key]
            pending.done.set()
    return value


def boundaries() -> str | None:
    """The boundary vintage of what this run shows ('April 2026 (36 ICBs)'), for its downloads to name."""
    ctx = st.session_state.get(CONTEXT_KEY)
    return ctx.reference.boundaries if ctx is not None else None


def spec(item: alt.TopLevelMixin) -> dict:
    """A chart's Vega-Lite specification, without Altair's schema validation (the builders' tests render them)."""
    return item.to_dict(validate=False)


def chart(item: alt.TopLevelMixin | dict, width: str | int = "stretch", *, name: str | None = None,
          **kwargs) -> None:
    """Show an Altair chart, with PNG and SVG downloads under it; in presenter mode with projector-sized type,
    lines and points and no downloads.

    ``name`` keys the downloads (stable across reruns, so pass a fixed text when the chart's title changes with
    the data); the file is named after the chart's title, else ``name``, and names the boundary vintage under
    the title.
    """
    made = item if isinstance(item, dict) else spec(item)           # a dict: from memo(), built once
    if presenting():
        st.vega_lite_chart(presenter.projector_spec(made), width=scaled(width) if isinstance(width, int) else width,
                           **kwargs)
        return
    st.vega_lite_chart(made, width=width, **kwargs)
    title, vintage = chart_title(item), boundaries()
    _downloads("chart", name or title or "chart", title or name or "chart", [
        ("PNG image", "png", lambda: exports.chart_png(item, boundaries=vintage)),
        ("SVG image", "svg", lambda: exports.chart_svg(item, boundaries=vintage))])


@dataclass(frozen=True)
class StaticMap:
    """What a static rendering of a place map needs (see :func:`icsdash.exports.map_chart`); calling it, on a
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
        return exports.map_chart(self.geography, self.summary, self.measure, self.legend, self.shown,
                                 title=self.title, highlight=self.highlight, categorical=self.palettes[0],
                                 sequential=self.palettes[1], boundaries=self.boundaries)


def static_map(ctx: Context, summary: pd.DataFrame, measure: Measure, legend: Legend,
               shown: pd.DataFrame | None = None, title: str | None = None,
               highlight: str | None = None) -> StaticMap:
    """A place map as a static picture, for :func:`deck`'s downloads: ``summary`` colours all of England as the
    served layer does, ``shown`` (the filtered places) sets the extent, ``legend`` is the one the page shows."""
    return StaticMap(ctx.geography, summary, measure, legend, shown, title, highlight,
                     (ctx.config.categorical_palette, ctx.config.sequential_palette), ctx.reference.boundaries)


def deck(item: pdk.Deck, height: int, *, name: str | None = None, static: Callable[[], alt.TopLevelMixin] | None = None,
         **kwargs):
    """Show a pydeck map; in presenter mode with larger tooltips and at most ``presenter.MAP_HEIGHT`` high, so
    it fits a 720 px projector under the bar.

    With ``static`` (see :func:`static_map`) the map downloads as a picture, PNG or SVG, drawn only when
    clicked; ``name`` keys the downloads (default 'map'), the file is named after the picture's title.
    """
    if presenting():
        tooltip = getattr(item, "_tooltip", None)
        if isinstance(tooltip, dict):
            item._tooltip = {**tooltip, "style": {**tooltip.get("style", {}), "fontSize": "20px"}}
        height = min(height, presenter.MAP_HEIGHT)
    shown = st.pydeck_chart(item, height=height, width="stretch", **kwargs)
    if static is not None:
        title = getattr(static, "title", None) or name or "map"
        _downloads("map", name or "map", title, [
            ("PNG image", "png", lambda: exports.chart_png(static())),
            ("SVG image", "svg", lambda: exports.chart_svg(static()))])
    return shown


def table(frame: pd.DataFrame, *, name: str | None = None, note: str | None = None, **kwargs) -> None:
    """Show a table, with CSV and Excel downloads of exactly what it shows; sortable normally; in presenter
    mode, short tables as large plain text and no downloads.

    ``name`` keys the downloads and names the files (default: from the first columns); ``note`` (for example
    :func:`illustrative_note`) goes on a 'Notes' sheet of the workbook. The index is exported when it is shown
    and means something (a pivot table's rows). Both files name the boundary vintage (a last column, and a line
    of the notes).
    """
    hide_index = kwargs.pop("hide_index", None)
    if presenting() and len(frame) <= 40:
        styled = frame.style.format(thousands=",", precision=1, na_rep="—")
        st.table(styled, hide_index=bool(hide_index))
        return
    st.dataframe(frame, hide_index=hide_index, **{"width": "stretch", **kwargs})
    name = name or "table " + " ".join(map(str, list(frame.columns)[:3]))
    index = False if hide_index else None
    if anonymised():
        note = " ".join(filter(None, [note, "Place, PCN and person names are replaced by labels (anonymised)."]))
    vintage = boundaries()
    _downloads("table", name, name, [
        ("CSV", "csv", lambda: exports.table_csv(frame, index=index, boundaries=vintage)),
        ("Excel", "xlsx", lambda: exports.table_xlsx(frame, note=note, index=index, title=name, boundaries=vintage))])


# --------------------------------------------------------------------------- downloads

def chart_title(item: alt.TopLevelMixin) -> str:
    """A chart's title text, read without building its specification ('' when it has none)."""
    if isinstance(item, dict):
        parts = [item, *(item.get("layer") or [])]
        for part in parts:
            title = part.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            text = " ".join(map(str, text)) if isinstance(text, list) else text
            if isinstance(text, str) and text.strip():
                return text.strip()
        return ""
    parts = [item, *(getattr(item, "layer", None) or [])]
    for part in parts:
        title = getattr(part, "title", None)
        text = title if isinstance(title, (str, list)) else getattr(title, "text", None)
        if isinstance(text, list):
            text = " ".join(map(str, text))
        if isinstance(text, str) and text.strip():
            return text.strip()
    return ""


def _export_key(kind: str, name: str) -> str:
    """The widget key for an element's downloads: from its name, numbered when a page repeats a name."""
    base = f"export_{kind}_{exports.slug(name, limit=60) or kind}"
    used = getattr(_RUN, "export_keys", None)
    if used is None:
        used = _RUN.export_keys = {}
    used[base] = used.get(base, 0) + 1
    return base if used[base] == 1 else f"{base}_{used[base]}"


def _logged(make: Callable[[], Any], what: str) -> Callable[[], Any]:
    def run():
        try:
            return make()
        except Exception:
            LOG.exception("Export of %s failed", what)
            raise
    return run


def _downloads(kind: str, name: str, title: str, files: list[tuple[str, str, Callable[[], Any]]]) -> None:
    """A small 'Download' menu under an element: one button per format. Each file is made only when its
    button is clicked (Streamlit's deferred data), on another thread, and the click does not rerun the page,
    so a rerun costs only the buttons. Nothing in presenter mode."""
    if presenting():
        return
    key = _export_key(kind, name)
    with st.popover("Download", icon=":material/download:", type="tertiary", key=key):
        for label, ext, make in files:
            st.download_button(label, data=_logged(make, f"{kind} {name!r} as {ext}"),
                               file_name=exports.filename(title, ext), mime=exports.MIME[ext], key=f"{key}_{ext}",
                               on_click="ignore", width="stretch")
