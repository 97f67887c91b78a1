"""Admin: access codes, assessment rounds, imports and the audit log. Administrators only."""

import hashlib
from datetime import datetime, timezone

import streamlit as st

from icsdash import backup, imports, ui
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

codes_tab, rounds_tab, import_tab, backup_tab, audit_tab = st.tabs(["Access codes", "Rounds", "Import", "Backup",
                                                                   "Audit log"])
with codes_tab:
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
    codes = store.access_codes()
    codes["place"] = codes["place_code"].map(place_label)
    ui.table(ui.people(ctx, codes[["lookup_id", "role", "place", "label", "created_at", "created_by",
                                   "revoked_at"]], "label", "created_by"), hide_index=True, width="stretch",
             name="Access codes")
    active = codes.loc[codes["revoked_at"].isna(), "lookup_id"].tolist()
    if active:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.selectbox("Revoke a code (by its first part)", active, key="revoke_choice")
        c2.button("Revoke", icon=":material/block:", on_click=lambda: act(store.revoke_access_code,
                                                                           st.session_state["revoke_choice"]))

with rounds_tab:
    ui.table(store.rounds().rename(columns={"label": "Round", "position": "Order", "opened_at": "Opened"})
             .drop(columns=["id"]), hide_index=True, name="Rounds")
    with st.form("new_round", clear_on_submit=True):
        st.text_input("New round", placeholder="2026/27", max_chars=40, key="new_round_label")
        st.form_submit_button("Open round", on_click=lambda: act(store.add_round,
                                                                 st.session_state["new_round_label"]))



def confirm_import(preview: imports.Preview) -> None:
    state = st.session_state
    try:
        imports.apply(store, preview, who, ctx.framework)
        state["import_done"] = f"Imported {preview.file_name}: {preview.summary()}."
        state.pop("import_preview", None)
        state["import_round"] = state.get("import_round", 0) + 1          # a fresh, empty uploader
    except IcsdashError as error:
        state["admin_error"] = error


with import_tab:
    if done := st.session_state.pop("import_done", None):
        st.success(done, icon=":material/check_circle:")
    kind = st.selectbox("What to import", list(imports.KINDS), format_func=imports.KINDS.get, key="import_kind")
    if kind in imports.TEMPLATE_KINDS:
        c1, c2, _ = st.columns([1, 1, 3])
        c1.download_button("Template (CSV)", imports.template(kind, ctx.framework, "csv"), f"icsdash-{kind}.csv",
                           mime="text/csv", icon=":material/download:", on_click="ignore")
        c2.download_button("Template (Excel)", imports.template(kind, ctx.framework, "xlsx"), f"icsdash-{kind}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:", on_click="ignore")
        with st.expander("What each column holds"):
            ui.table(imports.template_descriptions(kind, ctx.framework), hide_index=True, width="stretch",
                     name=f"Template columns {kind}")
        st.caption("Fill in one row per item; blank cells keep the current value. The example row is ignored.")
    else:
        st.caption("The file as published by NHS Digital or NHS England, unchanged. Its PCNs replace every PCN of "
                   "the ICSs it covers; add the practice counts file (gp-reg-pat-prac-all.csv) for list sizes.")
    round_ = st.session_state.get("import_round", 0)
    upload = st.file_uploader("File to check (CSV or Excel)", type=["csv", "txt", "xlsx", "xls"],
                              key=f"import_file_{kind}_{round_}")
    counts = st.file_uploader("Practice counts file (optional)", type=["csv", "txt"],
                              key=f"import_counts_{kind}_{round_}") if kind in imports.WITH_COUNTS else None
    if upload is not None:
        data, extra = upload.getvalue(), counts.getvalue() if counts is not None else None
        fingerprint = (kind, hashlib.sha256(data + (extra or b"")).hexdigest(), store.reference_version())
        held = st.session_state.get("import_preview")
        if held is None or held[0] != fingerprint:
            try:
                with st.spinner("Checking the file..."):
                    target = imports.target_for(ctx.config, ctx.framework, ctx.geography, store)
                    held = (fingerprint, imports.prepare(kind, data, upload.name, target, extra,
                                                         counts.name if counts is not None else None, who.name))
            except IcsdashError as error:
                held = (fingerprint, error)
            st.session_state["import_preview"] = held
        preview = held[1]
        if isinstance(preview, IcsdashError):
            ui.show_error(preview)
            st.caption("Nothing has been written. Fix the file and upload it again.")
        else:
            st.markdown(f"**{preview.file_name}** ({preview.encoding}): {preview.summary()}. Nothing has been written "
                        "yet.")
            for note in preview.notes:
                st.info(note, icon=":material/info:")
            shown = preview.tables()
            labels = {"added": "To add", "changed": "To change", "removed": "To remove", "rejected": "Rejected"}
            tabs = st.tabs([f"{labels[k]} ({len(v) if k != 'changed' else preview.counts()['changed']})"
                            for k, v in shown.items()])
            for tab, (key, frame) in zip(tabs, shown.items()):
                with tab:
                    if frame.empty:
                        st.caption("None.")
                    else:
                        ui.table(frame, hide_index=True, width="stretch", name=f"Import {key}")
            if preview.changes:
                left_out = preview.counts()["rejected"]
                st.button(f"Import {preview.changes} row(s)" + (f", leaving out {left_out} rejected" if left_out else ""),
                          type="primary", icon=":material/upload:", on_click=confirm_import, args=(preview,),
                          key="import_confirm")
            else:
                st.caption("There is nothing to import: every row is unchanged or rejected.")



def make_backup() -> None:
    st.session_state["backup_file"] = (backup.backup_bytes(store), datetime.now(timezone.utc).strftime("%Y-%m-%d-%H%M"))


def confirm_restore(saved: backup.Backup) -> None:
    state = st.session_state
    try:
        state["restore_done"] = backup.restore(store, saved, who).describe()
        state["restore_round"] = state.get("restore_round", 0) + 1
    except IcsdashError as error:
        state["admin_error"] = error


with backup_tab:
    st.markdown("**Back up** everything the database holds (assessments with every version, consensus links, access "
                "codes as hashes, imported places and PCNs, the audit log) to one file.")
    st.button("Make a backup now", icon=":material/backup:", on_click=make_backup, key="backup_make")
    if held := st.session_state.get("backup_file"):
        st.download_button(f"Download the backup made at {held[1]}", held[0], f"icsdash-backup-{held[1]}.zip",
                           mime="application/zip", icon=":material/download:", on_click="ignore", type="primary")
    st.divider()
    st.markdown("**Restore** a backup: the database's whole contents are replaced by the file's, all or nothing.")
    if done := st.session_state.pop("restore_done", None):
        st.success(done[0].upper() + done[1:] + ".", icon=":material/check_circle:")
    upload = st.file_uploader("Backup file (.zip)", type=["zip"],
                              key=f"restore_file_{st.session_state.get('restore_round', 0)}")
    if upload is not None:
        try:
            saved = backup.read_backup(upload.getvalue(), name=upload.name)
        except IcsdashError as error:
            ui.show_error(error)
            st.caption("Nothing has been changed.")
        else:
            st.info(f"{upload.name}: {saved.summary.describe()}.", icon=":material/inventory_2:")
            sure = st.checkbox("I understand that everything in the database now is replaced by this backup",
                               key="restore_sure")
            st.button("Restore this backup", type="primary", icon=":material/restore:", disabled=not sure,
                      on_click=confirm_restore, args=(saved,), key="restore_confirm")

with audit_tab:
    audit = store.audit_entries().tail(500).iloc[::-1]
    st.caption(f"The newest {len(audit)} entries. Every write is recorded with who did it and when.")
    ui.table(ui.people(ctx, audit, "actor"), hide_index=True, width="stretch", name="Audit log")
