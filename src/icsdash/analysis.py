"""The numbers behind every chart and map, as DataFrames. Pure pandas: no I/O, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .framework import Framework
from .measures import MeasureContext, measures_for
from .reference import Reference

STATUS_ORDER = ("consensus", "submitted", "in_progress", "not_started")


def dimension_scores(latest: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Per place, round and dimension: the consensus score, the individual median and spread.

    ``score`` is the place-level score: the consensus where one was recorded
    (a consensus of "not assessed" stays a gap), otherwise the median of the
    individual scores ("not assessed" left out).
    """
    columns = ["place_code", "round", "round_position", "dimension_id", "consensus", "median", "n", "min", "max",
               "agreement", "score"]
    latest = of_framework(latest, framework)
    if latest.empty:
        return pd.DataFrame(columns=columns)
    keys = ["place_code", "round", "round_position", "dimension_id"]
    individual = latest[latest["kind"] == "individual"].dropna(subset=["score"])
    stats = individual.groupby(keys)["score"].agg(["median", "size", "min", "max"]).rename(columns={"size": "n"})
    agreement = agreement_by_group(individual, keys, framework)
    agreed_rows = latest[latest["kind"] == "consensus"]
    if "assessment_id" in agreed_rows and not agreed_rows.empty:
        # Two consensus assessments for one place and round (two facilitators): the newest stands.
        newest = agreed_rows.groupby(["place_code", "round"])["assessment_id"].transform("max")
        agreed_rows = agreed_rows[agreed_rows["assessment_id"] == newest]
    agreed = agreed_rows.groupby(keys)["score"]
    recorded = agreed.size().rename("recorded")
    table = pd.concat([agreed.first().rename("consensus"), recorded, stats, agreement], axis=1).reset_index()
    table["score"] = table["consensus"].astype("Float64").where(table["recorded"].notna(),
                                                                table["median"].astype("Float64"))
    return table[columns].sort_values(keys).reset_index(drop=True)


def agreement_by_group(individual: pd.DataFrame, keys: list[str], framework: Framework) -> pd.Series:
    """:meth:`Framework.agreement_status` of every group of ``individual``'s scores at once (a group per
    ``keys``), from each group's count of ratings per level: a rerun after a submission rebuilds this for every
    place, round and dimension, which one call per group made take most of a second."""
    rule, w = framework.agreement, framework.agreement.window_levels
    levels = list(range(framework.scale_min, framework.scale_max + 1))
    rated = individual.assign(level=individual["score"].astype(int))
    counts = rated.groupby(keys)["level"].value_counts().unstack(fill_value=0).reindex(columns=levels,
                                                                                        fill_value=0)
    if counts.empty:
        return pd.Series(dtype=object, name="agreement")
    table = counts.to_numpy()
    n = table.sum(axis=1)
    # Ratings at or below each level, with w empty levels either side so that every window fits.
    padded = np.pad(table, ((0, 0), (w, w)))
    at_or_below = np.concatenate([np.zeros((len(table), 1), dtype=int), padded.cumsum(axis=1)], axis=1)
    medians = rated.groupby(keys)["level"].median().reindex(counts.index).to_numpy()
    lowest, highest = np.ceil(medians).astype(int) - w + 1, np.floor(medians).astype(int)
    rows = np.arange(len(table))
    best = np.zeros(len(table), dtype=int)
    for step in range(w):                     # each window of w levels that holds the median
        low = lowest + step
        start = low - framework.scale_min + w
        inside = at_or_below[rows, start + w] - at_or_below[rows, start]
        best = np.maximum(best, np.where(low <= highest, inside, 0))
    threshold = rule.split_from_outside * n / rule.threshold_panel_size
    return pd.Series(np.where(n - best < threshold, rule.agreed_label, rule.split_label), index=counts.index,
                     name="agreement")


def of_framework(latest: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """The score rows of ``framework``: on its dimensions and, where the rows name one, its ``framework_id``.
    Another framework's scores never mix into its figures."""
    keep = latest["dimension_id"].isin(framework.dimension_ids)
    if "framework_id" in latest:
        keep &= latest["framework_id"] == framework.id
    return latest[keep]


def assessment_status(activity: pd.DataFrame, place_codes: list[str], current_round: str | None) -> pd.Series:
    """For each place, how far it has got in ``current_round``: see :data:`STATUS_ORDER`."""
    status = pd.Series("not_started", index=pd.Index(place_codes, name="place_code"), name="assessment_status")
    if activity.empty or current_round is None:
        return status
    now = activity[activity["round"] == current_round]
    for name, mask in (("in_progress", now["status"] == "draft"),
                       ("submitted", (now["status"] == "submitted") & (now["kind"] == "individual")),
                       ("consensus", (now["status"] == "submitted") & (now["kind"] == "consensus"))):
        places = set(now.loc[mask, "place_code"]) & set(place_codes)
        status.loc[list(places)] = name          # later names outrank earlier ones
    return status


def rounds_in(activity: pd.DataFrame) -> list[str]:
    """The rounds that have any assessment, oldest first."""
    if activity.empty:
        return []
    return activity.drop_duplicates("round").sort_values("round_position")["round"].tolist()


def place_summary(reference: Reference, latest: pd.DataFrame, activity: pd.DataFrame, framework: Framework,
                  round_label: str | None = None, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per place with every measure a map can show, each computed by its entry in
    :mod:`icsdash.measures`, and the rounds they are of (``maturity_round``, ``current_round``).

    With ``round_label`` the status and scores are those of that round; without
    it, the status is the latest round's and the scores are each place's most
    recent (latest consensus, else the median of the individual scores). ``scores``: the
    :func:`dimension_scores` of ``latest`` when the caller has them already.
    """
    places = reference.places.copy()
    scores = dimension_scores(latest, framework) if scores is None else scores
    if "framework_id" in activity:                      # another framework's assessments are not this one's status
        activity = activity[activity["framework_id"] == framework.id]
    rounds = rounds_in(activity)
    current = round_label or (rounds[-1] if rounds else None)
    context = MeasureContext(framework, scores, shown_scores(scores, round_label),
                             assessment_status(activity, places["place_code"].tolist(), current), current)
    for measure in measures_for(framework):
        places[measure.column] = measure.compute(places, context)
    shown = context.shown
    places["maturity_round"] = None if shown.empty else places["place_code"].map(
        shown.groupby("place_code")["round"].first())
    places["current_round"] = current
    return places


def shown_scores(scores: pd.DataFrame, round_label: str | None) -> pd.DataFrame:
    """The rows of ``scores`` (:func:`dimension_scores`) of ``round_label``, or else of each place's latest round."""
    if scores.empty:
        return scores
    if round_label is not None:
        return scores[scores["round"] == round_label]
    return scores[scores["round_position"] == scores.groupby("place_code")["round_position"].transform("max")]


@dataclass(frozen=True)
class Filters:
    """The shared sidebar filters; empty values mean 'all'."""

    region: str | None = None
    icb: str | None = None                      # ICB ODS code
    models: tuple[str, ...] = ()                # governance model keys
    round: str | None = None                    # None: the latest

    def describe(self) -> str:
        parts = [p for p in (self.region, self.icb) if p]
        return " · ".join(parts) if parts else "England"


def apply_filters(summary: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The places the filters keep (the round is applied when the summary is built)."""
    keep = pd.Series(True, index=summary.index)
    if filters.region:
        keep &= summary["region_name"] == filters.region
    if filters.icb:
        keep &= summary["icb_ods_code"] == filters.icb
    if filters.models:
        keep &= summary["governance_model"].isin(filters.models)
    return summary[keep]


@dataclass(frozen=True)
class NationalFigures:
    regions: int
    icbs: int
    places: int
    pcns: int
    places_assessed: int
    current_round: str | None


def national_figures(reference: Reference, summary: pd.DataFrame) -> NationalFigures:
    """The headline counts on the Overview page."""
    assessed = summary["assessment_status"].isin(["submitted", "consensus"]).sum()
    return NationalFigures(regions=len(reference.regions), icbs=len(reference.icbs), places=len(reference.places),
                           pcns=len(reference.pcns), places_assessed=int(assessed),
                           current_round=summary["current_round"].iloc[0] if len(summary) else None)


def status_counts(summary: pd.DataFrame) -> pd.DataFrame:
    """Places per assessment status in the current round."""
    counts = summary["assessment_status"].value_counts()
    return pd.DataFrame([{"assessment_status": s, "places": int(counts.get(s, 0))} for s in STATUS_ORDER])
