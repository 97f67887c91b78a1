"""The measures a map can be coloured by: one registry entry each.

A measure names a column of the place summary (see
:func:`icsdash.analysis.place_summary`), whether it is a category or a
number, and how to label it. Pages list the registry; tests loop over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .place_governance import EMPLOYERS, MODELS

STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress (draft)",
    "submitted": "Submitted",
    "consensus": "Consensus recorded",
}


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: str                      # "categorical" or "numeric"
    column: str                    # value column in the place summary
    description: str
    categories: tuple[tuple[str, str], ...] = ()   # (value, label), in legend order
    unit: str = ""
    decimals: int = 0
    domain: tuple[float, float] | None = None      # fixed scale; None: the data's range
    colours: tuple[str, ...] = ()                  # categorical: fixed colours instead of the palette
    diverging: bool = False                        # numeric: centred on zero, two-sided palette

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


MEASURES: tuple[Measure, ...] = (
    Measure("governance_model", "Governance model", "categorical", "governance_model",
            "The model each place chose for its governance (CIPFA Table 6.1 and others).",
            categories=tuple((m.key, m.label) for m in MODELS)),
    Measure("overall_maturity", "Overall maturity (latest round)", "numeric", "overall_maturity",
            "Mean over the dimensions of the latest consensus score, or else the median of the "
            "individual scores, in the latest round the place assessed.", decimals=1, domain=(0, 5)),
    Measure("maturity_change", "Change in maturity since the round before", "numeric", "maturity_change",
            "Overall maturity minus the place's overall maturity in the previous round; blank where the place "
            "did not assess in both.", decimals=1, diverging=True),
    Measure("assessment_status", "Assessment status (latest round)", "categorical", "assessment_status",
            "How far each place has got with the latest round of self-assessment.",
            categories=tuple(STATUSES.items()), colours=("#BDBDBD", "#E69F00", "#56B4E9", "#0072B2")),
    Measure("sap_employer", "Single accountable person's employer", "categorical", "sap_employer",
            "Which body employs the place's single accountable person.",
            categories=tuple(EMPLOYERS.items())),
    Measure("population", "Population", "numeric", "population",
            "Residents: ONS population estimates of the place's councils (a council split between places shared "
            "by its 2011 LSOAs), or the source documents' figure where they give one."),
    Measure("delegated_per_head", "Delegated budget per head", "numeric", "delegated_per_head",
            "Budget delegated to the place divided by its population (mostly illustrative).", unit="£"),
    Measure("pooled_per_head", "Pooled budget per head", "numeric", "pooled_per_head",
            "Pooled (Section 75) budget divided by population (mostly illustrative).", unit="£"),
)
MEASURES_BY_KEY: dict[str, Measure] = {m.key: m for m in MEASURES}


def measures_for(framework) -> tuple[Measure, ...]:
    """Every measure, including one per dimension of ``framework`` (after overall maturity)."""
    per_dimension = tuple(
        Measure(f"dim_{d.id}", f"Dimension: {d.name}", "numeric", f"dim_{d.id}",
                f"{d.description} Latest consensus score, else the median of individual scores.",
                decimals=1, domain=(framework.scale_min, framework.scale_max))
        for d in framework.dimensions)
    at = [m.key for m in MEASURES].index("overall_maturity") + 1
    return MEASURES[:at] + per_dimension + MEASURES[at:]
