"""Storage: schema, demo seeding (deterministic, idempotent, safe under concurrency), versions, on SQLite and PostgreSQL."""

import threading

import pandas as pd
import pytest
from sqlalchemy import text

from icsdash.assessments import demo_assessments
from icsdash.store import Store

PLACES = ["bolton", "bury", "bexley", "brent", "lincolnshire"]


def expected_demo(framework, places=PLACES):
    return list(demo_assessments(places, framework))


def test_seed_demo_once(any_store, framework):
    expected = expected_demo(framework)
    assert any_store.data_version() == 0
    assert any_store.seed_demo(PLACES, framework) == len(expected)
    version = any_store.data_version()
    assert version > 0
    assert any_store.seed_demo(PLACES, framework) == 0          # idempotent
    assert any_store.data_version() == version
    latest = any_store.latest_scores()
    submitted = [a for a in expected if a.status == "submitted"]
    assert latest["assessment_id"].nunique() == len(submitted)
    assert len(latest) == len(submitted) * 12
    assert set(latest["round"]) == {"2024/25", "2025/26", "2026/27"}
    assert any_store.rounds()["label"].tolist() == ["2024/25", "2025/26", "2026/27"]
    audit = any_store.audit_entries()
    assert audit["action"].tolist() == ["seed_demo"]


def test_demo_scores_match_the_generator(any_store, framework):
    any_store.seed_demo(PLACES, framework)
    latest = any_store.latest_scores()
    first = next(a for a in expected_demo(framework) if a.status == "submitted")
    rows = latest[(latest.place_code == first.place_code) & (latest["round"] == first.round_label)
                  & (latest.stakeholder_group == first.stakeholder_group) & (latest.kind == first.kind)]
    got = {r.dimension_id: (None if pd.isna(r.score) else int(r.score)) for r in rows.itertuples()}
    assert got == first.scores


def test_demo_data_has_every_status(framework, reference):
    records = list(demo_assessments(reference.places["place_code"].tolist(), framework))
    kinds = {(r.kind, r.status) for r in records}
    assert kinds == {("individual", "submitted"), ("individual", "draft"), ("consensus", "submitted")}
    places_r1 = {r.place_code for r in records if r.round_label == "2024/25"}
    assert 0.7 * len(reference.places) < len(places_r1) < 0.9 * len(reference.places)
    assert all(r.is_demo for r in records)


def test_demo_uses_the_configured_framework(any_store, mini_framework):
    any_store.seed_demo(PLACES[:2], mini_framework)
    latest = any_store.latest_scores()
    assert set(latest["dimension_id"]) == {"leadership", "data_sharing", "outcomes"}
    assert latest["score"].dropna().between(0, 3).all()
    with any_store.engine.connect() as conn:
        ids = conn.execute(text("SELECT DISTINCT framework_id, framework_version FROM assessments")).all()
    assert ids == [("mini_test", "0.3")]


def test_concurrent_seeding_seeds_once(any_store, framework):
    results = []
    url = any_store.engine.url.render_as_string(hide_password=False)

    def seed():
        store = Store.open(url)
        results.append(store.seed_demo(PLACES, framework))
        store.engine.dispose()

    threads = [threading.Thread(target=seed) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[-1] == len(expected_demo(framework))
    assert sorted(results)[:-1] == [0, 0, 0]
    with any_store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM assessments")).scalar_one() == len(expected_demo(framework))


def test_sqlite_uses_wal(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'sub' / 'db.sqlite3'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    assert (tmp_path / "sub" / "db.sqlite3").exists()


def test_scores_out_of_range_are_refused_by_the_database(any_store, framework):
    any_store.seed_demo(PLACES[:1], framework)
    with pytest.raises(Exception):
        with any_store.engine.begin() as conn:
            conn.execute(text("UPDATE scores SET score = 11"))


def test_data_version_moves_only_with_what_pages_show(any_store, framework):
    """Drafts saved as someone types, sign-ins and access codes are private: caches keyed by the version stay."""
    any_store.add_round("cli", "2026/27")
    after_round = any_store.data_version()
    code = any_store.create_access_code("cli", "place_director", "bolton", "Bolton lead")
    who = any_store.sign_in(code, client="browser-1")
    assert any_store.data_version() == after_round
    started = any_store.start(who, "bolton", "2026/27", "icb", "Ann", framework)
    after_start = any_store.data_version()           # the place is now "in progress" on the maps
    assert after_start > after_round
    dims = framework.dimension_ids
    for number, dim in enumerate(dims):
        any_store.save_draft(who, started.id, framework, {dim: number % 6}, {dim: f"Because {number}"})
    assert any_store.data_version() == after_start
    assert len(any_store.audit_entries()) == 4 + len(dims)    # every draft save is still audited
    any_store.submit(who, started.id, framework)
    submitted = any_store.data_version()
    assert submitted == any_store.audit_entries()["id"].max() > after_start
    assert Store.open(str(any_store.engine.url.render_as_string(hide_password=False))).data_version() == submitted


def test_a_round_opened_before_the_first_start_stays_the_latest(any_store, framework):
    """`icsdash round add 2027/28` before the app's first start: the demo's rounds go before it, not after."""
    any_store.add_round("cli", "2027/28")
    assert any_store.seed_demo(PLACES, framework) > 0
    assert any_store.round_labels() == ["2024/25", "2025/26", "2026/27", "2027/28"]
    assert any_store.rounds()["position"].tolist() == [1, 2, 3, 4]


# --------------------------------------------------------------------------- place codes that changed

RENAMED = {"QWO-bradford": "bradford-district-and-craven", "QWO-north-yorkshire": "bradford-district-and-craven",
           "QOQ-kingston-upon-hull-city-of": "hull"}
OLD_RELEASE = ["QWO-bradford", "QWO-north-yorkshire", "QOQ-kingston-upon-hull-city-of", "bolton"]


def _contents(store) -> dict[str, list[tuple]]:
    """Every row of the tables that name places, place codes left out, in a stable order."""
    from icsdash.store import access_codes, assessments, audit_log, reference_rows, scores
    out = {}
    with store.engine.connect() as conn:
        for table in (assessments, scores, access_codes, audit_log, reference_rows):
            columns = [c for c in table.c if c.name not in ("place_code", "row_key", "data")]
            out[table.name] = sorted(tuple(map(str, r)) for r in conn.execute(text(
                f"SELECT {', '.join(c.name for c in columns)} FROM {table.name}")))
        out["place codes"] = sorted(r[0] for r in conn.execute(text("SELECT place_code FROM assessments")))
    return out


def _fill_like_the_previous_release(store, framework):
    """Demo assessments, an access code and imported rows on the codes of the release before the renames."""
    import json
    from sqlalchemy import insert
    from icsdash.store import reference_rows
    store.seed_demo(OLD_RELEASE, framework)
    store.create_access_code("admin", "place_director", "QOQ-kingston-upon-hull-city-of", "Hull director")
    with store.engine.begin() as conn:
        conn.execute(insert(reference_rows), [
            {"table_name": "place_governance.csv", "row_key": "QWO-bradford", "import_id": 1,
             "data": json.dumps({"place_code": "QWO-bradford", "governance_model": "place_board"})},
            {"table_name": "pcns.csv", "row_key": "U99999", "import_id": 1,
             "data": json.dumps({"pcn_code": "U99999", "place_code": "QWO-north-yorkshire",
                                 "place_shares": "QWO-north-yorkshire 0.60; bolton 0.40"})},
            {"table_name": "practices.csv", "row_key": "B82002", "import_id": 1,
             "data": json.dumps({"practice_code": "B82002", "place_code": "QWO-north-yorkshire"})}])


def test_place_code_changes_move_every_row_once(any_store, framework):
    _fill_like_the_previous_release(any_store, framework)
    before = _contents(any_store)
    url = any_store.engine.url.render_as_string(hide_password=False)
    moved = Store.open(url, RENAMED)
    after = _contents(moved)
    # Every row is still there and unchanged apart from its place code, plus one audit entry saying what moved.
    for table in ("assessments", "scores", "access_codes", "reference_rows"):
        assert after[table] == before[table], table
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    entries = moved.audit_entries()
    assert entries["action"].iloc[-1] == "migrate_place_codes"
    per_place = {c: before["place codes"].count(c) for c in OLD_RELEASE}
    assert after["place codes"].count("bradford-district-and-craven") == per_place["QWO-bradford"] + per_place[
        "QWO-north-yorkshire"]
    assert after["place codes"].count("hull") == per_place["QOQ-kingston-upon-hull-city-of"]
    assert after["place codes"].count("bolton") == per_place["bolton"]
    assert not set(after["place codes"]) & set(RENAMED)
    assert moved.access_codes()["place_code"].tolist() == ["hull"]
    overlay = moved.reference_overlay()
    assert overlay["place_governance.csv"] == {"bradford-district-and-craven": {
        "place_code": "bradford-district-and-craven", "governance_model": "place_board"}}
    assert overlay["pcns.csv"]["U99999"]["place_code"] == "bradford-district-and-craven"
    assert overlay["pcns.csv"]["U99999"]["place_shares"] == "bradford-district-and-craven 0.60; bolton 0.40"
    assert overlay["practices.csv"]["B82002"]["place_code"] == "bradford-district-and-craven"
    version = moved.data_version()
    # A second run (the next start) changes nothing, not even the audit log.
    again = Store.open(url, RENAMED)
    assert _contents(again) == after and again.data_version() == version
    moved.engine.dispose()
    again.engine.dispose()


def test_place_code_changes_refuse_to_merge_two_imported_rows(any_store, framework):
    import json
    from sqlalchemy import insert
    from icsdash.errors import IcsdashError
    from icsdash.store import reference_rows
    _fill_like_the_previous_release(any_store, framework)
    with any_store.engine.begin() as conn:
        conn.execute(insert(reference_rows).values(
            table_name="place_governance.csv", row_key="QWO-north-yorkshire", import_id=2,
            data=json.dumps({"place_code": "QWO-north-yorkshire", "governance_model": "lead_provider"})))
    before = _contents(any_store)
    url = any_store.engine.url.render_as_string(hide_password=False)
    with pytest.raises(IcsdashError) as refused:
        Store.open(url, RENAMED)
    assert str(refused.value) == (
        "data/place_code_changes.csv: imported rows of place_governance.csv exist for QWO-bradford, "
        "QWO-north-yorkshire and would replace the imported row of bradford-district-and-craven; nothing was "
        "changed. Remove one of them (import again) and restart")
    assert _contents(any_store) == before                     # one transaction: nothing written


def test_a_backup_from_before_the_renames_restores_on_todays_codes(any_store, framework):
    from icsdash.backup import backup_bytes, read_backup, restore
    _fill_like_the_previous_release(any_store, framework)
    old = read_backup(backup_bytes(any_store), name="before.zip")
    url = any_store.engine.url.render_as_string(hide_password=False)
    today = Store.open(url, RENAMED)
    restore(today, old, "admin")
    codes = _contents(today)["place codes"]
    assert "hull" in codes and not set(codes) & set(RENAMED)
    assert today.access_codes()["place_code"].tolist() == ["hull"]
    today.engine.dispose()


def test_a_row_on_a_code_that_maps_to_no_place_is_refused(any_store, framework):
    """A code that is neither today's place nor a retired one (a place dropped without a line in
    place_code_changes.csv) is not guessed at: the start stops, names it, and writes nothing."""
    from icsdash.errors import IcsdashError
    from icsdash.reference import place_codes
    from conftest import DATA
    _fill_like_the_previous_release(any_store, framework)
    any_store.create_access_code("admin", "place_director", "QOQ-atlantis", "Lost place")
    before = _contents(any_store)
    url = any_store.engine.url.render_as_string(hide_password=False)
    with pytest.raises(IcsdashError) as refused:
        Store.open(url, RENAMED, place_codes(DATA))
    assert str(refused.value) == (
        "data/place_code_changes.csv: the database holds rows for place codes that are neither today's places nor "
        "retired codes: QOQ-atlantis (access_codes): 1 row. Nothing was changed. Add each to "
        "data/place_code_changes.csv with the place it became (old_code,new_code,...) and restart")
    assert _contents(any_store) == before
    moved = Store.open(url, {**RENAMED, "QOQ-atlantis": "hull"}, place_codes(DATA))   # once mapped, it moves
    assert sorted(moved.access_codes()["place_code"]) == ["hull", "hull"]
    moved.engine.dispose()


def test_a_database_of_the_release_before_live_votes_gains_their_tables_and_loses_nothing(any_store, framework):
    """The previous release's schema (every table but the live vote's) with its rows: opening it with this
    release adds the live-vote tables, every row is still there, and opening it again changes nothing."""
    from sqlalchemy import inspect
    from icsdash.store import ADDED_LATER, metadata
    url = any_store.engine.url.render_as_string(hide_password=False)
    metadata.drop_all(any_store.engine)
    metadata.create_all(any_store.engine, tables=[t for t in metadata.sorted_tables if t.name not in ADDED_LATER])
    any_store.seed_demo(["bolton", "wigan"], framework)
    any_store.create_access_code("admin", "place_director", "bolton", "Bolton director")
    before = _contents(any_store)
    assert not ADDED_LATER & set(inspect(any_store.engine).get_table_names())
    any_store.engine.dispose()
    opened = Store.open(url)
    assert ADDED_LATER <= set(inspect(opened.engine).get_table_names())
    assert _contents(opened) == before and opened.newest_live_vote("bolton", opened.round_labels()[-1]) is None
    opened.engine.dispose()
    again = Store.open(url)
    assert _contents(again) == before
    again.engine.dispose()
