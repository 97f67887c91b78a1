"""The sidebar's shared filters (boundaries, region, ICS, governance model, round) and the place picker."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import analysis
from ..auth import Principal
from ..errors import IcsdashError
from ..place_governance import MODELS
from .context import Context, vintages
from .messages import show_error
from .state import ALL, ALL_ICBS, FILTER_ICB, FILTER_MODELS, FILTER_REGION, FILTER_ROUND, FILTER_VINTAGE, LATEST


def link_echo(param: str, key: str) -> bool:
    """Whether ?param= only repeats what the picker ``key`` wrote on its last run, so that a user's new
    choice wins over it (a link that names something else still wins over the picker)."""
    return key in st.session_state and st.query_params.get(param) == st.session_state.get(f"{key}_link")


def place_choice(ctx: Context, key: str, places: pd.DataFrame, who: Principal) -> str | None:
    """A place picker that starts from ?place=, then the place last looked at, then the user's own place."""
    offered, named = set(places["place_code"]), ctx.reference.place_labels
    labels = {code: label for code, label in named.items() if code in offered}
    wanted = None if link_echo("place", key) else st.query_params.get("place")
    wanted = ctx.store.code_changes.get(wanted, wanted)          # an old link names the place by a retired code
    if wanted and wanted not in labels:
        show_error(IcsdashError(f"{wanted!r} is not a place in the current filters; choose one below",
                                source="link", field="place"))
    for candidate in (wanted, st.session_state.get(key), st.session_state.get("explorer_place"), who.place_code):
        if candidate in labels:
            st.session_state[key] = candidate
            break
    if not labels:
        st.info("No place matches the filters in the sidebar.")
        return None
    code = st.selectbox("Place", list(labels), key=key, format_func=labels.get)
    st.session_state[f"{key}_link"] = code
    if ctx.anonymised:
        st.query_params.pop("place", None)      # the code names the place: keep it out of the address
    else:
        st.query_params["place"] = code
    return code


def _keep_valid(key: str, options: list, default) -> None:
    if st.session_state.get(key, default) not in options:
        st.session_state[key] = default


def shared_filters(ctx: Context) -> None:
    """The sidebar's filters (region, ICS, governance model, round), shared by every page.

    They are widgets of the frame, so they keep their values across pages; a
    page reads them with :func:`filters`. Values that no longer fit (an ICS
    outside the chosen region) fall back to 'all'.
    """
    ref = ctx.reference
    if not ctx.config.vintage:                      # not pinned in config.yaml: people may switch
        labels = vintages(ctx.config)
        st.session_state[FILTER_VINTAGE] = ref.vintage
        st.sidebar.selectbox("Boundaries", list(labels), key=FILTER_VINTAGE, format_func=labels.get,
                             help="Which ICBs every page shows, and which ICB each place is in: the newest "
                                  "boundaries, or an earlier vintage's. Places and their assessments are the same.")
    else:                                           # pinned: still say which, since every ICS figure depends on it
        st.sidebar.caption(f"Boundaries: {ref.boundaries} (set for this deployment)")
    regions = [ALL, *ref.regions["region_name"].tolist()]
    _keep_valid(FILTER_REGION, regions, ALL)
    st.sidebar.selectbox("Region", regions, key=FILTER_REGION,
                         help="Narrows the figures, maps and tables on every page.")
    icbs = ref.icbs if st.session_state[FILTER_REGION] == ALL else \
        ref.icbs[ref.icbs["region_name"] == st.session_state[FILTER_REGION]]
    icb_names = dict(zip(icbs["icb_ods_code"], icbs["icb_short_name"]))
    _keep_valid(FILTER_ICB, [ALL_ICBS, *icb_names], ALL_ICBS)
    st.sidebar.selectbox("Integrated care system", [ALL_ICBS, *sorted(icb_names, key=icb_names.get)], key=FILTER_ICB,
                         format_func=lambda c: icb_names.get(c, c))
    models = {m.key: m.label for m in MODELS}
    st.session_state[FILTER_MODELS] = [m for m in st.session_state.get(FILTER_MODELS, []) if m in models]
    st.sidebar.multiselect("Governance model", list(models), key=FILTER_MODELS, format_func=models.get,
                           placeholder="All models")
    rounds = ctx.store.round_labels()
    _keep_valid(FILTER_ROUND, [LATEST, *rounds], LATEST)
    st.sidebar.selectbox("Assessment round", [LATEST, *rounds[::-1]], key=FILTER_ROUND,
                         help="Which round's scores and status the maps and figures show.")


def filters() -> analysis.Filters:
    region = st.session_state.get(FILTER_REGION, ALL)
    icb = st.session_state.get(FILTER_ICB, ALL_ICBS)
    chosen_round = st.session_state.get(FILTER_ROUND, LATEST)
    return analysis.Filters(region=None if region == ALL else region, icb=None if icb == ALL_ICBS else icb,
                            models=tuple(st.session_state.get(FILTER_MODELS, [])),
                            round=None if chosen_round == LATEST else chosen_round)
