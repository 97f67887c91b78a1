"""Admin: access codes, assessment rounds, imports and the audit log. Administrators only."""

import streamlit as st

from icsdash import ui
from icsdash.ui import admin_panels
from icsdash.views import admin as view
from icsdash.auth import ROLES_BY_KEY
from icsdash.errors import IcsdashError

ctx = ui.current()
who = ui.principal(ctx)
st.title("Admin")
if not who.role_spec.admin:
    st.info("Only administrators manage access. Sign in with an administrator's access code.", icon=":material/lock:")
    st.stop()

store = ctx.store
shown = ui.stored_view(view.admin, ctx, store.newest_entry(), ctx.anonymised)
place_label = shown.place_labels


def act(action, *args) -> None:
    """Run an admin action as a callback; keep its error (if any) to show on the page."""
    try:
        action(who, *args)
        st.session_state.pop("admin_error", None)
    except IcsdashError as error:
        st.session_state["admin_error"] = error


def create_code() -> None:
    state = st.session_state
    place = state["new_code_place"] if state["new_code_role"] == "place_director" else None
    try:
        state["admin_created_code"] = store.create_access_code(who, state["new_code_role"], place,
                                                               state["new_code_label"], known_places=set(place_label))
    except IcsdashError as error:
        state["admin_error"] = error


if "admin_error" in st.session_state:
    ui.show_error(st.session_state.pop("admin_error"))

def codes() -> None:
    with st.form("new_code", clear_on_submit=True):
        st.markdown("**Create an access code**")
        c1, c2 = st.columns(2)
        c1.selectbox("Role", ["place_director", "system_leader", "admin"], key="new_code_role",
                     format_func=lambda r: ROLES_BY_KEY[r].label)
        c2.selectbox("Place (place directors only)", [None, *place_label], key="new_code_place",
                     format_func=lambda p: "—" if p is None else place_label[p])
        st.text_input("Label (who it is for; shown in the audit log and history)", max_chars=200,
                      key="new_code_label")
        st.form_submit_button("Create code", type="primary", key="new_code_create", on_click=create_code)
    if code := st.session_state.pop("admin_created_code", None):
        st.warning("Copy this code now and give it to its holder: it is shown only once and cannot be recovered.",
                   icon=":material/key:")
        st.code(code, language=None)
    ui.table(shown.codes, hide_index=True, width="stretch", name="Access codes")
    if shown.active:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.selectbox("Revoke a code (by its first part)", shown.active, key="revoke_choice")
        c2.button("Revoke", icon=":material/block:", on_click=lambda: act(store.revoke_access_code,
                                                                           st.session_state["revoke_choice"]))


def rounds() -> None:
    ui.table(shown.rounds, hide_index=True, name="Rounds")
    with st.form("new_round", clear_on_submit=True):
        st.text_input("New round", placeholder="2026/27", max_chars=40, key="new_round_label")
        st.form_submit_button("Open round", on_click=lambda: act(store.add_round,
                                                                 st.session_state["new_round_label"]))


def audit() -> None:
    st.caption(shown.audit_caption)
    ui.table(shown.audit, hide_index=True, width="stretch", name="Audit log")


PANELS = {"Access codes": codes, "Rounds": rounds, "Import": lambda: admin_panels.import_panel(ctx, who),
          "Backup": lambda: admin_panels.backup_panel(ctx, who), "Audit log": audit}
# Only the open tab is drawn: choosing another reruns the page (quick: the tables are built once per write).
for tab, draw in zip(st.tabs(list(PANELS), key="admin_tab", on_change="rerun"), PANELS.values()):
    if tab.open:
        with tab:
            draw()
