"""The numbers behind each page, as plain Python: one view module per page, ``views/<page>.py`` for
``pages/<page>.py``.

A view function takes a :class:`Snapshot` (the data of one version), the shared filters and the page's own
selection, and returns everything the page shows: tables, chart specifications, map decks, legends,
captions and alt texts. The Streamlit layer builds each view once per data version, filters and selection
for all sessions (``icsdash.ui.view``); the page file only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import Config
from ..framework import Framework
from ..geography import Geography
from ..maps import Legend
from ..reference import Reference

if TYPE_CHECKING:                      # the store is passed in, never opened here
    from ..store import Store


@dataclass(frozen=True)
class Snapshot:
    """The data of one version, as every view reads it. Shared by all sessions: never mutate its frames."""

    reference: Reference
    framework: Framework
    geography: Geography
    config: Config
    summary: pd.DataFrame          # one row per place with every map measure, for the round shown
    dimension_scores: pd.DataFrame  # per place, round and dimension (icsdash.analysis.dimension_scores)
    latest_scores: pd.DataFrame    # every latest submitted score (icsdash.store.Store.latest_scores)
    layers: dict[str, str]         # served map layers: name -> URL
    legends: dict[str, Legend]     # a legend per map measure, for all of England

    @property
    def palettes(self) -> tuple[str, str]:
        return self.config.categorical_palette, self.config.sequential_palette


@dataclass(frozen=True)
class Stored:
    """What a view read from the database itself gets (a workshop's submissions, the Admin page's tables):
    built by ``icsdash.ui.stored_view`` once per data version and selection."""

    store: Store
    reference: Reference
    framework: Framework


def spec(item: Any) -> dict:
    """A chart's Vega-Lite specification, without Altair's schema validation (the builders' tests render them)."""
    return item.to_dict(validate=False)
