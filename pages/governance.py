"""Governance: which places chose which model, and how models relate to maturity, criteria, leaders and money."""

import streamlit as st

from icsdash import analysis, charts, comparisons, maps, ui
from icsdash.governance import CRITERIA, MODELS
from icsdash.measures import MEASURES_BY_KEY
from icsdash.palettes import CATEGORICAL

ctx = ui.current()
fw, cfg = ctx.framework, ctx.config
chosen = ui.filters()
summary = ui.place_summary(ctx, chosen.round)
places = analysis.apply_filters(summary, chosen)
key = ui.version_key(ctx, "governance", chosen)                # everything below is derived once per data version and filters
latest = ui.memo(key + ("latest",), lambda: comparisons.latest_per_place(ui.scores(ctx)[1]))
palette = CATEGORICAL[cfg.categorical_palette]
colours = {m.label: palette[i % len(palette)] for i, m in enumerate(MODELS)}
st.title(f"Governance models · {chosen.describe()}")
ui.illustrative_notice(ctx)


def who_chose() -> None:
    national = ui.memo(key + ("mix",), lambda: comparisons.model_mix(places))
    left, right = st.columns([1, 1] if ui.presenting() else [2, 3], gap="large")
    with left:
        ui.chart(ui.memo(key + ("mix chart",), lambda: ui.spec(charts.category_bars(
            national[national["places"] > 0], "governance_model", "label", "places", "Places by governance model",
            share="share", colours={m.key: colours[m.label] for m in MODELS}))), width="stretch",
            name="Places by governance model")
    with right:
        urls, legends = ui.served_layers(ctx, summary)
        deck = maps.place_deck(urls["places"], urls["icbs"], urls["england"], urls["regions"],
                               MEASURES_BY_KEY["governance_model"], *ui.view_for(ctx, places),
                               basemap=cfg.map_basemap, filters=chosen)
        legend = maps.focus_legend(legends["governance_model"], places, MEASURES_BY_KEY["governance_model"])
        ui.deck(deck, height=520, alt=maps.alt_text(legend, len(places), chosen.describe()), name="Map",
                static=ui.static_map(ctx, summary, MEASURES_BY_KEY["governance_model"], legend, places,
                                     title=f"Governance models · {chosen.describe()}"))
        ui.legend(legend)
    st.markdown("**Then and now**")
    st.caption(f"{comparisons.SNAPSHOT_SOURCE}: {comparisons.SNAPSHOT_SUMMARY} The June 2022 "
               "figures are for all of England; 'Now' follows the filters and is illustrative where not documented.")
    ui.table(ui.memo(key + ("snapshot",), lambda: comparisons.snapshot_comparison(places)), hide_index=True,
             width="stretch", name="Then and now")
    by = "icb_short_name" if chosen.region else "region_name"
    mix = ui.memo(key + ("mix by",), lambda: comparisons.model_mix(places, by=by))
    ui.chart(ui.memo(key + ("mix by chart",), lambda: ui.spec(charts.stacked_bars(
        mix, "group", "label", "places", f"Models by {'ICS' if chosen.region else 'region'}", colours,
        share="share", group_title=f"ICS ({ctx.reference.vintage_label} boundaries)" if chosen.region else "Region"))),
        width="stretch", name="Models by area")
    with st.expander("The mix as a table"):
        ui.table(ui.memo(key + ("mix by table",), lambda: mix.pivot_table(index="group", columns="label", values="places",
                                                                            aggfunc="sum")), width="stretch", name="Models by area")


def maturity() -> None:
    table = ui.memo(key + ("maturity",), lambda: comparisons.maturity_by_model(places, latest, fw, cfg.min_group_size))
    table = table[table["n"] > 0]
    shown = table.assign(cell=table.apply(lambda r: f"{r['median']:.1f}" + (" *" if r["too_small"] else ""), axis=1),
                         model=table["label"] + " (n=" + table.groupby("label")["n"].transform("max").astype(str) + ")")
    ui.chart(ui.memo(key + ("maturity chart",), lambda: ui.spec(charts.heatmap(
        shown, "dimension", "model", "median", "cell", "Median score by model", (fw.scale_min, fw.scale_max),
        [d.short for d in fw.dimensions], list(dict.fromkeys(shown["model"])),
        tooltip=[("model", "Model"), ("dimension", "Dimension"), ("median", "Median"), ("n", "Places"),
                 ("q1", "Lower quartile"), ("q3", "Upper quartile")]))), width="stretch", name="Median score by model")
    st.caption(f"n is the number of places with scores. * marks models with fewer than {cfg.min_group_size} "
               "places: too few to compare. An association between a model and maturity is not evidence that the "
               "model causes it: places chose their model for local reasons, and the demo scores are illustrative.")
    scored = places.dropna(subset=["overall_maturity"])
    order = [m.label for m in MODELS if m.label in set(scored["governance_model_label"])]
    ui.chart(ui.memo(key + ("strip chart",), lambda: ui.spec(charts.strip_by_group(
        scored, "governance_model_label", "overall_maturity", "place_name", "Overall maturity of each place",
        (fw.scale_min, fw.scale_max), colours, order))), width="content", name="Overall maturity of each place")
    with st.expander("Medians, quartiles and n as a table"):
        ui.table(table.drop(columns=["governance_model", "dimension_id"]), hide_index=True, width="stretch",
                 name="Maturity by model")


def criteria_and_leaders() -> None:
    crit = ui.memo(key + ("criteria",), lambda: comparisons.criteria_by_model(places))
    crit = crit[crit["places"] > 0].assign(cell=lambda f: (f["share_met"] * 100).round().astype(int).astype(str) + "%")
    ui.chart(ui.memo(key + ("criteria chart",), lambda: ui.spec(charts.heatmap(
        crit, "criterion", "label", "share_met", "cell", "Share of places meeting each White Paper criterion", (0, 1),
        [c.label for c in CRITERIA], list(dict.fromkeys(crit["label"])),
        tooltip=[("label", "Model"), ("criterion", "Criterion"), ("met", "Places met"), ("places", "Places")],
        value_format=".0%"))), width="stretch", name="Criteria by model")
    employers = ui.memo(key + ("employers",), lambda: comparisons.employer_by_model(places))
    ui.chart(ui.memo(key + ("employers chart",), lambda: ui.spec(charts.stacked_bars(
        employers.rename(columns={"label": "model"}), "model", "employer", "places",
        "Who employs the single accountable person, by model",
        {e: palette[i] for i, e in enumerate(employers["employer"].unique())}))), width="stretch",
        name="Employer by model")
    with st.expander("Criteria and employers as tables"):
        ui.table(crit.drop(columns=["governance_model", "cell"]), hide_index=True, width="stretch",
                 name="Criteria by model")
        ui.table(employers.pivot_table(index="label", columns="employer", values="places"), width="stretch",
                 name="Employer by model")


def money_by_model() -> None:
    money = ui.memo(key + ("money",), lambda: comparisons.money_by_model(places))
    money = money[money["places"] > 0]
    for column, title in (("delegated_per_head", "Median delegated budget per head (£)"),
                          ("pooled_per_head", "Median pooled budget per head (£)")):
        ui.chart(ui.memo(key + (column,), lambda: ui.spec(charts.category_bars(
            money.assign(value=money[column].fillna(0).astype(int)), "governance_model", "label", "value", title,
            colours={m.key: colours[m.label] for m in MODELS}))), width="stretch", name=column)
    st.caption("Per head uses the place's population. Budgets are illustrative except where a case study "
               "documents them (Oxfordshire's pooled and aligned budgets, Manchester's absent pool).")
    ui.table(money.drop(columns=["governance_model"]), hide_index=True, width="stretch", name="Money by model",
             note=ui.illustrative_note(ctx))


def models_explained() -> None:
    for m in MODELS:
        users = places.loc[places["governance_model"] == m.key, "place_name"].sort_values().tolist()
        with st.container(border=True):
            st.markdown(f"#### {m.label}" + ("" if m.in_table_6_1 else " :gray[(not in CIPFA Table 6.1)]"))
            st.markdown(f"{'**CIPFA Table 6.1:** ' if m.in_table_6_1 else ''}{m.summary}  \n"
                        f":gray[**Our explanation:** {m.explanation}]")
            st.caption(f"{len(users)} place(s): {', '.join(users) if users else 'none in the current filters'}")


# Only the open tab is drawn (a tab click reruns the page), so a rerun pays for one tab, not five.
TABS = {"Who chose which model": who_chose, "Maturity by model": maturity, "Criteria and leaders": criteria_and_leaders,
        "Money": money_by_model, "The models explained": models_explained}
tabs = ui.stage().tabs(list(TABS), key="governance_tab", on_change="rerun")        # first on a projector
for tab, draw in zip(tabs, TABS.values()):
    if tab.open:
        with tab:
            draw()
