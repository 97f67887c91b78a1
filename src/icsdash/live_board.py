"""The projector's vote count as a small file that the web server hands out by itself.

A script run on the projector's page waits its turn behind thirty phones' runs on the server's one Python
process, so a count looked up by a script run could reach the screen well over a second after the last vote.
Instead, whoever changes the count (a participant joining, a vote stored) writes the session's tally to a small
JSON file in the app's static folder, and the projector's page fetches that file a few times a second: static
files are served by the web server's own event loop, never queued behind script runs.

The file holds three numbers and the time their read began (``at``, seconds since the epoch on the server's
clock), so the page keeps whichever of the file and its own last look at the database is newer. Its name is
derived from a server secret and the session's id: it cannot be guessed from a join code, and servers that share
the secret and the folder (replicas on one machine) agree on it. The file is removed when the vote ends.

Plain Python: the browser side is :func:`icsdash.ui.live.live_count`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .geography import STATIC_URL

FOLDER = "live"                      # under the static folder's generated/ (not kept in git)
SIZE = 128                           # bytes: every version of a file is as long (see publish)
STALE_HOURS = 12                     # a vote's file untouched this long is left from a vote never ended
_LOCK = threading.Lock()             # comparing with the file and writing it happen together


@dataclass(frozen=True)
class Tally:
    """How many have joined the session, how many have voted in its open round (0 when none is open), the open
    round's number (None between rounds), and when their read began (server clock, seconds)."""
    joined: int
    voted: int
    round: int | None
    at: float


def board_name(secret: str, session_id: int) -> str:
    """The session's file name: unguessable without the server's secret, the same on every server sharing it."""
    return hmac.new(secret.encode(), f"icsdash live count {session_id}".encode(), hashlib.sha256).hexdigest()[:32]


def board_url(name: str) -> str:
    """The file's address, relative to the app's pages (as the maps' layers are)."""
    return f"{STATIC_URL}/{FOLDER}/{name}.json"


def _path(static_dir: Path, name: str) -> Path:
    return static_dir / "generated" / FOLDER / f"{name}.json"


def publish(static_dir: Path, name: str, read: Callable[[], tuple[int, int, int | None]]) -> Tally:
    """Read the tally (``read`` returns joined, voted, open round) and write it to the session's file.

    The tally is stamped with the time its read began: a read begun later sees every vote an earlier one saw,
    so of two votes published at once the later-begun read is kept, even when it finishes first. Only the
    comparison and the write hold a lock: a read that waits for the database or the processor holds nobody
    else up. The write is atomic (a temporary file renamed), so the page never fetches half a file, and every
    version is SIZE bytes long (the JSON, then spaces): the web server reads a file's size and then its content,
    and a file replaced in between by a shorter or longer one broke the response.
    """
    path = _path(static_dir, name)
    new = not path.exists()
    began = round(time.time(), 3)
    tally = Tally(*read(), at=began)
    with _LOCK:
        if (newer := read_board(path)) is not None and newer.at > tally.at:
            return newer
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(tally)).ljust(SIZE))
        os.replace(tmp, path)
    if new:
        _prune(path.parent)
    return tally


def read_board(path: Path) -> Tally | None:
    """The tally in a session's file, or None when there is none (or it cannot be read)."""
    try:
        return Tally(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def retire(static_dir: Path, name: str) -> None:
    """The vote has ended: its file goes."""
    _path(static_dir, name).unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Files of votes that were never ended, untouched for STALE_HOURS."""
    cutoff = time.time() - STALE_HOURS * 3600
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
