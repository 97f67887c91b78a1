"""The context every page reads: configuration, reference data, framework, geography and store, loaded once
per version of their files and shared read-only by all sessions of the server."""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from .. import geography, presenter
from ..config import Config, load_config
from ..errors import ConfigError, IcsdashError
from ..framework import Framework, load_framework
from ..geography import Geography
from ..reference import Reference, load_code_changes, load_reference, place_codes, vintage_labels
from ..store import Store
from .state import CONTEXT_KEY, FILTER_VINTAGE

LOG = logging.getLogger("icsdash")


@dataclass(frozen=True)
class Context:
    """Everything a page needs, shared read-only by all sessions of this server."""

    config: Config
    reference: Reference
    framework: Framework
    geography: Geography
    store: Store
    static_dir: Path
    anonymised: bool = False
    redact: Callable[[str], str] = str       # free text as shown: place names replaced when anonymised


def _signature(*paths: Path) -> tuple:
    """Cheap change detector for files: (path, mtime, size) of each."""
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_store(url: str, data_dir: Path) -> Store:
    """The store, its rows moved to today's place codes (data/place_code_changes.csv) on first opening."""
    return Store.open(url, load_code_changes(data_dir), place_codes(data_dir))


_IMPORTED: dict[str, int] = {}       # database URL -> the newest import seen (kept through an outage)


def _imported(store: Store, url: str) -> int:
    """The reference version in the database (newest import of places or PCNs): one cheap lookup a run. While
    the database cannot be reached, the last one seen, so pages keep showing the data they had."""
    try:
        _IMPORTED[url] = store.reference_version()
    except SQLAlchemyError as exc:
        LOG.warning("cannot read the reference version: %s", exc)
    return _IMPORTED.get(url, 0)


# The reference files a running server watches: a change to any of them loads the data again.
DATA_FILES = ("places.csv", "place_governance.csv", "pcns.csv", "icbs.csv", "vintages.csv", "place_icbs.csv",
              "regions.csv", "place_groups.csv", "geo/places.geojson")


@st.cache_resource(show_spinner=False, max_entries=4)
def _reference(data_dir: Path, _signature_key: tuple, vintage: str, url: str | None, imported: int,
               _store: Store) -> tuple[Reference, geography.Geography]:
    """The reference data and its geography, once per version of the files, vintage and newest import: shared
    by every configuration that reads the same files (an import's rows come from its own database, ``url``)."""
    reference = load_reference(data_dir, _store.reference_overlay() if imported else None, imported, vintage)
    return reference, geography.for_reference(data_dir, reference)


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_context(config_path: str, static_dir: str, _signature_key: tuple, environ_url: str | None,
                  imported: int, vintage: str) -> Context:
    config = load_config(config_path)
    store = _open_store(config.database_url, config.data_dir)
    reference, geo = _reference(config.data_dir, _signature(*[config.data_dir / n for n in DATA_FILES]), vintage,
                                config.database_url if imported else None, imported, store)
    changes = load_code_changes(config.data_dir, set(reference.places["place_code"]))   # each ends at a place
    config = dataclasses.replace(config, presenter_views=presenter.with_current_codes(config.presenter_views, changes))
    framework = load_framework(config.framework_path)
    try:
        presenter.check_views(config.presenter_views, config.pages, reference, framework)
    except ValueError as exc:
        item, _, text = str(exc).partition(": ")
        raise ConfigError(text, source=config.source.name, field="presenter.views" + item) from None
    if config.seed_demo:
        store.seed_demo(reference.places["place_code"].tolist(), framework)
    return Context(config, reference, framework, geo, store, static_dir=Path(static_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _checked_config(config_path: str, _signature_key: tuple, environ_url: str | None) -> Config:
    """The configuration, checked once per version of the file (a bad one raises and is not kept)."""
    return load_config(config_path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _vintages(data_dir: Path, _signature_key: tuple) -> dict[str, str]:
    """The boundary vintages, newest first ('2026-04' -> 'April 2026'), read once per version of the file."""
    return vintage_labels(data_dir)


def vintages(config) -> dict[str, str]:
    return _vintages(config.data_dir, _signature(config.data_dir / "vintages.csv"))


def chosen_vintage(config) -> str:
    """The vintage pages show: the configured one, else the sidebar's choice, else the newest."""
    if config.vintage:
        return config.vintage
    known = vintages(config)
    chosen = st.session_state.get(FILTER_VINTAGE)
    return chosen if chosen in known else next(iter(known))


def boot(root: Path) -> Context:
    """Load (or reuse) the context for the app in ``root``; raise IcsdashError on bad input."""
    config_path = Path(os.environ.get("ICSDASH_CONFIG", root / "config.yaml")).resolve()
    if not config_path.exists():
        raise IcsdashError(f"file not found at {config_path}", source="config.yaml")
    config = _checked_config(str(config_path), _signature(config_path), os.environ.get("DATABASE_URL"))
    watched = [config_path, config.framework_path, *[config.data_dir / n for n in DATA_FILES]]
    # Streamlit serves static files from the folder beside the main script, wherever the config lives.
    imported = _imported(_open_store(config.database_url, config.data_dir), config.database_url)
    ctx = _load_context(str(config_path), str(root / "static"), _signature(*watched), os.environ.get("DATABASE_URL"),
                        imported, chosen_vintage(config))
    st.session_state[CONTEXT_KEY] = ctx
    return ctx
