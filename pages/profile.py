"""Place profile: one place against its ICS and England, with spread, trend, PCNs and justifications."""

import pandas as pd
import streamlit as st

from icsdash import analysis, auth, charts, comparisons, consensus, explorer, reports, ui
from icsdash.assessments import STAKEHOLDER_GROUPS

ctx = ui.current()
who = ui.principal(ctx)
ref, fw = ctx.reference, ctx.framework
st.title("Place profile")
summary = ui.place_summary(ctx)
code = ui.place_choice(ctx, "profile_place", analysis.apply_filters(summary, ui.filters()), who)
if code is None:
    st.stop()
row = summary.set_index("place_code").loc[code].copy()
row["place_code"] = code
latest, dims = ui.scores(ctx)
key = ui.version_key(ctx, "profile", code)                  # what follows is derived once per data version and place
profile = ui.memo(key + ("profile",), lambda: comparisons.profile_table(dims, code, fw, ref.places))
may_read = auth.can_read_place(who, code)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(f"{row.place_name} · {row.icb_short_name} ICS · {row.region_name}", anchor=False)
    ui.facts(explorer.profile_facts(row, fw))
with right:
    st.markdown("**White Paper criteria**")
    marks = {"Met": ":green[:material/check_circle:]", "Partly met": ":orange[:material/timelapse:]",
             "Not met": ":red[:material/cancel:]", "Unknown": ":gray[:material/help:]"}
    criteria = explorer.criteria_table(row)
    st.markdown("\n".join(f"- {marks[c.Status]} {c.Criterion}: {c.Status} :gray[({c.Source})]"
                          for c in criteria.itertuples()))
    if not ui.presenting():                   # the report is made only when the button is clicked
        st.download_button("Download PDF report", lambda: reports.profile_pdf(
            row, fw, dims, latest, ref.places, redact=ctx.redact,
            justifications=ctx.store.justifications(who, code, row.maturity_round) if may_read else None,
            boundaries=ref.boundaries, note=reports.illustrative_note(ref, ctx.store.has_demo_data())),
            file_name=reports.file_name("pdf", row.place_name, row.maturity_round, "profile"), mime="application/pdf",
            key="profile_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
            help="Facts, radar, scores, spread, trend" + (" and justifications" if may_read else "") + ", on A4.")


def primary_care() -> None:
    """The place's PCNs and GP practices (NHS England's), shown whether or not it has assessed."""
    with st.expander(f"Primary care networks ({int(row.pcn_count)}, {row.pcn_source})", icon=":material/groups:"):
        ui.table(explorer.pcn_table(ref, code), hide_index=True, width="stretch", name="Primary care networks",
                 note=ui.illustrative_note(ctx),
                 column_config={"List size": st.column_config.NumberColumn(format="localized")})
    practices = explorer.practice_table(ref, code)
    if len(practices):
        unallocated = f", {int(row.unallocated_practices)} in no PCN" if row.unallocated_practices else ""
        with st.expander(f"GP practices ({len(practices)}{unallocated})", icon=":material/local_hospital:"):
            ui.table(practices, hide_index=True, width="stretch", name="GP practices",
                     column_config={"Registered patients": st.column_config.NumberColumn(format="localized")})


if profile["score"].isna().all():
    st.info(f"{row.place_name} has no submitted self-assessment yet.", icon=":material/info:")
    primary_care()
    st.stop()
round_label = row.maturity_round
st.header(f"Maturity ({round_label})", anchor=False)
series = pd.concat([profile.assign(series=row.place_name, score=profile["score"]),
                    profile.assign(series=f"{row.icb_short_name} ICS median", score=profile["icb_median"]),
                    profile.assign(series="England median", score=profile["england_median"])])
radar_col, table_col = ui.stage().columns([1, 1] if ui.presenting() else [2, 3], gap="large")
with radar_col:
    ui.chart(ui.memo(key + ("radar",), lambda: ui.spec(charts.radar(series.rename(columns={"short": "label"}),
                                                                    fw.scale_max, size=360))), width=470, name="Radar")
    strongest, weakest = comparisons.strongest_and_weakest(profile)
    st.markdown(f"**Strongest:** {', '.join(strongest)}  \n**Weakest:** {', '.join(weakest)}")
with table_col:
    ui.table(profile[["dimension", "score", "band", "agreement", "n", "icb_median", "england_median"]].rename(
        columns={"dimension": "Dimension", "score": "Score", "band": "Band", "agreement": "Agreement",
                 "n": "Individual scores", "icb_median": "ICS median", "england_median": "England median"}),
        hide_index=True, width="stretch", height=470, name="Maturity by dimension")
    st.caption("Score: the consensus where one was recorded, else the median of the individual scores. "
               "Medians for the ICS and England are over places (each place's latest scores).")
    if "workshop" in ctx.config.pages and (note := consensus.consensus_note(ctx.store, latest, code, round_label)):
        st.page_link("pages/workshop.py", label=note, icon=":material/groups:",
                     query_params={"place": code, "round": round_label})

st.header("Where stakeholders agree and differ", anchor=False)
points = ui.memo(key + ("spread",), lambda: comparisons.spread(latest, code, round_label))
if points.empty:
    st.caption("Only a consensus was recorded for this round, so there is no spread to show.")
else:
    ui.chart(ui.memo(key + ("spread chart",), lambda: ui.spec(charts.spread_chart(
        points, profile, fw.scale_max, STAKEHOLDER_GROUPS))), width="content", name="Stakeholder spread")
    st.caption("Each dot is one stakeholder's score (names hidden); the black bar is the median; 'Split' in a "
               "label marks a dimension without agreement under the framework's rule.")

trend = ui.memo(key + ("trend",), lambda: comparisons.trend(dims, code))
if trend["round"].nunique() > 1:
    st.header("Trend across rounds", anchor=False)
    ui.chart(ui.memo(key + ("trend chart",), lambda: ui.spec(charts.trend_chart(
        trend, {d.id: d.short for d in fw.dimensions}, fw.scale_max))), width="content", name="Trend across rounds")

primary_care()
with st.expander("Justifications by dimension", icon=":material/notes:"):
    if not may_read:
        st.caption("Sign in as this place's director, a system leader or an administrator to read them.")
    else:
        notes = ctx.store.justifications(who, code, round_label)
        for d in fw.dimensions:
            mine = notes[notes["dimension_id"] == d.id]
            st.markdown(f"**{d.name}**")
            for n in mine.itertuples():
                group = "Consensus" if n.kind == "consensus" else STAKEHOLDER_GROUPS.get(n.stakeholder_group, "")
                st.caption(f"{group} · score {'not assessed' if pd.isna(n.score) else int(n.score)}")
                st.text(ctx.redact(n.justification))
