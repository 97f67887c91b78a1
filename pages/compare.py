"""Compare: up to six places or ICSs side by side, ready-made peer groups, twinning, and where they sit."""

import streamlit as st

from icsdash import analysis, charts, comparisons, ui

MAX = 6
ctx = ui.current()
ref, fw = ctx.reference, ctx.framework
latest, dims = ui.scores(ctx)
scores = ui.memo(ui.version_key(ctx, "compare", "scores"), lambda: comparisons.latest_per_place(dims))
places = analysis.apply_filters(ui.place_summary(ctx), ui.filters())
st.title("Compare")

labels = {f"place:{r.place_code}": f"{r.place_name} · {r.icb_short_name}" for r in
          places.sort_values("place_name").itertuples()}
labels |= {f"icb:{c}": f"{n} ICS (median of its places)" for c, n in
           sorted(zip(ref.icbs["icb_ods_code"], ref.icbs["icb_short_name"]), key=lambda x: x[1])}
state = st.session_state
state["compare_selection"] = [k for k in state.get("compare_selection", []) if k in labels][:MAX]


def add_peers() -> None:
    rule = comparisons.PEER_RULES_BY_KEY[state["peer_rule"]]
    anchor = state["peer_place"]
    peers = rule.peers(ref.places, anchor, ctx.config.compare_neighbours)
    chosen = [f"place:{anchor}"] + [f"place:{p}" for p in peers if f"place:{p}" in labels]
    state["compare_selection"] = chosen[:MAX]


with st.expander("Ready-made peer groups", icon=":material/groups:", expanded=not state["compare_selection"]):
    c1, c2, c3 = st.columns([3, 3, 1], vertical_alignment="bottom")
    place_keys = [k.split(":", 1)[1] for k in labels if k.startswith("place:")]
    c1.selectbox("Place", place_keys, key="peer_place", format_func=lambda c: labels[f"place:{c}"])
    c2.selectbox("Peers", [r.key for r in comparisons.PEER_RULES], key="peer_rule",
                 format_func=lambda k: comparisons.PEER_RULES_BY_KEY[k].label)
    c3.button("Compare", on_click=add_peers, type="primary")
    st.caption(f"The place and its first {MAX - 1} peers fill the selection; nearest neighbours are the "
               f"{ctx.config.compare_neighbours} places most alike in population and density.")

st.multiselect(f"Places and ICSs to compare (up to {MAX})", list(labels), key="compare_selection",
               format_func=labels.get, max_selections=MAX, placeholder="Choose places or ICSs")
selection = state["compare_selection"]
if not selection:
    st.info("Choose places or ICSs above, or start from a peer group.", icon=":material/compare:")
    st.stop()

key = ui.version_key(ctx, "compare", tuple(selection))     # what follows: once per data version and selection
series = ui.memo(key + ("series",), lambda: comparisons.series_scores(scores, ref.places, selection))
frame = ui.memo(key + ("radar frame",), lambda: comparisons.radar_frame(series, fw))
scored = set(series.loc[series["score"].notna(), "key"])
missing = [labels[k].split(" · ")[0] for k in selection if k not in scored]
if missing:
    st.warning(f"No submitted scores yet for: {', '.join(missing)}.", icon=":material/warning:")
if not scored:
    st.info("There is nothing to compare yet: choose places or ICSs with submitted scores.", icon=":material/compare:")
    st.stop()

radar_col, table_col = ui.stage().columns([1, 1] if ui.presenting() else [2, 3], gap="large")
with radar_col:
    ui.chart(ui.memo(key + ("radar",), lambda: ui.spec(charts.radar(frame, fw.scale_max, size=380))), width=480,
             name="Radar of the selection")
with table_col:
    table = ui.memo(key + ("differences",), lambda: comparisons.difference_table(series, fw))
    ui.table(table, hide_index=True, width="stretch", height=470, name="Scores compared")
    st.caption("Scores are each place's latest (consensus, else median of individual scores); an ICS is the "
               "median of its places. A gap is the distance to the median of the selection.")

st.header("Side by side", anchor=False)
names = list(dict.fromkeys(frame["series"]))
for start in range(0, len(names), 3):
    columns = st.columns(3)
    for column, name in zip(columns, names[start:start + 3]):
        with column:
            ui.chart(ui.memo(key + ("radar of", name), lambda: ui.spec(charts.radar(
                frame[frame["series"] == name], fw.scale_max, title=name, size=260))), width=360,
                name=f"Radar {names.index(name) + 1}")

st.header("Where the selection sits among all places", anchor=False)
ui.chart(ui.memo(key + ("distribution",), lambda: ui.spec(charts.distribution_chart(
    scores[["dimension_id", "score"]], series, {d.id: d.short for d in fw.dimensions}, fw.scale_max))),
    width="content", name="Where the selection sits")

st.header("Twinning", anchor=False)
anchor = next((k.split(":", 1)[1] for k in selection if k.startswith("place:")), None)
if anchor:
    twins = ui.memo(key + ("twins",), lambda: comparisons.twins(scores, anchor, fw).assign(
        place=lambda t: t["place_code"].map(dict(zip(ref.places["place_code"], ref.places["place_name"])))))
    st.caption(f"Places strongest where {labels[f'place:{anchor}'].split(' · ')[0]} is weakest (two points or "
               "more ahead on its three lowest dimensions): candidates to learn from.")
    ui.table(twins[["place", "matches", "lead", "dimensions"]].rename(columns={
        "place": "Place", "matches": "Matching dimensions", "lead": "Total lead", "dimensions": "Where"}),
        hide_index=True, width="stretch", name="Twinning")
