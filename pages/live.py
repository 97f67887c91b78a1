"""Live vote: the facilitator runs a Delphi vote from the projector; participants vote from their phones."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from icsdash import ui
from icsdash.ui import forms, live
from icsdash.views import live as view

ctx = ui.current()
who = ui.principal(ctx)
st.title("Live vote")
st.caption("A Delphi panel in the room: participants join from their phones with the code shown here (no account, "
           "no name) and score the dimensions you open. The votes stay hidden until you close voting; then each "
           "dimension's distribution, median, interquartile range, agreement and level show. Re-vote on any "
           "dimension: participants first see the previous round. Ending the vote drafts the consensus.")

try:
    summary = ui.place_summary(ctx)
except SQLAlchemyError:
    forms.database_down("reading the places")
    st.stop()
chosen = forms.place_and_round(ctx, who, summary, "live")
if chosen is None:
    st.stop()
code, round_label = chosen

live.messages()
try:
    newest = ctx.store.newest_live_vote(code, round_label)          # running, or the last one, ended
except SQLAlchemyError:
    forms.database_down("reading the live vote")
    st.stop()
session = newest if newest is not None and not newest.ended else None
shown = ui.stored_view(view.results, ctx, newest.id) if newest else None

if session is None:
    live.start_panel(ctx, who, code, round_label)
    if shown is not None and shown.rounds_closed:
        st.header("The last vote's results", anchor=False)
        live.results(ctx, shown)
    st.stop()

heading = f"{ui.escape_markdown(ui.place_name(ctx, code))} · round {ui.escape_markdown(round_label)} · live vote"
if not live.may_facilitate(who, code):           # the join code is for the room: shown only to its facilitators
    st.header(heading, anchor=False)
    live.running_notice(ctx, code, round_label)
    live.results(ctx, shown)
    st.stop()
with ui.stage():                                  # on a projector: the join code and the count come first
    st.header(heading, anchor=False)
    live.join_panel(session)
    live.live_count(ctx, session)
live.round_controls(ctx, who, session, shown)
live.results(ctx, shown)
live.end_controls(ctx, who, session, shown)
