"""Place profile: one place against its ICS and England, with spread, trend, PCNs and justifications."""

import streamlit as st

from icsdash import analysis, auth, notices, reports, ui
from icsdash.views import profile as view

ctx = ui.current()
who = ui.principal(ctx)
ref, fw = ctx.reference, ctx.framework
st.title("Place profile")
everywhere = analysis.Filters()                # a place's profile is the same whatever the filters
snap = ui.snapshot(ctx)
code = ui.place_choice(ctx, "profile_place", analysis.apply_filters(snap.summary, ui.filters()), who)
if code is None:
    st.stop()
shown = ui.view(view.profile, ctx, everywhere, code)
row = shown.place
may_read = auth.can_read_place(who, code)

left, right = st.columns([3, 2], gap="large")
with left:
    st.header(shown.heading, anchor=False)
    ui.facts(shown.facts)
with right:
    st.markdown("**White Paper criteria**")
    marks = {"Met": ":green[:material/check_circle:]", "Partly met": ":orange[:material/timelapse:]",
             "Not met": ":red[:material/cancel:]", "Unknown": ":gray[:material/help:]"}
    st.markdown("\n".join(f"- {marks[c.Status]} {c.Criterion}: {c.Status} :gray[({c.Source})]"
                          for c in shown.criteria.itertuples()))
    if not ui.presenting():                   # the report is made only when the button is clicked
        st.download_button("Download PDF report", lambda: reports.profile_pdf(
            row, fw, snap.dimension_scores, snap.latest_scores, ref.places, redact=ctx.redact,
            justifications=ctx.store.justifications(who, code, row.maturity_round) if may_read else None,
            boundaries=ref.boundaries, note=notices.illustrative_note(ref, ctx.store.has_demo_data())),
            file_name=reports.file_name("pdf", row.place_name, row.maturity_round, "profile"), mime="application/pdf",
            key="profile_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
            help="Facts, radar, scores, spread, trend" + (" and justifications" if may_read else "") + ", on A4.")


def primary_care() -> None:
    """The place's PCNs and GP practices (NHS England's), shown whether or not it has assessed."""
    with st.expander(shown.pcns_heading, icon=":material/groups:"):
        ui.table(shown.pcns, hide_index=True, width="stretch", name="Primary care networks",
                 note=ui.illustrative_note(ctx),
                 column_config={"List size": st.column_config.NumberColumn(format="localized")})
    if len(shown.practices):
        with st.expander(shown.practices_heading, icon=":material/local_hospital:"):
            ui.table(shown.practices, hide_index=True, width="stretch", name="GP practices",
                     column_config={"Registered patients": st.column_config.NumberColumn(format="localized")})


if shown.round is None:
    st.info(f"{row.place_name} has no submitted self-assessment yet.", icon=":material/info:")
    primary_care()
    st.stop()
st.header(f"Maturity ({shown.round})", anchor=False)
radar_col, table_col = ui.stage().columns([5, 6] if ui.presenting() else [2, 3], gap="large")
with radar_col:
    ui.chart(shown.radar, width=470, name="Radar")
    st.markdown(f"**Strongest:** {', '.join(shown.strongest)}  \n**Weakest:** {', '.join(shown.weakest)}")
with table_col:
    ui.table(shown.scores, hide_index=True, width="stretch", height=470, name="Maturity by dimension")
    st.caption("Score: the consensus where one was recorded, else the median of the individual scores. "
               "Medians for the ICS and England are over places (each place's latest scores).")
    if "workshop" in ctx.config.pages and shown.consensus_id is not None:
        st.page_link("pages/workshop.py", label=ui.stored_view(view.consensus_link, ctx, shown.consensus_id),
                     icon=":material/groups:", query_params={"place": code, "round": shown.round})

st.header("Where stakeholders agree and differ", anchor=False)
if shown.spread is None:
    st.caption("Only a consensus was recorded for this round, so there is no spread to show.")
else:
    ui.chart(shown.spread, width="content", name="Stakeholder spread")
    st.caption("Each dot is one stakeholder's score (names hidden); the black bar is the median; 'Split' in a "
               "label marks a dimension without agreement under the framework's rule.")

if shown.trend is not None:
    st.header("Trend across rounds", anchor=False)
    ui.chart(shown.trend, width="content", name="Trend across rounds")
    with st.expander("The trend as a table", icon=":material/table:"):
        ui.table(shown.trend_table, hide_index=True, width="stretch", name="Trend across rounds")

primary_care()
with st.expander("Justifications by dimension", icon=":material/notes:"):
    if not may_read:
        st.caption("Sign in as this place's director, a system leader or an administrator to read them.")
    else:
        notes = ctx.store.justifications(who, code, shown.round)
        for dimension, lines in view.justifications(notes, fw):
            st.markdown(f"**{dimension}**")
            for heading, text in lines:
                st.caption(heading)
                st.text(ctx.redact(text))
