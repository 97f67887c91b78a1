"""The Governance page's numbers: which places chose which model, and how models relate to maturity, the White
Paper's criteria, leaders and money. One function per tab, so a rerun builds only the open tab."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import analysis, charts, comparisons
from ..analysis import Filters
from ..place_governance import CRITERIA, MODELS, GovernanceModel
from ..measures import MEASURES_BY_KEY
from ..palettes import CATEGORICAL
from . import Snapshot, spec
from .place_map import PlaceMap, place_map

MODEL = MEASURES_BY_KEY["governance_model"]


def _places(snap: Snapshot, chosen: Filters) -> pd.DataFrame:
    return analysis.apply_filters(snap.summary, chosen)


def model_colours(snap: Snapshot) -> dict[str, str]:
    """A colour per governance model label, from the configured palette (the map's colours)."""
    palette = CATEGORICAL[snap.config.categorical_palette]
    return {m.label: palette[i % len(palette)] for i, m in enumerate(MODELS)}


def title(chosen: Filters) -> str:
    return f"Governance models · {chosen.describe()}"


@dataclass(frozen=True)
class WhoChose:
    mix_chart: dict
    map: PlaceMap
    then_and_now: pd.DataFrame
    mix_by_chart: dict
    mix_by_table: pd.DataFrame        # places per model (columns) in each region or ICS (rows)


def who_chose(snap: Snapshot, chosen: Filters) -> WhoChose:
    places = _places(snap, chosen)
    colours = model_colours(snap)
    national = comparisons.model_mix(places)
    mix_chart = spec(charts.category_bars(
        national[national["places"] > 0], "governance_model", "label", "places", "Places by governance model",
        share="share", colours={m.key: colours[m.label] for m in MODELS}))
    by = "icb_short_name" if chosen.region else "region_name"
    mix = comparisons.model_mix(places, by=by)
    group_title = f"ICS ({snap.reference.vintage_label} boundaries)" if chosen.region else "Region"
    mix_by_chart = spec(charts.stacked_bars(mix, "group", "label", "places",
                                            f"Models by {'ICS' if chosen.region else 'region'}", colours,
                                            share="share", group_title=group_title))
    return WhoChose(mix_chart, place_map(snap, chosen, places, MODEL, title(chosen)),
                    comparisons.snapshot_comparison(places), mix_by_chart,
                    mix.pivot_table(index="group", columns="label", values="places", aggfunc="sum"))


@dataclass(frozen=True)
class Maturity:
    heatmap: dict
    strip_chart: dict
    table: pd.DataFrame               # median, quartiles and n per model and dimension
    min_group: int


def maturity(snap: Snapshot, chosen: Filters) -> Maturity:
    fw, places = snap.framework, _places(snap, chosen)
    latest = comparisons.latest_per_place(snap.dimension_scores)
    table = comparisons.maturity_by_model(places, latest, fw, snap.config.min_group_size)
    table = table[table["n"] > 0]
    cells = table.apply(lambda r: f"{r['median']:.1f}" + (" *" if r["too_small"] else ""), axis=1) \
        if len(table) else pd.Series(dtype=str)
    shown = table.assign(cell=cells, model=table["label"] + " (n="
                         + table.groupby("label")["n"].transform("max").astype(str) + ")")
    heatmap = spec(charts.heatmap(
        shown, "dimension", "model", "median", "cell", "Median score by model", (fw.scale_min, fw.scale_max),
        [d.short for d in fw.dimensions], list(dict.fromkeys(shown["model"])),
        tooltip=[("model", "Model"), ("dimension", "Dimension"), ("median", "Median"), ("n", "Places"),
                 ("q1", "Lower quartile"), ("q3", "Upper quartile")]))
    scored = places.dropna(subset=["overall_maturity"])
    order = [m.label for m in MODELS if m.label in set(scored["governance_model_label"])]
    strip = spec(charts.strip_by_group(scored, "governance_model_label", "overall_maturity", "place_name",
                                       "Overall maturity of each place", (fw.scale_min, fw.scale_max),
                                       model_colours(snap), order))
    return Maturity(heatmap, strip, table.drop(columns=["governance_model", "dimension_id"]),
                    snap.config.min_group_size)


@dataclass(frozen=True)
class CriteriaAndLeaders:
    criteria_chart: dict
    employers_chart: dict
    criteria: pd.DataFrame            # per model and criterion: places meeting it, of how many
    employers: pd.DataFrame           # places per model (rows) and employer of the accountable person (columns)


def criteria_and_leaders(snap: Snapshot, chosen: Filters) -> CriteriaAndLeaders:
    places = _places(snap, chosen)
    crit = comparisons.criteria_by_model(places)
    crit = crit[crit["places"] > 0].assign(
        cell=lambda f: (f["share_met"] * 100).round().astype(int).astype(str) + "%")
    criteria_chart = spec(charts.heatmap(
        crit, "criterion", "label", "share_met", "cell", "Share of places meeting each White Paper criterion",
        (0, 1), [c.label for c in CRITERIA], list(dict.fromkeys(crit["label"])),
        tooltip=[("label", "Model"), ("criterion", "Criterion"), ("met", "Places met"), ("places", "Places")],
        value_format=".0%"))
    employers = comparisons.employer_by_model(places)
    palette = CATEGORICAL[snap.config.categorical_palette]
    employers_chart = spec(charts.stacked_bars(
        employers.rename(columns={"label": "model"}), "model", "employer", "places",
        "Who employs the single accountable person, by model",
        {e: palette[i % len(palette)] for i, e in enumerate(employers["employer"].unique())}))
    return CriteriaAndLeaders(criteria_chart, employers_chart, crit.drop(columns=["governance_model", "cell"]),
                              employers.pivot_table(index="label", columns="employer", values="places"))


@dataclass(frozen=True)
class Money:
    charts: dict[str, dict]           # chart name -> specification, one per kind of budget
    table: pd.DataFrame


PER_HEAD = {"delegated_per_head": "Median delegated budget per head (£)",
            "pooled_per_head": "Median pooled budget per head (£)"}


def money(snap: Snapshot, chosen: Filters) -> Money:
    table = comparisons.money_by_model(_places(snap, chosen))
    table = table[table["places"] > 0]
    colours = model_colours(snap)
    made = {column: spec(charts.category_bars(
        table.assign(value=table[column].fillna(0).astype(int)), "governance_model", "label", "value", heading,
        colours={m.key: colours[m.label] for m in MODELS})) for column, heading in PER_HEAD.items()}
    return Money(made, table.drop(columns=["governance_model"]))


@dataclass(frozen=True)
class ModelUsers:
    model: GovernanceModel
    places: list[str]                 # names of the places (in the filters) that chose it, A to Z


def models_explained(snap: Snapshot, chosen: Filters) -> list[ModelUsers]:
    places = _places(snap, chosen)
    return [ModelUsers(m, places.loc[places["governance_model"] == m.key, "place_name"].sort_values().tolist())
            for m in MODELS]
