"""The SQLAlchemy engine for a database URL: SQLite with WAL and foreign keys, or PostgreSQL through psycopg."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..errors import IcsdashError

CONNECT_TIMEOUT = 5          # seconds to wait for a PostgreSQL server before saying it did not answer


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder is created."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///") and ":memory:" not in url:
        folder = Path(url[len("sqlite:///"):]).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IcsdashError(f"cannot create the folder {folder} for the SQLite database ({exc.strerror}); "
                               "choose a folder this server may write to", source="database.url") from None
    options = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}} if url.startswith("postgresql") else {}
    try:
        engine = create_engine(url, pool_pre_ping=True, **options)
    except (ImportError, SQLAlchemyError) as exc:
        raise IcsdashError(f"cannot use this database URL: {exc}", source="database.url") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages.

    >>> safe_url("postgresql://icsdash:secret@localhost:5432/icsdash")
    'postgresql://icsdash:***@localhost:5432/icsdash'
    """
    return make_url(url).render_as_string(hide_password=True)
