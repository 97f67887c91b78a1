"""Overview: national figures and the map of England's ICSs and places."""

import streamlit as st

from icsdash import ui
from icsdash.measures import MEASURES, measures_by_key
from icsdash.views import overview as view

ctx = ui.current()
chosen = ui.filters()
shown = ui.view(view.overview, ctx, chosen)
st.title(shown.title)
ui.illustrative_notice(ctx)

with st.container(horizontal=True):
    for metric in shown.metrics:
        st.metric(metric.label, metric.value, help=metric.help, border=True)

st.session_state.setdefault("overview_measure", ctx.config.map_default_measure)
map_col, key_col = ui.stage().columns([4, 1.5], gap="medium")     # the view's point: first on a projector
with key_col:
    measures = measures_by_key(ctx.framework)
    key = st.selectbox("Colour places by", [m.key for m in MEASURES], key="overview_measure",
                       format_func=lambda k: measures[k].label)
    measure = measures[key]
    placed = ui.view(view.measure_map, ctx, chosen, key)
    ui.legend(placed.map.legend)
    st.caption(measure.description)
with map_col:
    ui.deck(placed.map.deck, height=620, alt=placed.map.alt, name="Map", static=placed.map.picture)
    st.caption(f"Thin dark lines: ICS borders ({ctx.reference.vintage_label}); thick: NHS England regions. Hover "
               "over a place for details. Boundaries: ONS, OGL v3; contains OS data © Crown copyright and database "
               "right.")

mix_col, status_col = st.columns(2, gap="large")
with mix_col:
    ui.chart(shown.mix_chart, width="stretch", name="Governance model chosen")
with status_col:
    ui.chart(shown.status_chart, width="stretch", name="Self-assessment status")

with st.expander("The map's data as a table (sortable)", icon=":material/table:"):
    ui.table(placed.table, hide_index=True, width="stretch", name="Places", note=ui.illustrative_note(ctx),
             column_config={"Population": st.column_config.NumberColumn(format="localized")})
    st.caption(f"{len(placed.table)} places; {placed.no_data} with no data for '{measure.label}'.")
