"""Presenter mode's logic, as plain Python: the running order of views and projector-sized charts.

A running order is a list of views in ``config.yaml`` (``presenter.views``).
Each view names a page and what that page should show: a measure, a region or
ICS, a place, places to compare. The structure is checked when the
configuration loads; the codes are checked against the reference data when the
app starts, so a typo names its view and key before anyone presents.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, Callable

COMMON = ("page", "title")
MAX_COMPARE = 6
MAP_HEIGHT = 500            # pixels: a map and the bar above it fit a 1280 x 720 projector


@dataclass(frozen=True)
class View:
    """One step of the running order: a page and what it shows."""

    page: str
    title: str = ""
    measure: str | None = None
    region: str | None = None
    icb: str | None = None                      # ICB ODS code
    models: tuple[str, ...] = ()
    place: str | None = None                    # place code
    places: tuple[str, ...] = field(default=())  # place codes, or 'icb:<ODS code>' for an ICS

    def settings(self) -> dict[str, Any]:
        """The settings this view makes (only those it names)."""
        return {k: getattr(self, k) for k in SETTINGS_BY_PAGE[self.page] if getattr(self, k) not in (None, ())}


@dataclass(frozen=True)
class PresenterPage:
    """What a running-order view can tell one page to show (``settings``, the keys of :class:`View` it takes),
    and how: ``state`` gives the page's own session-state values for a view (its measure, place, selection),
    and ``place_in_address`` puts the view's place in the address, as a link to the page would."""

    settings: tuple[str, ...]
    state: Callable[[View, str], dict[str, Any]] = lambda view, measure: {}
    place_in_address: bool = False


def _compared(view: View, measure: str) -> dict[str, Any]:
    return {"compare_selection": [p if p.startswith("icb:") else f"place:{p}" for p in view.places]}


# Every page a running order can show, one entry each; ``measure`` is the view's, else the configured default.
PRESENTER_PAGES: dict[str, PresenterPage] = {
    "overview": PresenterPage(("measure", "region", "icb", "models"),
                              lambda view, measure: {"overview_measure": measure}),
    "map": PresenterPage(("measure", "region", "icb", "place"), lambda view, measure: {
        "explorer_measure": measure, "explorer_place": view.place, "explorer_zoom_place": view.place}),
    "profile": PresenterPage(("place",), place_in_address=True),
    "compare": PresenterPage(("places",), _compared),
    "governance": PresenterPage(("region", "icb", "models")),
    "workshop": PresenterPage(("place",), place_in_address=True),
    "live": PresenterPage(("place",), place_in_address=True),
}
SETTINGS_BY_PAGE: dict[str, tuple[str, ...]] = {key: page.settings for key, page in PRESENTER_PAGES.items()}


def _text_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where} must be a non-empty list of codes; got {value!r}")
    return tuple(v.strip() for v in value)


def parse_views(value: Any) -> tuple[View, ...]:
    """Check the running order's shape (not yet its codes); raise ValueError naming the view and key.

    >>> parse_views([{"page": "overview", "measure": "overall_maturity"}])[0].measure
    'overall_maturity'
    >>> parse_views([{"page": "profile", "measure": "x"}])
    Traceback (most recent call last):
    ...
    ValueError: [1].measure: 'profile' views take page, title, place; got 'measure'
    >>> parse_views([{"page": "admin"}])
    Traceback (most recent call last):
    ...
    ValueError: [1].page: must be one of 'overview', 'map', 'profile', 'compare', 'governance', 'workshop', 'live'; got 'admin'
    """
    from .measures import MEASURES_BY_KEY
    from .place_governance import MODELS_BY_KEY
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"must be a list of views, each with a 'page'; got {value!r}")
    views = []
    for n, raw in enumerate(value, start=1):
        if not isinstance(raw, dict):
            raise ValueError(f"[{n}]: must be a mapping with at least 'page'; got {raw!r}")
        page = raw.get("page")
        if page not in SETTINGS_BY_PAGE:
            raise ValueError(f"[{n}].page: must be one of {', '.join(repr(p) for p in SETTINGS_BY_PAGE)}; "
                             f"got {page!r}")
        allowed = COMMON + SETTINGS_BY_PAGE[page]
        for key in raw:
            if key not in allowed:
                raise ValueError(f"[{n}].{key}: {page!r} views take {', '.join(allowed)}; got {key!r}")
        values: dict[str, Any] = {"page": page}
        for key, item in raw.items():
            where = f"[{n}].{key}"
            if key in ("title", "region", "icb", "place"):
                if not isinstance(item, str) or not item.strip():
                    raise ValueError(f"{where}: must be non-empty text; got {item!r}")
                values[key] = item.strip()
            elif key == "measure":
                if item not in MEASURES_BY_KEY:
                    raise ValueError(f"{where}: must be one of {', '.join(MEASURES_BY_KEY)}; got {item!r}")
                values[key] = item
            elif key == "models":
                models = _text_list(item, where)
                unknown = [m for m in models if m not in MODELS_BY_KEY]
                if unknown:
                    raise ValueError(f"{where}: {unknown[0]!r} is not a governance model; allowed: "
                                     f"{', '.join(MODELS_BY_KEY)}")
                values[key] = models
            elif key == "places":
                places = _text_list(item, where)
                if len(places) > MAX_COMPARE:
                    raise ValueError(f"{where}: at most {MAX_COMPARE} places or ICSs; got {len(places)}")
                values[key] = places
        views.append(View(**values))
    return tuple(views)


def with_current_codes(views: tuple[View, ...], changes: dict[str, str]) -> tuple[View, ...]:
    """The running order with retired place codes (data/place_code_changes.csv) replaced by today's, so a
    config.yaml written before places were recoded keeps working.

    >>> with_current_codes((View("profile", place="QOP-bolton", places=("QKK-bexley", "icb:QOP")),),
    ...                    {"QOP-bolton": "bolton", "QKK-bexley": "bexley"})[0]
    View(page='profile', title='', measure=None, region=None, icb=None, models=(), place='bolton', places=('bexley', 'icb:QOP'))
    """
    return tuple(replace(v, place=changes.get(v.place, v.place), places=tuple(changes.get(c, c) for c in v.places))
                 for v in views)


def check_views(views: tuple[View, ...], pages: tuple[str, ...], reference, framework) -> None:
    """Check a running order against the pages shown and the reference data; raise ValueError naming
    the view and key (``[3].place: ...``)."""
    from .measures import measures_for
    regions = set(reference.regions["region_name"])
    icbs = dict(zip(reference.icbs["icb_ods_code"], reference.icbs["region_name"]))
    places = dict(zip(reference.places["place_code"], reference.places["icb_ods_code"]))
    measures = {m.key for m in measures_for(framework)}
    for n, view in enumerate(views, start=1):
        if view.page not in pages:
            raise ValueError(f"[{n}].page: the page {view.page!r} is not in app.pages, so it cannot be shown")
        if view.measure and view.measure not in measures:
            raise ValueError(f"[{n}].measure: {view.measure!r} is not a measure of this framework")
        if view.region and view.region not in regions:
            raise ValueError(f"[{n}].region: no region is called {view.region!r}; regions are "
                             f"{', '.join(sorted(regions))}")
        if view.icb and view.icb not in icbs:
            raise ValueError(f"[{n}].icb: {view.icb!r} is not an ICB ODS code (three characters, e.g. QOP)")
        if view.icb and view.region and icbs[view.icb] != view.region:
            raise ValueError(f"[{n}].icb: {view.icb} is in {icbs[view.icb]}, not in {view.region}")
        if view.place and view.place not in places:
            raise ValueError(f"[{n}].place: {view.place!r} is not a place code (see data/places.csv, "
                             "e.g. bolton)")
        for item in view.places:
            kind, _, code = item.partition(":")
            if (kind == "icb" and code not in icbs) or (kind != "icb" and item not in places):
                raise ValueError(f"[{n}].places: {item!r} is neither a place code (e.g. bolton) nor "
                                 "'icb:' and an ICB ODS code (e.g. icb:QOP)")


def filters_of(view: View, reference) -> dict[str, Any]:
    """The shared filters a view sets: (region, icb, models), everything else back to 'all'.

    A place on the map view opens its ICS, so the place is on screen."""
    icb = view.icb
    if view.page == "map" and view.place:
        icb = reference.place(view.place).icb_ods_code
    region = view.region
    if icb and not region:
        region = reference.icbs.set_index("icb_ods_code").loc[icb, "region_name"]
    return {"region": region, "icb": icb, "models": list(view.models)}


def default_title(view: View, place_name) -> str:
    """A heading for a view that has no title of its own (place names through ``place_name``).

    >>> default_title(View("profile", place="bolton"), lambda code: "Bolton")
    'Place profile: Bolton'
    """
    from .page_registry import PAGES_BY_KEY
    title = PAGES_BY_KEY[view.page].title
    if view.place:
        title += f": {place_name(view.place)}"
    elif view.icb or view.region:
        title += f": {view.icb or view.region}"
    return title


# --------------------------------------------------------------------------- charts on a projector

FONT_SCALE = 1.5          # type on a projector
STEP_SCALE = 1.25         # row heights (bars, heatmap rows): enough for the larger type, short enough to fit 720 px
SIZE_SCALE = 1.35         # fixed-size charts (radars)
PROJECTOR_CONFIG = {
    "axis": {"labelFontSize": 18, "titleFontSize": 20, "labelColor": "#000000", "titleColor": "#000000",
             "domainColor": "#000000", "tickColor": "#000000", "gridColor": "#9E9E9E", "labelLimit": 360},
    "legend": {"labelFontSize": 18, "titleFontSize": 20, "labelColor": "#000000", "titleColor": "#000000",
               "symbolSize": 220, "labelLimit": 360},
    "header": {"labelFontSize": 18, "titleFontSize": 20, "labelColor": "#000000", "titleColor": "#000000"},
    "title": {"fontSize": 24, "color": "#000000"},
}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def projector_spec(spec: dict, scale: float = FONT_SCALE, size_scale: float = SIZE_SCALE) -> dict:
    """A Vega-Lite spec made to read on a projector: fonts, row steps (less), lines and points scaled up, a
    fixed-size chart enlarged, black text.

    >>> s = projector_spec({"mark": {"type": "circle", "size": 40, "fontSize": 12}, "height": {"step": 30},
    ...                     "width": 100, "encoding": {"y": {"axis": {"labelFontSize": 12}}}})
    >>> s["mark"]["fontSize"], s["mark"]["size"], s["height"]["step"], s["width"], s["config"]["axis"]["labelFontSize"]
    (18, 90, 38, 135, 18)
    >>> s["encoding"]["y"]["axis"]["labelFontSize"]
    18
    """
    out = copy.deepcopy(spec)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            point = node.get("type") in ("circle", "point")
            for key, item in node.items():
                if key == "step" and _number(item):
                    node[key] = round(item * STEP_SCALE)
                elif (key in ("fontSize", "strokeWidth") or key.endswith("FontSize")) and _number(item):
                    node[key] = round(item * scale, 1) if key == "strokeWidth" else round(item * scale)
                elif key == "size" and point and _number(item):
                    node[key] = round(item * scale * scale)
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    config = out.pop("config", {})
    walk(out)
    if isinstance(out.get("title"), dict):
        out["title"]["limit"] = 0                     # the larger type must not cut a title short
    for part in (out, *out.get("concat", [])):       # a grid of small charts: each one enlarged
        for key in ("width", "height"):
            if _number(part.get(key)):
                part[key] = round(part[key] * size_scale)
    for section, values in PROJECTOR_CONFIG.items():
        config[section] = {**config.get(section, {}), **values}
    out["config"] = config
    return out
