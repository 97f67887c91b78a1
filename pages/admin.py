"""Admin: access codes, assessment rounds and the audit log. Administrators only."""

import streamlit as st

from icsdash import ui
from icsdash.auth import ROLES_BY_KEY
from icsdash.errors import IcsdashError

ctx = ui.current()
who = ui.principal(ctx)
st.title("Admin")
if not who.role_spec.admin:
    st.info("Only administrators manage access. Sign in with an administrator's access code.", icon=":material/lock:")
    st.stop()

store = ctx.store
places = ctx.reference.places.sort_values("place_name")
place_label = dict(zip(places["place_code"], places["place_name"] + " (" + places["icb_short_name"] + ")"))

codes_tab, rounds_tab, audit_tab = st.tabs(["Access codes", "Rounds", "Audit log"])
with codes_tab:
    with st.form("new_code", clear_on_submit=True):
        st.markdown("**Create an access code**")
        c1, c2 = st.columns(2)
        role = c1.selectbox("Role", ["place_director", "system_leader", "admin"], key="new_code_role",
                            format_func=lambda r: ROLES_BY_KEY[r].label)
        place = c2.selectbox("Place (place directors only)", [None, *place_label], key="new_code_place",
                             format_func=lambda p: "—" if p is None else place_label[p])
        label = st.text_input("Label (who it is for; shown in the audit log and history)", max_chars=200,
                              key="new_code_label")
        if st.form_submit_button("Create code", type="primary", key="new_code_create"):
            try:
                code = store.create_access_code(who, role, place if role == "place_director" else None, label,
                                                known_places=set(place_label))
                st.session_state["admin_created_code"] = code
            except IcsdashError as error:
                ui.show_error(error)
    if code := st.session_state.pop("admin_created_code", None):
        st.warning("Copy this code now and give it to its holder: it is shown only once and cannot be recovered.",
                   icon=":material/key:")
        st.code(code, language=None)
    codes = store.access_codes()
    codes["place"] = codes["place_code"].map(place_label)
    st.dataframe(codes[["lookup_id", "role", "place", "label", "created_at", "created_by", "revoked_at"]],
                 hide_index=True, width="stretch")
    active = codes.loc[codes["revoked_at"].isna(), "lookup_id"].tolist()
    if active:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        chosen = c1.selectbox("Revoke a code (by its first part)", active)
        if c2.button("Revoke", icon=":material/block:"):
            try:
                store.revoke_access_code(who, chosen)
                st.rerun()
            except IcsdashError as error:
                ui.show_error(error)

with rounds_tab:
    st.dataframe(store.rounds().rename(columns={"label": "Round", "position": "Order", "opened_at": "Opened"})
                 .drop(columns=["id"]), hide_index=True)
    with st.form("new_round", clear_on_submit=True):
        label = st.text_input("New round", placeholder="2026/27", max_chars=40)
        if st.form_submit_button("Open round"):
            try:
                store.add_round(who, label)
                st.rerun()
            except IcsdashError as error:
                ui.show_error(error)

with audit_tab:
    audit = store.audit_entries().tail(500).iloc[::-1]
    st.caption(f"The newest {len(audit)} entries. Every write is recorded with who did it and when.")
    st.dataframe(audit, hide_index=True, width="stretch")
