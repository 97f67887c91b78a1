"""Consensus workshop: a place's individual assessments side by side; the facilitator records the agreed scores."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from icsdash import auth, consensus, notices, reports, ui
from icsdash.ui import forms, live
from icsdash.views import live as live_view
from icsdash.views import workshop

ctx = ui.current()
who = ui.principal(ctx)
fw = ctx.framework
st.title("Consensus workshop")
st.caption("Every stakeholder's latest submitted scores for a place and round, side by side by stakeholder group "
           "(names hidden), with the spread, median and agreement; the facilitator records the agreed score and "
           "reasoning for each dimension. The consensus then stands as the place's score on every page.")


def database_down(doing: str) -> None:
    forms.database_down(doing)
    forms.wait_for_database(ctx)          # redraws the page by itself once the database answers
    st.stop()


try:
    summary = ui.place_summary(ctx)
except SQLAlchemyError:
    database_down("reading the places")
chosen = forms.place_and_round(ctx, who, summary, "workshop")
if chosen is None:
    st.stop()
code, round_label = chosen
place, shown_round = ui.escape_markdown(ui.place_name(ctx, code)), ui.escape_markdown(round_label)
may_write = auth.can_write_place(who, code)
try:
    view = ui.stored_view(workshop.workshop, ctx, code, round_label).workshop
    voted = ui.stored_view(live_view.for_place, ctx, code, round_label)       # a live vote's closed rounds, if any
    newest_vote = ctx.store.newest_live_vote(code, round_label) if voted is not None else None
    draft = consensus.open_draft(ctx.store.place_assessments(who, code), round_label) if may_write else None
    a = ctx.store.get(who, draft) if draft is not None else None
    readable = view.consensus is not None and auth.can_read_place(who, code)
    agreed = ctx.store.get(who, view.consensus.assessment_id) if readable else None
except SQLAlchemyError:
    database_down("reading this place's assessments")

with ui.stage():                              # on a projector: the place, the join link, the inputs come first
    st.header(f"{place} · round {shown_round}", anchor=False)
    join_panel = st.expander("Join from your own device", icon=":material/qr_code_2:", expanded=not view.inputs)
with join_panel:
    join = consensus.join_url(st.context.url or "http://localhost:8501/workshop", round_label)
    qr_col, text_col = st.columns([1, 3], vertical_alignment="center")
    qr_col.image(ui.qr_image(join), width=ui.scaled(200),
                 caption="Scan to open the self-assessment", alt=f"QR code that opens {join}")
    text_col.markdown(f"Participants open **{ui.escape_markdown(join)}**, sign in with the access code they were "
                      f"given for {place}, choose their stakeholder group and submit their own scores. Each "
                      "submission appears below within seconds.")
    if consensus.only_on_this_computer(join):
        text_col.caption("This address works only on this computer. For other devices, start the app with "
                         "`--server.address 0.0.0.0` and open it by this computer's network address.")


def show_inputs() -> None:
    """The individual assessments side by side; refreshed by itself (a fragment) as submissions arrive, so
    what the facilitator types below is never disturbed."""
    try:
        shown = ui.stored_view(workshop.workshop, ctx, code, round_label)
        fresh = shown.workshop
    except SQLAlchemyError:
        st.warning("Cannot reach the database to look for new submissions; trying again shortly.",
                   icon=":material/cloud_off:")
        return
    if bool(fresh.inputs) != bool(view.inputs):
        st.rerun(scope="app")                 # the first submission arrived: the consensus can now be started
    if not fresh.inputs:
        st.info(f"No individual self-assessment of {place} has been submitted for round {shown_round} yet. Each "
                "stakeholder submits their own on the Self-assessment page; they appear here as they arrive.",
                icon=":material/info:")
    else:
        ui.table(shown.table, hide_index=True, width="stretch", name="Scores side by side",
                 column_config={"Median": st.column_config.NumberColumn(format="%.1f")})
        st.caption(f"{len(fresh.inputs)} individual assessment(s), each its latest submitted version, shown by "
                   "stakeholder group (numbered when a group answered more than once; names are never shown). An "
                   "empty cell is 'not assessed': a gap, left out of n, the spread, median and agreement, never a "
                   "zero.")
        with st.expander("Each stakeholder's score per dimension (chart)", icon=":material/scatter_plot:"):
            ui.chart(shown.chart, width="content", name="Each stakeholder's score")
    if (fresh.inputs or voted is not None) and not ui.presenting():   # made only when the button is clicked
        name = ui.place_name(ctx, code)
        st.download_button("Download workshop summary (PDF)", lambda: reports.workshop_pdf(
            fresh, fw, name, justifications=agreed.justifications if agreed else None, redact=ctx.redact,
            boundaries=ctx.reference.boundaries, live_rounds=voted.table if voted else None,
            note=notices.illustrative_note(ctx.reference, ctx.store.has_demo_data())),
            file_name=reports.file_name("pdf", name, round_label, "workshop"), mime="application/pdf",
            key="workshop_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
            help="The consensus with its radar, participants by group (never names), agreement per dimension"
                 + (", the live vote's rounds" if voted is not None else "")
                 + (" and the consensus' justifications" if agreed else "") + ", on A4.")


refresh = ctx.config.workshop_refresh_seconds
with ui.stage():                              # on a projector, the inputs side by side come first
    st.fragment(show_inputs, run_every=refresh or None)()

st.subheader("Consensus", anchor=False)
forms.workshop_messages()
if voted is not None:
    ended = newest_vote is not None and newest_vote.ended
    st.caption(f"A live vote on this place and round closed {voted.rounds_closed} round(s): its results are on the "
               "Live vote page and in the workshop summary (PDF); "
               + ("the consensus below starts from each dimension's last round." if ended else
                  "ending it drafts the consensus below from each dimension's last round."))
if view.consensus:
    forms.consensus_recorded(ctx, who, view, agreed, can_revise=may_write and a is None)
if not may_write:
    own = f" for {ui.escape_markdown(ui.place_name(ctx, who.place_code))}" if who.place_code else ""
    role = f"signed in as {who.role_spec.label.lower()}{own}" if who.signed_in else "not signed in"
    st.info(f"You are {role}, so this page is read-only. Only the place director of {place} records the "
            "workshop's consensus: sign in with that place's access code in the sidebar.", icon=":material/lock:")
elif a is not None:
    forms.consensus_draft(ctx, who, a, consensus.hints(view))
elif view.consensus is None and live.awaits_consensus(who, newest_vote, voted):
    live.consensus_from_vote(ctx, who, newest_vote, voted)
elif view.consensus is None and view.inputs:
    forms.consensus_start(ctx, who, code, round_label)
elif view.consensus is None:
    st.caption("A consensus can be recorded once individual assessments have been submitted.")
