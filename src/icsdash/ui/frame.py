"""The frame of every run: page config, the context, presenter mode and anonymising, the sidebar; and the page
that says why the app cannot start."""

from __future__ import annotations

import time
from pathlib import Path
from typing import NoReturn

import streamlit as st

from ..auth import Principal
from ..errors import DatabaseUnavailable, IcsdashError
from ..page_registry import PAGES_BY_KEY
from . import state
from .context import Context, boot
from .filters import shared_filters
from .messages import show_error
from .presenting import PROJECTOR_CSS, anonymise_switched, anonymised_context, presenting_switched, read_mode
from .signin import principal, sign_in_panel
from .state import CONTEXT_KEY, anonymised, presenting


def start(root: Path) -> Context:
    """Page config, configuration and data, presenter mode and anonymising. Stops with a clear message
    (and writes nothing) when the configuration or data is bad."""
    st.set_page_config(page_title="icsdash", page_icon=str(root / "static" / "icsdash.png"), layout="wide")
    try:
        ctx = boot(root)
    except IcsdashError as error:
        _cannot_start(error)
    read_mode()
    if anonymised():
        ctx = anonymised_context(ctx, id(ctx), ctx.reference.version)
        st.session_state[CONTEXT_KEY] = ctx
    # The page's language for screen readers: British English (Streamlit's page says only 'en'). In the sidebar,
    # where its empty element moves nothing a projector shows (presenter mode hides the sidebar).
    st.sidebar.html(LANGUAGE_SCRIPT, unsafe_allow_javascript=True)
    if presenting():
        st.html(f"<style>{PROJECTOR_CSS}</style>")
    state.begin_run()
    return ctx


RETRY_START_SECONDS = 5
LANGUAGE_SCRIPT = "<script>document.documentElement.lang = 'en-GB';</script>"


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


def sidebar(ctx: Context, who: Principal) -> None:
    """The sidebar: title, sign-in, shared filters and the presenting switches (hidden when presenting)."""
    st.sidebar.markdown(f"**{ctx.config.title}**")          # a name, not a heading: the page title is the first
    sign_in_panel(ctx, who)
    shared_filters(ctx)
    with st.sidebar.expander("Presenting", icon=":material/co_present:", expanded=presenting() or anonymised()):
        st.session_state["present_switch"] = presenting()
        st.session_state["anonymise_switch"] = anonymised()
        st.toggle("Presenter mode", key="present_switch", on_change=presenting_switched,
                  help="Large type and high contrast for a projector, no sidebar, and the running order from "
                       "config.yaml stepped through with Next and Previous (keys: right and left arrows). "
                       "The same as adding ?present=1 to the address.")
        st.toggle("Anonymise places and people", key="anonymise_switch", on_change=anonymise_switched,
                  help="Replaces every place, PCN and person name with a stable label (Place A, Place B ...) "
                       "on every page, tooltip and table. ICS and region names are kept.")

        def slides() -> bytes:                    # made only when the button is clicked, on a thread of its own
            from .. import notices, reports
            data = reports.DeckData.read(ctx.store, ctx.reference, ctx.framework, ctx.geography, ctx.config)
            note = notices.illustrative_note(ctx.reference, ctx.store.has_demo_data(), short=True)
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


def current() -> Context:
    """The context for this run. A page file run on its own (see :func:`state.route_through_app`) is sent back
    through app.py, or at worst draws the frame itself."""
    if not state.framed():
        frame(state.route_through_app())
    return st.session_state[CONTEXT_KEY]
