"""Colour palettes (all colour-blind safe) and colour helpers, as plain data."""

from __future__ import annotations

CATEGORICAL: dict[str, tuple[str, ...]] = {
    # Okabe and Ito (2008), reordered so the first colours contrast most on a projector. Their black is a dark
    # brown here: a black fill on a map looks like a hole, or like the dark borders drawn between systems.
    "okabe_ito": ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                  "#8C510A", "#999999"),
    # Tableau 10 (colour-blind considerate); the default of many BI tools.
    "tableau10": ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1",
                  "#FF9DA7", "#9C755F", "#BAB0AC"),
}
SEQUENTIAL: dict[str, tuple[str, ...]] = {
    "viridis": ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"),
    "cividis": ("#00224E", "#414D6B", "#7C7B78", "#BCAF6F", "#FEE838"),
    "blues": ("#DEEBF7", "#9ECAE1", "#4292C6", "#2171B5", "#08306B"),
}
# Two-sided, colour-blind safe (ColorBrewer PuOr): orange for falls, purple for rises, pale at zero.
DIVERGING: tuple[str, ...] = ("#B35806", "#F1A340", "#F7F7F7", "#998EC3", "#542788")
NO_DATA = "#FAFAFA"        # near white on the grey land: "nothing here"; counted in the legend
OUTLINE = "#FFFFFF"


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """'#0072B2' -> (0, 114, 178)."""
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def rgb_to_hex(rgb) -> str:
    return "#" + "".join(f"{int(round(c)):02X}" for c in rgb[:3])


def interpolate(stops: tuple[str, ...], t: float) -> str:
    """The colour at ``t`` (0..1) along evenly spaced ``stops``.

    >>> interpolate(("#000000", "#FFFFFF"), 0.5)
    '#808080'
    >>> interpolate(SEQUENTIAL["viridis"], 1.0)
    '#FDE725'
    """
    t = min(max(t, 0.0), 1.0)
    pos = t * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    frac = pos - i
    a, b = hex_to_rgb(stops[i]), hex_to_rgb(stops[i + 1])
    return rgb_to_hex([a[k] + (b[k] - a[k]) * frac for k in range(3)])


def contrast_ratio(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours, from 1 (the same) to 21 (black on white).

    >>> round(contrast_ratio("#000000", "#FFFFFF"), 1)
    21.0
    >>> round(contrast_ratio("#767676", "#FFFFFF"), 2)
    4.54
    """
    def luminance(colour: str) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
                  for c in hex_to_rgb(colour)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
