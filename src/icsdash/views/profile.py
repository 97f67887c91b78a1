"""The Place profile's numbers: one place against its ICS and England, its facts and criteria, the spread of
its stakeholders' scores, its trend, PCNs and practices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import charts, comparisons, consensus, explorer
from ..analysis import Filters
from ..assessments import STAKEHOLDER_GROUPS
from . import Snapshot, Stored, spec

SCORE_COLUMNS = {"dimension": "Dimension", "score": "Score", "band": "Band", "agreement": "Agreement",
                 "n": "Individual scores", "icb_median": "ICS median", "england_median": "England median"}


@dataclass(frozen=True)
class Profile:
    place: pd.Series                  # the place's row of the summary (with its code)
    heading: str                      # 'Bolton · Greater Manchester ICS · North West'
    facts: pd.DataFrame
    criteria: pd.DataFrame            # the White Paper's criteria: Criterion, Status, Source
    pcns: pd.DataFrame
    pcns_heading: str                 # 'Primary care networks (9, NHS England ...)'
    practices: pd.DataFrame
    practices_heading: str            # 'GP practices (45, 1 in no PCN)'
    round: str | None                 # the round of the place's latest scores (None: never assessed)
    radar: dict | None = None
    strongest: tuple[str, ...] = ()
    weakest: tuple[str, ...] = ()
    scores: pd.DataFrame | None = None  # a row per dimension: the place's score against ICS and England medians
    spread: dict | None = None        # every stakeholder's score per dimension (None: only a consensus)
    trend: dict | None = None         # scores across rounds (None: one round only)
    trend_table: pd.DataFrame | None = None  # the same as a table: a row per dimension, a column per round
    consensus_id: int | None = None   # the consensus assessment behind the scores, if they are one


def profile(snap: Snapshot, _chosen: Filters, code: str) -> Profile:
    fw, ref = snap.framework, snap.reference
    row = snap.summary.set_index("place_code").loc[code].copy()
    row["place_code"] = code
    unallocated = f", {int(row.unallocated_practices)} in no PCN" if row.unallocated_practices else ""
    practices = explorer.practice_table(ref, code)
    facts = dict(place=row, heading=f"{row.place_name} · {row.icb_short_name} ICS · {row.region_name}",
                 facts=explorer.profile_facts(row, fw), criteria=explorer.criteria_table(row),
                 pcns=explorer.pcn_table(ref, code), pcns_heading=f"Primary care networks ({int(row.pcn_count)}, "
                                                                 f"{row.pcn_source})",
                 practices=practices, practices_heading=f"GP practices ({len(practices)}{unallocated})")
    dims = snap.dimension_scores
    table = comparisons.profile_table(dims, code, fw, ref.places)
    if table["score"].isna().all():
        return Profile(**facts, round=None)
    round_label = row.maturity_round
    series = pd.concat([table.assign(series=row.place_name, score=table["score"]),
                        table.assign(series=f"{row.icb_short_name} ICS median", score=table["icb_median"]),
                        table.assign(series="England median", score=table["england_median"])])
    strongest, weakest = comparisons.strongest_and_weakest(table)
    points = comparisons.spread(snap.latest_scores, code, round_label)
    trend = comparisons.trend(dims, code)
    several_rounds = trend["round"].nunique() > 1
    return Profile(
        **facts, round=round_label,
        radar=spec(charts.radar(series.rename(columns={"short": "label"}), fw.scale, size=360)),
        strongest=tuple(strongest), weakest=tuple(weakest),
        scores=table[list(SCORE_COLUMNS)].rename(columns=SCORE_COLUMNS),
        spread=None if points.empty else spec(charts.spread_chart(points, table, fw.scale, STAKEHOLDER_GROUPS)),
        trend=spec(charts.trend_chart(trend, {d.id: d.short for d in fw.dimensions}, fw.scale))
        if several_rounds else None,
        trend_table=trend_table(trend, fw) if several_rounds else None,
        consensus_id=consensus.consensus_behind(snap.latest_scores, code, round_label))


def trend_table(trend: pd.DataFrame, fw) -> pd.DataFrame:
    """Scores across rounds as a table: a row per dimension, a column per round, oldest first."""
    return comparisons.by_dimension(trend.sort_values("round_position", kind="stable"), "round", fw)


def consensus_link(stored: Stored, assessment_id: int) -> str:
    """The words of the link from a consensus score to its workshop (see :attr:`Profile.consensus_id`)."""
    return consensus.consensus_note(stored.store, assessment_id)


def justifications(notes: pd.DataFrame, framework) -> list[tuple[str, list[tuple[str, str]]]]:
    """A signed-in reader's justifications (:meth:`Store.justifications`), per dimension in the framework's
    order: (dimension name, [(who and score, text)])."""
    listed = []
    for d in framework.dimensions:
        lines = []
        for n in notes[notes["dimension_id"] == d.id].itertuples():
            group = "Consensus" if n.kind == "consensus" else STAKEHOLDER_GROUPS.get(n.stakeholder_group, "")
            lines.append((f"{group} · score {'not assessed' if pd.isna(n.score) else int(n.score)}",
                          n.justification))
        listed.append((d.name, lines))
    return listed
