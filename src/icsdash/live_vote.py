"""A live Delphi vote: what a round of votes says per dimension, and the codes participants join with.

A facilitator starts a vote for a place and round; participants join from their phones with a short join code
and no account, and score the dimensions the facilitator opens (or say they cannot say). Each round's votes
are kept. Closing a round shows, per dimension, the distribution, the median, the interquartile range,
agreement or split and the maturity level by the framework's own rules (:meth:`Framework.agreement_status`,
:meth:`Framework.band`), as the published SCIROCCO Delphi study did after each of its rounds.

Plain Python: the storage is :mod:`icsdash.store.live`, the pages are ``pages/live.py`` (the facilitator's
projector) and ``pages/vote.py`` (a participant's phone).
"""

from __future__ import annotations

import re
import secrets
import statistics
from dataclasses import dataclass, field

import pandas as pd

from .auth import LOOKUP_ALPHABET
from .framework import Framework

JOIN_LENGTH = 6                         # 32^6: about a thousand million codes, with guesses throttled
JOIN_PATTERN = re.compile(rf"^[{LOOKUP_ALPHABET}]{{{JOIN_LENGTH}}}$")
CANNOT_SAY = "Cannot say"


def new_join_code() -> str:
    """A random join code, easy to read out and type: six characters without 0/O or 1/I."""
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(JOIN_LENGTH))


def normal_join_code(text: str | None) -> str | None:
    """A typed join code in its stored form (capitals, no spaces or dashes); None when it cannot be one.

    >>> normal_join_code(" k7q-2xh "), normal_join_code("K7Q2X"), normal_join_code("K7Q2X0")
    ('K7Q2XH', None, None)
    """
    code = re.sub(r"[\s-]", "", text or "").upper()
    return code if JOIN_PATTERN.match(code) else None


def new_voter_token() -> str:
    """The secret a phone keeps (in its address) to come back to its place after a lost connection or a
    server restart; only its hash is stored."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class DimensionResult:
    """One dimension's votes in one round."""
    dimension_id: str
    round_number: int
    distribution: dict[int, int]        # every level of the scale -> how many chose it
    cannot_say: int
    median: float | None
    q1: float | None
    q3: float | None
    agreement: str | None               # the framework's 'Agreement' or 'Split'
    level: str | None                   # the band the median falls in; a split panel's: 'Uncertain'

    @property
    def scored(self) -> int:
        return sum(self.distribution.values())

    @property
    def iqr(self) -> float | None:
        return None if self.q1 is None else self.q3 - self.q1


def result(framework: Framework, dimension_id: str, round_number: int,
           scores: list[int | None]) -> DimensionResult:
    """What one dimension's votes say: 'cannot say' (None) counts apart and is left out of every figure.

    >>> from icsdash.framework import load_framework
    >>> from pathlib import Path
    >>> fw = load_framework(Path(__file__).parents[2] / "data/frameworks/scirocco_style.yaml")
    >>> r = result(fw, "readiness", 1, [2, 3, 3, 3, 4, 2, 3, 3, 2, 4, 3, None])
    >>> r.median, r.q1, r.q3, r.agreement, r.level, r.cannot_say, r.distribution[3]
    (3, 2.5, 3.0, 'Agreement', 'Progressing', 1, 6)
    >>> result(fw, "readiness", 1, [0, 0, 0, 0, 5, 5, 5, 5, 2, 3, 2, 3]).level      # a split panel
    'Uncertain'
    """
    given = [s for s in scores if s is not None]
    counts = {level: 0 for level in range(framework.scale_min, framework.scale_max + 1)}
    for s in given:
        counts[s] = counts.get(s, 0) + 1
    if not given:
        return DimensionResult(dimension_id, round_number, counts, len(scores), None, None, None, None, None)
    q1, _, q3 = statistics.quantiles(given, n=4, method="inclusive") if len(given) > 1 else (given[0],) * 3
    middle = statistics.median(given)
    agreement = framework.agreement_status(given)
    band = framework.band(middle)
    level = framework.agreement.split_band_label if agreement == framework.agreement.split_label else band.label
    return DimensionResult(dimension_id, round_number, counts, len(scores) - len(given), middle, round(q1, 2),
                           round(q3, 2), agreement, level)


def results(framework: Framework, votes: pd.DataFrame,
            asked: dict[int, tuple[str, ...]] | None = None) -> list[DimensionResult]:
    """Every (round, dimension) of ``votes`` (columns round_number, dimension_id, score; a missing score is
    'cannot say'), and of ``asked`` (round number -> the dimensions it opened: those nobody voted on show as no
    scores), by round, then in the framework's order of dimensions."""
    order = {d: i for i, d in enumerate(framework.dimension_ids)}
    given = {(int(number), dim): [None if pd.isna(s) else int(s) for s in part["score"]]
             for (number, dim), part in votes.groupby(["round_number", "dimension_id"], sort=False)}
    for number, dims in (asked or {}).items():
        for dim in dims:
            given.setdefault((number, dim), [])
    out = [result(framework, dim, number, scores) for (number, dim), scores in given.items()]
    return sorted(out, key=lambda r: (r.round_number, order.get(r.dimension_id, len(order))))


def latest_per_dimension(found: list[DimensionResult]) -> dict[str, DimensionResult]:
    """Each dimension's result in the last round that scored it (a later round where nobody gave a score does
    not undo an earlier one): what the consensus and a re-vote's feedback start from."""
    latest: dict[str, DimensionResult] = {}
    for r in sorted(found, key=lambda r: (r.median is not None, r.round_number)):
        latest[r.dimension_id] = r
    return latest


def proposed_score(r: DimensionResult, framework: Framework) -> int | None:
    """The level a consensus would start from: the median, a half rounded as the framework rounds it."""
    return None if r.median is None else framework.nearest_level(r.median)


def summary_line(r: DimensionResult, lead: str | None = None) -> str:
    """'Round 2: median 3 (IQR 2.5-3), Agreement, Progressing; 12 scored, 1 could not say' (``lead`` in place of
    'Round 2')."""
    lead = lead or f"Round {r.round_number}"
    if r.median is None:
        return f"{lead}: no scores ({r.cannot_say} could not say)"
    return (f"{lead}: median {r.median:g} (IQR {r.q1:g}-{r.q3:g}), {r.agreement}, {r.level}; "
            f"{r.scored} scored" + (f", {r.cannot_say} could not say" if r.cannot_say else ""))


@dataclass(frozen=True)
class LiveRound:
    id: int
    number: int
    dimension_ids: tuple[str, ...]
    open: bool


@dataclass(frozen=True)
class LiveSession:
    """A live vote as the facilitator's page and the phones see it."""
    id: int
    place_code: str
    round_label: str
    framework_id: str
    join_code: str | None               # None once the vote has ended
    started_by: str
    ended: bool
    consensus_id: int | None
    rounds: tuple[LiveRound, ...] = field(default=())

    @property
    def open_round(self) -> LiveRound | None:
        return next((r for r in self.rounds if r.open), None)
