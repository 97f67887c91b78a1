"""The numbers behind every chart and map, as DataFrames. Pure pandas: no I/O, no Streamlit."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .framework import Framework
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
    if latest.empty:
        return pd.DataFrame(columns=columns)
    keys = ["place_code", "round", "round_position", "dimension_id"]
    individual = latest[latest["kind"] == "individual"].dropna(subset=["score"])
    stats = individual.groupby(keys)["score"].agg(["median", "size", "min", "max"]).rename(columns={"size": "n"})
    agreement = individual.groupby(keys)["score"].agg(
        lambda s: framework.agreement_status([int(v) for v in s])).rename("agreement")
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
                  round_label: str | None = None) -> pd.DataFrame:
    """One row per place with every measure a map can show (see :mod:`icsdash.measures`).

    With ``round_label`` the status and scores are those of that round; without
    it, the status is the latest round's and the scores are each place's most
    recent (latest consensus, else the median of the individual scores).
    ``maturity_change`` is the overall maturity minus that of the round before.
    """
    places = reference.places.copy()
    dims = dimension_scores(latest, framework)
    rounds = rounds_in(activity)
    current = round_label or (rounds[-1] if rounds else None)
    places = places.merge(assessment_status(activity, places["place_code"].tolist(), current),
                          left_on="place_code", right_index=True, how="left")
    dim_columns = [f"dim_{d}" for d in framework.dimension_ids]
    if round_label is None and not dims.empty:
        chosen = dims[dims["round_position"] == dims.groupby("place_code")["round_position"].transform("max")]
    else:
        chosen = dims[dims["round"] == round_label] if not dims.empty else dims
    if chosen.empty:
        for column in ["overall_maturity", "maturity_change", *dim_columns]:
            places[column] = float("nan")
        places["maturity_round"] = None
    else:
        overall = chosen.groupby("place_code").agg(overall_maturity=("score", "mean"), maturity_round=("round", "first"),
                                                   position=("round_position", "first"))
        overall["overall_maturity"] = overall["overall_maturity"].astype(float).round(2)
        by_round = dims.groupby(["place_code", "round_position"])["score"].mean().astype(float)
        before = [by_round.get((code, pos - 1), float("nan")) for code, pos in zip(overall.index, overall["position"])]
        overall["maturity_change"] = (overall["overall_maturity"] - pd.Series(before, index=overall.index)).round(2)
        wide = chosen.pivot_table(index="place_code", columns="dimension_id", values="score", aggfunc="first")
        wide = wide.astype(float).reindex(columns=framework.dimension_ids)
        wide.columns = dim_columns
        places = (places.merge(overall.drop(columns="position"), left_on="place_code", right_index=True, how="left")
                  .merge(wide, left_on="place_code", right_index=True, how="left"))
    places["delegated_per_head"] = (places["delegated_budget_gbp_m"] * 1e6 / places["population"]).round(0)
    places["pooled_per_head"] = (places["pooled_budget_gbp_m"] * 1e6 / places["population"]).round(0)
    places["current_round"] = current
    return places


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
