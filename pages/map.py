"""Map explorer: drill from England to a region, an ICS and a place; find any place, ICS, PCN or GP practice."""

import streamlit as st

from icsdash import analysis, explorer, maps, ui
from icsdash.measures import measures_by_key
from icsdash.views import map as view

ctx = ui.current()
ref = ctx.reference
chosen = ui.filters()
everywhere = analysis.Filters()                  # what does not depend on the filters
level = explorer.level_of(chosen)
measures = measures_by_key(ctx.framework)
options = ui.reference_view(view.search_options, ctx)     # once per reference data


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
st.session_state.setdefault("explorer_measure", ctx.config.map_default_measure)
show_pcns = st.session_state.get("explorer_pcns", True)
shown = ui.view(view.explore, ctx, chosen, st.session_state["explorer_measure"], st.session_state.get("explorer_place"),
                st.session_state.get("explorer_zoom_place"), st.session_state.get("explorer_practice"), show_pcns)
top = st.columns([3, 1], vertical_alignment="bottom")
top[0].markdown(" › ".join(shown.crumbs) + ("" if level == "icb" else
                "  \n:gray[Click a " + ("region" if level == "england" else "system") + " on the map to zoom in.]"))
top[1].button("Up one level", on_click=up, disabled=level == "england", icon=":material/zoom_out:")
c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
c1.selectbox("Find a place, ICS or PCN (name or code)", list(options), index=None, key="explorer_search",
             format_func=options.get, on_change=on_search, placeholder="Type a name or code to search")
c2.selectbox("Colour places by", list(measures), key="explorer_measure", format_func=lambda k: measures[k].label)
c3.toggle("Show PCNs", value=True, key="explorer_pcns", help="Points sized by list size, when an ICS is open.")
query = c1.text_input("Find a GP practice (code, name or postcode)", key="explorer_practice_search",
                      placeholder="e.g. C81081, SK13 8PS or Manor House")
if query.strip():
    found = ui.view(view.practice_search, ctx, everywhere, query.strip())
    if not found:
        c1.caption(f"No GP practice matches “{query.strip()}”: try its ODS code, the start of its postcode or a "
                   "word of its name.")
    for i, hit in enumerate(found):
        c1.button(hit["label"], key=f"explorer_practice_hit_{i}", on_click=on_practice, args=(hit,),
                  icon=":material/local_hospital:", type="tertiary")

map_col, side = ui.stage().columns([3, 1.3], gap="medium")        # first on a projector
with map_col:
    ui.deck(shown.deck, height=640, on_select=on_click, selection_mode="single-object", key=map_key(),
            alt=shown.alt, name="Map", static=shown.picture)
with side:
    ui.legend(shown.legend)
    if (place := shown.selected) is not None:
        st.header(place.name, anchor=False)
        st.page_link("pages/profile.py", label="Open the place profile", icon=":material/location_on:",
                     query_params={"place": place.code})
        if place.practice is not None:                                  # found by the practice search
            with st.container(border=True):
                ui.facts(place.practice)
        ui.facts(place.facts)
        with st.expander("White Paper criteria"):
            ui.table(place.criteria, hide_index=True, width="stretch", name="White Paper criteria")
        with st.expander(place.pcns_heading):
            ui.table(place.pcns, hide_index=True, width="stretch", name="Primary care networks",
                     note=ui.illustrative_note(ctx),
                     column_config={"List size": st.column_config.NumberColumn(format="localized")})
    elif level == "icb":
        st.caption("Click a place on the map, or search, to see its details.")

with st.expander(f"The map's data as a table ({shown.places} places, sortable)", icon=":material/table:"):
    ui.table(shown.table, hide_index=True, width="stretch", name="Places", note=ui.illustrative_note(ctx),
             column_config={"Population": st.column_config.NumberColumn(format="localized")})
