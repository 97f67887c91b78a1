"""Backup and restore: every table round-trips exactly, on SQLite and PostgreSQL and between them; a restore
is all or nothing, records itself, moves the data version on and leaves fresh ids; bad files are named."""

import base64
import hashlib
import io
import json
import math
import uuid
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import (Boolean, Column, Date, DateTime, Float, Integer, LargeBinary, Numeric, Table, Text,
                        create_engine, insert, select)
from sqlalchemy.engine import make_url

from icsdash import __version__
from icsdash import backup as backup_module
from icsdash.auth import AccessDenied, Principal, parse_code
from icsdash.backup import CODECS, FORMAT, FORMAT_VERSION, backup_bytes, read_backup, restore, write_backup
from icsdash.errors import DataError, IcsdashError
from icsdash.store import PRIVATE_ACTIONS, Store, metadata

PLACES = ["bolton", "bury"]
BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
ADMIN = Principal("admin", None, "Ada Admin", "code")
ODD_TEXT = 'Zoë: "one\ntwo\r\n\ttab \u2028 \u2029 \u0085 \x01\x1f\x7f" \\ 漢字 🏥 \ud7ff \ufeff end'
LONG_TEXT = "Because " + "partnership working " * 5000
TABLES = [table.name for table in metadata.sorted_tables]      # in dependency order
#: What seed() writes: the demo data for two places (18 assessments of 12 dimensions, 8 consensus links),
#: then a third round, one assessment in two versions, a consensus linked to it, two access codes and
#: two sign-in attempts, 13 audited writes in all; other tables (added to the schema since) stay empty.
SEEDED = {name: 0 for name in TABLES} | {"access_codes": 2, "audit_log": 13, "meta": 2, "rounds": 3,
                                         "sign_in_attempts": 2, "assessments": 10, "consensus_inputs": 1, "scores": 120}


def seed(store: Store, framework) -> dict:
    """Real content, written through the store's own methods; the ids and codes worth checking later."""
    store.seed_demo(PLACES, framework)
    store.add_round("cli", "2026/27")
    dims = framework.dimension_ids
    first = store.start(BOLTON, "bolton", "2026/27", "icb", "Zoë Ødegård 😀", framework)
    scores = {d: 3 for d in dims} | {dims[1]: None}
    texts = {d: f"Because of {d}" for d in dims} | {dims[0]: ODD_TEXT, dims[2]: LONG_TEXT}
    store.save_draft(BOLTON, first.id, framework, scores, texts, max_justification=len(LONG_TEXT))
    store.submit(BOLTON, first.id, framework)
    second = store.edit(BOLTON, first.id)
    consensus = store.start(BOLTON, "bolton", "2026/27", "icb", "Workshop", framework, kind="consensus")
    store.save_draft(BOLTON, consensus.id, framework, {d: 2 for d in dims}, {d: "Agreed" for d in dims})
    store.submit(BOLTON, consensus.id, framework)
    code = store.create_access_code("cli", "place_director", "bolton", "Bolton lead")
    spare = store.create_access_code("cli", "admin", None, "Spare admin")
    store.revoke_access_code("cli", parse_code(spare)[0])
    store.sign_in(code, "browser-1")
    with pytest.raises(AccessDenied):
        store.sign_in("WRONG1-abcdefghijklmnopqrstuvwx", "browser-2")
    return {"first": first.id, "second": second.id, "consensus": consensus.id, "code": code}


def contents(store: Store) -> dict[str, list[dict]]:
    """Every table's rows as dicts, sorted by primary key."""
    with store.engine.connect() as conn:
        return {table.name: [dict(row._mapping) for row in
                             conn.execute(select(table).order_by(*table.primary_key.columns))]
                for table in metadata.sorted_tables}


def counts(store: Store) -> dict[str, int]:
    return {name: len(rows) for name, rows in contents(store).items()}


def payloads(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("tables/")}


def in_utc(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Dates and times as aware UTC values: how SQLite's (kept without a zone, in UTC) and PostgreSQL's compare."""
    def fix(value):
        if isinstance(value, datetime):
            return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value
    return {name: [{k: fix(v) for k, v in row.items()} for row in rows] for name, rows in tables.items()}


def dialect(store: Store) -> str:
    return store.engine.dialect.name


@pytest.fixture
def new_store(request, tmp_path):
    """Make fresh, empty stores: new SQLite files, or new databases on the test PostgreSQL server."""
    made = []

    def make(kind: str) -> Store:
        if kind == "sqlite":
            store = Store.open(f"sqlite:///{tmp_path / f'new{len(made)}.sqlite3'}")
            made.append((store, None))
            return store
        server = make_url(request.getfixturevalue("postgres_url"))
        name = f"icsdash_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server.set(drivername="postgresql+psycopg", database="postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        store = Store.open(server.set(database=name).render_as_string(hide_password=False))
        made.append((store, (admin, name)))
        return store

    yield make
    for store, database in made:
        store.engine.dispose()
        if database:
            admin, name = database
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
            admin.dispose()


def assert_next_ids_follow(store: Store, tables: dict[str, list[dict]], framework) -> None:
    """New rows get max(id) + 1 of the restored rows: PostgreSQL's sequences were reset, SQLite's rowids follow."""
    top = {name: max((row["id"] for row in tables[name]), default=0)
           for name in ("rounds", "assessments", "access_codes", "audit_log")}
    assert store.add_round("cli", "2031/32") == top["rounds"] + 1
    started = store.start(BOLTON, "bolton", "2031/32", "icb", "Newcomer", framework)
    assert started.id == top["assessments"] + 1
    store.create_access_code("cli", "system_leader", None, "New leader")
    assert contents(store)["access_codes"][-1]["id"] == top["access_codes"] + 1
    # Audit ids follow too; the access code's entry is the newest but does not move the data version.
    assert store.audit_entries()["id"].max() == top["audit_log"] + 3
    assert store.data_version() == top["audit_log"] + 2


# --------------------------------------------------------------------------- writing

def test_backup_holds_every_table_with_its_rows(any_store, framework, tmp_path):
    ids = seed(any_store, framework)
    (tmp_path / "out").mkdir()
    summary = write_backup(any_store, tmp_path / "out" / "icsdash.zip")
    assert summary.rows == SEEDED
    assert summary.database == dialect(any_store)
    described = summary.describe()
    assert described.startswith(f"backup of {summary.created_at:%Y-%m-%d %H:%M} UTC (icsdash {__version__}, "
                                f"{dialect(any_store)}): 2 access_codes, 13 audit_log, 2 meta, ")
    assert all(part in described.split(": ", 1)[1].split(", ")
               for part in ["3 rounds", "2 sign_in_attempts", "10 assessments", "1 consensus_inputs", "120 scores"])
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["icsdash.zip"]     # no partial file left behind
    with zipfile.ZipFile(tmp_path / "out" / "icsdash.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        files = {name: archive.read(name) for name in archive.namelist()}
    assert (manifest["format"], manifest["format_version"]) == (FORMAT, FORMAT_VERSION)
    assert (manifest["app_version"], manifest["database"]) == (__version__, dialect(any_store))
    assert (FORMAT, FORMAT_VERSION) == ("icsdash-backup", 1)
    assert [t["name"] for t in manifest["tables"]] == TABLES
    assert TABLES.index("rounds") < TABLES.index("assessments") < TABLES.index("scores")
    rounds = manifest["tables"][TABLES.index("rounds")]
    assert rounds == {"name": "rounds", "file": "tables/rounds.jsonl", "rows": 3,
                      "columns": ["id", "label", "position", "opened_at"],
                      "types": ["integer", "text", "integer", "datetime"],
                      "sha256": hashlib.sha256(files["tables/rounds.jsonl"]).hexdigest()}
    for entry in manifest["tables"]:
        assert files[entry["file"]].count(b"\n") == entry["rows"] == SEEDED[entry["name"]]
    lines = [json.loads(line) for line in files["tables/rounds.jsonl"].decode().split("\n")[:-1]]
    assert [line[:3] for line in lines] == [[1, "2024/25", 1], [2, "2025/26", 2], [3, "2026/27", 3]]
    scores = [json.loads(line) for line in files["tables/scores.jsonl"].decode().split("\n")[:-1]]
    mine = {row[1]: row for row in scores if row[0] == ids["first"]}
    dims = framework.dimension_ids
    assert mine[dims[0]] == [ids["first"], dims[0], 3, False, ODD_TEXT]
    assert mine[dims[1]] == [ids["first"], dims[1], None, True, f"Because of {dims[1]}"]
    assert mine[dims[2]][4] == LONG_TEXT
    salts = [json.loads(line)[2] for line in files["tables/access_codes.jsonl"].decode().split("\n")[:-1]]
    assert [row["salt"] for row in contents(any_store)["access_codes"]] == [base64.b64decode(s) for s in salts]
    assert [len(base64.b64decode(s)) for s in salts] == [16, 16]


def test_backup_is_a_consistent_snapshot(any_store):
    """What the backup reads comes from one moment, though others write in between."""
    any_store.add_round("cli", "2026/27")
    with backup_module._transaction(any_store.engine, read_only=True) as conn:
        seen = conn.execute(select(metadata.tables["rounds"].c.label)).scalars().all()
        any_store.add_round("cli", "2027/28")                 # commits on another connection
        assert conn.execute(select(metadata.tables["rounds"].c.label)).scalars().all() == seen == ["2026/27"]
        assert conn.execute(select(metadata.tables["audit_log"].c.id)).scalars().all() == [1]
    assert any_store.round_labels() == ["2026/27", "2027/28"]


def test_writing_where_it_cannot_names_the_place(any_store, tmp_path):
    with pytest.raises(IcsdashError, match="cannot write the backup: No such file or directory") as raised:
        write_backup(any_store, tmp_path / "missing" / "icsdash.zip")
    assert raised.value.source == str(tmp_path / "missing" / "icsdash.zip")
    assert not (tmp_path / "missing").exists()


# --------------------------------------------------------------------------- restoring

def test_restore_into_a_fresh_database_is_an_exact_copy(any_store, new_store, framework, tmp_path):
    ids = seed(any_store, framework)
    write_backup(any_store, tmp_path / "icsdash.zip")
    backup = read_backup(tmp_path / "icsdash.zip")
    assert backup.source == str(tmp_path / "icsdash.zip")
    assert backup.summary.rows == SEEDED
    target = new_store(dialect(any_store))
    done = restore(target, backup, ADMIN, record=False)
    # A new database holds one row: its data version, 0.
    assert (done.removed, done.rows) == ({name: 0 for name in TABLES} | {"meta": 1}, SEEDED)
    assert contents(target) == contents(any_store)
    assert payloads(backup_bytes(target)) == payloads((tmp_path / "icsdash.zip").read_bytes())
    # The data version is the newest write any page shows (the sign-ins and access codes after it do not count).
    entries = any_store.audit_entries()
    published = entries[~entries["action"].isin(PRIVATE_ACTIONS)]["id"].max()
    assert 0 < published < 13
    assert done.data_version == target.data_version() == any_store.data_version() == published
    first, second = target.get(BOLTON, ids["first"]), target.get(BOLTON, ids["second"])
    dims = framework.dimension_ids
    assert (first.justifications[dims[0]], first.justifications[dims[2]]) == (ODD_TEXT, LONG_TEXT)
    assert (first.participant, first.scores[dims[1]], first.status) == ("Zoë Ødegård 😀", None, "submitted")
    assert (second.version, second.status, second.submitted_at) == (2, "draft", None)
    assert first.created_at == any_store.get(BOLTON, ids["first"]).created_at
    assert target.consensus_inputs(ids["consensus"]) == [ids["first"]]
    assert [r["succeeded"] for r in contents(target)["sign_in_attempts"]] == [True, False]
    assert_next_ids_follow(target, contents(any_store), framework)
    assert target.sign_in(ids["code"], "browser-3").place_code == "bolton"      # the hashes came back too


def test_restore_over_other_content_replaces_it_and_records_itself(any_store, new_store, framework):
    source = new_store(dialect(any_store))
    seed(source, framework)
    backup = read_backup(backup_bytes(source), name="monday.zip")
    any_store.seed_demo(PLACES + ["bexley", "brent"], framework)      # more rows, higher ids
    any_store.add_round("cli", "1999/00")
    before = counts(any_store)
    assert (before["assessments"], before["rounds"], before["audit_log"]) == (22, 4, 2)     # Brent's 2026/27 too

    done = restore(any_store, backup, ADMIN)
    assert done.removed == before and done.rows == SEEDED
    assert done.describe() == f"restored the {backup.summary.describe()}, replacing {sum(before.values())} rows"
    assert done.data_version == any_store.data_version() == 14
    restored, original = contents(any_store), contents(source)
    assert {name: rows for name, rows in restored.items() if name not in ("audit_log", "meta")} == \
           {name: rows for name, rows in original.items() if name not in ("audit_log", "meta")}
    assert restored["audit_log"][:-1] == original["audit_log"]
    # The reference version moves on to the restore's entry, so servers reload imported places and PCNs.
    # So does the data version.
    assert {row["key"]: row["value"] for row in restored["meta"]} == \
           {**{row["key"]: row["value"] for row in original["meta"]}, "reference_import": "14", "data_version": "14"}
    assert any_store.reference_version() == 14
    entry = restored["audit_log"][-1]
    assert (entry["id"], entry["actor"], entry["action"], entry["place_code"]) == (14, "Ada Admin", "restore_backup",
                                                                                   None)
    assert json.loads(entry["detail"]) == {"backup": "monday.zip", "created_at": backup.summary.created_at.isoformat(),
                                           "app_version": __version__, "database": dialect(source), "rows": SEEDED}
    assert_next_ids_follow(any_store, restored, framework)


def test_data_version_moves_on_though_the_backup_ends_where_the_database_did(any_store, framework):
    """A backup at audit id 1, one more write (id 2): the restore's own entry is 3, never 2 again."""
    any_store.add_round("cli", "2026/27")
    backup = read_backup(backup_bytes(any_store))
    any_store.add_round("cli", "2027/28")
    assert any_store.data_version() == 2
    assert restore(any_store, backup, "command line (ops)").data_version == any_store.data_version() == 3
    assert any_store.round_labels() == ["2026/27"]
    assert any_store.audit_entries()[["id", "action", "actor"]].values.tolist() == [
        [1, "add_round", "cli"], [3, "restore_backup", "command line (ops)"]]


def test_sqlite_and_postgresql_backups_restore_into_each_other(new_store, framework):
    lite = new_store("sqlite")
    seed(lite, framework)
    postgres = new_store("postgresql")
    restore(postgres, read_backup(backup_bytes(lite)), ADMIN, record=False)
    assert in_utc(contents(postgres)) == in_utc(contents(lite))
    assert all(row["opened_at"].tzinfo is not None for row in contents(postgres)["rounds"])
    again = new_store("sqlite")
    restore(again, read_backup(backup_bytes(postgres)), ADMIN, record=False)
    assert contents(again) == contents(lite)                 # back in SQLite: naive UTC, exactly as before
    assert_next_ids_follow(postgres, contents(lite), framework)


def test_restore_needs_an_admin(any_store, framework):
    any_store.add_round("cli", "2026/27")
    backup = read_backup(backup_bytes(any_store))
    any_store.add_round("cli", "2027/28")
    with pytest.raises(AccessDenied):
        restore(any_store, backup, BOLTON)
    assert any_store.round_labels() == ["2026/27", "2027/28"]


def edited(data: bytes, table: str, line: int, column: str, value) -> bytes:
    """A backup with one value changed and its checksum made to match: well formed, but wrong."""
    manifest, files = unpack(data)
    entry = next(t for t in manifest["tables"] if t["name"] == table)
    rows = files[entry["file"]].decode().split("\n")
    row = json.loads(rows[line - 1])
    row[entry["columns"].index(column)] = value
    rows[line - 1] = json.dumps(row)
    files[entry["file"]] = "\n".join(rows).encode()
    return pack(manifest, files)


@pytest.mark.parametrize("table, column, value, problem", [
    ("scores", "assessment_id", 999999, "FOREIGN KEY|foreign key"),
    ("rounds", "label", "2024/25", "UNIQUE|unique"),
    ("scores", "score", 11, "CHECK|check"),
])
def test_a_backup_that_breaks_a_database_rule_changes_nothing(any_store, framework, table, column, value, problem):
    any_store.seed_demo(PLACES, framework)
    bad = edited(backup_bytes(any_store), table, 2, column, value)
    any_store.add_round("cli", "2026/27")
    before = contents(any_store)
    with pytest.raises(DataError, match=f"^broken.zip: does not fit this database .*({problem}).*; nothing was "
                                        "changed$"):
        restore(any_store, read_backup(bad, name="broken.zip"), ADMIN)
    assert contents(any_store) == before
    assert any_store.data_version() == 2


# --------------------------------------------------------------------------- values

@pytest.mark.parametrize("sql_type, value", [
    (Integer(), 0), (Integer(), -(2 ** 31)), (Integer(), 2 ** 53 + 1),
    (Boolean(), True), (Boolean(), False),
    (Float(), 0.1), (Float(), -0.0), (Float(), 1e308), (Float(), 5e-324), (Float(), math.inf), (Float(), -math.inf),
    (Numeric(12, 4), Decimal("-12345678.1234")),
    (Text(), ""), (Text(), ODD_TEXT), (Text(), LONG_TEXT),
    (DateTime(), datetime(2025, 4, 1, 9, 30, 0, 123456)),
    (DateTime(timezone=True), datetime(2025, 4, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)),
    (Date(), date(1999, 12, 31)),
    (LargeBinary(), bytes(range(256))),
])
def test_every_kind_of_value_comes_back_exactly(sql_type, value):
    column = Column("x", sql_type)
    codec = next(c for c in CODECS if isinstance(sql_type, c.sql_type))
    back = codec.decode(json.loads(json.dumps(codec.encode(value))), column)
    assert back == value and type(back) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value)


def test_a_time_in_another_zone_is_kept_as_the_same_moment_in_utc():
    codec = next(c for c in CODECS if c.name == "datetime")
    there = datetime(2025, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert codec.encode(there) == "2025-04-01T04:00:00+00:00"
    assert codec.decode(codec.encode(there), Column("x", DateTime(timezone=True))) == there


@pytest.fixture
def probe_table(any_store):
    """A table added to the schema after this module was written, with kinds of columns icsdash has none of yet."""
    probe = Table("backup_probe", metadata,
                  Column("id", Integer, primary_key=True, autoincrement=True),
                  Column("share", Float), Column("amount", Numeric(12, 4)), Column("day", Date),
                  Column("local_time", DateTime(timezone=False)), Column("flag", Boolean),
                  Column("blob", LargeBinary), Column("note", Text))
    metadata.create_all(any_store.engine, tables=[probe])
    yield probe
    probe.drop(any_store.engine, checkfirst=True)
    metadata.remove(probe)


def test_a_table_added_to_the_schema_is_backed_up_too(any_store, new_store, probe_table):
    rows = [{"id": 1, "share": 0.1, "amount": Decimal("12.5000"), "day": date(2025, 4, 1),
             "local_time": datetime(2025, 4, 1, 9, 30, 15, 5), "flag": True, "blob": b"\x00\xff", "note": ODD_TEXT},
            {"id": 2, "share": 1e308, "amount": Decimal("-0.0001"), "day": date(1, 1, 1),
             "local_time": datetime(9999, 12, 31, 23, 59, 59), "flag": False, "blob": b"", "note": ""},
            {"id": 7, "share": None, "amount": None, "day": None, "local_time": None, "flag": None, "blob": None,
             "note": None}]
    with any_store.engine.begin() as conn:
        conn.execute(insert(probe_table), rows)
    backup = read_backup(backup_bytes(any_store))
    assert backup.summary.rows["backup_probe"] == 3
    target = new_store(dialect(any_store))
    restore(target, backup, ADMIN)
    assert contents(target)["backup_probe"] == rows
    with target.engine.begin() as conn:
        assert conn.execute(insert(probe_table).values(note="next")).inserted_primary_key[0] == 8


# --------------------------------------------------------------------------- bad files

def unpack(data: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("manifest.json")), files


def pack(manifest: dict, files: dict[str, bytes], checksums: bool = True) -> bytes:
    """A zip of the files, with the manifest (unless it is empty, or files holds one), checksums made to match."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry in manifest.get("tables", []) if checksums else []:
            if entry.get("file") in files:
                entry["sha256"] = hashlib.sha256(files[entry["file"]]).hexdigest()
        if manifest and "manifest.json" not in files:
            archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory, framework) -> bytes:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('good') / 'good.sqlite3'}")
    seed(store, framework)
    data = backup_bytes(store)
    store.engine.dispose()
    return data


def table_entry(manifest: dict, name: str) -> dict:
    return next(t for t in manifest["tables"] if t["name"] == name)


def without_table(manifest, files):
    manifest["tables"].remove(table_entry(manifest, "access_codes"))
    del files["tables/access_codes.jsonl"]


def with_unknown_table(manifest, files):
    manifest["tables"].append({**table_entry(manifest, "meta"), "name": "secrets", "file": "tables/secrets.jsonl"})
    files["tables/secrets.jsonl"] = files["tables/meta.jsonl"]


def edit_line(table, line, change):
    def edit(manifest, files):
        entry = table_entry(manifest, table)
        rows = files[entry["file"]].decode().split("\n")
        rows[line - 1] = change(rows[line - 1], entry["columns"])
        files[entry["file"]] = "\n".join(rows).encode()
    return edit


def set_value(table, line, column, value):
    def change(text, columns):
        row = json.loads(text)
        row[columns.index(column)] = value
        return json.dumps(row)
    return edit_line(table, line, change)


BAD_FILES = [   # id, change to a good backup (or the bytes of a file), keep the checksums right, what the message says
    ("not-a-zip", b"PK\x03\x04 but not really", True, "^bad.zip: is not an icsdash backup: it is not a zip file$"),
    ("empty-file", b"", True, "it is not a zip file$"),
    ("no-manifest", lambda m, f: m.clear(), True, "is not an icsdash backup: it is a zip file without manifest.json$"),
    ("manifest-not-json", lambda m, f: f.update({"manifest.json": b"{oops"}), True,
     "is not an icsdash backup: manifest.json is not valid JSON"),
    ("other-format", lambda m, f: m.update(format="photos"), True,
     "is not an icsdash backup: its format is \"photos\"; expected 'icsdash-backup'$"),
    ("newer-version", lambda m, f: m.update(format_version=2, app_version="9.0.0"), True,
     rf"is backup format version 2 \(made by icsdash 9.0.0\); this icsdash \({__version__}\) reads format version 1: "
     "upgrade icsdash to restore it$"),
    ("no-created-at", lambda m, f: m.update(created_at="last week"), True,
     "manifest.json needs 'created_at' as a date and time; got \"last week\"$"),
    ("entry-without-checksum", lambda m, f: m["tables"][0].pop("sha256"), False,
     r"manifest.json, tables\[0\] needs 'sha256' \(str\); got null$"),
    ("missing-table", without_table, True,
     f"^bad.zip: has no table access_codes; a backup of this icsdash version holds the tables {', '.join(TABLES)}$"),
    ("unknown-table", with_unknown_table, True,
     "has table secrets, which this icsdash version does not know .*was it made by a newer version"),
    ("column-missing", lambda m, f: table_entry(m, "rounds")["columns"].remove("label"), True,
     "^bad.zip, rounds: table rounds has the columns id, position, opened_at; expected id, label, position, "
     "opened_at$"),
    ("table-file-missing", lambda m, f: f.pop("tables/meta.jsonl"), True,
     "is not a complete icsdash backup: it has no tables/meta.jsonl$"),
    ("checksum", edit_line("rounds", 1, lambda text, columns: text.replace("2024/25", "2024/26")), False,
     "^bad.zip, rounds: tables/rounds.jsonl does not match its checksum in manifest.json: the file is damaged or "
     "was edited after the backup was made$"),
    ("row-count", lambda m, f: table_entry(m, "rounds").update(rows=4), True,
     "^bad.zip, rounds: tables/rounds.jsonl has 3 rows; manifest.json says 4$"),
    ("not-json-row", edit_line("rounds", 2, lambda text, columns: "{"), True,
     "^bad.zip, tables/rounds.jsonl, line 2: is not valid JSON"),
    ("too-few-values", edit_line("rounds", 3, lambda text, columns: json.dumps(json.loads(text)[:3])), True,
     r"^bad.zip, tables/rounds.jsonl, line 3: expected a JSON list of 4 values \(id, label, position, opened_at\); "
     r"got \[3, \"2026/27\", 3\]$"),
    ("bad-date", set_value("rounds", 1, "opened_at", "yesterday"), True,
     "^bad.zip, tables/rounds.jsonl, line 1, opened_at: expected a date and time like "
     "\"2025-04-01T09:30:00\\+00:00\"; got \"yesterday\"$"),
    ("text-for-number", set_value("rounds", 2, "position", "2"), True,
     "^bad.zip, tables/rounds.jsonl, line 2, position: expected a whole number; got \"2\"$"),
    ("number-for-boolean", set_value("assessments", 5, "is_demo", 1), True,
     "^bad.zip, tables/assessments.jsonl, line 5, is_demo: expected true or false; got 1$"),
    ("empty-required", set_value("rounds", 1, "label", None), True,
     "^bad.zip, tables/rounds.jsonl, line 1, label: is empty, but every row needs a value here$"),
    ("too-long", set_value("rounds", 1, "label", "x" * 41), True,
     "^bad.zip, tables/rounds.jsonl, line 1, label: expected at most 40 characters; got 41$"),
    ("not-base64", set_value("access_codes", 2, "salt", "%%%"), True,
     "^bad.zip, tables/access_codes.jsonl, line 2, salt: expected base64 text; got \"%%%\"$"),
]


@pytest.mark.parametrize("change, checksums, message", [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_a_bad_file_is_named_and_changes_nothing(good_backup, tmp_path, change, checksums, message):
    if isinstance(change, bytes):
        bad = change
    else:
        manifest, files = unpack(good_backup)
        change(manifest, files)
        bad = pack(manifest, files, checksums)
    target = Store.open(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    target.add_round("cli", "2026/27")
    before = contents(target)
    with pytest.raises(DataError, match=message):
        restore(target, read_backup(bad, name="bad.zip"), ADMIN)
    assert contents(target) == before and counts(target)["rounds"] == 1


def test_a_file_that_is_not_there_or_is_a_folder(tmp_path):
    with pytest.raises(DataError, match="no-such.zip: there is no such file$"):
        read_backup(tmp_path / "no-such.zip")
    with pytest.raises(DataError, match=": is a folder; expected a backup file$"):
        read_backup(tmp_path)

