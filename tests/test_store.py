"""Storage: schema, demo seeding (deterministic, idempotent, safe under concurrency), versions, on SQLite and PostgreSQL."""

import threading

import pytest
from sqlalchemy import text

from icsdash.assessments import demo_assessments
from icsdash.store import Store

PLACES = ["QOP-bolton", "QOP-bury", "QKK-bexley", "QRV-brent", "QJM-lincolnshire"]


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
    assert set(latest["round"]) <= {"2024/25", "2025/26"}
    assert any_store.rounds()["label"].tolist() == ["2024/25", "2025/26"]
    audit = any_store.audit_entries()
    assert audit["action"].tolist() == ["seed_demo"]


def test_demo_scores_match_the_generator(any_store, framework):
    any_store.seed_demo(PLACES, framework)
    latest = any_store.latest_scores()
    first = next(a for a in expected_demo(framework) if a.status == "submitted")
    rows = latest[(latest.place_code == first.place_code) & (latest["round"] == first.round_label)
                  & (latest.stakeholder_group == first.stakeholder_group) & (latest.kind == first.kind)]
    got = {r.dimension_id: (None if r.score is None or r.score != r.score else int(r.score)) for r in rows.itertuples()}
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
    code = any_store.create_access_code("cli", "place_director", "QOP-bolton", "Bolton lead")
    who = any_store.sign_in(code, client="browser-1")
    assert any_store.data_version() == after_round
    started = any_store.start(who, "QOP-bolton", "2026/27", "icb", "Ann", framework)
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
    """`icsdash round add 2026/27` before the app's first start: the demo's rounds go before it, not after."""
    any_store.add_round("cli", "2026/27")
    assert any_store.seed_demo(PLACES, framework) > 0
    assert any_store.round_labels() == ["2024/25", "2025/26", "2026/27"]
    assert any_store.rounds()["position"].tolist() == [1, 2, 3]
