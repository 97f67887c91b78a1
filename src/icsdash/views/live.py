"""The Live vote pages' numbers: a vote's closed rounds as a table and as bars per dimension, what the
consensus starts from, and the Delphi feedback a phone shows before a re-vote.

Built by ``icsdash.ui.stored_view`` once per data version (closing a round moves it) and vote, for every
session: the projector and thirty phones asking at once read the votes once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import charts, live_vote
from ..framework import Framework
from ..live_vote import CANNOT_SAY, DimensionResult
from . import Stored, spec

TABLE_COLUMNS = ["Round", "Dimension", "Votes per level", "Scored", "Cannot say", "Median", "IQR", "Agreement",
                 "Level"]


@dataclass(frozen=True)
class LiveResults:
    rounds_closed: int
    table: pd.DataFrame                   # one row per round and dimension voted on
    last_round: int | None                # the newest closed round
    chart: dict | None                    # the newest closed round's votes, a bar chart per dimension
    alt: str                              # the chart in words
    latest: dict[str, DimensionResult]    # each dimension's result in the last round that voted on it
    feedback: dict[str, str]              # dimension -> 'Last round (round 1): median 3 (IQR 2-3), Split; ...'
    feedback_charts: dict[str, dict]      # dimension -> its bars in the last round that voted on it
    hints: dict[str, str]                 # dimension -> what the consensus form shows beside it


def _counts(r: DimensionResult) -> pd.DataFrame:
    rows = [{"choice": str(level), "votes": n} for level, n in r.distribution.items()]
    return pd.DataFrame(rows + [{"choice": "?", "votes": r.cannot_say}])


def _subtitle(r: DimensionResult) -> str:
    if r.median is None:
        return "No scores"
    return f"Median {r.median:g} · IQR {r.q1:g}-{r.q3:g} · {r.agreement} · {r.level}"


def _bars(r: DimensionResult, framework: Framework, width: int = 240) -> object:
    return charts.vote_bars(_counts(r), framework.dimension(r.dimension_id).short, _subtitle(r), width=width,
                            axis_title=f"Level (? = {CANNOT_SAY.lower()})")


def results(stored: Stored, session_id: int) -> LiveResults:
    """Every closed round of live vote ``session_id`` (votes of an open round are never shown: nobody anchors
    on them)."""
    fw = stored.framework
    closed = {r.number: r.dimension_ids for r in stored.store.live_session(session_id).rounds if not r.open}
    found = live_vote.results(fw, stored.store.session_votes(session_id), closed)
    table = pd.DataFrame([{
        "Round": r.round_number, "Dimension": fw.dimension(r.dimension_id).name,
        "Votes per level": " · ".join(f"{level}: {n}" for level, n in r.distribution.items()), "Scored": r.scored,
        "Cannot say": r.cannot_say, "Median": r.median, "IQR": r.iqr, "Agreement": r.agreement or "—",
        "Level": r.level or "—"} for r in found], columns=TABLE_COLUMNS)
    latest = live_vote.latest_per_dimension(found)
    last = max((r.round_number for r in found), default=None)
    newest = [r for r in found if r.round_number == last]
    chart = spec(charts.vote_grid([_bars(r, fw, width=210) for r in newest], columns=3)) if newest else None
    words = "; ".join(f"{fw.dimension(r.dimension_id).short}: {_subtitle(r)}" for r in newest)
    alt = f"Round {last}'s votes per dimension. {words}." if newest else ""
    feedback = {d: live_vote.summary_line(r, f"Last round (round {r.round_number})") for d, r in latest.items()}
    hints = {d: f"Live vote, {live_vote.summary_line(r).lower()}" for d, r in latest.items()}
    return LiveResults(len({r.round_number for r in found}), table, last, chart, alt, latest, feedback,
                       {d: spec(_bars(r, fw, width=280)) for d, r in latest.items()}, hints)


def for_place(stored: Stored, place_code: str, round_label: str) -> LiveResults | None:
    """The place and round's newest live vote's closed rounds (None without one that closed a round): what the
    Consensus workshop page and its PDF summary show beside the consensus."""
    newest = stored.store.newest_live_vote(place_code, round_label)
    if newest is None:
        return None
    found = results(stored, newest.id)
    return found if found.rounds_closed else None
