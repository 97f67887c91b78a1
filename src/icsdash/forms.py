"""The Streamlit widgets of the self-assessment and the consensus workshop: every change is saved to the
database at once.

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

from . import charts, ui
from .assessments import CONSENSUS_GROUP, MAX_PARTICIPANT, STAKEHOLDER_GROUPS
from .auth import Principal
from .errors import IcsdashError
from .framework import Dimension, Framework
from .store import Assessment, Incomplete
from .ui import Context, escape_markdown, link_echo, people, person, place_name, show_error
from .workshop import Workshop

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
                   gap: str | None, hint: str = "") -> None:
    """One dimension: what it means, all level descriptors beside the choice, the justification; ``hint``
    (plain text, e.g. what the individual inputs said) is shown under the description."""
    fw = ctx.framework
    with st.container(border=True):
        st.subheader(f"{number}. {dim.name}", anchor=False)
        st.caption(dim.description)
        if hint:
            st.info(escape_markdown(hint), icon=":material/groups:")
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
        _show_gaps(fw, gaps)
    with right:
        frame = pd.DataFrame({"series": "Scores so far", "dimension_id": fw.dimension_ids,
                              "label": [d.short for d in fw.dimensions],
                              "score": [scores.get(d) for d in fw.dimension_ids]})
        ui.chart(charts.radar(frame, fw.scale_max, size=330), width=440, name="Scores so far")
    return gaps


def _show_gaps(fw: Framework, gaps: dict[str, str]) -> None:
    """Every gap that stops a submission, named by dimension."""
    if gaps:
        names = {d.id: d.name for d in fw.dimensions}
        st.error(f"**{len(gaps)} dimension(s) need attention before submitting:**\n\n"
                 + "\n".join(f"- {names[d]}: {g}" for d, g in gaps.items()), icon=":material/list_alt:")


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
    if st.query_params.get("round") in rounds and "start_round" not in st.session_state:
        st.session_state["start_round"] = st.query_params["round"]          # a workshop's join link names it
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
                          f"{person(ctx, row.participant)} · version {row.version} ({row.status})"
                  for row in existing.itertuples()}
        st.selectbox("Open an existing assessment", list(labels), format_func=labels.get, key="open_existing")
        st.button("Open", on_click=_open, args=("open_existing",), key="open_existing_button")


def header(ctx: Context, a: Assessment) -> None:
    group = STAKEHOLDER_GROUPS.get(a.stakeholder_group, "Workshop consensus")
    st.markdown(f"**{escape_markdown(place_name(ctx, a.place_code))}** · round {escape_markdown(a.round)} · {group} · "
                f"{escape_markdown(person(ctx, a.participant))} · version {a.version} · **{a.status}**")


def history_table(ctx: Context, who: Principal, a: Assessment) -> None:
    history = people(ctx, ctx.store.history(who, a.assessment_key), "participant", "author")
    ui.table(history.rename(columns={"version": "Version", "status": "Status", "participant": "Participant",
                                     "author": "Saved by", "created_at": "Started", "submitted_at": "Submitted"})
             .drop(columns=["id"]), hide_index=True, width="stretch", name="Assessment history")


# --------------------------------------------------------------------------- the consensus workshop

WORKSHOP_ERROR = "workshop_error"
WORKSHOP_NOTICE = "workshop_notice"


def database_down(doing: str) -> None:
    """Say plainly that the database did not answer (the details go to the server's log)."""
    LOG.exception("The database did not answer while %s", doing)
    st.error(f"**The database did not answer** while {doing}. Nothing you entered has been lost; reload the page "
             "in a minute, and if it keeps happening tell your administrator the time it happened.",
             icon=":material/cloud_off:")


def round_choice(rounds: list[str], key: str, preferred: str | None = None) -> str | None:
    """A round picker that starts from ?round=, then the round last chosen here, then ``preferred`` (e.g. the
    sidebar's round), then the latest round; a link naming no known round is explained, not obeyed."""
    if not rounds:
        st.info("No assessment round is open yet. An administrator adds rounds on the Admin page.",
                icon=":material/info:")
        return None
    wanted = None if link_echo("round", key) else st.query_params.get("round")
    if wanted and wanted not in rounds:
        show_error(IcsdashError(f"{wanted!r} is not an assessment round; choose one of {', '.join(rounds)} below",
                                source="link", field="round"))
    for candidate in (wanted, st.session_state.get(key), preferred, rounds[-1]):
        if candidate in rounds:
            st.session_state[key] = candidate
            break
    chosen = st.selectbox("Round", rounds[::-1], key=key)
    st.query_params["round"] = st.session_state[f"{key}_link"] = chosen
    return chosen


def _guarded(action, *args) -> None:
    """Run a workshop action (a callback) and keep any error for the page to show: nothing is half done."""
    try:
        action(*args)
        st.session_state.pop(WORKSHOP_ERROR, None)
    except IcsdashError as error:
        st.session_state[WORKSHOP_ERROR] = error
    except (SQLAlchemyError, OSError):
        LOG.exception("A consensus workshop action failed")
        st.session_state[WORKSHOP_ERROR] = IcsdashError(
            "the database did not answer, so nothing was changed; try again in a minute", source="database")


def _start_consensus(ctx: Context, who: Principal, place: str, round_label: str) -> None:
    ctx.store.start(who, place, round_label, CONSENSUS_GROUP, st.session_state.get("workshop_facilitator", ""),
                    ctx.framework, kind="consensus")


def _submit_consensus(ctx: Context, who: Principal, a: Assessment) -> None:
    try:
        done = ctx.store.submit(who, a.id, ctx.framework)
    except Incomplete as error:
        st.session_state[_key(a, "gaps")] = error.gaps
        return
    st.session_state[_key(a, "gaps")] = {}
    n = len(ctx.store.consensus_inputs(done.id))
    st.session_state[WORKSHOP_NOTICE] = (f"Consensus recorded (version {done.version}), linked to {n} individual "
                                         "assessment(s). It is now the place's score for this round.")


def _revise_consensus(ctx: Context, who: Principal, consensus_id: int) -> None:
    ctx.store.edit(who, consensus_id)


def workshop_messages() -> None:
    """The outcome of the last workshop action: an error, or a notice shown once."""
    if WORKSHOP_ERROR in st.session_state:
        show_error(st.session_state.pop(WORKSHOP_ERROR))
    if notice := st.session_state.pop(WORKSHOP_NOTICE, None):
        st.success(notice, icon=":material/task_alt:")


def consensus_start(ctx: Context, who: Principal, place: str, round_label: str) -> None:
    """The facilitator names themselves and opens the consensus draft for the place and round."""
    with st.form("workshop_start_form", border=True):
        st.markdown("**Record the workshop's consensus**")
        st.text_input("Facilitator (name or role)", value=who.name[:MAX_PARTICIPANT], max_chars=MAX_PARTICIPANT,
                      key="workshop_facilitator", help="Kept in the assessment's history; this page shows no names.")
        st.form_submit_button("Start recording", type="primary", key="workshop_start", icon=":material/edit_note:",
                              on_click=_guarded, args=(_start_consensus, ctx, who, place, round_label))


def consensus_draft(ctx: Context, who: Principal, a: Assessment, hints: dict[str, str]) -> None:
    """The facilitator's form: per dimension what the inputs said, the agreed score and its justification.
    Every change is saved at once; submitting names every gap."""
    fw = ctx.framework
    seed(a, fw)
    answered = len(entries(a, fw)[0])
    gaps = st.session_state.get(_key(a, "gaps"), {})
    saved = st.session_state.get(_key(a, "saved"))
    st.progress(answered / len(fw.dimensions), text=f"{answered} of {len(fw.dimensions)} dimensions agreed")
    st.caption(f":material/cloud_done: Draft version {a.version}, saved {'at ' + saved if saved else 'automatically'}"
               ": every change is stored at once.")
    for number, dim in enumerate(fw.dimensions, start=1):
        dimension_card(ctx, who, a, number, dim, editable=True, gap=gaps.get(dim.id), hint=hints.get(dim.id, ""))
    if st.session_state.get(_key(a, "save_error")):
        st.error(f"**Not saved:** {st.session_state[_key(a, 'save_error')]}", icon=":material/error:")
    _show_gaps(fw, gaps)
    st.button("Submit consensus", type="primary", key="submit_consensus", icon=":material/send:",
              on_click=_guarded, args=(_submit_consensus, ctx, who, a))


def consensus_recorded(ctx: Context, who: Principal, view: Workshop, agreed: Assessment | None,
                       can_revise: bool) -> None:
    """The recorded consensus of a workshop view: when, from which inputs (groups, versions, dates; no names),
    what was submitted since; with ``agreed`` (the consensus, for those who may read the place) its
    justifications; and "Revise" for its facilitator."""
    c = view.consensus
    st.success(f"Consensus version {c.version} recorded on {c.submitted_at:%d %b %Y}, from {len(c.linked)} "
               "individual assessment(s). It is the place's score for this round on every page; the "
               "Consensus column above shows it.", icon=":material/verified:")
    if view.changes:
        st.warning("**Submitted since the consensus was recorded:**\n\n" + "\n".join(f"- {x}" for x in view.changes),
                   icon=":material/update:")
    if view.linked.empty:
        st.caption("No record was kept of the individual assessments this consensus came from.")
    else:
        st.markdown("**The individual assessments it was made from**")
        ui.table(view.linked, hide_index=True, width="stretch", name="Assessments behind the consensus")
    if agreed is not None:
        with st.expander("Agreed scores and justifications", icon=":material/notes:"):
            for d in ctx.framework.dimensions:
                score = agreed.scores.get(d.id)
                st.markdown(f"**{d.name}:** {'not assessed' if score is None else score}")
                st.text(ctx.redact(agreed.justifications.get(d.id, "")))
    if can_revise:
        st.button(f"Revise (creates version {c.version + 1})", key="revise_consensus", icon=":material/edit:",
                  on_click=_guarded, args=(_revise_consensus, ctx, who, c.assessment_id))
