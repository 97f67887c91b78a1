"""Overview: national figures and the map of England's ICSs and places."""

import streamlit as st

from icsdash import analysis, charts, maps, ui
from icsdash.measures import MEASURES, MEASURES_BY_KEY, STATUSES

ctx = ui.current()
chosen = ui.filters()
summary = ui.place_summary(ctx, chosen.round)
shown = analysis.apply_filters(summary, chosen)
figures = analysis.national_figures(ctx.reference, shown)

area = chosen.describe() if not chosen.icb else ui.icb_name(ctx, chosen.icb)
st.title(f"Integrated care in {area}")
ui.illustrative_notice(ctx)

with st.container(horizontal=True):
    st.metric("Regions", shown["region_name"].nunique(), border=True)
    st.metric(f"Integrated care systems ({ctx.reference.vintage_label})", shown["icb_ods_code"].nunique(),
              border=True, help=f"ICB boundaries of {ctx.reference.vintage_label} (ONS). Choose another vintage "
                                "under Boundaries in the sidebar.")
    st.metric("Places", f"{len(shown):,}", border=True,
              help=f"{int((shown['source'] == 'illustrative').sum())} of these place definitions are illustrative.")
    st.metric("Primary care networks", f"{int(shown['pcn_count'].sum()):,}", border=True,
              help=f"{ui.pcns_illustrative(ctx.reference).capitalize()} are illustrative; real ones can be "
                   "imported from NHS Digital's practice file (Admin, Import).")
    st.metric(f"Places assessed in {figures.current_round or 'the current round'}",
              f"{figures.places_assessed} of {len(shown)}", border=True,
              help="Places with at least one submitted self-assessment (or a consensus) in the latest round.")

st.session_state.setdefault("overview_measure", ctx.config.map_default_measure)
map_col, key_col = ui.stage().columns([4, 1.5], gap="medium")     # the view's point: first on a projector
with key_col:
    key = st.selectbox("Colour places by", [m.key for m in MEASURES], key="overview_measure",
                       format_func=lambda k: MEASURES_BY_KEY[k].label)
    measure = MEASURES_BY_KEY[key]
    urls, legends = ui.served_layers(ctx, summary)
    legend = legends[key] if len(shown) == len(summary) else maps.focus_legend(legends[key], shown, measure)
    ui.legend(legend)
    st.caption(measure.description)
with map_col:
    view = ui.view_for(ctx, shown)
    deck = maps.place_deck(urls["places"], urls["icbs"], urls["england"], urls["regions"], measure, *view,
                           basemap=ctx.config.map_basemap, filters=chosen)
    ui.deck(deck, height=620, alt=maps.alt_text(legend, len(shown), chosen.describe()), name="Map",
            static=ui.static_map(ctx, summary, measure, legend, shown, title=f"{measure.label} · {area}"))
    st.caption(f"Thin dark lines: ICS borders ({ctx.reference.vintage_label}); thick: NHS England regions. Hover "
               "over a place for details. Boundaries: ONS, OGL v3; contains OS data © Crown copyright and database "
               "right.")

key = ui.version_key(ctx, "overview", chosen)          # the charts and table below: once per data version and filters
mix_col, status_col = st.columns(2, gap="large")
with mix_col:
    mix = ui.memo(key + ("mix",), lambda: analysis.governance_mix(shown))
    ui.chart(ui.memo(key + ("mix chart",), lambda: ui.spec(charts.category_bars(
        mix[mix["places"] > 0], "governance_model", "label", "places", "Governance model chosen by each place",
        colours=legends["governance_model"].colours, share="share"))), width="stretch",
        name="Governance model chosen")
with status_col:
    status = ui.memo(key + ("status",), lambda: analysis.status_counts(shown).assign(
        label=lambda f: f["assessment_status"].map(STATUSES)))
    ui.chart(ui.memo(key + ("status chart",), lambda: ui.spec(charts.category_bars(
        status, "assessment_status", "label", "places",
        f"Self-assessment in {figures.current_round or 'the latest round'}",
        colours=legends["assessment_status"].colours))), width="stretch", name="Self-assessment status")

with st.expander("The map's data as a table (sortable)", icon=":material/table:"):
    table = ui.memo(key + (measure.key, "table"), lambda: maps.place_table(shown, measure))
    ui.table(table, hide_index=True, width="stretch", name="Places", note=ui.illustrative_note(ctx),
                 column_config={"Population": st.column_config.NumberColumn(format="localized")})
    st.caption(f"{len(table)} places; {int(table[measure.label].eq('No data').sum())} with no data for "
               f"'{measure.label}'.")
