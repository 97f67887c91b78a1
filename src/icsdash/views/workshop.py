"""The Consensus workshop's numbers: a place's individual assessments of a round side by side, with the chart
of every stakeholder's score. Read from the store (submissions arrive during the workshop), so built by
``icsdash.ui.stored_view`` once per data version rather than from a snapshot."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import charts, consensus
from ..assessments import STAKEHOLDER_GROUPS
from ..consensus import Workshop
from . import Stored, spec


@dataclass(frozen=True)
class WorkshopView:
    workshop: Workshop
    table: pd.DataFrame | None        # a row per dimension, a column per input (None: nothing submitted yet)
    chart: dict | None                # each stakeholder's score per dimension


def workshop(stored: Stored, place_code: str, round_label: str) -> WorkshopView:
    framework = stored.framework
    loaded = consensus.load(stored.store, framework, place_code, round_label)
    if not loaded.inputs:
        return WorkshopView(loaded, None, None)
    chart = spec(charts.spread_chart(*consensus.chart_data(loaded, framework), framework.scale,
                                     STAKEHOLDER_GROUPS))
    return WorkshopView(loaded, loaded.table.drop(columns="dimension_id"), chart)
