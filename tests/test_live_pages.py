"""The live vote in the app (AppTest): the facilitator's page and three phones, through two rounds to the
consensus draft; what a phone may and may not do; what the projector shows and hides."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from icsdash.auth import Principal
from icsdash.live_vote import CANNOT_SAY
from icsdash.store import Store

from conftest import ROOT, settled, write_config

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
ADMIN = Principal("admin", None, "Workshop admin", "code")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")


def session(query=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return settled(at)


def facilitator(store) -> AppTest:
    at = session({"place": "bolton"})
    at.sidebar.text_input(key="access_code").input(store.create_access_code("test", "place_director", "bolton",
                                                                            "Bolton lead")).run()
    at.switch_page("pages/live.py").run()
    assert not at.exception, at.exception
    return at


def phone(join_code: str, group=None) -> AppTest:
    at = session({"join": join_code})
    at.switch_page("pages/vote.py").run()
    assert at.text_input(key="vote_code").value == join_code          # filled in from the scanned link
    if group:
        at.selectbox(key="vote_group").set_value(group)
    at.button(key="vote_join_button").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "voter" in at.query_params and "join" not in at.query_params
    return at


def count_body(at: AppTest) -> str:
    return next(h.value for h in at.html if "live-count" in h.value)


def count_file(at: AppTest):
    """The projector's count file (``app/static/...`` is the app folder's ``static/``)."""
    return ROOT / re.search(r'data-board="app/(static/[^"]+)"', count_body(at))[1]


def projector_count(at: AppTest) -> tuple[str, str, dict | None]:
    """The projector's count as drawn ('Voted', '3 of 3') and what its count file holds (None: no file)."""
    label, value = re.findall(r'class="live-count-(?:label|value)"[^>]*>([^<]*)<', count_body(at))
    board = count_file(at)
    return label, value, json.loads(board.read_text()) if board.exists() else None


def vote(at: AppTest, round_id: int, dim: str, choice) -> None:
    at.radio(key=f"vote_{round_id}_{dim}").set_value(choice).run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_two_rounds_from_the_projector_and_three_phones_to_a_consensus_draft(store, framework):
    dims = framework.dimension_ids
    at = facilitator(store)
    rounds = store.round_labels()
    assert at.selectbox(key="live_round").value == rounds[-1]
    at.button(key="live_start").click().run()
    live = store.active_live_vote("bolton", rounds[-1])
    assert live is not None and any(live.join_code in m.value for m in at.markdown)
    assert projector_count(at)[:2] == ("Joined", "0")

    phones = [phone(live.join_code, g) for g in ("icb", None, "local_authority")]
    assert "Waiting for the facilitator to open voting" in phones[0].info[0].value

    at.multiselect(key="live_dimensions").set_value(dims[:2])
    at.button(key="live_open").click().run()
    opened = store.live_session(live.id).open_round
    assert opened.dimension_ids == tuple(dims[:2])
    for p in phones:
        p.run()
        assert [r.key for r in p.radio] == [f"vote_{opened.id}_{d}" for d in dims[:2]]
    for p, (first, second) in zip(phones, [(3, 0), (3, 5), (4, CANNOT_SAY)]):
        vote(p, opened.id, dims[0], first)
        vote(p, opened.id, dims[1], second)
    vote(phones[0], opened.id, dims[0], 2)                     # changed before voting closes
    assert "Vote saved: level 2" in " ".join(c.value for c in phones[0].caption)
    label, value, board = projector_count(at)
    assert (board["joined"], board["voted"], board["round"]) == (3, 3, 1)   # written by the phones' votes
    at.run()
    assert projector_count(at)[:2] == ("Voted", "3 of 3")
    assert not at.dataframe, "the votes stay hidden while voting is open"

    at.button(key="live_close").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table[["Round", "Scored", "Cannot say", "Median", "Agreement", "Level"]].values.tolist() == [
        [1, 3, 0, 3.0, "Agreement", "Progressing"], [1, 2, 1, 2.5, "Split", "Uncertain"]]
    assert at.multiselect(key="live_dimensions").value == [dims[1]]      # the split one is proposed again
    late = phones[1]
    late.radio(key=f"vote_{opened.id}_{dims[0]}").set_value(5).run()  # a late click: the round has closed
    assert len(store.session_votes(live.id)) == 6

    at.button(key="live_open").click().run()                            # round 2 on the split dimension
    second = store.live_session(live.id).open_round
    for p in phones:
        p.run()
        assert "**Last round (round 1): median 2.5 (IQR 1.25-3.75), Split, Uncertain; 2 scored, 1 could not say**" in [
            m.value for m in p.markdown]                                  # the Delphi feedback, before the re-vote
    for p, score in zip(phones, (1, 1, 2)):
        vote(p, second.id, dims[1], score)
    at.button(key="live_close").click().run()
    assert at.dataframe[0].value["Round"].tolist() == [1, 1, 2]

    board = count_file(at)
    assert projector_count(at)[:2] == ("Joined", "3") and board.exists()
    at.text_input(key="live_facilitator").input("Workshop lead")
    at.button(key="live_end_button").click().run()
    assert not at.exception and "The live vote has ended" in at.success[0].value
    assert not board.exists()                                             # the count file goes with the vote
    ended = store.newest_live_vote("bolton", rounds[-1])
    assert ended.ended and ended.join_code is None and ended.consensus_id is not None
    draft = store.get(BOLTON, ended.consensus_id)
    assert (draft.kind, draft.status, draft.participant) == ("consensus", "draft", "Workshop lead")
    assert draft.scores == {dims[0]: 3, dims[1]: 1}                      # each dimension's last round's median
    assert draft.justifications[dims[1]].startswith("Live vote, round 2: median 1 ")
    phones[2].run()
    assert "This vote has ended" in phones[2].success[0].value
    at.switch_page("pages/workshop.py").run()                           # where the facilitator confirms it
    assert not at.exception
    assert any("closed 2 round(s)" in c.value and "the consensus below starts from" in c.value for c in at.caption)
    assert at.button(key="submit_consensus") is not None
    summary = next(b for b in at.get("download_button") if b.key == "workshop_pdf")    # no individual inputs, yet
    assert "the live vote's rounds" in summary.proto.help


def test_the_place_director_drafts_the_consensus_of_a_vote_an_administrator_ran(store, framework):
    """An administrator ran and ended the vote, so no draft was made: on the Consensus workshop page the place
    director starts it from the vote's last round, with no individual assessment submitted."""
    dims, rounds = framework.dimension_ids, store.round_labels()
    live = store.start_live_vote(ADMIN, "bolton", rounds[-1], framework)
    tokens = [store.join_live_vote(live.join_code, f"phone {i}")[0] for i in range(3)]
    store.open_live_round(ADMIN, live.id, dims[:2], framework)
    for token, (first, second) in zip(tokens, [(3, 4), (3, 4), (4, 1)]):
        store.cast_vote(token, dims[0], first, framework)
        store.cast_vote(token, dims[1], second, framework)
    assert store.end_live_vote(ADMIN, live.id).consensus_id is None

    at = facilitator(store)
    at.switch_page("pages/workshop.py").run()
    assert not at.exception and at.button(key="live_consensus_start") is not None
    assert "submit_consensus" not in [b.key for b in at.button]
    at.text_input(key="live_consensus_facilitator").input("Workshop lead")
    at.button(key="live_consensus_start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ended = store.newest_live_vote("bolton", rounds[-1])
    draft = store.get(BOLTON, ended.consensus_id)                         # linked to the vote
    assert (draft.kind, draft.status, draft.participant) == ("consensus", "draft", "Workshop lead")
    assert draft.scores == {dims[0]: 3, dims[1]: 4}                      # the medians of 3, 3, 4 and 4, 4, 1
    assert draft.justifications[dims[0]].startswith("Live vote, round 1: median 3 ")
    keys = [b.key for b in at.button]
    assert "submit_consensus" in keys and "live_consensus_start" not in keys   # the draft's form, once
    with pytest.raises(Exception, match="only bolton's place director"):
        store.link_live_consensus(ADMIN, live.id, draft.id)


def test_a_phone_can_only_vote_and_says_why_it_cannot(store, framework):
    rounds = store.round_labels()
    live = store.start_live_vote(BOLTON, "bolton", rounds[-1], framework)
    at = session()
    at.switch_page("pages/vote.py").run()
    at.text_input(key="vote_code").input("ZZZ-ZZZ" if live.join_code != "ZZZZZZ" else "YYYYYY")
    at.button(key="vote_join_button").click().run()
    assert not at.exception and "not a running live vote" in at.error[0].value
    assert "voter" not in at.query_params
    # A made-up secret in the address: back to the join form, with nothing shown of any vote.
    forged = session({"voter": "made-up"})
    forged.switch_page("pages/vote.py").run()
    assert not forged.exception and "voter" not in forged.query_params
    assert forged.text_input(key="vote_code") is not None
    # A joined phone is not signed in: the workshop's consensus and the facilitator's controls stay closed.
    joined = phone(live.join_code)
    principal = joined.session_state["_icsdash_principal"] if "_icsdash_principal" in joined.session_state else None
    assert principal is None or not principal.signed_in
    joined.query_params["place"] = "bolton"
    joined.switch_page("pages/live.py").run()
    assert not joined.exception and not [b for b in joined.button if b.key in ("live_open", "live_close")]
    # Nor is the join code shown to anyone but the vote's facilitators: it is read off the projector in the room.
    assert not any(live.join_code in m.value for m in joined.markdown)
    assert not any("live-count" in h.value for h in joined.html)
    assert "A live vote is running for Bolton" in joined.info[0].value
    assert "live_end_button" not in [b.key for b in joined.get("button")]


def test_a_running_order_can_show_the_live_vote_on_the_projector(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path, {"presenter.views": [
        {"page": "live", "title": "Live vote", "place": "bolton"}, {"page": "overview"}]})))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    store = Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")
    at = facilitator(store)
    at.button(key="live_start").click().run()
    at.sidebar.toggle(key="present_switch").set_value(True).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Live vote"] and at.header[0].value.startswith("Bolton · round ")
    live = store.active_live_vote("bolton", store.round_labels()[-1])
    assert any(live.join_code in m.value for m in at.markdown) and projector_count(at)[0] == "Joined"
