"""The session-state keys the Streamlit layer shares, the state of one script run, and the routing workaround.

Everything a run keeps out of sight lives here: which keys of ``st.session_state`` hold the context, the
signed-in user, the shared filters and presenter mode; and, per script thread, whether ``app.py``'s frame ran
in this run, the data versions read, the download keys used and where the presenter stage is.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

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


_RUN = threading.local()          # per script thread: did app.py's frame run in this run?


def data_version(ctx) -> int:
    """The database's data version: asked once per full script run, so every cache key of the run agrees and a
    run costs one query, not one per lookup; asked afresh by every fragment run (a workshop's refresh)."""
    if not getattr(_RUN, "framed", False):
        return ctx.store.data_version()
    seen = _RUN.versions
    if ctx.config.database_url not in seen:
        seen[ctx.config.database_url] = ctx.store.data_version()
    return seen[ctx.config.database_url]


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


def set_stage(slot) -> None:
    """The presenter bar's stage for this run (see :func:`stage`)."""
    _RUN.stage = slot


def numbered_key(base: str) -> str:
    """A widget key from ``base``, numbered when this run already used it ('export_table_places_2')."""
    used = getattr(_RUN, "export_keys", None)
    if used is None:
        used = _RUN.export_keys = {}
    used[base] = used.get(base, 0) + 1
    return base if used[base] == 1 else f"{base}_{used[base]}"


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT))


def anonymised() -> bool:
    return bool(st.session_state.get(ANONYMISE))


REROUTES = "_icsdash_reroutes"       # how often this session was sent back through app.py (see route_through_app)


def framed() -> bool:
    """Whether app.py's frame ran in this script run (a page file run on its own has no frame yet)."""
    return getattr(_RUN, "framed", False)


def begin_run() -> None:
    """Called by the frame: this run is framed; its versions and download keys start empty."""
    st.session_state[REROUTES] = 0
    _RUN.framed = True
    _RUN.export_keys = {}
    _RUN.versions = {}


def route_through_app() -> Path:
    """The routing workaround. On the first request after the server starts, Streamlit routes by the files in
    ``pages/`` when the request asks for a page other than the first, so a page file runs without app.py's
    frame. This turns that routing off (``PagesManager.uses_pages_directory``) and runs the script again, up
    to twice, so app.py's navigation applies: same page, proper frame and menu. After two tries it gives up
    and returns the app's folder, for the page to draw the frame itself (:func:`begin_run` resets the count,
    so this never loops). ``tests/test_app.py`` fails once Streamlit no longer has the switch, which is when
    this can go."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    PagesManager.uses_pages_directory = False
    if st.session_state.get(REROUTES, 0) < 2:
        st.session_state[REROUTES] = st.session_state.get(REROUTES, 0) + 1
        st.rerun()
    return Path(get_script_run_ctx().main_script_path).parent
