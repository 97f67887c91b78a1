"""The Streamlit widgets of the self-assessment and the consensus workshop: every change is saved to the
database at once.

Widget values are seeded from the database whenever a widget is (re)created,
so leaving the page, reloading the browser or reconnecting loses nothing
that was saved. An entry the database did not take (it was down) is kept in
the session as *unsaved*, per assessment, until one store call has written
every unsaved entry: at the next change, the next rerun, or when the save
status panel (a fragment) retries by itself every few seconds.
"""

from __future__ import annotations

import html
import logging
import time
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from .. import analysis, charts
from ..assessments import CONSENSUS_GROUP, MAX_PARTICIPANT, STAKEHOLDER_GROUPS
from ..auth import Principal
from ..consensus import Workshop
from ..errors import IcsdashError
from ..framework import Dimension, Framework
from ..store import Assessment, Incomplete, InvalidEntry
from . import render
from .context import Context
from .data import place_name
from .filters import filters, link_echo, place_choice
from .messages import escape_markdown, show_error
from .presenting import people, person

LOG = logging.getLogger("icsdash")
NA = "Not assessed"
CURRENT = "assessment_id"                      # the open assessment (its id), kept across pages
RETRY_SECONDS = 3                              # how often unsaved entries are retried while the database is down
DATABASE_DOWN = ("saving failed because the database did not answer. Your entries are kept in this tab and are "
                 f"saved as soon as it answers again (tried every {RETRY_SECONDS} seconds, no need to type them "
                 "again); do not close the tab until 'Saved at' shows.")


def _key(a: Assessment | int, what: str, dim: str = "") -> str:
    return f"assessment_{a if isinstance(a, int) else a.id}_{what}_{dim}"


def unsaved(a: Assessment | int) -> dict[str, dict]:
    """The entries of a draft the database has not taken yet: {'scores': {dim: score}, 'texts': {dim: text}}
    (empty when everything is saved). Kept in the session, apart from the widgets, whose values Streamlit
    forgets when a run does not draw them (as when a page stops during an outage)."""
    return st.session_state.get(_key(a, "unsaved")) or {}


def _shown(value) -> object:
    """A stored score as its radio shows it (None: not chosen yet; NA: chosen 'Not assessed')."""
    return NA if value is None else value


def seed(ctx: Context, who: Principal, a: Assessment) -> None:
    """Bring the widgets and the stored assessment ``a`` into line before the form is drawn.

    A widget drawn for the first time shows the stored value, or the unsaved entry over it. For a draft,
    a widget that already has a value is compared with what was stored when this tab last agreed with the
    database: changed here but not stored means its save was cut off (a click arriving while the previous
    change was being saved stops that run in Streamlit), so it is added to the unsaved entries and written
    now; unchanged here but changed in the database (another tab) shows the stored value. A submitted
    version always shows what is stored."""
    state = st.session_state
    kept = unsaved(a)
    base = state.setdefault(_key(a, "base"), {})          # (part, dim) -> the stored value this tab last saw
    lost: dict[str, dict] = {"scores": {}, "texts": {}}
    for dim in ctx.framework.dimension_ids:
        for part, what, stored, pending in (
                ("scores", "score", _shown(a.scores[dim]) if dim in a.scores else None,
                 {d: _shown(v) for d, v in kept.get("scores", {}).items()}),
                ("texts", "text", a.justifications.get(dim, ""), kept.get("texts", {}))):
            key, seen = _key(a, what, dim), base.get((part, dim), stored)
            base[(part, dim)] = stored
            if a.status != "draft" or key not in state:
                state[key] = pending.get(dim, stored) if a.status == "draft" else stored
            elif dim in pending or state[key] == stored:
                continue
            elif state[key] != seen and state[key] is not None:
                lost[part][dim] = (None if state[key] == NA else int(state[key])) if part == "scores" \
                    else state[key] or ""
            else:
                state[key] = stored                       # saved elsewhere since this tab last looked
    if lost["scores"] or lost["texts"]:
        LOG.warning("Assessment %s: %d entr(ies) whose save was cut off are saved now", a.id,
                    len(lost["scores"]) + len(lost["texts"]))
        pending = state.setdefault(_key(a, "unsaved"), {"scores": {}, "texts": {}})
        for part in ("scores", "texts"):
            pending[part].update(lost[part])
        flush(ctx, who, a.id)


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
    """A widget changed (a callback): add its value to the draft's unsaved entries, then write them all."""
    value = st.session_state.get(_key(a, what, dim))
    kept = st.session_state.setdefault(_key(a, "unsaved"), {"scores": {}, "texts": {}})
    if what == "score" and value is not None:
        kept["scores"][dim] = None if value == NA else int(value)
    elif what == "text":
        kept["texts"][dim] = value or ""
    if not flush(ctx, who, a.id):           # seen wherever the user has scrolled to; the status panel says more
        st.toast("**Not saved:** the database did not answer. Your entries are kept in this tab.",
                 icon=":material/cloud_off:")


def flush(ctx: Context, who: Principal, aid: int, patient: bool = False) -> bool:
    """Write every unsaved entry of draft ``aid`` in one store call. Returns False when the database did not
    answer (the entries stay unsaved, to be tried again); True when nothing is left unsaved. ``patient``: not
    again if the last try failed less than a second ago (in this very run, say).

    Entries the store refuses (too long, a NUL character) are dropped from the unsaved ones, with a message
    naming their dimension, so that they cannot hold back the others."""
    state = st.session_state
    if patient and unsaved(aid) and time.monotonic() - state.get(_key(aid, "tried"), 0) < 1:
        return False
    state[_key(aid, "tried")] = time.monotonic()
    refused: set[str] = set()
    while True:
        kept = unsaved(aid)
        if not kept.get("scores") and not kept.get("texts"):
            state.pop(_key(aid, "unsaved"), None)
            return True
        try:
            ctx.store.save_draft(who, aid, ctx.framework, kept["scores"], kept["texts"], ctx.config.max_justification)
        except InvalidEntry as error:
            state[_key(aid, "save_error")] = _named(ctx.framework, error)
            bad = set(error.problems) & (set(kept["scores"]) | set(kept["texts"]))
            if not bad:                     # not about an entry (the version was submitted): nothing can be saved
                state.pop(_key(aid, "unsaved"), None)
                return True
            refused |= bad                  # drop them and write the rest
            for part in ("scores", "texts"):
                kept[part] = {d: v for d, v in kept[part].items() if d not in bad}
            continue
        except IcsdashError as error:       # e.g. no longer allowed to write: keeping the entries cannot help
            state[_key(aid, "save_error")] = error.message
            state.pop(_key(aid, "unsaved"), None)
            return True
        except (SQLAlchemyError, OSError) as exc:
            LOG.warning("Saving draft %s failed; its entries are kept in the session: %s", aid, exc)
            state[_key(aid, "offline")] = True
            return False
        state.pop(_key(aid, "unsaved"), None)
        state.pop(_key(aid, "offline"), None)
        state[_key(aid, "saved")] = datetime.now().strftime("%H:%M:%S")
        if not refused:
            state.pop(_key(aid, "save_error"), None)
        return True


def _named(framework: Framework, error: InvalidEntry) -> str:
    """An InvalidEntry's problems, each after the name of its dimension (or field)."""
    names = {d.id: d.name for d in framework.dimensions}
    return "; ".join(f"{names.get(field, field)}: {problem}" for field, problem in error.problems.items())


def save_status(ctx: Context, who: Principal, a: Assessment) -> None:
    """Whether everything entered is saved. While something is unsaved (or the page was drawn from the copy
    kept in the tab) this is a fragment that tries again every RETRY_SECONDS, with no user action, and shows
    'Saved at' once the database has taken it all; otherwise it has no timer and costs nothing."""
    waiting = bool(unsaved(a)) or bool(st.session_state.get(_key(a, "offline")))
    st.fragment(_save_status, run_every=RETRY_SECONDS if waiting else None)(ctx, who, a.id)


def _save_status(ctx: Context, who: Principal, aid: int) -> None:
    state = st.session_state
    if unsaved(aid):
        if flush(ctx, who, aid, patient=True) and not unsaved(aid):
            st.toast(f"Saved at {state.get(_key(aid, 'saved'))}: the database answers again.",
                     icon=":material/cloud_done:")
    elif state.get(_key(aid, "offline")) and time.monotonic() - state.get(_key(aid, "tried"), 0) > 1:
        try:
            state[_key(aid, "tried")] = time.monotonic()
            ctx.store.data_version()                                         # a cheap question: is it back?
            state.pop(_key(aid, "offline"), None)
        except (SQLAlchemyError, OSError):
            pass
    if unsaved(aid):
        n = len(set(unsaved(aid)["scores"]) | set(unsaved(aid)["texts"]))
        st.error(f"**Not saved ({n} dimension(s)):** {DATABASE_DOWN}", icon=":material/cloud_off:")
    elif state.get(_key(aid, "offline")):
        st.warning("**The database is not answering.** This page shows the copy kept in this tab; what you enter "
                   f"is kept here and saved as soon as the database answers (tried every {RETRY_SECONDS} seconds).",
                   icon=":material/cloud_off:")
    else:
        saved = state.get(_key(aid, "saved"))
        st.caption(f":material/cloud_done: Saved {'at ' + saved if saved else 'automatically'}: every change "
                   "is stored at once, so you can leave and come back.")


def load(ctx: Context, who: Principal, aid: int) -> Assessment:
    """Assessment ``aid`` as stored, its copy kept in the tab. While the database does not answer: that copy,
    marked offline (the save status says so and retries); with no copy, a clear message, and the page waits
    for the database and stops. Raises IcsdashError when it may not be read."""
    state = st.session_state
    try:
        a = ctx.store.get(who, aid)
    except (SQLAlchemyError, OSError):
        if _key(aid, "copy") not in state:
            database_down("opening your assessment")
            wait_for_database(ctx)
            st.stop()
        LOG.warning("Assessment %s drawn from the copy kept in the session: the database did not answer", aid)
        state[_key(aid, "offline")] = True
        state[_key(aid, "tried")] = time.monotonic()      # the save status need not ask again in this run
        return state[_key(aid, "copy")]
    state[_key(aid, "copy")] = a
    return a


def wait_for_database(ctx: Context) -> None:
    """Under a 'database did not answer' message: ask again every RETRY_SECONDS and redraw the page once it
    answers (a fragment), so nobody has to reload."""
    drawn = time.monotonic()

    def ask() -> None:
        if time.monotonic() - drawn > 1:          # a timed rerun, not the page's own run (which just failed)
            try:
                ctx.store.data_version()
            except (SQLAlchemyError, OSError):
                pass
            else:
                st.rerun(scope="app")
        st.caption(f":material/hourglass_top: Trying again every {RETRY_SECONDS} seconds.")
    st.fragment(ask, run_every=RETRY_SECONDS)()


def dimension_card(ctx: Context, who: Principal, a: Assessment, number: int, dim: Dimension, editable: bool,
                   gap: str | None, hint: str = "") -> None:
    """One dimension: what it means, all level descriptors beside the choice, the justification; ``hint``
    (plain text, e.g. what the individual inputs said) is shown under the description."""
    fw = ctx.framework
    with st.container(border=True):
        st.header(f"{number}. {dim.name}", anchor=False)
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


NOT_SUBMITTED = ("submitting failed because the database did not answer. Nothing was submitted and your entries are "
                 "kept in this tab; submit again once 'Saved at' shows.")


def _submit(ctx: Context, who: Principal, a: Assessment) -> None:
    """Write what is unsaved, then submit: what is submitted is what the form shows."""
    state = st.session_state
    state.pop(_key(a, "submit_error"), None)
    try:
        seed(ctx, who, ctx.store.get(who, a.id))     # an entry whose save was cut off by this very click
        if not flush(ctx, who, a.id):
            state[_key(a, "submit_error")] = NOT_SUBMITTED
            return
        done = ctx.store.submit(who, a.id, ctx.framework)
        state[_key(a, "gaps")] = {}
        state["assessment_notice"] = f"Version {done.version} submitted. It can no longer change; " \
                                     "choose Edit to make a new version."
    except Incomplete as error:
        state[_key(a, "gaps")] = error.gaps
    except IcsdashError as error:
        state[_key(a, "save_error")] = error.message
    except (SQLAlchemyError, OSError):
        LOG.exception("Submitting assessment %s failed", a.id)
        state[_key(a, "submit_error")] = NOT_SUBMITTED


def _edit(ctx: Context, who: Principal, a: Assessment) -> None:
    try:
        st.session_state[CURRENT] = ctx.store.edit(who, a.id).id
    except IcsdashError as error:
        st.session_state[_key(a, "save_error")] = error.message
    except (SQLAlchemyError, OSError):
        LOG.exception("Starting a new version of assessment %s failed", a.id)
        st.session_state[_key(a, "save_error")] = ("the database did not answer, so no new version was started; "
                                                   "try again in a minute")


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
            save_status(ctx, who, a)
            st.button("Submit assessment", type="primary", on_click=_submit, args=(ctx, who, a),
                      icon=":material/send:", key="submit_assessment")
        else:
            st.success(f"Version {a.version} was submitted on {a.submitted_at:%d %b %Y at %H:%M}. "
                       "Submitted versions never change.", icon=":material/lock:")
            st.button(f"Edit (creates version {a.version + 1})", on_click=_edit, args=(ctx, who, a),
                      icon=":material/edit:", key="edit_assessment")
        _save_messages(a)
        if notice := st.session_state.pop("assessment_notice", None):
            st.success(notice, icon=":material/task_alt:")
        _show_gaps(fw, gaps)
    with right:
        frame = pd.DataFrame({"series": "Scores so far", "dimension_id": fw.dimension_ids,
                              "label": [d.short for d in fw.dimensions],
                              "score": [scores.get(d) for d in fw.dimension_ids]})
        render.chart(charts.radar(frame, fw.scale, size=330), width=440, name="Scores so far")
    return gaps


def _save_messages(a: Assessment) -> None:
    """Entries the store refused, and a submission the database did not take (each says what to do)."""
    if st.session_state.get(_key(a, "save_error")):
        st.error(f"**Not saved:** {st.session_state[_key(a, 'save_error')]}", icon=":material/error:")
    if st.session_state.get(_key(a, "submit_error")):
        st.error(f"**Not submitted:** {st.session_state[_key(a, 'submit_error')]}", icon=":material/error:")


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
    except (SQLAlchemyError, OSError):
        LOG.exception("Opening an assessment failed")
        state["start_error"] = IcsdashError("the database did not answer, so nothing was opened; try again in a "
                                            "minute", source="database")


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
    try:
        existing = store.place_assessments(who, place)
    except (SQLAlchemyError, OSError):
        database_down("listing this place's assessments")
        return
    existing = existing[~existing["is_demo"]]
    if not existing.empty:
        st.markdown(f"**This place's assessments** ({len(existing)})")
        labels = {row.id: f"{row.round} · {STAKEHOLDER_GROUPS.get(row.stakeholder_group, 'Consensus')} · "
                          f"{person(ctx, row.participant)} · version {row.version} ({row.status})"
                  for row in existing.itertuples()}
        st.selectbox("Open an existing assessment", list(labels), format_func=labels.get, key="open_existing")
        st.button("Open", on_click=_open, args=("open_existing",), key="open_existing_button")


def header(ctx: Context, a: Assessment) -> None:
    """Which assessment this is. HTML with every name escaped, not Markdown: Streamlit's Markdown turns ' -- ' and
    ' -> ' into dashes and arrows even when escaped, and a participant's name must show exactly as typed."""
    group = STAKEHOLDER_GROUPS.get(a.stakeholder_group, "Workshop consensus")
    text = html.escape
    st.html(f"<p class='assessment-header'><strong>{text(place_name(ctx, a.place_code))}</strong> · round "
            f"{text(a.round)} · {group} · {text(person(ctx, a.participant))} · version {a.version} · "
            f"<strong>{a.status}</strong></p>")


def history_table(ctx: Context, who: Principal, a: Assessment) -> None:
    try:
        history = people(ctx, ctx.store.history(who, a.assessment_key), "participant", "author")
    except (SQLAlchemyError, OSError):
        database_down("reading this assessment's history")
        return
    render.table(history.rename(columns={"version": "Version", "status": "Status", "participant": "Participant",
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


def place_and_round(ctx: Context, who: Principal, summary, prefix: str) -> tuple[str, str] | None:
    """The place (within the sidebar's filters) and round pickers side by side, keyed ``<prefix>_place`` and
    ``<prefix>_round``; None (after saying why) until both are chosen."""
    pick_place, pick_round = st.columns([2, 1])
    with pick_place:
        code = place_choice(ctx, f"{prefix}_place", analysis.apply_filters(summary, filters()), who)
    with pick_round:
        round_label = round_choice(ctx.store.round_labels(), f"{prefix}_round", filters().round)
    return None if code is None or round_label is None else (code, round_label)


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


def guarded(error_key: str, what: str, action, *args) -> None:
    """Run ``action(*args)`` as a callback and keep any error under ``error_key`` for the page to show (see
    :func:`outcome`): nothing is half done, never a traceback; ``what`` names the action in the server's log."""
    try:
        action(*args)
        st.session_state.pop(error_key, None)
    except IcsdashError as error:
        st.session_state[error_key] = error
    except (SQLAlchemyError, OSError):
        LOG.exception("%s failed", what)
        st.session_state[error_key] = IcsdashError(
            "the database did not answer, so nothing was changed; try again in a minute", source="database")


def outcome(error_key: str, notice_key: str) -> None:
    """The outcome of the last guarded action: its error, or a notice shown once."""
    if error_key in st.session_state:
        show_error(st.session_state.pop(error_key))
    if notice := st.session_state.pop(notice_key, None):
        st.success(notice, icon=":material/task_alt:")


def _guarded(action, *args) -> None:
    guarded(WORKSHOP_ERROR, "A consensus workshop action", action, *args)


def _start_consensus(ctx: Context, who: Principal, place: str, round_label: str) -> None:
    ctx.store.start(who, place, round_label, CONSENSUS_GROUP, st.session_state.get("workshop_facilitator", ""),
                    ctx.framework, kind="consensus")


def _submit_consensus(ctx: Context, who: Principal, a: Assessment) -> None:
    seed(ctx, who, ctx.store.get(who, a.id))         # an entry whose save was cut off by this very click
    if not flush(ctx, who, a.id):
        raise IcsdashError(NOT_SUBMITTED, source="database")
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
    outcome(WORKSHOP_ERROR, WORKSHOP_NOTICE)


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
    seed(ctx, who, a)
    answered = len(entries(a, fw)[0])
    gaps = st.session_state.get(_key(a, "gaps"), {})
    st.progress(answered / len(fw.dimensions), text=f"{answered} of {len(fw.dimensions)} dimensions agreed "
                                                    f"(draft version {a.version})")
    save_status(ctx, who, a)
    for number, dim in enumerate(fw.dimensions, start=1):
        dimension_card(ctx, who, a, number, dim, editable=True, gap=gaps.get(dim.id), hint=hints.get(dim.id, ""))
    _save_messages(a)
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
        render.table(view.linked, hide_index=True, width="stretch", name="Assessments behind the consensus")
    if agreed is not None:
        with st.expander("Agreed scores and justifications", icon=":material/notes:"):
            for d in ctx.framework.dimensions:
                score = agreed.scores.get(d.id)
                st.markdown(f"**{d.name}:** {'not assessed' if score is None else score}")
                st.text(ctx.redact(agreed.justifications.get(d.id, "")))
    if can_revise:
        st.button(f"Revise (creates version {c.version + 1})", key="revise_consensus", icon=":material/edit:",
                  on_click=_guarded, args=(_revise_consensus, ctx, who, c.assessment_id))
