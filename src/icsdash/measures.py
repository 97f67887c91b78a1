"""The measures a map can be coloured by: one registry entry each, computing its own value.

Each :class:`Measure` says whether it is a category or a number, how to
label it, and how to compute it: ``compute(places, context)`` returns one
value per row of ``places``, and :func:`icsdash.analysis.place_summary`
writes it into the summary's column named by the measure's key. Adding a
measure is one entry in :data:`MEASURES`: the summary, the maps' layers and
legends, the map tables and the pages' choices all loop over
:func:`measures_for`, which adds one measure per dimension of a framework and
puts every maturity measure on that framework's scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Callable

import pandas as pd

from .framework import Dimension, Framework
from .place_governance import EMPLOYERS, MODELS

STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress (draft)",
    "submitted": "Submitted",
    "consensus": "Consensus recorded",
}


@dataclass(frozen=True)
class MeasureContext:
    """What measures are computed from, besides the places themselves (built by ``analysis.place_summary``)."""

    framework: Framework
    scores: pd.DataFrame          # analysis.dimension_scores: every place, round and dimension of the framework
    shown: pd.DataFrame           # the rows of ``scores`` the summary shows: each place's latest round, or the one chosen
    status: pd.Series             # assessment status (see STATUSES) per place code in ``current_round``
    current_round: str | None


Compute = Callable[[pd.DataFrame, MeasureContext], pd.Series]


@dataclass(frozen=True)
class Measure:
    key: str                       # also the measure's column in the place summary
    label: str
    kind: str                      # "categorical" or "numeric"
    description: str
    compute: Compute               # (places, context) -> a value per place, indexed like ``places``
    categories: tuple[tuple[str, str], ...] = ()   # (value, label), in legend order
    unit: str = ""
    decimals: int = 0
    domain: tuple[float, float] | None = None      # fixed scale; None: the data's range
    colours: tuple[str, ...] = ()                  # categorical: fixed colours instead of the palette
    diverging: bool = False                        # numeric: centred on zero, two-sided palette
    maturity: bool = False                         # numeric: on the framework's scale (set by measures_for)

    @property
    def column(self) -> str:
        """The measure's column in the place summary."""
        return self.key

    def format(self, value) -> str:
        """The value as a user reads it ('No data' when missing)."""
        if value is None or value != value:        # None or NaN
            return "No data"
        if self.kind == "categorical":
            return dict(self.categories).get(value, str(value))
        number = f"{value:,.{self.decimals}f}"
        if self.diverging and value > 0:
            number = "+" + number
        return f"£{number}" if self.unit == "£" else f"{number}{self.unit}"


# --------------------------------------------------------------------------- how the values are computed

def _per_place(places: pd.DataFrame, by_code: pd.Series) -> pd.Series:
    """``by_code`` (indexed by place code) lined up with the rows of ``places``; missing places are gaps."""
    return pd.Series(by_code.reindex(places["place_code"]).to_numpy(), index=places.index)


def _reference(column: str) -> Compute:
    """A value the reference data holds already."""
    return lambda places, context: places[column]


def _mean_score(scores: pd.DataFrame) -> pd.Series:
    """Per place code, the mean of its dimension scores in ``scores`` (gaps left out), to two decimals."""
    return scores.groupby("place_code")["score"].mean().astype(float).round(2)


def overall_maturity(places: pd.DataFrame, context: MeasureContext) -> pd.Series:
    return _per_place(places, _mean_score(context.shown))


def maturity_change(places: pd.DataFrame, context: MeasureContext) -> pd.Series:
    by_round = context.scores.groupby(["place_code", "round_position"])["score"].mean().astype(float)
    position = context.shown.groupby("place_code")["round_position"].first()
    before = pd.Series([by_round.get((code, at - 1), float("nan")) for code, at in position.items()],
                       index=position.index, dtype=float)
    return _per_place(places, (_mean_score(context.shown) - before).round(2))


def assessment_status(places: pd.DataFrame, context: MeasureContext) -> pd.Series:
    return _per_place(places, context.status)


def _per_head(budget_column: str) -> Compute:
    """A budget in £ million divided by the place's population, to the pound."""
    return lambda places, context: (places[budget_column] * 1e6 / places["population"]).round(0)


@cache              # one function per dimension, so that a framework's measures compare equal call after call
def dimension_score(dimension_id: str) -> Compute:
    """The place's score on one dimension in the round shown."""
    def compute(places: pd.DataFrame, context: MeasureContext) -> pd.Series:
        rows = context.shown[context.shown["dimension_id"] == dimension_id]
        return _per_place(places, rows.groupby("place_code")["score"].first().astype(float))
    return compute


# --------------------------------------------------------------------------- the registry

MEASURES: tuple[Measure, ...] = (
    Measure("governance_model", "Governance model", "categorical",
            "The model each place chose for its governance (CIPFA Table 6.1 and others).",
            _reference("governance_model"), categories=tuple((m.key, m.label) for m in MODELS)),
    Measure("overall_maturity", "Overall maturity (latest round)", "numeric",
            "Mean over the dimensions of the latest consensus score, or else the median of the "
            "individual scores, in the latest round the place assessed.", overall_maturity, decimals=1,
            maturity=True),
    Measure("maturity_change", "Change in maturity since the round before", "numeric",
            "Overall maturity minus the place's overall maturity in the previous round; blank where the place "
            "did not assess in both.", maturity_change, decimals=1, diverging=True),
    Measure("assessment_status", "Assessment status (latest round)", "categorical",
            "How far each place has got with the latest round of self-assessment.", assessment_status,
            categories=tuple(STATUSES.items()), colours=("#BDBDBD", "#E69F00", "#56B4E9", "#0072B2")),
    Measure("sap_employer", "Single accountable person's employer", "categorical",
            "Which body employs the place's single accountable person.", _reference("sap_employer"),
            categories=tuple(EMPLOYERS.items())),
    Measure("population", "Population", "numeric",
            "Residents: ONS population estimates of the place's councils (a council split between places shared "
            "by its 2011 LSOAs), or the source documents' figure where they give one.", _reference("population")),
    Measure("delegated_per_head", "Delegated budget per head", "numeric",
            "Budget delegated to the place divided by its population (mostly illustrative).",
            _per_head("delegated_budget_gbp_m"), unit="£"),
    Measure("pooled_per_head", "Pooled budget per head", "numeric",
            "Pooled (Section 75) budget divided by population (mostly illustrative).",
            _per_head("pooled_budget_gbp_m"), unit="£"),
)
# Keys, labels and descriptions; a maturity measure's scale comes only from measures_for(framework).
MEASURES_BY_KEY: dict[str, Measure] = {m.key: m for m in MEASURES}


def dimension_measure(dimension: Dimension) -> Measure:
    """The measure of one dimension of a framework (put on its scale by :func:`measures_for`)."""
    return Measure(f"dim_{dimension.id}", f"Dimension: {dimension.name}", "numeric",
                   f"{dimension.description} Latest consensus score, else the median of individual scores.",
                   dimension_score(dimension.id), decimals=1, maturity=True)


def measures_for(framework: Framework) -> tuple[Measure, ...]:
    """Every measure, with one per dimension of ``framework`` after overall maturity, and every maturity
    measure on the framework's scale."""
    at = [m.key for m in MEASURES].index("overall_maturity") + 1
    listed = MEASURES[:at] + tuple(dimension_measure(d) for d in framework.dimensions) + MEASURES[at:]
    scale = (framework.scale_min, framework.scale_max)
    return tuple(replace(m, domain=scale) if m.maturity else m for m in listed)


def measures_by_key(framework: Framework) -> dict[str, Measure]:
    """:func:`measures_for` by key: how pages and views look up the measure chosen."""
    return {m.key: m for m in measures_for(framework)}
