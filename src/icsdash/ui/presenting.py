"""Presenter mode (projector styling, the running order stepped through with its bar) and anonymising."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from .. import anonymise, presenter
from .context import Context
from .data import place_name
from .messages import escape_markdown
from .state import (ALL, ALL_ICBS, ANONYMISE, APPLIED, FILTER_ICB, FILTER_MODELS, FILTER_REGION, FILTER_ROUND,
                    LATEST, PRESENT, STEP, anonymised, presenting, set_stage)


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
/* a table beside a chart fits its half of the screen: no hidden columns, no scrolling on a projector */
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 0.8rem; padding: 0.25rem 0.3rem;
  overflow-wrap: anywhere; }
/* a primary button's label stays white on its blue (black on it is 3.9:1) */
.stApp button[kind^="primary"] p { color: #FFFFFF; }
[data-stale="true"], .stale-element { opacity: 1 !important; transition: none !important; }
.st-key-present_bar { border-bottom: 3px solid #000000; padding-bottom: 0.5rem; }
.st-key-present_bar h1 { font-size: 1.6rem; padding: 0 !important; margin: 0 !important; line-height: 1.25; }
.st-key-present_bar [data-testid="stMarkdownContainer"] { margin-bottom: 0 !important; }
.st-key-present_bar button { min-height: 2.1rem; padding: 0.1rem 0.7rem; }
[data-testid="stHeading"]:has(h1) { display: none; }   /* the bar's title leads instead */
"""


def _flag(value: str | None) -> bool | None:
    return {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(
        (value or "").strip().lower())


def read_mode() -> None:
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


def presenting_switched() -> None:
    """Presenter mode switched on: the running order starts from its first view."""
    st.session_state[PRESENT] = bool(st.session_state.get("present_switch"))
    st.session_state[STEP] = 1
    st.session_state[APPLIED] = None


def anonymise_switched() -> None:
    st.session_state[ANONYMISE] = bool(st.session_state.get("anonymise_switch"))


@st.cache_resource(show_spinner=False, max_entries=4)
def anonymised_context(_ctx: Context, context_id: int, reference_version: str) -> Context:
    return dataclasses.replace(_ctx, reference=anonymise.anonymise_reference(_ctx.reference),
                               redact=anonymise.redactor(_ctx.reference), anonymised=True)


def person(ctx: Context, name: str) -> str:
    """A person's name as shown: a stable label when anonymised."""
    return anonymise.person_label(name) if ctx.anonymised and name else name


def people(ctx: Context, frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A table with the named columns' person names replaced by labels when anonymised."""
    return anonymise.relabel_people(frame, columns, ctx.anonymised)


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
    page = presenter.PRESENTER_PAGES[view.page]
    state.update(page.state(view, view.measure or ctx.config.map_default_measure))
    if view.place and page.place_in_address:
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
            title_col.markdown(f"# {escape_markdown(title)}")        # the page's level 1 heading (its own
        else:                                                         # title is hidden when presenting)
            title_col.markdown("# Presenter mode")
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
    set_stage(st.container(key="present_stage"))
    if views:
        # Hidden: a presentation clicker's keys. A fresh key per step: the same button pressed again right
        # after its own page switch was sometimes not seen as a new press (CI lost a Page Up that way).
        with st.container(key="present_clicker"):
            st.button("Previous view", on_click=_move, args=(-1, len(views)), shortcut="PageUp",
                      key=f"present_page_up_{step}")
            st.button("Next view", on_click=_move, args=(1, len(views)), shortcut="PageDown",
                      key=f"present_page_down_{step}")
