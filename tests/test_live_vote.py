"""The live Delphi vote: its results by the framework's rules, and its storage on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading

import pandas as pd
import pytest

from conftest import FRAMEWORK
from icsdash import live_vote
from icsdash.auth import AccessDenied, Principal
from icsdash.errors import IcsdashError, InvalidEntry
from icsdash.framework import load_framework
from icsdash.store import Store

DIRECTOR = Principal("place_director", "bolton", "Bea Director", "code")
OTHER_DIRECTOR = Principal("place_director", "wigan", "Wes Director", "code")
ADMIN = Principal("admin", None, "Ada Admin", "code")
ROUND = "2026/27"

# Twelve panellists (the published Delphi study's panel), two rounds, three dimensions, each built to hit a rule:
# round 1: A agrees on 3 (two outside the 2-3 window), B splits (0s and 5s), C has a median of 2.5;
# round 2: B converges to agreement on 4, C's 2.5 stays and is banded as its framework says (half up).
RATINGS = {
    1: {"A": [2, 3, 3, 3, 4, 2, 3, 3, 2, 4, 3, 3],
        "B": [0, 0, 0, 0, 5, 5, 5, 5, 2, 3, 2, None],          # the last could not say
        "C": [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]},
    2: {"B": [4, 4, 4, 4, 5, 4, 4, 3, 4, 4, 4, 4],
        "C": [2, 2, 2, 2, 3, 2, 3, 3, 3, 3, 3, 2]},
}


@pytest.fixture(scope="module")
def fw():
    return load_framework(FRAMEWORK)


def dims(fw) -> dict[str, str]:
    """The letters above -> three of the framework's dimensions."""
    return dict(zip("ABC", fw.dimension_ids[:3]))


# --------------------------------------------------------------------------- the rules


def test_each_result_follows_the_frameworks_rules(fw):
    a = live_vote.result(fw, "a", 1, RATINGS[1]["A"])
    assert (a.median, a.q1, a.q3, a.iqr, a.agreement, a.level) == (3, 2.75, 3.0, 0.25, "Agreement", "Progressing")
    assert a.distribution == {0: 0, 1: 0, 2: 3, 3: 7, 4: 2, 5: 0} and a.scored == 12 and a.cannot_say == 0
    b = live_vote.result(fw, "b", 1, RATINGS[1]["B"])
    assert (b.agreement, b.level, b.cannot_say, b.scored, b.median) == ("Split", "Uncertain", 1, 11, 2)
    c = live_vote.result(fw, "c", 1, RATINGS[1]["C"])
    assert (c.median, c.agreement, c.level) == (2.5, "Agreement", "Progressing")     # 2.5 goes up, as published
    assert live_vote.proposed_score(c, fw) == 3
    assert live_vote.summary_line(c) == "Round 1: median 2.5 (IQR 2-3), Agreement, Progressing; 12 scored"
    nobody = live_vote.result(fw, "d", 1, [None, None])
    assert (nobody.median, nobody.agreement, nobody.level, nobody.cannot_say) == (None, None, None, 2)
    assert live_vote.summary_line(nobody) == "Round 1: no scores (2 could not say)"


def test_join_codes_are_short_random_and_forgiving_to_type():
    codes = {live_vote.new_join_code() for _ in range(200)}
    assert len(codes) == 200 and all(live_vote.normal_join_code(c) == c for c in codes)
    assert not set("".join(codes)) & set("01OI")
    assert live_vote.normal_join_code(" ab-c d2 3 ") == "ABCD23"
    assert [live_vote.normal_join_code(x) for x in ("ABCD2", "ABCD2O", "", None, "<script>")] == [None] * 5


# --------------------------------------------------------------------------- storage


def run_panel(store: Store, fw, panel: int = 12) -> tuple[live_vote.LiveSession, list[str]]:
    """Twelve phones join and vote :data:`RATINGS`, round by round, as the facilitator opens and closes them."""
    letters = dims(fw)
    session = store.start_live_vote(DIRECTOR, "bolton", ROUND, fw)
    groups = ["icb", "local_authority", "nhs_provider", None]
    tokens = [store.join_live_vote(session.join_code, f"phone {i}", groups[i % 4])[0] for i in range(panel)]
    for number, ratings in RATINGS.items():
        opened = store.open_live_round(DIRECTOR, session.id, [letters[x] for x in ratings], fw)
        assert opened.number == number
        for letter, scores in ratings.items():
            for token, score in zip(tokens, scores):
                store.cast_vote(token, letters[letter], score, fw)
        assert store.live_counts(session.id) == (panel, panel, number)
        store.close_live_round(DIRECTOR, session.id)
        assert store.live_counts(session.id) == (panel, 0, None)      # between rounds: nobody has voted
    return store.live_session(session.id), tokens


def test_twelve_participants_two_rounds_three_dimensions(any_store, fw):
    any_store.add_round("admin", ROUND)
    session, _ = run_panel(any_store, fw)
    letters = dims(fw)
    assert [(r.number, r.dimension_ids, r.open) for r in session.rounds] == [
        (1, tuple(letters.values()), False), (2, (letters["B"], letters["C"]), False)]
    votes = any_store.session_votes(session.id)
    assert len(votes) == 12 * 5 and votes["participant_id"].nunique() == 12
    assert votes.groupby("round_number").size().to_dict() == {1: 36, 2: 24}
    stored = {(n, letter): sorted(votes[(votes.round_number == n) & (votes.dimension_id == letters[letter])]
                                  ["score"].dropna().astype(int)) for n in RATINGS for letter in RATINGS[n]}
    assert stored == {(n, x): sorted(s for s in RATINGS[n][x] if s is not None) for n in RATINGS for x in RATINGS[n]}
    found = {(r.round_number, r.dimension_id): r for r in live_vote.results(fw, votes)}
    assert [(n, d) for n, d in found] == [(1, letters["A"]), (1, letters["B"]), (1, letters["C"]), (2, letters["B"]),
                                          (2, letters["C"])]
    assert (found[1, letters["A"]].agreement, found[1, letters["B"]].agreement) == ("Agreement", "Split")
    assert (found[1, letters["A"]].level, found[1, letters["B"]].level) == ("Progressing", "Uncertain")
    assert found[1, letters["B"]].cannot_say == 1
    assert (found[2, letters["B"]].agreement, found[2, letters["B"]].median, found[2, letters["B"]].level) == (
        "Agreement", 4, "Progressing")
    assert (found[2, letters["C"]].median, found[2, letters["C"]].level) == (2.5, "Progressing")
    latest = live_vote.latest_per_dimension(list(found.values()))
    assert {d: r.round_number for d, r in latest.items()} == {letters["A"]: 1, letters["B"]: 2, letters["C"]: 2}
    silent = live_vote.results(fw, votes, {3: (letters["A"],)})            # a third round nobody scored A in
    assert [(r.round_number, r.median, r.cannot_say) for r in silent if r.round_number == 3] == [(3, None, 0)]
    assert live_vote.latest_per_dimension(silent)[letters["A"]].round_number == 1
    groups = votes.drop_duplicates("participant_id")["stakeholder_group"].fillna("not given").value_counts()
    assert groups.to_dict() == {"icb": 3, "local_authority": 3, "nhs_provider": 3, "not given": 3}


def test_a_vote_is_stored_once_and_may_change_until_voting_closes(any_store, fw):
    any_store.add_round("admin", ROUND)
    first = fw.dimension_ids[0]
    session = any_store.start_live_vote(DIRECTOR, "bolton", ROUND, fw)
    token, _ = any_store.join_live_vote(session.join_code, "phone")
    any_store.open_live_round(DIRECTOR, session.id, [first], fw)
    for score in (2, 2, 4, None, 3):                    # repeated and changed clicks
        any_store.cast_vote(token, first, score, fw)
    assert any_store.my_votes(token) == {first: 3}
    with pytest.raises(InvalidEntry, match=r"must be a level from 0 to 5 or 'cannot say'; got 6"):
        any_store.cast_vote(token, first, 6, fw)
    with pytest.raises(InvalidEntry, match="is not open for voting in this round"):
        any_store.cast_vote(token, fw.dimension_ids[1], 3, fw)
    any_store.close_live_round(DIRECTOR, session.id)
    with pytest.raises(IcsdashError, match="voting has closed"):
        any_store.cast_vote(token, first, 5, fw)                # a late click
    votes = any_store.session_votes(session.id)
    assert votes[["round_number", "dimension_id", "score"]].values.tolist() == [[1, first, 3]]


def test_the_same_vote_clicked_at_once_from_many_threads_counts_once(any_store, fw):
    any_store.add_round("admin", ROUND)
    first = fw.dimension_ids[0]
    session = any_store.start_live_vote(DIRECTOR, "bolton", ROUND, fw)
    tokens = [any_store.join_live_vote(session.join_code, f"phone {i}")[0] for i in range(6)]
    any_store.open_live_round(DIRECTOR, session.id, [first], fw)
    failures = []

    def click(token, score):
        try:
            any_store.cast_vote(token, first, score, fw)
        except Exception as exc:          # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=click, args=(t, i % 6)) for i in range(4) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert any_store.live_counts(session.id) == (6, 6, 1)
    assert len(any_store.session_votes(session.id, closed_only=False)) == 6


def test_the_join_code_grants_only_voting_and_expires(any_store, fw):
    any_store.add_round("admin", ROUND)
    session = any_store.start_live_vote(DIRECTOR, "bolton", ROUND, fw)
    with pytest.raises(IcsdashError):
        any_store.sign_in(session.join_code, "phone")            # not an access code
    with pytest.raises(AccessDenied, match="only bolton's place director or an administrator"):
        any_store.start_live_vote(OTHER_DIRECTOR, "bolton", ROUND, fw)
    with pytest.raises(AccessDenied, match="place director or an administrator"):
        any_store.open_live_round(OTHER_DIRECTOR, session.id, fw.dimension_ids, fw)
    with pytest.raises(InvalidEntry, match="stakeholder_group"):
        any_store.join_live_vote(session.join_code, "phone", "<b>boss</b>")
    token, joined = any_store.join_live_vote(session.join_code, "phone")
    assert joined.id == session.id and any_store.voter_session(token).id == session.id
    assert any_store.start_live_vote(ADMIN, "bolton", ROUND, fw).id == session.id    # the running one, for an admin
    ended = any_store.end_live_vote(DIRECTOR, session.id)
    assert ended.ended and ended.join_code is None
    with pytest.raises(AccessDenied, match="not a running live vote"):
        any_store.join_live_vote(session.join_code, "phone")
    with pytest.raises(IcsdashError, match="has ended"):
        any_store.open_live_round(DIRECTOR, session.id, fw.dimension_ids, fw)
    assert any_store.active_live_vote("bolton", ROUND) is None
    assert any_store.newest_live_vote("bolton", ROUND).id == session.id


def test_wrong_join_codes_are_throttled(any_store, fw):
    any_store.add_round("admin", ROUND)
    session = any_store.start_live_vote(DIRECTOR, "bolton", ROUND, fw)
    for n in range(10):
        with pytest.raises(AccessDenied, match="not a running live vote"):
            any_store.join_live_vote("ZZZZZZ" if session.join_code != "ZZZZZZ" else "YYYYYY", "guesser")
    with pytest.raises(AccessDenied, match="too many wrong join codes"):
        any_store.join_live_vote(session.join_code, "guesser")     # even the right code, for a while
    assert any_store.join_live_vote(session.join_code, "someone else")[1].id == session.id


def test_a_restart_loses_nothing_and_the_vote_carries_on(any_store, fw):
    """A new Store on the same database (a restarted server): the running vote, its open round, each phone's
    place and vote are all there, and voting goes on."""
    any_store.add_round("admin", ROUND)
    first, second = fw.dimension_ids[:2]
    session = any_store.start_live_vote(DIRECTOR, "bolton", ROUND, fw)
    tokens = [any_store.join_live_vote(session.join_code, f"phone {i}")[0] for i in range(3)]
    any_store.open_live_round(DIRECTOR, session.id, [first, second], fw)
    any_store.cast_vote(tokens[0], first, 4, fw)
    url = any_store.engine.url.render_as_string(hide_password=False)
    any_store.engine.dispose()
    again = Store.open(url)
    assert again.start_live_vote(DIRECTOR, "bolton", ROUND, fw).id == session.id    # the facilitator carries on
    assert again.voter_session(tokens[0]).open_round.dimension_ids == (first, second)
    assert again.my_votes(tokens[0]) == {first: 4} and again.live_counts(session.id) == (3, 1, 1)
    again.cast_vote(tokens[1], first, 3, fw)
    again.close_live_round(DIRECTOR, session.id)
    assert sorted(again.session_votes(session.id)["score"].tolist()) == [3, 4]
    again.engine.dispose()


def test_live_votes_back_up_and_an_older_backup_restores_them_empty(tmp_path, fw):
    import io
    import zipfile
    from icsdash import backup
    from icsdash.store import ADDED_LATER
    store = Store.open(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    store.add_round("admin", ROUND)
    run_panel(store, fw, panel=3)
    made = backup.read_backup(backup.backup_bytes(store), name="now.zip")
    assert made.summary.rows["live_votes"] == 3 * 5 and made.summary.rows["live_participants"] == 3
    # An older version's backup: the same file without the live-vote tables.
    older = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(backup.backup_bytes(store))) as src, zipfile.ZipFile(older, "w") as out:
        manifest = json.loads(src.read("manifest.json"))
        manifest["tables"] = [t for t in manifest["tables"] if t["name"] not in ADDED_LATER]
        out.writestr("manifest.json", json.dumps(manifest))
        for name in src.namelist():
            if name != "manifest.json" and name.removeprefix("tables/").removesuffix(".jsonl") not in ADDED_LATER:
                out.writestr(name, src.read(name))
    target = Store.open(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    backup.restore(target, backup.read_backup(older.getvalue(), name="older.zip"), "admin")
    assert target.round_labels() == [ROUND] and target.newest_live_vote("bolton", ROUND) is None
    backup.restore(target, made, "admin")
    assert len(target.session_votes(target.newest_live_vote("bolton", ROUND).id)) == 15
    # A backup missing a table that was always there is still refused, naming it.
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(backup.backup_bytes(store))) as src, zipfile.ZipFile(broken, "w") as out:
        manifest = json.loads(src.read("manifest.json"))
        manifest["tables"] = [t for t in manifest["tables"] if t["name"] != "rounds"]
        out.writestr("manifest.json", json.dumps(manifest))
    with pytest.raises(IcsdashError, match="has no table rounds"):
        backup.read_backup(broken.getvalue(), name="broken.zip")


def test_a_renamed_place_takes_its_live_votes_along(tmp_path, fw):
    url = f"sqlite:///{tmp_path / 'rename.sqlite3'}"
    store = Store.open(url)
    store.add_round("admin", ROUND)
    old = Principal("place_director", "old-bolton", "Bea Director", "code")
    session = store.start_live_vote(old, "old-bolton", ROUND, fw)
    moved = Store.open(url, code_changes={"old-bolton": "bolton"})
    assert moved.live_session(session.id).place_code == "bolton"
    assert moved.active_live_vote("bolton", ROUND).id == session.id
    assert isinstance(moved.session_votes(session.id), pd.DataFrame)


def test_the_live_view_shows_closed_rounds_only_with_every_dimension_asked(tmp_path, fw, reference):
    from icsdash.views import Stored
    from icsdash.views import live as view
    store = Store.open(f"sqlite:///{tmp_path / 'view.sqlite3'}")
    store.add_round("admin", ROUND)
    session, tokens = run_panel(store, fw)
    letters = dims(fw)
    stored = Stored(store, reference, fw)
    store.open_live_round(DIRECTOR, session.id, [letters["A"], fw.dimension_ids[5]], fw)
    store.cast_vote(tokens[0], letters["A"], 5, fw)                      # an open round: not shown
    shown = view.results(stored, session.id)
    assert shown.rounds_closed == 2 and shown.last_round == 2
    assert shown.table[["Round", "Dimension", "Scored", "Median", "Agreement", "Level"]].values.tolist() == [
        [1, fw.dimension(letters["A"]).name, 12, 3.0, "Agreement", "Progressing"],
        [1, fw.dimension(letters["B"]).name, 11, 2.0, "Split", "Uncertain"],
        [1, fw.dimension(letters["C"]).name, 12, 2.5, "Agreement", "Progressing"],
        [2, fw.dimension(letters["B"]).name, 12, 4.0, "Agreement", "Progressing"],
        [2, fw.dimension(letters["C"]).name, 12, 2.5, "Agreement", "Progressing"]]
    assert shown.table["Votes per level"].iloc[0] == "0: 0 · 1: 0 · 2: 3 · 3: 7 · 4: 2 · 5: 0"
    assert [part["title"]["text"] for part in shown.chart["concat"]] == [fw.dimension(letters[x]).short for x in "BC"]
    assert shown.feedback[letters["B"]].startswith("Last round (round 2): median 4 (IQR 4-4), Agreement")
    assert shown.hints[letters["A"]].startswith("Live vote, round 1: median 3 ")
    assert "Round 2's votes per dimension." in shown.alt
    store.close_live_round(DIRECTOR, session.id)                         # round 3: one asked nobody scored
    again = view.results(stored, session.id)
    assert again.table["Round"].tolist()[-2:] == [3, 3] and again.table["Scored"].tolist()[-1] == 0
    assert view.for_place(stored, "bolton", ROUND).rounds_closed == 3 and view.for_place(stored, "wigan", ROUND) is None
