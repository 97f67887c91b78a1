"""The whole database in one file, and back again: backup and restore, on SQLite and PostgreSQL.

A backup is a zip file holding

- ``manifest.json``: the format name (``icsdash-backup``) and version, when the backup was made, by which
  icsdash version and from which kind of database, and for every table its file, row count, columns
  (with their types) and the sha256 of its file;
- ``tables/<table>.jsonl``: one JSON array per row, the values in the manifest's column order, rows in
  primary-key order. Dates and times are ISO 8601 (times with a zone are written in UTC, times without
  one as stored), binary values base64, everything else plain JSON.

Every table of :data:`icsdash.store.metadata` is included, so a table added to the schema is backed up
and restored without changing this module, as long as :data:`CODECS` knows its column types. A table added
after backups were already being made is listed in :data:`icsdash.store.ADDED_LATER`: a backup without it
(made by an earlier version) restores it empty; any other missing table is refused.

A backup is read in one transaction, a consistent snapshot even while people keep submitting. A restore
replaces every table's contents in one transaction: all of the backup or, if anything fails, nothing.
It then adds one audit entry saying who restored which backup, so the restored database has one audit
row more than the backup, and its data version (that entry's id) is higher than any the database
had before: every server's caches refresh.

>>> from icsdash.store import Store
>>> source, target = Store.open("sqlite://"), Store.open("sqlite://")
>>> _ = source.add_round("admin", "2026/27")
>>> backup = read_backup(backup_bytes(source), name="example.zip")
>>> backup.summary.rows["rounds"], backup.tables["rounds"][0]["label"]
(1, '2026/27')
>>> restore(target, backup, "admin").data_version
2
>>> target.round_labels()
['2026/27']
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import struct
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, Integer, LargeBinary, Numeric, String, Table, delete,
                        func, insert, select, text)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from . import __version__
from .auth import Principal
from .errors import DataError, IcsdashError
from .store import (ADDED_LATER, IMPORTED, Store, audit_log, current_version, meta, metadata, newest_audit_id,
                    publish, rename_place_codes)

__all__ = ["FORMAT", "FORMAT_VERSION", "CODECS", "Backup", "BackupSummary", "RestoreSummary", "write_backup",
           "backup_bytes", "read_backup", "restore"]

FORMAT = "icsdash-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


# --------------------------------------------------------------------------- values

@dataclass(frozen=True)
class Codec:
    """How values of one kind of column are written to JSON and read back.

    ``decode`` raises ValueError saying what was expected; the reader adds where.
    """

    sql_type: type
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any, Column], Any]


def _shown(raw: Any) -> str:
    shown = json.dumps(raw, ensure_ascii=False)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _decode_integer(raw: Any, column: Column) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"expected a whole number; got {_shown(raw)}")
    return raw


def _decode_boolean(raw: Any, column: Column) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"expected true or false; got {_shown(raw)}")
    return raw


def _decode_float(raw: Any, column: Column) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"expected a number; got {_shown(raw)}")
    return float(raw)


def _decode_decimal(raw: Any, column: Column) -> Decimal:
    try:
        return Decimal(raw) if isinstance(raw, str) else Decimal("x")
    except InvalidOperation:
        raise ValueError(f"expected a decimal number written as text, like \"12.50\"; got {_shown(raw)}") from None


def _decode_text(raw: Any, column: Column) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"expected text; got {_shown(raw)}")
    if column.type.length is not None and len(raw) > column.type.length:
        raise ValueError(f"expected at most {column.type.length} characters; got {len(raw)}")
    return raw


def _encode_datetime(value: datetime) -> str:
    return (value.astimezone(timezone.utc) if value.tzinfo else value).isoformat()


def _decode_datetime(raw: Any, column: Column) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValueError(f"expected a date and time like \"2025-04-01T09:30:00+00:00\"; got {_shown(raw)}") from None


def _decode_date(raw: Any, column: Column) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValueError(f"expected a date like \"2025-04-01\"; got {_shown(raw)}") from None


def _encode_binary(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _decode_binary(raw: Any, column: Column) -> bytes:
    try:
        value = base64.b64decode(raw, validate=True) if isinstance(raw, str) else None
    except binascii.Error:
        value = None
    if value is None:
        raise ValueError(f"expected base64 text; got {_shown(raw)}")
    if column.type.length is not None and len(value) > column.type.length:
        raise ValueError(f"expected at most {column.type.length} bytes; got {len(value)}")
    return value


def _same(value: Any) -> Any:
    return value


#: Column types a backup can hold, most specific first (Float is a Numeric, Text a String).
CODECS = [
    Codec(Boolean, "boolean", _same, _decode_boolean),
    Codec(Integer, "integer", _same, _decode_integer),
    Codec(Float, "float", _same, _decode_float),
    Codec(Numeric, "decimal", str, _decode_decimal),
    Codec(DateTime, "datetime", _encode_datetime, _decode_datetime),
    Codec(Date, "date", date.isoformat, _decode_date),
    Codec(LargeBinary, "binary", _encode_binary, _decode_binary),
    Codec(String, "text", _same, _decode_text),
]


def _codec(column: Column) -> Codec:
    for codec in CODECS:
        if isinstance(column.type, codec.sql_type):
            return codec
    raise IcsdashError(f"cannot back up a column of type {column.type}; add a codec for it to "
                       "icsdash.backup.CODECS", source="database schema", field=f"{column.table.name}.{column.name}")


# --------------------------------------------------------------------------- transactions

def _first_line(exc: sa_exc.SQLAlchemyError) -> str:
    """What the database said, without SQLAlchemy's statement and parameters."""
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["unknown error"])[0]


@contextmanager
def _transaction(engine: Engine, *, read_only: bool) -> Iterator[Connection]:
    """One transaction that spans every statement in it.

    A read-only one sees the database as of one moment (PostgreSQL: REPEATABLE READ; SQLite: one read
    transaction, which WAL mode keeps while others write). pysqlite would only begin a transaction before
    the first write, so on SQLite it is begun by hand: IMMEDIATE for writing, which waits for other writers.
    """
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            if read_only:
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn
            return
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.connection.dbapi_connection.in_transaction:
                conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("ROLLBACK" if read_only else "COMMIT")


# --------------------------------------------------------------------------- writing

@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: when and by which icsdash it was made, from which database, rows by table."""

    created_at: datetime
    app_version: str
    database: str
    rows: dict[str, int]

    def describe(self) -> str:
        """One line for people, e.g. 'backup of 2025-04-01 09:30 UTC (icsdash 0.1.0, sqlite): 3 rounds, ...'."""
        counts = ", ".join(f"{n:,} {name}" for name, n in self.rows.items())
        return (f"backup of {self.created_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC "
                f"(icsdash {self.app_version}, {self.database}): {counts}")


def _member(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


def _dump_table(conn: Connection, table: Table, archive: zipfile.ZipFile) -> dict:
    """Write one table's rows to the archive; its manifest entry."""
    codecs = [_codec(column) for column in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    digest, count = hashlib.sha256(), 0
    with archive.open(_member(table), "w") as out:
        for row in conn.execute(select(table).order_by(*order).execution_options(yield_per=1000)):
            values = [None if value is None else codec.encode(value) for codec, value in zip(codecs, row)]
            line = (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            digest.update(line)
            out.write(line)
            count += 1
    return {"name": table.name, "file": _member(table), "rows": count,
            "columns": [column.name for column in table.columns], "types": [codec.name for codec in codecs],
            "sha256": digest.hexdigest()}


def _write_archive(store: Store, out: IO[bytes]) -> BackupSummary:
    created = datetime.now(timezone.utc)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        try:
            with _transaction(store.engine, read_only=True) as conn:
                tables = [_dump_table(conn, table, archive) for table in metadata.sorted_tables]
        except sa_exc.SQLAlchemyError as exc:
            raise IcsdashError(f"could not read the database for a backup ({_first_line(exc)})",
                               source="database") from None
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created.isoformat(),
                    "app_version": __version__, "database": store.engine.dialect.name, "tables": tables}
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return BackupSummary(created, __version__, store.engine.dialect.name, {t["name"]: t["rows"] for t in tables})


def write_backup(store: Store, target: str | os.PathLike | IO[bytes]) -> BackupSummary:
    """Write a backup of the whole database to a file path or a binary file object.

    A path is written to a temporary file beside it first and then renamed, so a backup that fails
    half-way never leaves a broken file under the name asked for (an existing file there is replaced).
    """
    if not isinstance(target, (str, os.PathLike)):
        return _write_archive(store, target)
    path = Path(target)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:
            summary = _write_archive(store, out)
        os.replace(partial, path)
    except OSError as exc:
        raise IcsdashError(f"cannot write the backup: {exc.strerror or exc}", source=str(path)) from None
    finally:
        partial.unlink(missing_ok=True)
    return summary


def backup_bytes(store: Store) -> bytes:
    """A backup of the whole database as bytes (for a download button)."""
    out = io.BytesIO()
    _write_archive(store, out)
    return out.getvalue()


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Backup:
    """A backup file, read and checked: ``tables`` holds every table's rows, ready to insert, by table name."""

    source: str
    summary: BackupSummary
    tables: dict[str, list[dict]]


# What zipfile raises on a damaged or unusual (encrypted, oddly compressed) archive.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError, ValueError,
               struct.error)


def _fail(label: str, message: str, **where) -> DataError:
    return DataError(message, source=label, **where)


def _read_member(archive: zipfile.ZipFile, label: str, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise _fail(label, f"is not a complete icsdash backup: it has no {name}") from None
    except _UNREADABLE as exc:
        raise _fail(label, f"is damaged: {name} cannot be unpacked ({exc})") from None


def _entry_field(label: str, entry: Any, index: int, key: str, kind: type) -> Any:
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise _fail(label, f"manifest.json, tables[{index}] needs {key!r} ({kind.__name__}); got {_shown(value)}")
    return value


def _read_manifest(archive: zipfile.ZipFile, label: str) -> dict:
    if MANIFEST not in archive.namelist():
        raise _fail(label, f"is not an icsdash backup: it is a zip file without {MANIFEST}")
    try:
        manifest = json.loads(_read_member(archive, label, MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(label, f"is not an icsdash backup: {MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else None
        raise _fail(label, f"is not an icsdash backup: its format is {_shown(got)}; expected {FORMAT!r}")
    version, made_by = manifest.get("format_version"), manifest.get("app_version", "an unknown version")
    if version != FORMAT_VERSION:
        hint = ("upgrade icsdash to restore it" if isinstance(version, int) and version > FORMAT_VERSION
                else "it cannot be restored by this version")
        raise _fail(label, f"is backup format version {_shown(version)} (made by icsdash {made_by}); this icsdash "
                           f"({__version__}) reads format version {FORMAT_VERSION}: {hint}")
    try:
        manifest["created_at"] = datetime.fromisoformat(manifest.get("created_at"))
    except (TypeError, ValueError):
        raise _fail(label, f"{MANIFEST} needs 'created_at' as a date and time; "
                           f"got {_shown(manifest.get('created_at'))}") from None
    if not isinstance(manifest.get("tables"), list):
        raise _fail(label, f"{MANIFEST} needs 'tables', a list of tables")
    return manifest


def _check_tables(label: str, entries: list) -> dict[str, dict]:
    """The manifest's table entries by name, once each table of the schema is there and no other."""
    by_name: dict[str, dict] = {}
    for index, entry in enumerate(entries):
        name = _entry_field(label, entry, index, "name", str)
        for key, kind in (("file", str), ("rows", int), ("columns", list), ("sha256", str)):
            _entry_field(label, entry, index, key, kind)
        if name in by_name:
            raise _fail(label, f"lists table {name!r} twice in {MANIFEST}")
        by_name[name] = entry
    expected = [table.name for table in metadata.sorted_tables]
    missing = [name for name in expected if name not in by_name and name not in ADDED_LATER]
    unknown = sorted(set(by_name) - set(expected))
    if missing:
        raise _fail(label, f"has no table {', '.join(missing)}; a backup of this icsdash version holds the tables "
                           f"{', '.join(expected)}")
    if unknown:
        raise _fail(label, f"has table {', '.join(unknown)}, which this icsdash version does not know (it has "
                           f"{', '.join(expected)}); was it made by a newer version?")
    for table in metadata.sorted_tables:
        if table.name not in by_name:
            continue                        # added since the backup was made: restored empty
        got, want = by_name[table.name]["columns"], [column.name for column in table.columns]
        if not all(isinstance(name, str) for name in got) or sorted(got) != sorted(want):
            raise _fail(label, f"table {table.name} has the columns {', '.join(map(str, got))}; expected "
                               f"{', '.join(want)}", field=table.name)
    return by_name


def _decode_row(where: dict, line: str, columns: list[tuple[Column, Codec]]) -> dict:
    """One row of a table file, its values checked against their columns; ``where`` says where it is."""
    try:
        values = json.loads(line)
    except ValueError as exc:
        raise DataError(f"is not valid JSON ({exc})", **where) from None
    if not isinstance(values, list) or len(values) != len(columns):
        raise DataError(f"expected a JSON list of {len(columns)} values "
                        f"({', '.join(column.name for column, _ in columns)}); got {_shown(values)}", **where)
    row = {}
    for (column, codec), raw in zip(columns, values):
        if raw is None and not column.nullable:
            raise DataError("is empty, but every row needs a value here", field=column.name, **where)
        try:
            row[column.name] = None if raw is None else codec.decode(raw, column)
        except ValueError as exc:
            raise DataError(str(exc), field=column.name, **where) from None
    return row


def _read_table(archive: zipfile.ZipFile, label: str, table: Table, entry: dict) -> list[dict]:
    member = entry["file"]
    payload = _read_member(archive, label, member)
    if hashlib.sha256(payload).hexdigest() != entry["sha256"]:
        raise _fail(label, f"{member} does not match its checksum in {MANIFEST}: the file is damaged or was "
                           "edited after the backup was made", field=table.name)
    try:
        lines = payload.decode("utf-8").split("\n")     # not splitlines(): text may hold U+2028 and friends
    except UnicodeDecodeError as exc:
        raise _fail(label, f"{member} is not UTF-8 text ({exc})", field=table.name) from None
    if lines[-1] == "":
        lines.pop()
    columns = [(table.columns[name], _codec(table.columns[name])) for name in entry["columns"]]
    rows = [_decode_row({"source": f"{label}, {member}", "line": number}, line, columns)
            for number, line in enumerate(lines, start=1)]
    if len(rows) != entry["rows"]:
        raise _fail(label, f"{member} has {len(rows)} rows; {MANIFEST} says {entry['rows']}", field=table.name)
    return rows


def _open_archive(source: str | os.PathLike | bytes | IO[bytes], label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)
    except FileNotFoundError:
        raise _fail(label, "there is no such file") from None
    except IsADirectoryError:
        raise _fail(label, "is a folder; expected a backup file") from None
    except zipfile.BadZipFile:
        raise _fail(label, "is not an icsdash backup: it is not a zip file") from None
    except _UNREADABLE as exc:
        raise _fail(label, f"cannot be read: {getattr(exc, 'strerror', None) or exc}") from None


def read_backup(source: str | os.PathLike | bytes | IO[bytes], name: str | None = None) -> Backup:
    """Read and check a backup file: a path, its bytes or a binary file object.

    ``name`` is what messages call it (an uploaded file's name); a path names itself. Anything wrong
    (not a zip, not our format or version, a table or column missing or unknown, a checksum that does not
    match, a value of the wrong kind) raises :class:`DataError` saying where and what is expected.
    """
    label = name or (str(source) if isinstance(source, (str, os.PathLike)) else "the backup file")
    with _open_archive(source, label) as archive:
        manifest = _read_manifest(archive, label)
        entries = _check_tables(label, manifest["tables"])
        tables = {table.name: _read_table(archive, label, table, entries[table.name]) if table.name in entries
                  else [] for table in metadata.sorted_tables}
    rows = {name: len(table_rows) for name, table_rows in tables.items()}
    summary = BackupSummary(manifest["created_at"], str(manifest.get("app_version", "unknown")),
                            str(manifest.get("database", "unknown")), rows)
    return Backup(label, summary, tables)


# --------------------------------------------------------------------------- restoring

@dataclass(frozen=True)
class RestoreSummary:
    """What a restore did: the backup it restored, the rows it removed and wrote by table, the new data version."""

    backup: BackupSummary
    removed: dict[str, int]
    rows: dict[str, int]
    data_version: int

    def describe(self) -> str:
        """One line for people: which backup was restored and how many rows it replaced."""
        return f"restored the {self.backup.describe()}, replacing {sum(self.removed.values()):,} rows"


def _fit_datetime(value: datetime, column: Column, dialect: str) -> datetime:
    """A date and time as this database stores it. icsdash writes UTC, and SQLite keeps no zone: a time
    without a zone is UTC where the column has zones; one with a zone goes into SQLite as UTC."""
    keeps_zone = column.type.timezone and dialect != "sqlite"
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc) if keeps_zone else value
    value = value.astimezone(timezone.utc)
    return value if keeps_zone else value.replace(tzinfo=None)


def _fit_rows(rows: list[dict], table: Table, dialect: str) -> list[dict]:
    times = [column for column in table.columns if isinstance(column.type, DateTime)]
    if not times:
        return rows
    return [{**row, **{c.name: _fit_datetime(row[c.name], c, dialect) for c in times if row[c.name] is not None}}
            for row in rows]


def _lock(conn: Connection, tables: list[Table]) -> None:
    """On PostgreSQL, keep writers out until the restore commits (readers still see the old contents)."""
    if conn.dialect.name == "postgresql":
        names = ", ".join(conn.dialect.identifier_preparer.format_table(table) for table in tables)
        conn.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Make the next generated id of every table max(id) + 1 on PostgreSQL. (SQLite gives the next row
    max(rowid) + 1 by itself, and an AUTOINCREMENT table never goes below its highest id, so never collides.)"""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer
    for table in tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer):        # setval(NULL, ...) does nothing where there is no sequence
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                                  f"coalesce(max({quote.quote(column.name)}), 0) + 1, false) "
                                  f"FROM {quote.format_table(table)}"),
                             {"table": quote.format_table(table), "column": column.name})


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _record(conn: Connection, actor: str, backup: Backup, before: int) -> None:
    """The restore's own audit entry, numbered above every id the database ever showed, so the data
    version moves on even when the backup's newest entry has the same id as the old newest."""
    detail = {"backup": backup.source, "created_at": backup.summary.created_at.isoformat(),
              "app_version": backup.summary.app_version, "database": backup.summary.database,
              "rows": backup.summary.rows}
    entry = max(before, newest_audit_id(conn)) + 1
    conn.execute(insert(audit_log).values(id=entry, at=datetime.now(timezone.utc), actor=actor,
                                          action="restore_backup", detail=json.dumps(detail, sort_keys=True)))
    # The reference version moves on too, so servers reload places and PCNs (imported rows may differ).
    conn.execute(delete(meta).where(meta.c.key == IMPORTED))
    conn.execute(insert(meta).values(key=IMPORTED, value=str(entry)))
    publish(conn, entry)


def restore(store: Store, backup: Backup, actor: Principal | str, *, record: bool = True) -> RestoreSummary:
    """Replace the whole contents of the database with a backup's, in one transaction: all or nothing.

    ``actor`` is who restores it (a Principal must be an admin). With ``record`` (the default) an audit
    entry ``restore_backup`` is added after the backup's rows, saying who restored which backup, made when,
    with how many rows; the data version then rises above every earlier one, so caches refresh.
    ``record=False`` makes an exact copy (for moving to a new database no server uses yet): the data
    version is then the backup's own, which servers with cached pages may already have seen.
    """
    actor_name = Store._admin_name(actor)
    tables = metadata.sorted_tables
    dialect = store.engine.dialect.name
    try:
        with _transaction(store.engine, read_only=False) as conn:
            _lock(conn, tables)
            removed = {table.name: _count(conn, table) for table in tables}
            before = newest_audit_id(conn)
            for table in reversed(tables):
                conn.execute(delete(table))
            for table in tables:
                if backup.tables[table.name]:
                    conn.execute(insert(table), _fit_rows(backup.tables[table.name], table, dialect))
            if record:
                _record(conn, actor_name, backup, before)
            _reset_sequences(conn, tables)
            rename_place_codes(conn, store.code_changes)       # a backup made before places were renamed
            version = current_version(conn)
    except (sa_exc.IntegrityError, sa_exc.DataError) as exc:
        raise DataError(f"does not fit this database ({_first_line(exc)}); nothing was changed",
                        source=backup.source) from None
    except sa_exc.SQLAlchemyError as exc:
        raise IcsdashError(f"could not restore {backup.source} ({_first_line(exc)}); nothing was changed",
                           source="database") from None
    return RestoreSummary(backup.summary, removed, dict(backup.summary.rows), version)
