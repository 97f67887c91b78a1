"""The projector's count file (icsdash.live_board): what it holds, who wins when votes are stored at once, and
that it cannot be found from a join code."""

import json
import os
import threading
import time

from icsdash import live_board
from icsdash.live_board import Tally


def test_a_published_count_is_served_from_the_static_folder_and_goes_when_the_vote_ends(tmp_path):
    name = live_board.board_name("server secret", 7)
    tally = live_board.publish(tmp_path, name, lambda: (12, 5, 2))
    path = tmp_path / "generated" / "live" / f"{name}.json"
    assert (tally.joined, tally.voted, tally.round) == (12, 5, 2) and abs(tally.at - time.time()) < 5
    assert json.loads(path.read_text()) == {"joined": 12, "voted": 5, "round": 2, "at": tally.at}
    assert len(path.read_bytes()) == live_board.SIZE           # every version as long: see publish
    assert live_board.board_url(name) == f"app/static/generated/live/{name}.json"     # Streamlit's static route
    assert live_board.publish(tmp_path, name, lambda: (12, 0, None)).round is None     # between rounds
    live_board.retire(tmp_path, name)
    assert not path.exists() and live_board.read_board(path) is None
    live_board.retire(tmp_path, name)                                                  # twice: nothing to do


def test_the_name_needs_the_server_secret_and_is_the_same_on_every_server_sharing_it():
    name = live_board.board_name("shared secret", 7)
    assert name == live_board.board_name("shared secret", 7) and len(name) == 32
    assert name != live_board.board_name("shared secret", 8)
    assert name != live_board.board_name("another secret", 7)


def test_of_votes_stored_at_once_the_last_read_is_what_the_file_holds(tmp_path):
    """Forty threads each store a 'vote' (a counter) and publish: reading and writing under one lock, the file
    ends with the count after the last vote, never an older read written late."""
    stored = []
    guard = threading.Lock()
    name = live_board.board_name("s", 1)

    def vote() -> None:
        with guard:
            stored.append(1)
        live_board.publish(tmp_path, name, lambda: (40, len(stored), 1))

    threads = [threading.Thread(target=vote) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    board = live_board.read_board(tmp_path / "generated" / "live" / f"{name}.json")
    assert (board.joined, board.voted) == (40, 40)


def test_a_newer_file_from_another_server_is_not_overwritten_by_an_older_read(tmp_path):
    name = live_board.board_name("s", 1)
    path = tmp_path / "generated" / "live" / f"{name}.json"
    path.parent.mkdir(parents=True)
    later = time.time() + 60                         # another server read its tally after ours
    path.write_text(json.dumps({"joined": 9, "voted": 9, "round": 3, "at": later}))
    assert live_board.publish(tmp_path, name, lambda: (9, 8, 3)) == Tally(9, 9, 3, later)
    assert live_board.read_board(path).voted == 9


def test_files_of_votes_never_ended_are_removed_after_half_a_day(tmp_path):
    old = live_board.publish(tmp_path, live_board.board_name("s", 1), lambda: (1, 0, None))
    folder = tmp_path / "generated" / "live"
    stale = folder / f"{live_board.board_name('s', 1)}.json"
    os.utime(stale, (old.at - 13 * 3600, old.at - 13 * 3600))
    live_board.publish(tmp_path, live_board.board_name("s", 2), lambda: (1, 0, None))
    assert sorted(p.name for p in folder.iterdir()) == [f"{live_board.board_name('s', 2)}.json"]


def test_a_damaged_file_reads_as_none(tmp_path):
    path = tmp_path / "board.json"
    path.write_text("{not json")
    assert live_board.read_board(path) is None
    path.write_text(json.dumps({"joined": 1}))
    assert live_board.read_board(path) is None
