"""The Overview page's numbers: national figures, the map of places by a measure, the governance mix and the
self-assessment status of the places in the filters."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import analysis, charts, comparisons, maps
from ..notices import pcns_illustrative
from ..analysis import Filters
from ..measures import STATUSES, measures_by_key
from . import Snapshot, spec
from .place_map import PlaceMap, place_map


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str | None = None


@dataclass(frozen=True)
class Overview:
    title: str
    area: str                     # 'England', a region, or an ICS's short name
    metrics: tuple[Metric, ...]
    mix_chart: dict
    status_chart: dict


def _area(snap: Snapshot, chosen: Filters) -> str:
    if not chosen.icb:
        return chosen.describe()
    icbs = snap.reference.icbs
    return icbs.loc[icbs["icb_ods_code"] == chosen.icb, "icb_short_name"].iloc[0]


def overview(snap: Snapshot, chosen: Filters) -> Overview:
    shown = analysis.apply_filters(snap.summary, chosen)
    figures = analysis.national_figures(snap.reference, shown)
    vintage = snap.reference.vintage_label
    assessed_round = figures.current_round or "the current round"
    metrics = (
        Metric("Regions", f"{shown['region_name'].nunique()}"),
        Metric(f"Integrated care systems ({vintage})", f"{shown['icb_ods_code'].nunique()}",
               f"ICB boundaries of {vintage} (ONS). Choose another vintage under Boundaries in the sidebar."),
        Metric("Places", f"{len(shown):,}",
               f"{int((shown['source'] == 'illustrative').sum())} of these place definitions are illustrative."),
        Metric("Primary care networks", f"{int(shown['pcn_count'].sum()):,}",
               f"{pcns_illustrative(snap.reference).capitalize()} are illustrative; real ones can be imported "
               "from NHS Digital's practice file (Admin, Import)."),
        Metric(f"Places assessed in {assessed_round}", f"{figures.places_assessed} of {len(shown)}",
               "Places with at least one submitted self-assessment (or a consensus) in the latest round."))
    mix = comparisons.model_mix(shown)
    mix_chart = spec(charts.category_bars(mix[mix["places"] > 0], "governance_model", "label", "places",
                                          "Governance model chosen by each place",
                                          colours=snap.legends["governance_model"].colours, share="share"))
    status = analysis.status_counts(shown).assign(label=lambda f: f["assessment_status"].map(STATUSES))
    status_chart = spec(charts.category_bars(status, "assessment_status", "label", "places",
                                             f"Self-assessment in {figures.current_round or 'the latest round'}",
                                             colours=snap.legends["assessment_status"].colours))
    area = _area(snap, chosen)
    return Overview(f"Integrated care in {area}", area, metrics, mix_chart, status_chart)


@dataclass(frozen=True)
class MeasureMap:
    map: PlaceMap
    table: pd.DataFrame           # the map's data as a table: the accessible alternative to the map
    no_data: int                  # places in the table with no data for the measure


def measure_map(snap: Snapshot, chosen: Filters, measure_key: str) -> MeasureMap:
    """The places in the filters coloured by the measure ``measure_key``, and the same as a table."""
    measure = measures_by_key(snap.framework)[measure_key]
    shown = analysis.apply_filters(snap.summary, chosen)
    table = maps.place_table(shown, measure)
    return MeasureMap(place_map(snap, chosen, shown, measure, f"{measure.label} · {_area(snap, chosen)}"), table,
                      int(table[measure.label].eq("No data").sum()))
