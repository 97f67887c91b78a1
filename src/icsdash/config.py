"""The deployment's configuration: one declarative table of settings, checked once.

``config.yaml`` holds what a deployment changes (data paths, database, map
defaults, framework, pages, theme). Secrets never live there: the database URL
may come from the ``DATABASE_URL`` environment variable, single sign-on from
``.streamlit/secrets.toml``. A bad value raises :class:`ConfigError` naming the
file, the key and what is allowed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from .errors import ConfigError
from .framework import read_yaml

# --------------------------------------------------------------------------- checks
# Each check takes the raw value and returns the normalised value, or raises
# ValueError with a sentence saying what is allowed.


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be non-empty text; got {value!r}")
    return value.strip()


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false; got {value!r}")
    return value


def _number(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"must be a number from {low} to {high}; got {value!r}")
        return float(value)
    return check


def _one_of(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}")
        return value
    return check


def _pages(value: Any) -> tuple[str, ...]:
    from .page_registry import PAGES_BY_KEY  # the page registry; imported late to keep this module light
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be a non-empty list of page names; got {value!r}")
    unknown = [v for v in value if v not in PAGES_BY_KEY]
    if unknown:
        raise ValueError(f"has unknown page {unknown[0]!r}; allowed: {', '.join(PAGES_BY_KEY)}")
    if len(set(value)) != len(value):
        raise ValueError("lists a page twice")
    if "live" in value and "vote" not in value:
        raise ValueError("lists 'live' without 'vote': the live vote's participants vote on the 'vote' page")
    return tuple(value)


def _database_url(value: Any) -> str:
    value = _text(value)
    if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
        raise ValueError("must start with 'sqlite:///' or 'postgresql://' "
                         f"(e.g. sqlite:///var/icsdash.sqlite3); got {value!r}")
    return value


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}; got {value!r}")
        return value
    return check


def _users(value: Any) -> dict[str, str]:
    from .auth import check_user_entry
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("must map e-mail addresses (or '*@domain') to roles, e.g. "
                         "{'lead@icb.nhs.uk': 'system_leader', '*@bolton.gov.uk': 'place_director:bolton'}")
    for email, entry in value.items():
        if not isinstance(email, str) or "@" not in email:
            raise ValueError(f"has {email!r}, which is not an e-mail address or '*@domain'")
        try:
            check_user_entry(str(entry))
        except ValueError as exc:
            raise ValueError(f"entry for {email!r}: {exc}") from None
    return {str(k): str(v) for k, v in value.items()}


def _views(value: Any):
    from .presenter import parse_views
    return parse_views(value)


DEFAULT_RUNNING_ORDER = [
    {"page": "overview", "title": "Which governance model each place chose", "measure": "governance_model"},
    {"page": "overview", "title": "Who has assessed in the latest round", "measure": "assessment_status"},
    {"page": "map", "title": "Greater Manchester: overall maturity", "icb": "QOP", "measure": "overall_maturity"},
    {"page": "profile", "title": "One place against its ICS and England", "place": "bolton"},
    {"page": "compare", "title": "South East London's six places",
     "places": ["bexley", "bromley", "greenwich", "lambeth", "lewisham", "southwark"]},
    {"page": "governance", "title": "Governance models and maturity"},
    {"page": "workshop", "title": "Consensus workshop", "place": "heywood-middleton-and-rochdale"},
]


def _measure(value: Any) -> str:
    from .measures import MEASURES_BY_KEY
    if value not in MEASURES_BY_KEY:
        raise ValueError(f"must be one of {', '.join(repr(k) for k in MEASURES_BY_KEY)}; got {value!r}")
    return value


@dataclass(frozen=True)
class Setting:
    """One key of ``config.yaml``: its dotted name, default, check and help text."""

    key: str
    default: Any
    check: Callable[[Any], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("app.title", "icsdash: integrated care in England", _text,
            "Title shown in the browser tab and the sidebar."),
    Setting("app.pages", ["overview", "map", "profile", "compare", "governance", "assessment", "workshop", "live", "vote",
                          "admin"], _pages,
            "Pages shown in the navigation, in order."),
    Setting("data.dir", "data", _text,
            "Folder with the reference data (regions, ICBs, places, PCNs, geography), relative to config.yaml."),
    Setting("data.framework", "data/frameworks/scirocco_style.yaml", _text,
            "Maturity framework file (dimensions, levels, bands, agreement rule), relative to config.yaml."),
    Setting("data.vintage", "newest", _text,
            "Boundary vintage (ICBs and which ICB each place is in): 'newest' shows the newest in "
            "data/vintages.csv and lets people switch in the sidebar; a vintage such as 2023-04 pins it."),
    Setting("database.url", "sqlite:///var/icsdash.sqlite3", _database_url,
            "SQLAlchemy URL of the database; a relative SQLite path is relative to config.yaml. "
            "The DATABASE_URL environment variable overrides it."),
    Setting("database.seed_demo", True, _boolean,
            "On first start with an empty database, add illustrative demo assessments."),
    Setting("map.default_measure", "governance_model", _measure,
            "Measure the maps are coloured by when a page opens."),
    Setting("map.basemap", "none", _one_of("none", "carto-light", "carto-dark"),
            "'none' draws no basemap tiles and works offline; 'carto-light' or 'carto-dark' add CARTO tiles "
            "and need internet."),
    Setting("map.latitude", 52.9, _number(49.0, 56.0), "Latitude of the initial map view."),
    Setting("map.longitude", -1.8, _number(-7.0, 2.5), "Longitude of the initial map view."),
    Setting("map.zoom", 5.3, _number(3.0, 12.0), "Zoom of the initial map view."),
    Setting("auth.users", {}, _users,
            "Single sign-on users and their roles: e-mail (or '*@domain') to 'viewer', 'system_leader', "
            "'admin' or 'place_director:<place code>'. Unlisted users are viewers."),
    Setting("auth.max_failed_attempts", 5, _integer(3, 20),
            "Wrong access codes allowed from one browser before sign-in is refused for a while."),
    Setting("auth.lockout_minutes", 15, _integer(1, 1440),
            "How long sign-in stays refused after too many wrong codes."),
    Setting("assessment.max_justification", 2000, _integer(100, 20000),
            "Longest justification allowed for one dimension, in characters."),
    Setting("workshop.refresh_seconds", 10, _integer(0, 600),
            "How often the Consensus workshop page looks for newly submitted assessments, in seconds (0: never; "
            "the page then updates when the facilitator next clicks)."),
    Setting("compare.neighbours", 5, _integer(1, 20),
            "How many nearest neighbours (by population and density) the Compare page offers."),
    Setting("governance.min_group_size", 5, _integer(1, 50),
            "Governance models with fewer places than this are flagged as too small to compare."),
    Setting("presenter.views", DEFAULT_RUNNING_ORDER, _views,
            "Presenter mode's running order: a list of views, each a 'page' (overview, map, profile, compare, "
            "governance, workshop) with an optional 'title' and what it shows: 'measure', 'region' (name), 'icb' "
            "(ODS code), 'models', 'place' (place code) or 'places' (up to six place codes or 'icb:<code>'), as "
            "each page allows."),
    Setting("theme.categorical_palette", "okabe_ito", _one_of("okabe_ito", "tableau10"),
            "Palette for categories (governance models, statuses); both are colour-blind safe."),
    Setting("theme.sequential_palette", "viridis", _one_of("viridis", "cividis", "blues"),
            "Palette for numbers (maturity, population)."),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}
MAPPING_SETTINGS = {"auth.users"}          # values that are themselves mappings


@dataclass(frozen=True)
class Config:
    """The validated configuration. Paths are absolute."""

    source: Path
    root: Path
    title: str
    pages: tuple[str, ...]
    data_dir: Path
    framework_path: Path
    database_url: str
    vintage: str | None            # None: the newest, switchable in the sidebar
    seed_demo: bool
    map_default_measure: str
    map_basemap: str
    map_latitude: float
    map_longitude: float
    map_zoom: float
    categorical_palette: str
    sequential_palette: str
    auth_users: dict[str, str] = field(default_factory=dict)
    max_failed_attempts: int = 5
    lockout_minutes: int = 15
    max_justification: int = 2000
    workshop_refresh_seconds: int = 10
    compare_neighbours: int = 5
    min_group_size: int = 5
    presenter_views: tuple = ()


def _flatten(doc: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in MAPPING_SETTINGS:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _resolve_sqlite(url: str, root: Path) -> str:
    """Make a relative SQLite path relative to the config file's folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((root / url[len(prefix):]).resolve())
    return url


def load_config(path: str | Path, environ: dict[str, str] | None = None) -> Config:
    """Read and check ``config.yaml``; raise :class:`ConfigError` on any bad value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "config.yaml"
    >>> _ = p.write_text("map:\\n  zoom: 40\\n")
    >>> load_config(p, environ={})
    Traceback (most recent call last):
    ...
    icsdash.errors.ConfigError: config.yaml, map.zoom: must be a number from 3.0 to 12.0; got 40
    """
    path = Path(path).resolve()
    environ = os.environ if environ is None else environ
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file not found at {path}", source=name) from None
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", source=name) from None
    try:
        doc = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"is not valid YAML{where}: {getattr(exc, 'problem', exc)}", source=name) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ConfigError("must be a mapping of sections (app, data, database, map, auth, assessment, compare, "
                          "governance, presenter, theme)", source=name)
    flat = _flatten(doc)
    for key in flat:
        if key not in SETTINGS_BY_KEY:
            allowed = ", ".join(SETTINGS_BY_KEY)
            raise ConfigError(f"unknown setting; allowed settings are {allowed}", source=name, field=key)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = flat.get(setting.key, setting.default)
        try:
            values[setting.key] = setting.check(raw)
        except ValueError as exc:
            text, where = str(exc), setting.key
            if text.startswith("["):               # a list item: name it, e.g. presenter.views[3].place
                item, _, text = text.partition(": ")
                where += item
            raise ConfigError(text, source=name, field=where) from None
    if environ.get("DATABASE_URL"):
        try:
            values["database.url"] = _database_url(environ["DATABASE_URL"])
        except ValueError as exc:
            raise ConfigError(str(exc), source="environment", field="DATABASE_URL") from None

    root = path.parent
    config = Config(
        source=path, root=root, title=values["app.title"], pages=values["app.pages"],
        data_dir=(root / values["data.dir"]).resolve(),
        framework_path=(root / values["data.framework"]).resolve(),
        vintage=None if values["data.vintage"] == "newest" else values["data.vintage"],
        database_url=_resolve_sqlite(values["database.url"], root),
        seed_demo=values["database.seed_demo"],
        map_default_measure=values["map.default_measure"], map_basemap=values["map.basemap"],
        map_latitude=values["map.latitude"], map_longitude=values["map.longitude"],
        map_zoom=values["map.zoom"],
        categorical_palette=values["theme.categorical_palette"],
        sequential_palette=values["theme.sequential_palette"], auth_users=values["auth.users"],
        max_failed_attempts=values["auth.max_failed_attempts"], lockout_minutes=values["auth.lockout_minutes"],
        max_justification=values["assessment.max_justification"], compare_neighbours=values["compare.neighbours"],
        workshop_refresh_seconds=values["workshop.refresh_seconds"],
        min_group_size=values["governance.min_group_size"], presenter_views=values["presenter.views"],
    )
    if not config.data_dir.is_dir():
        raise ConfigError(f"folder {config.data_dir} does not exist", source=name, field="data.dir")
    if config.vintage is not None:
        from .reference import vintage_labels
        known = vintage_labels(config.data_dir)
        if config.vintage not in known:
            raise ConfigError(f"must be 'newest' or one of {', '.join(known)} (data/vintages.csv); "
                              f"got {config.vintage!r}", source=name, field="data.vintage")
    if not config.framework_path.is_file():
        raise ConfigError(f"file {config.framework_path} does not exist", source=name, field="data.framework")
    return config
