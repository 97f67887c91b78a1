"""Map explorer: drill from England to a region, an ICS and a place; find any place, ICS, PCN or GP practice."""

import streamlit as st

from icsdash import analysis, explorer, maps, ui
from icsdash.measures import measures_for

ctx = ui.current()
ref = ctx.reference
chosen = ui.filters()
summary = ui.place_summary(ctx, chosen.round)
shown = analysis.apply_filters(summary, chosen)
level = explorer.level_of(chosen)
measures = {m.key: m for m in measures_for(ctx.framework)}
options = ui.memo(("search index", ref.version), lambda: explorer.search_index(ref))     # once per reference data


def go(target: explorer.Target) -> None:
    """Move the shared filters (and the selected place) to a search result or a click."""
    st.session_state[ui.FILTER_REGION] = target.region or ui.ALL
    st.session_state[ui.FILTER_ICB] = target.icb or ui.ALL_ICBS
    st.session_state["explorer_place"] = target.place
    st.session_state["explorer_zoom_place"] = target.place if target.pcn or target.place else None


def on_search() -> None:
    if key := st.session_state.get("explorer_search"):
        go(explorer.target_of(key, ref))
        st.session_state["explorer_search"] = None


def on_practice(found: dict) -> None:
    """Open the place of a practice found by the practice search, and mark the practice on the map."""
    go(explorer.target_of(f"place:{found['place_code']}", ref))
    st.session_state["explorer_practice"] = found["practice_code"]
    st.session_state["explorer_practice_search"] = ""


def map_key() -> str:
    return f"explorer_map_{st.session_state.setdefault('explorer_clicks', 0)}"


def on_click() -> None:
    hit = maps.picked((st.session_state.get(map_key()) or {}).get("selection"))
    # A fresh chart key drops the selection, so Streamlit does not restyle the map around it.
    st.session_state["explorer_clicks"] += 1
    if hit:
        layer, props = hit
        if layer == "pick_regions":
            go(explorer.Target(props["name"], None))
        elif layer == "pick_icbs":
            go(explorer.target_of(f"icb:{props['code']}", ref))
        elif layer == "practices":
            st.session_state["explorer_practice"] = props["code"]
        else:
            st.session_state["explorer_place"] = props["code"]


def up() -> None:
    go(explorer.Target(chosen.region if chosen.icb else None, None))


st.title("Map explorer")
crumbs = ["England", chosen.region, ui.icb_name(ctx, chosen.icb) + " ICS" if chosen.icb else None]
top = st.columns([3, 1], vertical_alignment="bottom")
top[0].markdown(" › ".join(c for c in crumbs if c) + ("" if level == "icb" else
                "  \n:gray[Click a " + ("region" if level == "england" else "system") + " on the map to zoom in.]"))
top[1].button("Up one level", on_click=up, disabled=level == "england", icon=":material/zoom_out:")
c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
c1.selectbox("Find a place, ICS or PCN (name or code)", list(options), index=None, key="explorer_search",
             format_func=options.get, on_change=on_search, placeholder="Type a name or code to search")
st.session_state.setdefault("explorer_measure", ctx.config.map_default_measure)
key = c2.selectbox("Colour places by", list(measures), key="explorer_measure", format_func=lambda k: measures[k].label)
show_pcns = c3.toggle("Show PCNs", value=True, help="Points sized by list size, when an ICS is open.")
query = c1.text_input("Find a GP practice (code, name or postcode)", key="explorer_practice_search",
                      placeholder="e.g. C81081, SK13 8PS or Manor House")
if query.strip():
    found = explorer.find_practices(ref, query)
    if found.empty:
        c1.caption(f"No GP practice matches “{query.strip()}”: try its ODS code, the start of its postcode or a "
                   "word of its name.")
    for i, hit in enumerate(found.to_dict("records")):
        c1.button(hit["label"], key=f"explorer_practice_hit_{i}", on_click=on_practice, args=(hit,),
                  icon=":material/local_hospital:", type="tertiary")

measure = measures[key]
urls, legends = ui.served_layers(ctx, summary)
place = st.session_state.get("explorer_place")
place = place if place in set(shown["place_code"]) else None
zoom_to = st.session_state.get("explorer_zoom_place")
view = maps.view_of([ctx.geography.shapes["places"][zoom_to]], margin=2.2) if zoom_to and zoom_to == place \
    else ui.view_for(ctx, shown)
deck = maps.explorer_deck(urls, measure, level, view, chosen, show_pcns, ctx.config.map_basemap,
                         boundaries=ctx.reference.vintage_label)
practices = ref.practices[ref.practices["place_code"] == place] if place and ref.practices is not None else None
marked = st.session_state.get("explorer_practice")
if place:
    deck.layers.append(maps.outline_layer(ctx.geography.shapes["places"][place]))
    if practices is not None and not practices.empty:                # close zoom: the place's practices
        place_row = shown.set_index("place_code").loc[place]
        pcn_names = dict(zip(ref.pcns["pcn_code"], ref.pcns["pcn_name"]))
        deck.layers.append(maps.practice_layer(maps.practice_points(practices, place_row, pcn_names, measure)))
        if marked in set(practices["practice_code"]):
            deck.layers.append(maps.practice_layer(maps.practice_points(
                practices[practices["practice_code"] == marked], place_row, pcn_names, measure), marked=True))
map_col, side = ui.stage().columns([3, 1.3], gap="medium")        # first on a projector
legend = maps.focus_legend(legends[key], shown, measure)
with map_col:
    ui.deck(deck, height=640, on_select=on_click, selection_mode="single-object",
                    key=map_key(), alt=maps.alt_text(legend, len(shown), chosen.describe()), name="Map",
                    static=ui.static_map(ctx, summary, measure, legend, shown, highlight=place,
                                         title=f"{measure.label} · {' › '.join(c for c in crumbs if c)}"))
with side:
    ui.legend(legend)
    if place:
        row = shown.set_index("place_code").loc[place].copy()
        row["place_code"] = place
        st.subheader(row.place_name, anchor=False)
        st.page_link("pages/profile.py", label="Open the place profile", icon=":material/location_on:",
                     query_params={"place": place})
        if practices is not None and marked in set(practices["practice_code"]):     # found by the practice search
            with st.container(border=True):
                ui.facts(explorer.practice_facts(ref, marked))
        ui.facts(explorer.place_facts(row, ctx.framework))
        with st.expander("White Paper criteria"):
            ui.table(explorer.criteria_table(row), hide_index=True, width="stretch", name="White Paper criteria")
        pcns = explorer.pcn_table(ref, place)
        with st.expander(f"Primary care networks ({len(pcns)}, {row.pcn_source})"):
            ui.table(pcns, hide_index=True, width="stretch", name="Primary care networks",
                     note=ui.illustrative_note(ctx),
                     column_config={"List size": st.column_config.NumberColumn(format="localized")})
    elif level == "icb":
        st.caption("Click a place on the map, or search, to see its details.")

with st.expander(f"The map's data as a table ({len(shown)} places, sortable)", icon=":material/table:"):
    ui.table(maps.place_table(shown, measure), hide_index=True, width="stretch", name="Places",
             note=ui.illustrative_note(ctx),
             column_config={"Population": st.column_config.NumberColumn(format="localized")})
