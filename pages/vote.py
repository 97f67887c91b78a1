"""Vote: a participant's phone in a live vote. Reached from the code or QR code on the projector."""

import streamlit as st

from icsdash import ui
from icsdash.ui import live

ctx = ui.current()
st.title("Live vote")
token = st.query_params.get(live.VOTER)
if not token:
    live.messages()
    live.join_form(ctx)
    st.stop()
live.ballot(ctx, token)
