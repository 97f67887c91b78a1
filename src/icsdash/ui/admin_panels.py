"""The Admin page's Import and Backup panels (Streamlit): check a file and import it, back up and restore.

The work itself is in :mod:`icsdash.imports` and :mod:`icsdash.backup`; this module only draws the panels and
runs their actions as callbacks, keeping any error for the page to show (``admin_error``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import streamlit as st

from .. import backup, imports
from ..auth import Principal
from ..errors import IcsdashError
from .context import Context
from .messages import escape_markdown, show_error
from .render import table


def _confirm_import(store, who: Principal, framework, preview: imports.Preview) -> None:
    state = st.session_state
    try:
        imports.apply(store, preview, who, framework)
        state["import_done"] = f"Imported {escape_markdown(preview.file_name)}: {preview.summary()}."
        state.pop("import_preview", None)
        state["import_round"] = state.get("import_round", 0) + 1          # a fresh, empty uploader
    except IcsdashError as error:
        state["admin_error"] = error


def import_panel(ctx: Context, who: Principal) -> None:
    """Choose what to import, download its template, upload a file, see the preview, confirm."""
    store = ctx.store
    if done := st.session_state.pop("import_done", None):
        st.success(done, icon=":material/check_circle:")
    labels = {f.key: f.label for f in imports.FORMATS}
    kind = st.selectbox("What to import", list(labels), format_func=labels.get, key="import_kind")
    spec = imports.format_of(kind)
    if spec.template is not None:
        c1, c2, _ = st.columns([1, 1, 3])
        c1.download_button("Template (CSV)", lambda: imports.template(kind, ctx.framework, "csv"), f"icsdash-{kind}.csv",
                           mime="text/csv", icon=":material/download:", on_click="ignore")
        c2.download_button("Template (Excel)", lambda: imports.template(kind, ctx.framework, "xlsx"), f"icsdash-{kind}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:", on_click="ignore")
        with st.expander("What each column holds"):
            table(imports.template_descriptions(kind, ctx.framework), hide_index=True, width="stretch",
                     name=f"Template columns {kind}")
    st.caption(spec.caption)
    round_ = st.session_state.get("import_round", 0)
    upload = st.file_uploader("File to check (CSV or Excel)", type=["csv", "txt", "xlsx", "xls"],
                              key=f"import_file_{kind}_{round_}")
    counts = st.file_uploader("Practice counts file (optional)", type=["csv", "txt"],
                              key=f"import_counts_{kind}_{round_}") if spec.takes_counts else None
    if upload is not None:
        data, extra = upload.getvalue(), counts.getvalue() if counts is not None else None
        fingerprint = (kind, hashlib.sha256(data + (extra or b"")).hexdigest(), store.reference_version())
        held = st.session_state.get("import_preview")
        if held is None or held[0] != fingerprint:
            try:
                with st.spinner("Checking the file..."):
                    target = imports.target_for(ctx.config, ctx.framework, ctx.geography, store, ctx.reference.vintage)
                    held = (fingerprint, imports.prepare(kind, data, upload.name, target, extra,
                                                         counts.name if counts is not None else None, who.name))
            except IcsdashError as error:
                held = (fingerprint, error)
            st.session_state["import_preview"] = held
        preview = held[1]
        if isinstance(preview, IcsdashError):
            show_error(preview)
            st.caption("Nothing has been written. Fix the file and upload it again.")
        else:
            # The file's name and anything quoted from it (column names in the notes) come from users: shown as text.
            st.markdown(f"**{escape_markdown(preview.file_name)}** ({preview.encoding}): {preview.summary()}. Nothing "
                        "has been written yet.")
            for note in preview.notes:
                st.info(escape_markdown(note), icon=":material/info:")
            shown = preview.tables()
            labels = {"added": "To add", "changed": "To change", "removed": "To remove", "rejected": "Rejected",
                      "guesses": "Guesses", "placed": "How each PCN was placed"}
            tabs = st.tabs([f"{labels[k]} ({len(v) if k != 'changed' else preview.counts()['changed']})"
                            for k, v in shown.items()])
            for tab, (key, frame) in zip(tabs, shown.items()):
                with tab:
                    if frame.empty:
                        st.caption("None.")
                    else:
                        table(frame, hide_index=True, width="stretch", name=f"Import {key}")
            if preview.changes:
                left_out = preview.counts()["rejected"]
                st.button(f"Import {preview.changes} row(s)" + (f", leaving out {left_out} rejected" if left_out else ""),
                          type="primary", icon=":material/upload:", on_click=_confirm_import, args=(store, who, ctx.framework, preview),
                          key="import_confirm")
            else:
                st.caption("There is nothing to import: every row is unchanged or rejected.")


def _make_backup(store) -> None:
    st.session_state["backup_file"] = (backup.backup_bytes(store), datetime.now(timezone.utc).strftime("%Y-%m-%d-%H%M"))


def _confirm_restore(store, who: Principal, saved: backup.Backup) -> None:
    state = st.session_state
    try:
        state["restore_done"] = backup.restore(store, saved, who).describe()
        state["restore_round"] = state.get("restore_round", 0) + 1
    except IcsdashError as error:
        state["admin_error"] = error


def backup_panel(ctx: Context, who: Principal) -> None:
    """Make and download a backup; upload one, check it and (once confirmed) restore it."""
    store = ctx.store
    st.markdown("**Back up** everything the database holds (assessments with every version, consensus links, access "
                "codes as hashes, imported places and PCNs, the audit log) to one file.")
    st.button("Make a backup now", icon=":material/backup:", on_click=_make_backup, args=(store,), key="backup_make")
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
            show_error(error)
            st.caption("Nothing has been changed.")
        else:
            st.info(f"{escape_markdown(upload.name)}: {saved.summary.describe()}.", icon=":material/inventory_2:")
            sure = st.checkbox("I understand that everything in the database now is replaced by this backup",
                               key="restore_sure")
            st.button("Restore this backup", type="primary", icon=":material/restore:", disabled=not sure,
                      on_click=_confirm_restore, args=(store, who, saved), key="restore_confirm")
