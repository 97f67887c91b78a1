"""The self-assessment form's Streamlit widgets: every change is saved to the database at once.

Widget values are seeded from the database whenever a widget is (re)created,
so leaving the page, reloading the browser or reconnecting loses nothing
that was saved; a failed save keeps the entry in the tab and says so.
"""

from __future__ import annotations

import logging
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from . import charts
from .assessments import STAKEHOLDER_GROUPS
from .auth import Principal
from .errors import IcsdashError
from .framework import Dimension, Framework
from .store import Assessment, Incomplete
from .ui import Context, escape_markdown, place_name, show_error

LOG = logging.getLogger("icsdash")
NA = "Not assessed"
CURRENT = "assessment_id"                      # the open assessment (its id), kept across pages


def _key(a: Assessment, what: str, dim: str = "") -> str:
    return f"assessment_{a.id}_{what}_{dim}"


def seed(a: Assessment, framework: Framework) -> None:
    """Put the stored values into the widgets' state, unless the widgets already hold newer ones."""
    for dim in framework.dimension_ids:
        if dim in a.scores:
            st.session_state.setdefault(_key(a, "score", dim), NA if a.scores[dim] is None else a.scores[dim])
        else:
            st.session_state.setdefault(_key(a, "score", dim), None)
        st.session_state.setdefault(_key(a, "text", dim), a.justifications.get(dim, ""))


def entries(a: Assessment, framework: Framework) -> tuple[dict, dict]:
    """What the form holds now: (scores, justifications), as the store takes them."""
    scores, texts = {}, {}
    for dim in framework.dimension_ids:
        value = st.session_state.get(_key(a, "score", dim))
        if value is not None:
            scores[dim] = None if value == NA else int(value)
        texts[dim] = st.session_state.get(_key(a, "text", dim), "")
    return scores, texts


def _save(ctx: Context, who: Principal, a: Assessment, dim: str, what: str) -> None:
    value = st.session_state.get(_key(a, what, dim))
    scores = {dim: None if value == NA else int(value)} if what == "score" and value is not None else {}
    texts = {dim: value or ""} if what == "text" else {}
    try:
        ctx.store.save_draft(who, a.id, ctx.framework, scores, texts, ctx.config.max_justification)
        st.session_state[_key(a, "saved")] = datetime.now().strftime("%H:%M:%S")
        st.session_state.pop(_key(a, "save_error"), None)
    except IcsdashError as error:
        st.session_state[_key(a, "save_error")] = error.message
    except (SQLAlchemyError, OSError):
        LOG.exception("Saving a draft failed")
        st.session_state[_key(a, "save_error")] = (
            "saving failed because the database did not answer. Your entries are still in this tab and will be "
            "saved with your next change; do not close the tab until 'Saved' shows again.")


def dimension_card(ctx: Context, who: Principal, a: Assessment, number: int, dim: Dimension, editable: bool,
                   gap: str | None) -> None:
    """One dimension: what it means, all level descriptors beside the choice, the justification."""
    fw = ctx.framework
    with st.container(border=True):
        st.subheader(f"{number}. {dim.name}", anchor=False)
        st.caption(dim.description)
        left, right = st.columns([3, 2], gap="medium")
        levels = list(range(fw.scale_min, fw.scale_max + 1))
        left.radio("Score", [*levels, NA], key=_key(a, "score", dim.id), disabled=not editable,
                   captions=[dim.levels[i] for i in levels] + ["Too little is known to score this dimension."],
                   format_func=lambda v: f"Level {v}" if isinstance(v, int) else v,
                   on_change=_save, args=(ctx, who, a, dim.id, "score"))
        right.text_area("Justification", key=_key(a, "text", dim.id), max_chars=ctx.config.max_justification,
                        height=220, disabled=not editable, on_change=_save, args=(ctx, who, a, dim.id, "text"),
                        placeholder="What evidence supports this score? Required for every score.",
                        help="Saved when you click outside the box or press Ctrl+Enter; 'Saved at' above confirms it.")
        if gap:
            st.error(f"**{dim.name}:** {gap}", icon=":material/priority_high:")


def _submit(ctx: Context, who: Principal, a: Assessment) -> None:
    try:
        done = ctx.store.submit(who, a.id, ctx.framework)
        st.session_state[_key(a, "gaps")] = {}
        st.session_state["assessment_notice"] = f"Version {done.version} submitted. It can no longer change; " \
                                                "choose Edit to make a new version."
    except Incomplete as error:
        st.session_state[_key(a, "gaps")] = error.gaps
    except IcsdashError as error:
        st.session_state[_key(a, "save_error")] = error.message


def _edit(ctx: Context, who: Principal, a: Assessment) -> None:
    try:
        st.session_state[CURRENT] = ctx.store.edit(who, a.id).id
    except IcsdashError as error:
        st.session_state[_key(a, "save_error")] = error.message


def summary_panel(ctx: Context, who: Principal, a: Assessment) -> dict[str, str]:
    """Status, progress, save state, submit/edit buttons and the radar. Returns the gaps to show."""
    fw = ctx.framework
    scores, texts = entries(a, fw)
    gaps = st.session_state.get(_key(a, "gaps"), {})
    left, right = st.columns([3, 2], gap="large")
    with left:
        answered = len(scores)
        st.progress(answered / len(fw.dimensions), text=f"{answered} of {len(fw.dimensions)} dimensions answered")
        if a.status == "draft":
            saved = st.session_state.get(_key(a, "saved"))
            st.caption(f":material/cloud_done: Saved {'at ' + saved if saved else 'automatically'}: every change "
                       "is stored at once, so you can leave and come back.")
            st.button("Submit assessment", type="primary", on_click=_submit, args=(ctx, who, a),
                      icon=":material/send:", key="submit_assessment")
        else:
            st.success(f"Version {a.version} was submitted on {a.submitted_at:%d %b %Y at %H:%M}. "
                       "Submitted versions never change.", icon=":material/lock:")
            st.button(f"Edit (creates version {a.version + 1})", on_click=_edit, args=(ctx, who, a),
                      icon=":material/edit:", key="edit_assessment")
        if st.session_state.get(_key(a, "save_error")):
            st.error(f"**Not saved:** {st.session_state[_key(a, 'save_error')]}", icon=":material/error:")
        if notice := st.session_state.pop("assessment_notice", None):
            st.success(notice, icon=":material/task_alt:")
        if gaps:
            names = {d.id: d.name for d in fw.dimensions}
            st.error(f"**{len(gaps)} dimension(s) need attention before submitting:**\n\n"
                     + "\n".join(f"- {names[d]}: {g}" for d, g in gaps.items()), icon=":material/list_alt:")
    with right:
        frame = pd.DataFrame({"series": "Scores so far", "dimension_id": fw.dimension_ids,
                              "label": [d.short for d in fw.dimensions],
                              "score": [scores.get(d) for d in fw.dimension_ids]})
        st.altair_chart(charts.radar(frame, fw.scale_max, size=330), width=440)
    return gaps


def _start(ctx: Context, who: Principal, place: str) -> None:
    state = st.session_state
    try:
        state[CURRENT] = ctx.store.start(who, place, state["start_round"], state["start_group"],
                                         state["start_participant"], ctx.framework, kind=state["start_kind"]).id
        state.pop("start_error", None)
    except IcsdashError as error:
        state["start_error"] = error


def _open(choice_key: str) -> None:
    st.session_state[CURRENT] = int(st.session_state[choice_key])


def start_panel(ctx: Context, who: Principal, place: str) -> None:
    """Open this participant's assessment for a round (resuming any draft), or an existing one.

    Actions run as callbacks, before the page is drawn, so nothing is lost if the run is repeated."""
    store = ctx.store
    rounds = store.round_labels()
    if not rounds:
        st.warning("No assessment round is open yet. An administrator adds rounds on the Admin page.")
        return
    with st.form("start_assessment", border=True):
        st.markdown("**Start or continue your assessment**")
        c1, c2 = st.columns(2)
        c1.selectbox("Round", rounds[::-1], key="start_round")
        c2.radio("Type", ["individual", "consensus"], horizontal=True, key="start_kind",
                 format_func=lambda k: {"individual": "My own view", "consensus": "Workshop consensus"}[k])
        c1.selectbox("Your stakeholder group", list(STAKEHOLDER_GROUPS), format_func=STAKEHOLDER_GROUPS.get,
                     key="start_group")
        c2.text_input("Your name or role", max_chars=80, key="start_participant",
                      help="Shown in the history; others see only your stakeholder group.")
        st.form_submit_button("Open my assessment", type="primary", key="start_open", on_click=_start,
                              args=(ctx, who, place))
    if "start_error" in st.session_state:
        show_error(st.session_state.pop("start_error"))
    existing = store.place_assessments(who, place)
    existing = existing[~existing["is_demo"]]
    if not existing.empty:
        st.markdown(f"**This place's assessments** ({len(existing)})")
        labels = {row.id: f"{row.round} · {STAKEHOLDER_GROUPS.get(row.stakeholder_group, 'Consensus')} · "
                          f"{row.participant} · version {row.version} ({row.status})"
                  for row in existing.itertuples()}
        st.selectbox("Open an existing assessment", list(labels), format_func=labels.get, key="open_existing")
        st.button("Open", on_click=_open, args=("open_existing",), key="open_existing_button")


def header(ctx: Context, a: Assessment) -> None:
    group = STAKEHOLDER_GROUPS.get(a.stakeholder_group, "Workshop consensus")
    st.markdown(f"**{escape_markdown(place_name(ctx, a.place_code))}** · round {escape_markdown(a.round)} · {group} · "
                f"{escape_markdown(a.participant)} · version {a.version} · **{a.status}**")


def history_table(ctx: Context, who: Principal, a: Assessment) -> None:
    history = ctx.store.history(who, a.assessment_key)
    st.dataframe(history.rename(columns={"version": "Version", "status": "Status", "participant": "Participant",
                                         "author": "Saved by", "created_at": "Started", "submitted_at": "Submitted"})
                 .drop(columns=["id"]), hide_index=True, width="stretch")
