"""The maturity framework as data: dimensions, levels, bands and the agreement rule.

Nothing about the 12 SCIROCCO-style dimensions is written in code: everything
comes from the framework YAML file named in ``config.yaml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Iterable

import yaml

from .errors import DataError

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)    # libyaml when built in: ten times faster


def read_yaml(text: str):
    """Parse YAML text safely (no Python objects), with libyaml when available; raises yaml.YAMLError.

    >>> read_yaml("a: [1, 2]")
    {'a': [1, 2]}
    """
    return yaml.load(text, Loader=_YAML_LOADER)


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    short: str
    description: str
    levels: dict[int, str]


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    min: float
    max: float


@dataclass(frozen=True)
class AgreementRule:
    """When a panel's ratings of one dimension agree: fewer than ``split_from_outside`` ratings (for a panel of
    ``threshold_panel_size``; scaled to the actual panel) outside the best window of ``window_levels`` adjacent
    levels that contains the median."""

    window_levels: int
    split_from_outside: int
    threshold_panel_size: int
    agreed_label: str
    split_label: str
    split_band_label: str


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    title: str
    scale_min: int
    scale_max: int
    levels: dict[int, str]
    dimensions: tuple[Dimension, ...]
    bands: tuple[Band, ...]
    agreement: AgreementRule
    between_levels: str = "half_up"
    twinning_lead: float = 2

    @property
    def scale(self) -> tuple[int, int]:
        """The lowest and highest level, as charts take them."""
        return self.scale_min, self.scale_max

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def band(self, score: float | None) -> Band | None:
        """The band a (median) score falls in: the band with the highest minimum not above it. A median between
        two levels (2.5, from an even panel) is first rounded to the nearest level, a half as ``between_levels``
        says: ``half_up``, as the published Delphi study classifies a median of 2.5 with agreement as Progressing.

        >>> fw = load_framework(Path(__file__).parents[2] / "data/frameworks/scirocco_style.yaml")
        >>> [fw.band(s).label for s in (0, 2, 2.5, 3, 4.5, 5)]
        ['Initial', 'Initial', 'Progressing', 'Progressing', 'Optimising', 'Optimising']
        >>> fw.band(None) is None
        True
        """
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        score = self.nearest_level(score)
        chosen = None
        for b in sorted(self.bands, key=lambda b: b.min):
            if score >= b.min:
                chosen = b
        return chosen

    def nearest_level(self, score: float) -> int:
        """The level a (median) score is nearest to; a half goes as ``between_levels`` says.

        >>> fw = load_framework(Path(__file__).parents[2] / "data/frameworks/scirocco_style.yaml")
        >>> [fw.nearest_level(s) for s in (2.4, 2.5, 2.6, 3)]
        [2, 3, 3, 3]
        """
        return math.floor(score + 0.5) if self.between_levels == "half_up" else math.ceil(score - 0.5)

    def agreement_status(self, ratings: Iterable[int | None]) -> str | None:
        """'Agreement' or 'Split' for one dimension's ratings (None ratings are ignored).

        A panel agrees when fewer than ``split_from_outside`` ratings (scaled from a
        panel of ``threshold_panel_size`` to the actual panel size) fall outside the
        best window of ``window_levels`` adjacent levels that contains the median.

        >>> fw = load_framework(Path(__file__).parents[2] / "data/frameworks/scirocco_style.yaml")
        >>> fw.agreement_status([2, 3, 3, 3, 4, 2, 3, 3, 2, 4, 3, 3])
        'Agreement'
        >>> fw.agreement_status([0, 0, 0, 0, 5, 5, 5, 5, 2, 3, 2, 3])
        'Split'
        >>> fw.agreement_status([]) is None
        True
        """
        scores = [r for r in ratings if r is not None]
        if not scores:
            return None
        rule = self.agreement
        m = median(scores)
        best_inside = 0
        for low in range(math.ceil(m) - rule.window_levels + 1, math.floor(m) + 1):
            inside = sum(low <= s <= low + rule.window_levels - 1 for s in scores)
            best_inside = max(best_inside, inside)
        outside = len(scores) - best_inside
        threshold = rule.split_from_outside * len(scores) / rule.threshold_panel_size
        return rule.agreed_label if outside < threshold else rule.split_label


# The agreement rule's keys, and what each means (said in an error that names a key by its old name).
AGREEMENT_KEYS = {
    "window_levels": "how many adjacent levels the window around the median spans",
    "split_from_outside": "a panel is split when at least this many ratings fall outside the window",
    "threshold_panel_size": "the panel size that split_from_outside is set for; it scales to the actual panel",
}
RENAMED_AGREEMENT_KEYS = {"window": "window_levels", "max_outside": "split_from_outside",
                          "reference_panel": "threshold_panel_size"}
# Which way a median halfway between two levels (2.5) is rounded before it is banded.
BETWEEN_LEVELS = ("half_up", "half_down")
# Without a ``twinning_lead``, a place leads another on a dimension when it is this share of the scale's width
# ahead: two points on a 0-5 scale.
TWINNING_SHARE = 0.4


def _require(doc: dict, key: str, kind: type, source: str, where: str = ""):
    if key not in doc:
        raise DataError(f"missing key '{key}'", source=source, field=f"{where}{key}")
    value = doc[key]
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise DataError(f"must be {kind.__name__}; got {value!r}", source=source, field=f"{where}{key}")
    return value


def _levels(doc: dict, lo: int, hi: int, source: str, where: str) -> dict[int, str]:
    levels = _require(doc, "levels", dict, source, where)
    expected = set(range(lo, hi + 1))
    got = {k for k in levels}
    if got != expected:
        raise DataError(f"must describe every level from {lo} to {hi}; got {sorted(got, key=str)}",
                        source=source, field=f"{where}levels")
    for level, text in levels.items():
        if not isinstance(text, str) or not text.strip():
            raise DataError("must be non-empty text", source=source, field=f"{where}levels.{level}")
    return {int(k): v.strip() for k, v in sorted(levels.items())}


def load_framework(path: str | Path) -> Framework:
    """Read and check a framework file; raise :class:`DataError` naming the key at fault."""
    path = Path(path)
    source = path.name
    try:
        doc = read_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"file not found at {path}", source=source) from None
    except yaml.YAMLError as exc:
        raise DataError(f"is not valid YAML: {exc}", source=source) from None
    if not isinstance(doc, dict):
        raise DataError("must be a mapping with id, version, scale, bands, agreement, dimensions",
                        source=source)
    scale = _require(doc, "scale", dict, source)
    lo, hi = _require(scale, "min", int, source, "scale."), _require(scale, "max", int, source, "scale.")
    if not 0 <= lo < hi <= 10:
        raise DataError(f"must satisfy 0 <= min < max <= 10; got {lo}..{hi}", source=source, field="scale")
    dims_doc = _require(doc, "dimensions", list, source)
    if not dims_doc:
        raise DataError("must list at least one dimension", source=source, field="dimensions")
    dimensions, seen = [], set()
    for i, d in enumerate(dims_doc, start=1):
        where = f"dimensions[{i}]."
        if not isinstance(d, dict):
            raise DataError("must be a mapping", source=source, field=where.rstrip("."))
        did = _require(d, "id", str, source, where)
        if did in seen:
            raise DataError(f"duplicate dimension id {did!r}", source=source, field=f"{where}id")
        seen.add(did)
        dimensions.append(Dimension(id=did, name=_require(d, "name", str, source, where),
                                    short=_require(d, "short", str, source, where),
                                    description=_require(d, "description", str, source, where),
                                    levels=_levels(d, lo, hi, source, where)))
    bands = []
    for i, b in enumerate(_require(doc, "bands", list, source), start=1):
        where = f"bands[{i}]."
        band = Band(id=_require(b, "id", str, source, where), label=_require(b, "label", str, source, where),
                    min=b.get("min"), max=b.get("max"))
        if not all(isinstance(v, (int, float)) and lo <= v <= hi for v in (band.min, band.max)) or band.min > band.max:
            raise DataError(f"min and max must be numbers within the scale {lo}..{hi}, min <= max",
                            source=source, field=where.rstrip("."))
        bands.append(band)
    if min(b.min for b in bands) != lo:
        raise DataError(f"the lowest band must start at the scale minimum {lo}", source=source, field="bands")
    ag = _require(doc, "agreement", dict, source)
    for old, new in RENAMED_AGREEMENT_KEYS.items():
        if old in ag:
            raise DataError(f"'{old}' is now called '{new}' ({AGREEMENT_KEYS[new]}); rename it", source=source,
                            field=f"agreement.{old}")
    rule = AgreementRule(window_levels=_require(ag, "window_levels", int, source, "agreement."),
                         split_from_outside=_require(ag, "split_from_outside", int, source, "agreement."),
                         threshold_panel_size=_require(ag, "threshold_panel_size", int, source, "agreement."),
                         agreed_label=_require(ag, "agreed_label", str, source, "agreement."),
                         split_label=_require(ag, "split_label", str, source, "agreement."),
                         split_band_label=_require(ag, "split_band_label", str, source, "agreement."))
    if min(rule.window_levels, rule.split_from_outside, rule.threshold_panel_size) < 1:
        raise DataError("window_levels, split_from_outside and threshold_panel_size must be at least 1",
                        source=source, field="agreement")
    between = _require(doc, "between_levels", str, source)
    if between not in BETWEEN_LEVELS:
        raise DataError(f"must be one of {', '.join(BETWEEN_LEVELS)}; got {between!r}", source=source,
                        field="between_levels")
    lead = doc.get("twinning_lead", max(1, round(TWINNING_SHARE * (hi - lo))))
    if isinstance(lead, bool) or not isinstance(lead, (int, float)) or not 0 < lead <= hi - lo:
        raise DataError(f"must be a number of points above 0 and at most {hi - lo} (the scale's width); got {lead!r}",
                        source=source, field="twinning_lead")
    return Framework(id=_require(doc, "id", str, source), version=_require(doc, "version", str, source),
                     title=_require(doc, "title", str, source), scale_min=lo, scale_max=hi,
                     levels=_levels(scale, lo, hi, source, "scale."), dimensions=tuple(dimensions),
                     bands=tuple(bands), agreement=rule, between_levels=between, twinning_lead=lead)
