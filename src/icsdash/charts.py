"""Chart builders: each returns an Altair chart object and calls no Streamlit."""

from __future__ import annotations

import math

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
    words = _counts_in_words(zip(data[label], data["text"].str.replace("  ", " ")))
    return (bars + text).properties(height=alt.Step(30), title=alt.TitleParams(title, fontSize=FONT_SIZE + 2,
                                                                              anchor="start"),
                                    description=f"Bar chart, {title}: {words}.")


def _inline(frame: pd.DataFrame) -> alt.Data:
    """Small frames as inline values: Altair's DataFrame conversion costs ~10 ms a layer, too much per rerun."""
    return alt.Data(values=frame.to_dict("records"))


def radar_points(frame: pd.DataFrame, scale_min: int = 0) -> pd.DataFrame:
    """Cartesian points for a radar: one spoke per dimension (clockwise from the top), radius = score above
    the scale's minimum (the centre is the lowest level).

    ``frame`` has columns ``series``, ``dimension_id``, ``label`` and ``score``
    (None for "not assessed"), with dimensions in framework order. A missing
    score breaks the outline (a gap, not a zero): each unbroken run of
    spokes becomes its own ``segment``, and a run that reaches the last spoke
    joins the first, closing the polygon.

    >>> f = pd.DataFrame({"series": "A", "dimension_id": list("abcd"), "label": list("abcd"),
    ...                   "score": [1, 2, None, 4]})
    >>> radar_points(f)[["dimension_id", "segment", "order"]].values.tolist()
    [['d', 'A:0', 0], ['a', 'A:0', 1], ['b', 'A:0', 2]]
    """
    rows = []
    for series, part in frame.groupby("series", sort=False):
        part = part.reset_index(drop=True)
        n = len(part)
        segments: list[list[int]] = [[]]
        for i, score in enumerate(part["score"]):
            if pd.isna(score):
                segments.append([])
            else:
                segments[-1].append(i)
        segments = [s for s in segments if s]
        if len(segments) > 1 and segments[0][0] == 0 and segments[-1][-1] == n - 1:
            segments[0] = segments.pop() + segments[0]          # wrap round through the top spoke
        elif len(segments) == 1 and len(segments[0]) == n:
            segments[0] = segments[0] + [0]                     # no gaps: close the polygon
        for k, spokes in enumerate(segments):
            for order, i in enumerate(spokes):
                angle = math.pi / 2 - 2 * math.pi * i / n
                score = float(part.loc[i, "score"])
                radius = score - scale_min
                rows.append({"series": series, "segment": f"{series}:{k}", "order": order,
                             "dimension_id": part.loc[i, "dimension_id"], "label": part.loc[i, "label"],
                             "score": score, "x": round(radius * math.cos(angle), 6),
                             "y": round(radius * math.sin(angle), 6)})
    return pd.DataFrame(rows, columns=["series", "segment", "order", "dimension_id", "label", "score", "x", "y"])


def radar(frame: pd.DataFrame, scale: tuple[int, int], title: str = "", size: int = 380,
          colours: tuple[str, ...] = CATEGORICAL["okabe_ito"]) -> alt.LayerChart:
    """A radar chart of up to six series over the framework's dimensions (see :func:`radar_points`), on the
    framework's ``scale`` (lowest, highest level): the centre is the lowest level, one ring per level above."""
    scale_min, top = scale
    outer = top - scale_min                                     # the outer ring's radius
    labels = frame.drop_duplicates("dimension_id")[["dimension_id", "label"]].reset_index(drop=True)
    n = max(len(labels), 1)
    spokes = []
    for i, row in labels.iterrows():
        angle = math.pi / 2 - 2 * math.pi * i / n
        cos, sin = math.cos(angle), math.sin(angle)
        spokes.append({"label": row.label, "x0": 0.0, "y0": 0.0, "x": outer * cos, "y": outer * sin,
                       "lx": (outer + 0.35) * cos, "ly": (outer + 0.35) * sin,
                       "align": "center" if abs(cos) < 0.2 else ("left" if cos > 0 else "right")})
    spokes = pd.DataFrame(spokes)
    rings = pd.DataFrame([{"ring": r, "order": i, "x": r * math.cos(math.pi / 2 - 2 * math.pi * (i % n) / n),
                           "y": r * math.sin(math.pi / 2 - 2 * math.pi * (i % n) / n)}
                          for r in range(1, outer + 1) for i in range(n + 1)])
    extent = outer + 2.2
    # Wide enough for the names beside the spokes: a side's longest name (about 0.62 em a letter) must end inside
    # the chart, or the browser cuts it off; the chart widens to keep the rings round.
    per_unit = size / (2 * extent)                              # pixels per score point, up and down
    def reach(align: str) -> float:
        beside = spokes[spokes["align"] == align]
        return max([extent, *(abs(r.lx) + len(str(r.label)) * (FONT_SIZE - 2) * 0.62 / per_unit + 0.15
                              for r in beside.itertuples())])
    x_domain = [-reach("right"), reach("left")]
    width = round(per_unit * (x_domain[1] - x_domain[0]))
    x = alt.X("x:Q", scale=alt.Scale(domain=x_domain), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[-extent, extent]), axis=None)
    grid = alt.Chart(_inline(rings)).mark_line(color="#CFCFCF", strokeWidth=1).encode(x=x, y=y, detail="ring:N",
                                                                               order="order:Q")
    ring_labels = alt.Chart(alt.Data(values=[{"r": r, "level": r + scale_min, "x": 0}
                                             for r in range(1, outer + 1)])).mark_text(
        dx=4, dy=-2, align="left", fontSize=11, color="#777").encode(x=x, y=alt.Y(
            "r:Q", scale=alt.Scale(domain=[-extent, extent]), axis=None), text="level:Q")
    axes = alt.Chart(_inline(spokes)).mark_rule(color="#CFCFCF").encode(
        x=alt.X("x0:Q", scale=alt.Scale(domain=x_domain), axis=None),
        y=alt.Y("y0:Q", scale=alt.Scale(domain=[-extent, extent]), axis=None), x2="x:Q", y2="y:Q")
    # Text alignment is a mark property, not a channel: one text layer per side of the chart.
    names = [alt.Chart(_inline(spokes[spokes["align"] == side])).mark_text(fontSize=FONT_SIZE - 2, align=side).encode(
        x=alt.X("lx:Q", scale=alt.Scale(domain=x_domain), axis=None),
        y=alt.Y("ly:Q", scale=alt.Scale(domain=[-extent, extent]), axis=None), text="label:N")
        for side in ("left", "center", "right") if (spokes["align"] == side).any()]
    points = radar_points(frame, scale_min)
    series = list(dict.fromkeys(frame["series"]))
    colour = alt.Color("series:N", scale=alt.Scale(domain=series, range=list(colours[:len(series)])),
                       legend=alt.Legend(title=None, orient="bottom", direction="vertical",
                                         labelFontSize=FONT_SIZE - 1, labelLimit=360)
                       if len(series) > 1 else None)
    tooltip = [alt.Tooltip("label:N", title="Dimension"), alt.Tooltip("series:N", title="Series"),
               alt.Tooltip("score:Q", title="Score")]
    points = _inline(points)
    outline = alt.Chart(points).mark_line(strokeWidth=2.5).encode(x=x, y=y, color=colour, detail="segment:N",
                                                                   order="order:Q")
    dots = alt.Chart(points).mark_circle(size=70, opacity=1).encode(x=x, y=y, color=colour, tooltip=tooltip)
    chart = alt.layer(grid, axes, ring_labels, *names, outline, dots).properties(
        width=width, height=size, description=radar_description(frame, scale))
    if title:
        chart = chart.properties(title=alt.TitleParams(title, fontSize=FONT_SIZE + 1, anchor="start"))
    return chart


def radar_grid(frame: pd.DataFrame, scale: tuple[int, int], size: int = 260, columns: int = 2,
               colours: tuple[str, ...] = CATEGORICAL["okabe_ito"]) -> alt.ConcatChart:
    """One small radar per series of ``frame`` (see :func:`radar`), ``columns`` to a row, each titled with its
    series and drawn in the colour the series has on the combined radar: one chart, so one download."""
    series = list(dict.fromkeys(frame["series"]))
    small = [radar(frame[frame["series"] == name], scale, title=str(name), size=size,
                   colours=(colours[i % len(colours)],)) for i, name in enumerate(series)]
    return alt.concat(*small, columns=columns).resolve_scale(color="independent").properties(
        description=" ".join(radar_description(frame[frame["series"] == name], scale) for name in series))


def _counts_in_words(pairs, limit: int | None = 12) -> str:
    """'A 3, B 2 and C 1': each label with its figure, the first ``limit`` of them (None: all) and how many more."""
    pairs = [f"{label} {figure}" for label, figure in pairs]
    if limit is not None and len(pairs) > limit:
        pairs = [*pairs[:limit], f"{len(pairs) - limit} more"]
    return _listed(pairs) if pairs else "nothing to show"


def _listed(labels) -> str:
    labels = [str(x) for x in labels]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def radar_description(frame: pd.DataFrame, scale: tuple[int, int]) -> str:
    """A radar in words, its text alternative: who is drawn, the first series' strongest and weakest
    dimensions, and where it is furthest ahead of and behind each other series.

    >>> f = pd.DataFrame({"series": ["Bolton"] * 3 + ["England median"] * 3, "label": ["A", "B", "C"] * 2,
    ...                   "score": [4.0, 1.0, 2.0, 3.0, 2.0, 2.0]})
    >>> radar_description(f, (0, 5))
    'Radar of Bolton and England median on 3 dimensions, scored 0 to 5. Bolton is strongest on A (4) and weakest on B (1). Against England median: ahead on 1, behind on 1, level on 1; furthest ahead on A (+1), furthest behind on B (-1).'
    """
    series = list(dict.fromkeys(frame["series"]))
    scored = frame.dropna(subset=["score"])
    lead = series[0] if series else "nothing"
    own = scored[scored["series"] == lead].set_index("label")["score"]
    text = [f"Radar of {_listed(series)} on {frame['label'].nunique()} dimensions, scored {scale[0]} to {scale[1]}."]
    if own.empty:
        return " ".join([*text, f"{lead} has no scores yet."])
    top, low = own.max(), own.min()
    text.append(f"{lead} is strongest on {_listed(own[own == top].index)} ({top:g}) and weakest on "
                f"{_listed(own[own == low].index)} ({low:g}).")
    for other in series[1:]:
        gaps = (own - scored[scored["series"] == other].set_index("label")["score"]).dropna()
        if gaps.empty:
            continue
        ahead, behind = gaps[gaps > 0], gaps[gaps < 0]
        line = (f"Against {other}: ahead on {len(ahead)}, behind on {len(behind)}, level on "
                f"{len(gaps) - len(ahead) - len(behind)}")
        furthest = ([f"furthest ahead on {_listed(ahead[ahead == ahead.max()].index)} ({ahead.max():+g})"]
                    if len(ahead) else []) + \
                   ([f"furthest behind on {_listed(behind[behind == behind.min()].index)} ({behind.min():+g})"]
                    if len(behind) else [])
        text.append(line + ("; " + ", ".join(furthest) if furthest else "") + ".")
    return " ".join(text)


def vote_bars(counts: pd.DataFrame, title: str, subtitle: str = "", width: int = 240,
              colour: str = "#0072B2", axis_title: str = "") -> alt.LayerChart:
    """One dimension's votes in a round: a bar per level (and 'cannot say'), its count written on it.
    ``counts``: columns ``choice`` (short text: '0'..'5', '?') and ``votes``, in the order to show; ``axis_title``
    says what the choices mean."""
    order = list(counts["choice"])
    x = alt.X("choice:N", sort=order, title=axis_title or None,
              axis=alt.Axis(labelAngle=0, labelOverlap=False, labelFontSize=FONT_SIZE - 1, titleFontSize=FONT_SIZE - 2,
                            titleFontWeight="normal"))
    y = alt.Y("votes:Q", title=None, axis=None, scale=alt.Scale(domainMin=0))
    data = _inline(counts)
    bars = alt.Chart(data).mark_bar(color=colour).encode(
        x=x, y=y, tooltip=[alt.Tooltip("choice:N", title="Level"), alt.Tooltip("votes:Q", title="Votes")])
    labels = alt.Chart(data).mark_text(dy=-8, fontSize=FONT_SIZE - 1).encode(x=x, y=y, text="votes:Q")
    words = _counts_in_words(zip(counts["choice"], counts["votes"]))
    return alt.layer(bars, labels).properties(width=width, height=120, title=alt.TitleParams(
        title, subtitle=subtitle or alt.Undefined, fontSize=FONT_SIZE, subtitleFontSize=FONT_SIZE - 2, anchor="start"),
        description=f"Votes on {title}{' (' + axis_title + ')' if axis_title else ''}: {words}.")


def vote_grid(parts: list[alt.LayerChart], columns: int = 3) -> alt.ConcatChart:
    """Several :func:`vote_bars` side by side, ``columns`` to a row: one chart, one download."""
    return alt.concat(*parts, columns=columns).properties(
        description=" ".join(str(part.description) for part in parts if isinstance(part.description, str)))


def spread_chart(points: pd.DataFrame, profile: pd.DataFrame, scale: tuple[int, int], groups: dict[str, str],
                 colours: tuple[str, ...] = CATEGORICAL["okabe_ito"]) -> alt.LayerChart:
    """Every individual score as a dot (stakeholder group as colour), the median as a bar, and the
    agreement status in each dimension's label: disagreement stays visible instead of averaged away.

    ``points``: dimension_id, stakeholder_group, score; ``profile``: dimension_id, short, median, agreement.
    """
    label = {r.dimension_id: f"{r.short} · {r.agreement}" if isinstance(r.agreement, str) else r.short
             for r in profile.itertuples()}
    order = [label[d] for d in profile["dimension_id"]]
    data = points.assign(dimension=points["dimension_id"].map(label),
                         group=points["stakeholder_group"].map(lambda g: groups.get(g, g)))
    present = [g for g in groups.values() if g in set(data["group"])]
    y = alt.Y("dimension:N", sort=order, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=260))
    x = alt.X("score:Q", scale=alt.Scale(domain=list(scale)), title="Score",
              axis=alt.Axis(tickMinStep=1, labelFontSize=FONT_SIZE - 1, titleFontSize=FONT_SIZE))
    dots = alt.Chart(data).mark_circle(size=120, opacity=0.85).encode(
        x=x, y=y, yOffset=alt.YOffset("group:N", scale=alt.Scale(paddingOuter=0.6)),
        color=alt.Color("group:N", scale=alt.Scale(domain=present, range=list(colours[:len(present)])),
                        legend=alt.Legend(title="Stakeholder group", orient="bottom", labelFontSize=FONT_SIZE - 1,
                                          columns=3, labelLimit=220)),
        tooltip=[alt.Tooltip("dimension:N", title="Dimension"), alt.Tooltip("group:N", title="Group"),
                 alt.Tooltip("score:Q", title="Score")])
    medians = profile.assign(dimension=profile["dimension_id"].map(label))
    bars = alt.Chart(medians).mark_tick(color="#111", thickness=3).encode(
        x=alt.X("median:Q", scale=alt.Scale(domain=list(scale))), y=y,
        tooltip=[alt.Tooltip("dimension:N", title="Dimension"), alt.Tooltip("median:Q", title="Median")])
    medians_in_words = _counts_in_words(
        ((f"{r.short}{' (' + r.agreement.lower() + ')' if isinstance(r.agreement, str) else ''}",
          "no scores" if pd.isna(r.median) else f"{r.median:g}") for r in profile.itertuples()), limit=None)
    description = (f"Dot plot of {len(data)} individual scores from {_plural(len(present), 'stakeholder group')}, "
                   f"one row per dimension, scored {scale[0]} to {scale[1]}. Medians: {medians_in_words}.")
    return alt.layer(dots, bars).properties(height=len(order) * 38, width=600, description=description)


def trend_chart(frame: pd.DataFrame, labels: dict[str, str], scale: tuple[int, int]) -> alt.FacetChart:
    """Every dimension's score across rounds, one small line chart per dimension."""
    data = frame.assign(dimension=frame["dimension_id"].map(labels))
    rounds = list(dict.fromkeys(data.sort_values("round_position")["round"]))
    return alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X("round:O", sort=rounds, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", scale=alt.Scale(domain=list(scale)), title=None),
        tooltip=[alt.Tooltip("dimension:N", title="Dimension"), alt.Tooltip("round:N", title="Round"),
                 alt.Tooltip("score:Q", title="Score")],
    ).properties(width=150, height=110).facet(
        facet=alt.Facet("dimension:N", sort=list(labels.values()), title=None,
                        header=alt.Header(labelFontSize=FONT_SIZE - 1)), columns=4,
    ).properties(description=_trend_description(data, rounds, list(labels.values())))


def _trend_description(data: pd.DataFrame, rounds: list, order: list[str]) -> str:
    """A trend chart in words: per dimension, its score in its first and last round shown."""
    if not rounds:
        return "Scores across rounds: no rounds to show."
    changes = []
    for dimension in order:
        part = data[data["dimension"] == dimension].dropna(subset=["score"]).sort_values("round_position")
        if len(part) > 1:
            changes.append((dimension, f"{part['score'].iloc[0]:g} to {part['score'].iloc[-1]:g}"))
        elif len(part) == 1:
            changes.append((dimension, f"{part['score'].iloc[0]:g} (one round)"))
    return (f"Line charts, one per dimension, of the score in {_plural(len(rounds), 'round')} "
            f"({_listed(rounds)}): {_counts_in_words(changes, limit=None)}.")


def _plural(n: int, thing: str) -> str:
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


def distribution_chart(all_scores: pd.DataFrame, chosen: pd.DataFrame, labels: dict[str, str],
                       scale: tuple[int, int], colours: tuple[str, ...] = CATEGORICAL["okabe_ito"]) -> alt.LayerChart:
    """Where the selection sits among all places, per dimension: a box plot of every place's latest score
    with the selected series drawn on top."""
    order = list(labels.values())
    data = all_scores.assign(dimension=all_scores["dimension_id"].map(labels))
    picked = chosen.assign(dimension=chosen["dimension_id"].map(labels))
    series = list(dict.fromkeys(picked["series"]))
    y = alt.Y("dimension:N", sort=order, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=200))
    x = alt.X("score:Q", scale=alt.Scale(domain=list(scale)), title="Score (all places' latest)")
    box = alt.Chart(data).mark_boxplot(color="#BBBBBB", size=18, extent="min-max").encode(x=x, y=y)
    marks = alt.Chart(picked).mark_point(size=150, filled=True, shape="diamond").encode(
        x=x, y=y, color=alt.Color("series:N", scale=alt.Scale(domain=series, range=list(colours[:len(series)])),
                                  legend=alt.Legend(title=None, orient="bottom", labelFontSize=FONT_SIZE - 1)),
        tooltip=[alt.Tooltip("series:N", title="Selection"), alt.Tooltip("dimension:N", title="Dimension"),
                 alt.Tooltip("score:Q", title="Score")])
    return alt.layer(box, marks).properties(height=alt.Step(30), width=560,
                                            description=_distribution_description(data, picked, series, order))


def _distribution_description(data: pd.DataFrame, picked: pd.DataFrame, series: list, order: list[str]) -> str:
    """A distribution chart in words: for each selected series, on how many dimensions it is above, at or below
    the median of all places' latest scores, and where it is furthest above and below."""
    medians = data.dropna(subset=["score"]).groupby("dimension")["score"].median()
    text = [f"Box plots of every place's latest score on {_plural(len(order), 'dimension')}, "
            f"with {_listed(series) if series else 'no selection'} marked."]
    for name in series:
        own = picked[picked["series"] == name].dropna(subset=["score"]).set_index("dimension")["score"]
        gaps = (own - medians).dropna()
        if gaps.empty:
            text.append(f"{name} has no scores.")
            continue
        above, below = gaps[gaps > 0], gaps[gaps < 0]
        line = (f"{name} is above the median of all places on {len(above)}, below on {len(below)} and at it on "
                f"{len(gaps) - len(above) - len(below)}")
        if len(above):
            line += f"; furthest above on {_listed(above[above == above.max()].index)} ({above.max():+g})"
        if len(below):
            line += f"; furthest below on {_listed(below[below == below.min()].index)} ({below.min():+g})"
        text.append(line + ".")
    return " ".join(text)


def stacked_bars(frame: pd.DataFrame, group: str, category: str, value: str, title: str,
                 colours: dict[str, str], share: str | None = None, group_title: str = "Group") -> alt.Chart:
    """One horizontal bar per group, split by category (in the order of ``colours``), with counts (and shares)
    in the tooltip; ``group_title`` names the groups there ('ICS (April 2026 boundaries)')."""
    data = frame[frame[value] > 0]
    order = list(colours)
    tooltip = [alt.Tooltip(f"{group}:N", title=group_title), alt.Tooltip(f"{category}:N", title="Model"),
               alt.Tooltip(f"{value}:Q", title="Places")]
    if share:
        tooltip.append(alt.Tooltip(f"{share}:Q", title="Share", format=".0%"))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y(f"{group}:N", title=None, axis=alt.Axis(labelFontSize=FONT_SIZE - 1, labelLimit=260)),
        x=alt.X(f"{value}:Q", title="Places", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color(f"{category}:N", scale=alt.Scale(domain=order, range=[colours[k] for k in order]),
                        legend=alt.Legend(title=None, orient="bottom", columns=3, labelFontSize=FONT_SIZE - 2,
                                          labelLimit=260)),
        order=alt.Order("sort_key:Q"), tooltip=tooltip,
    ).transform_calculate(sort_key=f"indexof({order!r}, datum['{category}'])").properties(
        height=alt.Step(26), title=alt.TitleParams(title, fontSize=FONT_SIZE + 1, anchor="start"),
        description=_stacked_description(data, group, category, value, title, order, group_title))


def _stacked_description(data: pd.DataFrame, group: str, category: str, value: str, title: str, order: list,
                         group_title: str) -> str:
    """Stacked bars in words: how many bars, each category's total, and the bar with most of each category."""
    totals = data.groupby(category)[value].sum()
    parts = []
    for name in [c for c in order if c in totals.index]:
        rows = data[data[category] == name]
        top = rows.loc[rows[value].idxmax()]
        parts.append((name, f"{totals[name]:,} (most in {top[group]}, {top[value]:,})"))
    return (f"Stacked bar chart, {title}: {_plural(data[group].nunique(), 'bar')} ({group_title}). "
            f"In all: {_counts_in_words(parts, limit=None)}.")


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, text: str, title: str,
            domain: tuple[float, float], x_order: list[str], y_order: list[str],
            tooltip: list[tuple[str, str]] | None = None, value_format: str = ".1f") -> alt.LayerChart:
    """A grid of cells coloured by ``value`` (colour-blind safe 'viridis'), each labelled with ``text``."""
    tip = [alt.Tooltip(f"{f}:N" if f in (x, y) else f"{f}", title=t) for f, t in (tooltip or [])]
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:N", sort=x_order, title=None, axis=alt.Axis(labelAngle=-40, labelFontSize=FONT_SIZE - 2,
                                                                  labelLimit=170, labelOverlap=False)),
        y=alt.Y(f"{y}:N", sort=y_order, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE - 1, labelLimit=260)))
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="viridis", domain=list(domain)),
                        legend=alt.Legend(title=None, orient="right", format=value_format)),
        **({"tooltip": tip} if tip else {}))
    labels = base.mark_text(fontSize=FONT_SIZE - 3).encode(
        text=f"{text}:N", color=alt.condition(f"datum['{value}'] > {(domain[0] + domain[1]) / 2}",
                                              alt.value("black"), alt.value("white")))
    filled = frame.dropna(subset=[value])
    description = f"Heatmap, {title}: {len(y_order)} rows by {len(x_order)} columns"
    if len(filled):
        high, low = filled.loc[filled[value].idxmax()], filled.loc[filled[value].idxmin()]
        description += f"; highest {high[y]}, {high[x]} ({high[text]}); lowest {low[y]}, {low[x]} ({low[text]})"
    if len(filled) < len(frame):
        description += f"; {len(frame) - len(filled)} cells empty"
    # Fills the container's width (a projector at 1280 px still shows every column).
    return alt.layer(cells, labels).properties(height=alt.Step(30), width="container", description=description + ".",
                                               title=alt.TitleParams(title, fontSize=FONT_SIZE + 1, anchor="start"))


def strip_by_group(frame: pd.DataFrame, group: str, value: str, name: str, title: str, domain: tuple[float, float],
                   colours: dict[str, str], order: list[str]) -> alt.LayerChart:
    """Every place as a dot on one line per group (e.g. overall maturity by governance model), with the
    group's median as a black tick: spread stays visible beside the heatmap's medians."""
    y = alt.Y(f"{group}:N", sort=order, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE - 1, labelLimit=300))
    x = alt.X(f"{value}:Q", scale=alt.Scale(domain=list(domain)), title=title)
    dots = alt.Chart(frame).mark_circle(size=70, opacity=0.75).encode(
        x=x, y=y, color=alt.Color(f"{group}:N", scale=alt.Scale(domain=order, range=[colours[g] for g in order]),
                                  legend=None),
        tooltip=[alt.Tooltip(f"{name}:N", title="Place"), alt.Tooltip(f"{group}:N", title="Group"),
                 alt.Tooltip(f"{value}:Q", title=title, format=".2f")])
    medians = alt.Chart(frame).mark_tick(color="black", thickness=3, size=22).encode(
        x=alt.X(f"median({value}):Q", scale=alt.Scale(domain=list(domain))), y=y)
    spread = frame.dropna(subset=[value]).groupby(group)[value].agg(["median", "min", "max", "count"])
    parts = [(g, f"median {spread.at[g, 'median']:.2f} of {_plural(int(spread.at[g, 'count']), 'place')}, "
                 f"{spread.at[g, 'min']:.2f} to {spread.at[g, 'max']:.2f}") for g in order if g in spread.index]
    return alt.layer(dots, medians).properties(height=alt.Step(34), width=560, description=(
        f"Dot plot, {title}, one dot per place and one row per group: {_counts_in_words(parts, limit=None)}."))
