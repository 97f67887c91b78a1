"""Compare: up to six places or ICSs side by side, ready-made peer groups, twinning, and where they sit."""

import streamlit as st

from icsdash import comparisons, ui
from icsdash.views import compare as view
from icsdash.views.compare import MAX

ctx = ui.current()
chosen = ui.filters()
options = ui.view(view.choices, ctx, chosen)
labels = options.labels
st.title("Compare")
state = st.session_state
state["compare_selection"] = [k for k in state.get("compare_selection", []) if k in labels][:MAX]


def add_peers() -> None:
    rule = comparisons.PEER_RULES_BY_KEY[state["peer_rule"]]
    anchor = state["peer_place"]
    peers = rule.peers(ctx.reference.places, anchor, ctx.config.compare_neighbours)
    picked = [f"place:{anchor}"] + [f"place:{p}" for p in peers if f"place:{p}" in labels]
    state["compare_selection"] = picked[:MAX]


with st.expander("Ready-made peer groups", icon=":material/groups:", expanded=not state["compare_selection"]):
    c1, c2, c3 = st.columns([3, 3, 1], vertical_alignment="bottom")
    c1.selectbox("Place", options.places, key="peer_place", format_func=lambda c: labels[f"place:{c}"])
    c2.selectbox("Peers", [r.key for r in comparisons.PEER_RULES], key="peer_rule",
                 format_func=lambda k: comparisons.PEER_RULES_BY_KEY[k].label)
    c3.button("Compare", on_click=add_peers, type="primary")
    st.caption(f"The place and its first {MAX - 1} peers fill the selection; nearest neighbours are the "
               f"{ctx.config.compare_neighbours} places most alike in population and density.")

st.multiselect(f"Places and ICSs to compare (up to {MAX})", list(labels), key="compare_selection",
               format_func=labels.get, max_selections=MAX, placeholder="Choose places or ICSs")
selection = tuple(state["compare_selection"])
if not selection:
    st.info("Choose places or ICSs above, or start from a peer group.", icon=":material/compare:")
    st.stop()

shown = ui.view(view.compare, ctx, chosen, selection)
if shown.missing:
    st.warning(f"No submitted scores yet for: {', '.join(shown.missing)}.", icon=":material/warning:")
if shown.radar is None:
    st.info("There is nothing to compare yet: choose places or ICSs with submitted scores.", icon=":material/compare:")
    st.stop()

radar_col, table_col = ui.stage().columns([4, 5] if ui.presenting() else [2, 3], gap="large")
with radar_col:
    ui.chart(shown.radar, width=480, name="Radar of the selection")
with table_col:
    ui.table(shown.scores_table if ui.presenting() else shown.differences, hide_index=True, width="stretch",
             height=470, name="Scores compared")
    st.caption("Scores are each place's latest (consensus, else median of individual scores); an ICS is the "
               "median of its places." + ("" if ui.presenting() else " A gap is the distance to the median of the "
                                          "selection."))

st.header("Side by side", anchor=False)
ui.chart(shown.radars, width="content", name="Radars side by side")

st.header("Where the selection sits among all places", anchor=False)
ui.chart(shown.distribution, width="content", name="Where the selection sits")
with st.expander("Where the selection sits, as a table", icon=":material/table:"):
    ui.table(shown.distribution_table, hide_index=True, width="stretch", name="Where the selection sits")

st.header("Twinning", anchor=False)
if shown.twin_of:
    st.caption(f"Places strongest where {shown.twin_of} is weakest ({shown.twin_rule}): candidates to learn from.")
    if shown.twin_note:
        st.info(shown.twin_note, icon=":material/info:")
    else:
        ui.table(shown.twins, hide_index=True, width="stretch", name="Twinning")
