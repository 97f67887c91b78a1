"""The only module that talks to Streamlit: cached loaders, shared widgets, error display.

Caches are keyed by data versions (the reference files' hash and the
database's newest audit id), never by a time-to-live, so a new submission
shows at the next rerun on every page and every server.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from . import analysis, auth, geography, maps
from .auth import Principal
from .config import Config, load_config
from .errors import IcsdashError
from .framework import Framework, load_framework
from .geography import Geography
from .governance import MODELS
from .maps import Legend
from .measures import measures_for
from .palettes import NO_DATA
from .reference import Reference, load_reference
from .store import Store

LOG = logging.getLogger("icsdash")
CONTEXT_KEY = "_icsdash_context"
PRINCIPAL_KEY = "_icsdash_principal"
FILTER_REGION = "filter_region"
FILTER_ICB = "filter_icb"
FILTER_MODELS = "filter_models"
FILTER_ROUND = "filter_round"
ALL = "All regions"
ALL_ICBS = "All ICSs"
LATEST = "Latest"


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


_RUN = threading.local()          # per script thread: did app.py's frame run in this run?


def frame(root: Path) -> tuple[Context, Principal]:
    """The app's frame: page config, configuration, sign-in and shared filters. Stops with a clear message
    (and writes nothing) when the configuration or data is bad."""
    st.set_page_config(page_title="icsdash", page_icon=str(root / "static" / "icsdash.png"), layout="wide")
    try:
        ctx = boot(root)
    except IcsdashError as error:
        st.title("icsdash cannot start")
        show_error(error)
        st.caption("Fix the file named above and reload the page. Nothing has been written.")
        st.stop()
    st.sidebar.markdown(f"### {ctx.config.title}")
    who = sign_in_panel(ctx)
    shared_filters(ctx)
    st.session_state["_icsdash_reroutes"] = 0
    _RUN.framed = True
    return ctx, who


def end_of_run() -> None:
    _RUN.framed = False


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
def _summary(_ctx: Context, reference_version: str, store_version: int, round_label: str | None) -> pd.DataFrame:
    store = _ctx.store
    summary = analysis.place_summary(_ctx.reference, store.latest_scores(), store.activity(), _ctx.framework,
                                     round_label)
    summary.attrs["versions"] = (reference_version, store_version, round_label)
    return summary


def place_summary(ctx: Context, round_label: str | None = None) -> pd.DataFrame:
    """One row per place with every map measure, for a round (None: the latest); recomputed only when data
    changes. Shared by all sessions: do not mutate."""
    return _summary(ctx, ctx.reference.version, ctx.store.data_version(), round_label)


@st.cache_resource(show_spinner=False, max_entries=4)
def _scores(_ctx: Context, reference_version: str, store_version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    latest = _ctx.store.latest_scores()
    return latest, analysis.dimension_scores(latest, _ctx.framework)


def scores(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every latest submitted score, the per place/round/dimension table), cached by data version."""
    return _scores(ctx, ctx.reference.version, ctx.store.data_version())


def place_choice(ctx: Context, key: str, places: pd.DataFrame, who: Principal) -> str | None:
    """A place picker that starts from ?place=, then the place last looked at, then the user's own place."""
    options = places.sort_values("place_name")
    labels = dict(zip(options["place_code"], options["place_name"] + " · " + options["icb_short_name"]))
    wanted = st.query_params.get("place")
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
    st.query_params["place"] = code
    return code


@st.cache_resource(show_spinner=False, max_entries=4)
def _served_layers(_ctx: Context, _summary_frame: pd.DataFrame, reference_version: str, store_version: int,
                   round_label: str | None, palettes: tuple[str, str]) -> tuple[dict[str, str], dict[str, Legend]]:
    props, legends = maps.place_properties(_summary_frame, measures_for(_ctx.framework), *palettes)
    shapes, ref = _ctx.geography.shapes, _ctx.reference
    write = geography.write_served_layer
    urls = {"places": write(_ctx.static_dir, "places", geography.feature_collection(shapes["places"], props)),
            "icbs": write(_ctx.static_dir, "icbs", geography.feature_collection(shapes["icbs"], maps.icb_properties(ref))),
            "regions": write(_ctx.static_dir, "regions",
                             geography.feature_collection(shapes["regions"], maps.region_properties(ref))),
            "england": write(_ctx.static_dir, "england", geography.feature_collection(shapes["england"])),
            "pcns": write(_ctx.static_dir, "pcns", maps.pcn_points(ref))}
    return urls, legends


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
    tags = {"documented": ":green[documented]", "illustrative": ":orange[illustrative]",
            "estimate": ":orange[estimate]", "demo data": ":orange[demo data]"}
    st.markdown("\n".join(f"- **{escape_markdown(r.Fact)}:** {escape_markdown(r.Value)} "
                          f"{tags.get(r.Source, '')}" for r in frame.itertuples()))


def icb_name(ctx: Context, code: str) -> str:
    icbs = ctx.reference.icbs
    return icbs.loc[icbs["icb_ods_code"] == code, "icb_short_name"].iloc[0]


def view_for(ctx: Context, shown: pd.DataFrame) -> tuple[float, float, float]:
    """The map view that fits the places shown (the configured view for all of England)."""
    if len(shown) in (0, len(ctx.reference.places)):
        return ctx.config.map_latitude, ctx.config.map_longitude, ctx.config.map_zoom
    return maps.view_of([ctx.geography.shapes["places"][c] for c in shown["place_code"]])


@st.cache_resource(show_spinner=False, max_entries=4)
def _has_demo(_ctx: Context, store_version: int) -> bool:
    return _ctx.store.has_demo_data()          # asked once per data version, not on every rerun


def illustrative_notice(ctx: Context) -> None:
    ref = ctx.reference
    n = int((ref.places["source"] == "illustrative").sum())
    demo = " Assessment scores are illustrative demo data." if _has_demo(ctx, ctx.store.data_version()) else ""
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
    """Who is knocking, for throttling wrong access codes (the browser's address as the server sees it)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context (tests, scripts)
        address = None
    return address if isinstance(address, str) and address else "unknown client"


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


def sign_in_panel(ctx: Context) -> Principal:
    """The sidebar's sign-in box (access code, or single sign-on when configured), or who is signed in."""
    who = principal(ctx)
    with st.sidebar:
        if who.signed_in:
            place = place_name(ctx, who.place_code) if who.place_code else ""
            st.caption(f":material/person: Signed in as **{escape_markdown(who.name)}**  \n"
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
