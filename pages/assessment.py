"""Self-assessment: a place director scores their place on every dimension; drafts save as they type."""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from icsdash import ui
from icsdash.ui import forms
from icsdash.errors import IcsdashError

ctx = ui.current()
who = ui.principal(ctx)
st.title("Self-assessment")

if not who.role_spec.writes_own_place:
    if who.signed_in:
        st.info(f"You are signed in as {who.role_spec.label.lower()}. Only a place director completes a place's "
                "self-assessment; the maps and comparisons show every submitted result.", icon=":material/info:")
    else:
        st.info("Sign in with your place's access code (in the sidebar) to complete or continue your place's "
                "self-assessment. Ask your ICS administrator for a code.", icon=":material/login:")
    st.stop()

place = who.place_code
st.caption(f"{ctx.framework.title} · framework {ctx.framework.id} version {ctx.framework.version}. Score each "
           "dimension from the level descriptions; justify every score. Only your place can see drafts.")

# A link (?assessment=...) reopens an assessment after a reload, for those allowed to see it.
link = st.query_params.get("assessment")
if link and st.session_state.get(forms.CURRENT) is None:
    try:
        st.session_state[forms.CURRENT] = ctx.store.find(who, link).id
    except IcsdashError as error:
        ui.show_error(error)
        del st.query_params["assessment"]
        st.stop()
    except SQLAlchemyError:
        forms.database_down("opening the assessment this link names")
        forms.wait_for_database(ctx)
        st.stop()

current = st.session_state.get(forms.CURRENT)
if current is None:
    forms.start_panel(ctx, who, place)
    st.stop()

forms.flush(ctx, who, current, patient=True)   # anything a database outage kept unsaved, before the form is drawn
try:
    a = forms.load(ctx, who, current)   # while the database is down: the copy kept in this tab
except IcsdashError as error:
    ui.show_error(error)
    st.session_state.pop(forms.CURRENT, None)
    st.stop()
st.query_params["assessment"] = a.assessment_key

def other_assessment() -> None:
    st.session_state.pop(forms.CURRENT, None)
    st.query_params.pop("assessment", None)


top = st.columns([4, 1])
with top[0]:
    forms.header(ctx, a)
top[1].button("Other assessment", icon=":material/swap_horiz:", on_click=other_assessment)

forms.seed(ctx, who, a)
gaps = forms.summary_panel(ctx, who, a)
for number, dim in enumerate(ctx.framework.dimensions, start=1):
    forms.dimension_card(ctx, who, a, number, dim, editable=a.status == "draft", gap=gaps.get(dim.id))

with st.expander("History of this assessment", icon=":material/history:"):
    forms.history_table(ctx, who, a)
