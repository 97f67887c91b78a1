"""The one cache of the Streamlit layer: values derived from the data, built once per data version and shared
by every session.

Keys start with a :class:`DataKey` (reference version, database, data version) from :func:`version_key`, never
a time-to-live, so a new submission shows at the next rerun on every page and every server; only the newest
data version's values are kept.
"""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from typing import Any, Callable

import streamlit as st

from .state import data_version


@st.cache_resource(show_spinner=False, max_entries=512)
def _memo_box(key: tuple) -> dict:
    return {}


class DataKey(tuple):
    """(reference version, database URL, data version): what :func:`version_key` keys start with."""


MEMO_VERSIONS = 1          # data versions kept per database: the newest (a run still drawing an older one rebuilds)
MEMO_ENTRIES = 512         # values kept per data version (pages x filters x selections), oldest dropped first
_MEMO_LOCK = threading.Lock()
_BUILDING: dict[tuple, _Build] = {}              # key -> the _Build of the run building its value now


@st.cache_resource(show_spinner=False)
def _memo_versions() -> dict[tuple, dict[DataKey, dict[tuple, Any]]]:
    """(reference version, URL) -> data key -> values; one per process (cleared with Streamlit's caches)."""
    return {}


def version_key(ctx, scope: str, *parts) -> tuple:
    """What a page's derived values depend on: the reference data, the database (which one, and its data version),
    ``scope`` (the page, so two pages' values never meet under one key) and ``parts`` (the filters, say). Read
    once per run and passed to :func:`memo`."""
    return (DataKey((ctx.reference.version, ctx.config.database_url, data_version(ctx))), scope, *parts)


def _versioned(data: DataKey) -> dict[tuple, Any]:
    """The values of one data version. A new version drops all but the newest :data:`MEMO_VERSIONS` of its
    database, so a server that sees a submission every minute for a year holds what the pages show now, not
    every version since it started. A run still drawing an older version than those kept (it read the version
    just before a submission) gets a dictionary of its own: it never pushes out the newest values."""
    with _MEMO_LOCK:
        versions = _memo_versions().setdefault(data[:2], {})
        dropped = []
        if data not in versions:
            if any(held[2] > data[2] for held in versions):
                return {}
            versions[data] = {}
            dropped = [versions.pop(old) for old in sorted(versions, key=lambda held: held[2])[:-MEMO_VERSIONS]]
        values = versions[data]
    if dropped:
        dropped.clear()                 # the old values go now (nothing else holds them) ...
        with _MEMO_LOCK:
            _PREPARED.clear()           # ... with what was sent of them ...
        _give_back_memory()             # ... and so does the memory they took
    return values


def _give_back_memory() -> None:
    """Return freed heap to the operating system (glibc keeps it otherwise), so a long-running server's size
    follows what it holds now rather than its high-water mark. Nothing happens where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _Build:
    """A value being built by one run while others wait for it (see :func:`memo`)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


def memo(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()`` once per key (start it with :func:`version_key`), shared by every session: the tables and chart
    specifications a page derives, so a rerun with nothing changed rebuilds nothing. Treat the value as
    read-only. Keys from :func:`version_key` are kept for the newest data versions only (see :func:`_versioned`).

    When a submission moves the data version, every open session's next run asks for the same new values at
    once: one run builds each value while the others wait for it, rather than each building (and holding) a
    copy. If that build fails (the database stopped answering, say), the runs that waited each try at once, side
    by side, so none waits for the others' timeouts in turn.
    """
    if not (key and isinstance(key[0], DataKey)):
        box = _memo_box(key)
        if "value" not in box:
            box["value"] = build()
        return box["value"]
    rest = key[1:]
    values = _versioned(key[0])
    if rest in values:
        return values[rest]
    with _MEMO_LOCK:
        pending = _BUILDING.get(key)
        if pending is None:
            pending = _BUILDING[key] = _Build()
            leading = True
        else:
            leading = False
    if not leading:
        pending.done.wait()
        if not pending.failed:
            return pending.value
    try:
        value = build()
        with _MEMO_LOCK:
            values[rest] = value
            while len(values) > MEMO_ENTRIES:
                del values[next(iter(values))]
        if leading:
            pending.value = value
    except BaseException:
        if leading:
            pending.failed = True
        raise
    finally:
        if leading:
            with _MEMO_LOCK:
                del _BUILDING[key]
            pending.done.set()
    return value


PREPARED_ENTRIES = 128     # tables and charts kept ready to send
_PREPARED: OrderedDict[tuple[str, int], tuple[Any, Any]] = OrderedDict()


def prepared(kind: str, source: Any, make: Callable[[Any], Any]) -> Any:
    """``make(source)`` once per object: what Streamlit sends of a table or chart a view built once (its Arrow
    data), so a rerun does not convert the same frame again. Keyed by the object itself, which is held until
    it is pushed out (the oldest of :data:`PREPARED_ENTRIES`) or its data version is dropped; ``kind`` tells
    apart two preparations of one object. Treat ``source`` as read-only, as :func:`memo`'s values are."""
    key = (kind, id(source))
    with _MEMO_LOCK:
        hit = _PREPARED.get(key)
        if hit is not None and hit[0] is source:
            _PREPARED.move_to_end(key)
            return hit[1]
    made = make(source)
    with _MEMO_LOCK:
        _PREPARED[key] = (source, made)
        while len(_PREPARED) > PREPARED_ENTRIES:
            _PREPARED.popitem(last=False)
    return made
