"""Governance: which places chose which model, and how models relate to maturity, criteria, leaders and money."""

import streamlit as st

from icsdash import comparisons, ui
from icsdash.views import governance as view

ctx = ui.current()
chosen = ui.filters()
st.title(view.title(chosen))
ui.illustrative_notice(ctx)


def who_chose() -> None:
    shown = ui.view(view.who_chose, ctx, chosen)
    left, right = st.columns([1, 1] if ui.presenting() else [2, 3], gap="large")
    with left:
        ui.chart(shown.mix_chart, width="stretch", name="Places by governance model")
    with right:
        ui.deck(shown.map.deck, height=520, alt=shown.map.alt, name="Map", static=shown.map.picture)
        ui.legend(shown.map.legend)
    st.markdown("**Then and now**")
    st.caption(f"{comparisons.SNAPSHOT_SOURCE}: {comparisons.SNAPSHOT_SUMMARY} The June 2022 "
               "figures are for all of England; 'Now' follows the filters and is illustrative where not documented.")
    ui.table(shown.then_and_now, hide_index=True, width="stretch", name="Then and now")
    ui.chart(shown.mix_by_chart, width="stretch", name="Models by area")
    with st.expander("The mix as a table"):
        ui.table(shown.mix_by_table, width="stretch", name="Models by area")


def maturity() -> None:
    shown = ui.view(view.maturity, ctx, chosen)
    ui.chart(shown.heatmap, width="stretch", name="Median score by model")
    st.caption(f"n is the number of places with scores. * marks models with fewer than {shown.min_group} "
               "places: too few to compare. An association between a model and maturity is not evidence that the "
               "model causes it: places chose their model for local reasons, and the demo scores are illustrative.")
    ui.chart(shown.strip_chart, width="content", name="Overall maturity of each place")
    with st.expander("Medians, quartiles and n as a table"):
        ui.table(shown.table, hide_index=True, width="stretch", name="Maturity by model")


def criteria_and_leaders() -> None:
    shown = ui.view(view.criteria_and_leaders, ctx, chosen)
    ui.chart(shown.criteria_chart, width="stretch", name="Criteria by model")
    ui.chart(shown.employers_chart, width="stretch", name="Employer by model")
    with st.expander("Criteria and employers as tables"):
        ui.table(shown.criteria, hide_index=True, width="stretch", name="Criteria by model")
        ui.table(shown.employers, width="stretch", name="Employer by model")


def money_by_model() -> None:
    shown = ui.view(view.money, ctx, chosen)
    for name, made in shown.charts.items():
        ui.chart(made, width="stretch", name=name)
    st.caption("Per head uses the place's population. Budgets are illustrative except where a case study "
               "documents them (Oxfordshire's pooled and aligned budgets, Manchester's absent pool).")
    ui.table(shown.table, hide_index=True, width="stretch", name="Money by model", note=ui.illustrative_note(ctx))


def models_explained() -> None:
    for item in ui.view(view.models_explained, ctx, chosen):
        m = item.model
        with st.container(border=True):
            st.markdown(f"#### {m.label}" + ("" if m.in_table_6_1 else " :gray[(not in CIPFA Table 6.1)]"))
            st.markdown(f"{'**CIPFA Table 6.1:** ' if m.in_table_6_1 else ''}{m.summary}  \n"
                        f":gray[**Our explanation:** {m.explanation}]")
            st.caption(f"{len(item.places)} place(s): "
                       f"{', '.join(item.places) if item.places else 'none in the current filters'}")


# Only the open tab is drawn (a tab click reruns the page), so a rerun pays for one tab, not five.
TABS = {"Who chose which model": who_chose, "Maturity by model": maturity, "Criteria and leaders": criteria_and_leaders,
        "Money": money_by_model, "The models explained": models_explained}
tabs = ui.stage().tabs(list(TABS), key="governance_tab", on_change="rerun")        # first on a projector
for tab, draw in zip(tabs, TABS.values()):
    if tab.open:
        with tab:
            draw()
