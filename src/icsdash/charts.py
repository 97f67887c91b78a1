"""Chart builders: each returns an Altair chart object and calls no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .palettes import CATEGORICAL

FONT_SIZE = 15


def category_bars(frame: pd.DataFrame, category: str, label: str, value: str, title: str,
                  colours: dict[str, str] | None = None, share: str | None = None) -> alt.LayerChart:
    """Horizontal bars, one per category in the frame's order, labelled with the count (and share).

    ``colours`` maps category values to hex colours (the map's palette, so a
    category looks the same everywhere); without it one colour is used.
    """
    data = frame.copy()
    data["text"] = data[value].map("{:,}".format)
    if share:
        data["text"] = data["text"] + data[share].map(lambda s: f"  ({s:.0%})")
    order = data[label].tolist()
    colour = (alt.Color(f"{label}:N", scale=alt.Scale(domain=order, range=[colours[c] for c in data[category]]),
                        legend=None) if colours else alt.value(CATEGORICAL["okabe_ito"][0]))
    tooltip = [alt.Tooltip(f"{label}:N", title=title), alt.Tooltip(f"{value}:Q", title="Places", format=",")]
    if share:
        tooltip.append(alt.Tooltip(f"{share}:Q", title="Share", format=".0%"))
    base = alt.Chart(data).encode(
        y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelFontSize=FONT_SIZE)),
        x=alt.X(f"{value}:Q", title="Places", axis=alt.Axis(labelFontSize=FONT_SIZE - 2, titleFontSize=FONT_SIZE,
                                                               tickMinStep=1)),
    )
    bars = base.mark_bar().encode(color=colour, tooltip=tooltip)
    text = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE - 1).encode(text="text:N")
    return (bars + text).properties(height=alt.Step(30), title=alt.TitleParams(title, fontSize=FONT_SIZE + 2,
                                                                              anchor="start"))
