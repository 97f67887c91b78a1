"""An assessment's life: draft, autosave, gaps named, submit, frozen versions, history, consensus, concurrency."""

import threading

import pytest
from sqlalchemy import text

from icsdash.auth import AccessDenied, Principal
from icsdash.store import Incomplete, InvalidEntry, Store

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
BURY = Principal("place_director", "bury", "Bury lead", "code")
LEADER = Principal("system_leader", None, "ICB lead", "sso")


@pytest.fixture
def store(any_store):
    any_store.add_round("cli", "2026/27")
    return any_store


def full(framework, score=3):
    return {d: score for d in framework.dimension_ids}, {d: f"Because of {d}" for d in framework.dimension_ids}


def test_draft_autosave_and_resume(store, framework):
    a = store.start(BOLTON, "bolton", "2026/27", "icb", "Ann (ICB)", framework)
    assert (a.status, a.version, a.scores) == ("draft", 1, {})
    store.save_draft(BOLTON, a.id, framework, {"readiness_to_change": 2}, {})
    store.save_draft(BOLTON, a.id, framework, {}, {"readiness_to_change": "Vision agreed", "digital_infrastructure": "typed first"})
    again = store.start(BOLTON, "bolton", "2026/27", "icb", "Ann (ICB)", framework)     # resumes, no new row
    assert again.id == a.id
    assert again.scores == {"readiness_to_change": 2}
    assert again.justifications == {"readiness_to_change": "Vision agreed", "digital_infrastructure": "typed first"}
    assert store.find(BOLTON, a.assessment_key).id == a.id


def test_submit_names_every_gap_and_changes_nothing(store, framework):
    a = store.start(BOLTON, "bolton", "2026/27", "icb", "Ann", framework)
    store.save_draft(BOLTON, a.id, framework, {"readiness_to_change": 4, "finance_and_funding": None}, {})
    with pytest.raises(Incomplete) as raised:
        store.submit(BOLTON, a.id, framework)
    assert raised.value.gaps["readiness_to_change"] == "write a justification for this score"
    assert "finance_and_funding" not in raised.value.gaps                # "not assessed" needs no justification
    assert raised.value.gaps["capacity_building"] == "choose a score or 'not assessed'"
    assert len(raised.value.gaps) == 11
    assert store.get(BOLTON, a.id).status == "draft"


def test_submitted_versions_are_frozen_and_editing_makes_version_2(store, framework):
    a = store.start(BOLTON, "bolton", "2026/27", "local_authority", "Bob", framework)
    store.save_draft(BOLTON, a.id, framework, *full(framework))
    v1 = store.submit(BOLTON, a.id, framework)
    assert (v1.status, v1.version) == ("submitted", 1) and v1.submitted_at is not None
    with pytest.raises(InvalidEntry, match="has been submitted and cannot change"):
        store.save_draft(BOLTON, a.id, framework, {"readiness_to_change": 0}, {})
    v2 = store.edit(BOLTON, a.id)
    assert (v2.version, v2.status, v2.scores) == (2, "draft", v1.scores)
    assert store.edit(BOLTON, a.id).id == v2.id                            # reopens the same draft
    store.save_draft(BOLTON, v2.id, framework, {"readiness_to_change": 5}, {"readiness_to_change": "Now universal"})
    store.submit(BOLTON, v2.id, framework)
    assert store.get(BOLTON, a.id).scores["readiness_to_change"] == 3     # version 1 untouched
    history = store.history(BOLTON, a.assessment_key)
    assert history[["version", "status", "author"]].values.tolist() == [[1, "submitted", "Bolton lead"],
                                                                      [2, "submitted", "Bolton lead"]]
    latest = store.latest_scores()
    mine = latest[latest.assessment_id == v2.id]
    assert mine.set_index("dimension_id").loc["readiness_to_change", "score"] == 5
    assert a.id not in set(latest.assessment_id)                         # only the newest version counts
    assert store.audit_entries()["action"].tolist() == ["add_round", "start_assessment", "save_draft", "submit",
                                                        "new_version", "save_draft", "submit"]


@pytest.mark.parametrize("scores, texts, field, message", [
    ({"readiness_to_change": 6}, {}, "readiness_to_change", "score must be a whole number from 0 to 5"),
    ({"readiness_to_change": "3"}, {}, "readiness_to_change", "score must be a whole number from 0 to 5"),
    ({"readiness_to_change": 2.5}, {}, "readiness_to_change", "score must be a whole number from 0 to 5"),
    ({"no_such_dimension": 1}, {}, "no_such_dimension", "is not a dimension of this framework"),
    ({}, {"capacity_building": "x" * 2001}, "capacity_building", "justification is 2,001 characters; at most 2,000"),
    ({}, {"capacity_building": "a\x00b"}, "capacity_building", "NUL character"),
])
def test_bad_values_are_refused_and_nothing_is_written(store, framework, scores, texts, field, message):
    a = store.start(BOLTON, "bolton", "2026/27", "icb", "Ann", framework)
    version = len(store.audit_entries())
    with pytest.raises(InvalidEntry) as raised:
        store.save_draft(BOLTON, a.id, framework, {"finance_and_funding": 2, **scores}, texts)
    assert raised.value.field == field and message in raised.value.problems[field]
    assert len(store.audit_entries()) == version                  # nothing written, not even an audit entry
    assert store.get(BOLTON, a.id).scores == {}


def test_text_is_stored_verbatim(store, framework):
    hostile = "<script>alert(1)</script> **bold** [x](javascript:1) '; DROP TABLE scores; -- \n\ttabs é 🙂"
    a = store.start(BOLTON, "bolton", "2026/27", "icb", "<b>Ann</b>", framework)
    store.save_draft(BOLTON, a.id, framework, {"readiness_to_change": 1}, {"readiness_to_change": hostile})
    got = store.get(BOLTON, a.id)
    assert got.justifications["readiness_to_change"] == hostile and got.participant == "<b>Ann</b>"


def test_place_directors_reach_only_their_place(store, framework):
    a = store.start(BOLTON, "bolton", "2026/27", "icb", "Ann", framework)
    for attempt in (lambda: store.get(BURY, a.id), lambda: store.find(BURY, a.assessment_key),
                    lambda: store.history(BURY, a.assessment_key), lambda: store.place_assessments(BURY, "bolton"),
                    lambda: store.save_draft(BURY, a.id, framework, {"readiness_to_change": 1}, {}),
                    lambda: store.submit(BURY, a.id, framework), lambda: store.edit(BURY, a.id),
                    lambda: store.start(BURY, "bolton", "2026/27", "icb", "Mallory", framework)):
        with pytest.raises(AccessDenied):
            attempt()
    assert store.get(LEADER, a.id).id == a.id                            # system leaders read everything
    with pytest.raises(AccessDenied):
        store.save_draft(LEADER, a.id, framework, {"readiness_to_change": 1}, {})


def test_start_checks_its_inputs(store, framework):
    with pytest.raises(InvalidEntry, match="enter your name or role"):
        store.start(BOLTON, "bolton", "2026/27", "icb", "  ", framework)
    with pytest.raises(InvalidEntry, match="must be one of icb, local_authority"):
        store.start(BOLTON, "bolton", "2026/27", "friends", "Ann", framework)
    with pytest.raises(InvalidEntry, match="there is no round called '1999'"):
        store.start(BOLTON, "bolton", "1999", "icb", "Ann", framework)


def test_consensus_links_its_inputs(store, framework):
    ids = []
    for name, group in (("Ann", "icb"), ("Bob", "local_authority"), ("Cat", "nhs_provider")):
        a = store.start(BOLTON, "bolton", "2026/27", group, name, framework)
        store.save_draft(BOLTON, a.id, framework, *full(framework))
        ids.append(store.submit(BOLTON, a.id, framework).id)
    c = store.start(BOLTON, "bolton", "2026/27", "", "Workshop 12 May", framework, kind="consensus")
    store.save_draft(BOLTON, c.id, framework, *full(framework, 4))
    store.submit(BOLTON, c.id, framework)
    assert store.consensus_inputs(c.id) == sorted(ids)
    assert store.get(BOLTON, c.id).stakeholder_group == "consensus"


def test_fifty_concurrent_submissions_are_all_kept_once(store, framework):
    url = store.engine.url.render_as_string(hide_password=False)
    scores, texts = full(framework)
    errors = []

    def one(i):
        local = Store(store.engine) if url.startswith("sqlite") else Store.open(url)
        try:
            a = local.start(BOLTON, "bolton", "2026/27", "voluntary_sector", f"Participant {i:02d}", framework)
            local.save_draft(BOLTON, a.id, framework, scores, texts)
            local.submit(BOLTON, a.id, framework)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT participant, count(*) FROM assessments WHERE status = 'submitted' "
                                 "GROUP BY participant ORDER BY participant")).all()
    assert [r[0] for r in rows] == [f"Participant {i:02d}" for i in range(50)]
    assert {r[1] for r in rows} == {1}
    assert store.audit_entries()["action"].tolist().count("submit") == 50
