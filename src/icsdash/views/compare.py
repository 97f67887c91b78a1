"""The Compare page's numbers: what can be chosen, and for a selection of up to six places or ICSs their
radars, the differences table, where they sit among all places, and twinning."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import analysis, charts, comparisons
from ..analysis import Filters
from . import Snapshot, spec

MAX = 6                               # places and ICSs in one comparison


@dataclass(frozen=True)
class Choices:
    labels: dict[str, str]            # 'place:<code>' or 'icb:<code>' -> 'Bolton · Greater Manchester'
    names: dict[str, str]             # the same keys -> the name alone ('Bolton')
    places: tuple[str, ...]           # codes of the places in the filters, by name


def choices(snap: Snapshot, chosen: Filters) -> Choices:
    places = analysis.apply_filters(snap.summary, chosen).sort_values("place_name")
    icbs = snap.reference.icbs.sort_values("icb_short_name")
    labels = {f"place:{r.place_code}": f"{r.place_name} · {r.icb_short_name}" for r in places.itertuples()}
    names = {f"place:{r.place_code}": r.place_name for r in places.itertuples()}
    for r in icbs.itertuples():
        labels[f"icb:{r.icb_ods_code}"] = f"{r.icb_short_name} ICS (median of its places)"
        names[f"icb:{r.icb_ods_code}"] = f"{r.icb_short_name} ICS"
    return Choices(labels, names, tuple(places["place_code"]))


@dataclass(frozen=True)
class Comparison:
    missing: tuple[str, ...]          # names of the chosen with no submitted scores
    radar: dict | None = None         # None: nothing chosen has scores
    differences: pd.DataFrame | None = None
    radars: dict | None = None        # one small radar per series, side by side (one chart)
    distribution: dict | None = None
    twin_of: str | None = None        # the first chosen place, whose twins are listed
    twins: pd.DataFrame | None = None
    twin_rule: str = ""               # what makes a twin, in the framework's points
    twin_note: str = ""               # why the twins are none, when they are
    distribution_table: pd.DataFrame | None = None    # the distribution chart's figures, a row per dimension

    @property
    def scores_table(self) -> pd.DataFrame | None:
        """The differences without their gap columns: each one's scores and the median, narrow enough for half
        a projector's screen (the gaps are a click away, outside presenter mode)."""
        if self.differences is None:
            return None
        return self.differences[[c for c in self.differences.columns if not str(c).endswith(comparisons.GAP_SUFFIX)]]


def compare(snap: Snapshot, chosen: Filters, selection: tuple[str, ...]) -> Comparison:
    fw, ref = snap.framework, snap.reference
    names = choices(snap, Filters()).names
    scores = comparisons.latest_per_place(snap.dimension_scores)
    series = comparisons.series_scores(scores, ref.places, list(selection))
    scored = set(series.loc[series["score"].notna(), "key"])
    missing = tuple(names.get(k, k) for k in selection if k not in scored)
    if not scored:
        return Comparison(missing)
    frame = comparisons.radar_frame(series, fw)
    radars = spec(charts.radar_grid(frame, fw.scale))
    distribution = spec(charts.distribution_chart(scores[["dimension_id", "score"]], series,
                                                  {d.id: d.short for d in fw.dimensions}, fw.scale))
    anchor = next((k.split(":", 1)[1] for k in selection if k.startswith("place:")), None)
    lead = f"{fw.twinning_lead:g} point{'' if fw.twinning_lead == 1 else 's'}"
    rule = f"{lead} or more ahead on its {comparisons.TWIN_WEAKEST} lowest dimensions"
    twins, note, anchor_name = None, "", names.get(f"place:{anchor}") if anchor else None
    if anchor:
        place_names = dict(zip(ref.places["place_code"], ref.places["place_name"]))
        found = comparisons.twins(scores, anchor, fw)
        twins = found.assign(place=found["place_code"].map(place_names))[
            ["place", "matches", "lead", "dimensions"]].rename(columns={
                "place": "Place", "matches": "Matching dimensions", "lead": "Total lead", "dimensions": "Where"})
        if f"place:{anchor}" not in scored:
            note = f"{anchor_name} has no submitted scores yet, so it has no weakest dimensions to find twins for."
        elif twins.empty:
            note = (f"No place is {lead} or more ahead of {anchor_name} on its {comparisons.TWIN_WEAKEST} lowest "
                    "dimensions.")
    return Comparison(missing, spec(charts.radar(frame, fw.scale, size=380)),
                      comparisons.difference_table(series, fw), radars, distribution, anchor_name, twins, rule, note,
                      distribution_table(scores, series, fw))


def distribution_table(scores: pd.DataFrame, series: pd.DataFrame, fw) -> pd.DataFrame:
    """What the distribution chart draws, as a table: per dimension, the lowest, quartiles, median and highest of
    every place's latest score, then each selected place's or ICS's score."""
    stats = scores.dropna(subset=["score"]).groupby("dimension_id")["score"].quantile([0, 0.25, 0.5, 0.75, 1])
    stats = stats.unstack().reindex(fw.dimension_ids).reset_index(drop=True)
    stats.columns = ["All places: lowest", "lower quartile", "median", "upper quartile", "highest"]
    # A choice with no scores is named above the charts instead.
    chosen = comparisons.by_dimension(series.dropna(subset=["score"]), "series", fw)
    return pd.concat([chosen[["Dimension"]], stats, chosen.drop(columns="Dimension")], axis=1)
