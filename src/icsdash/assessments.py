"""What an assessment is (kinds, statuses, stakeholder groups) and the illustrative demo set.

Pure Python: the store writes what this module describes. The demo's rounds are data
(``data/demo_rounds.csv``), read and checked by :func:`load_demo_rounds`.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from statistics import median
from typing import Iterator

import pandas as pd

from .errors import DataError
from .framework import Framework
from .reference import SCHEMAS, VINTAGE, Column, code, decimal, read_table

STAKEHOLDER_GROUPS: dict[str, str] = {
    "icb": "ICB",
    "local_authority": "Local authority",
    "nhs_provider": "NHS provider",
    "primary_care": "Primary care / PCN",
    "voluntary_sector": "Voluntary sector",
    "healthwatch_citizen": "Healthwatch / citizen",
    "other": "Other",
}
KINDS = ("individual", "consensus")
STATUSES = ("draft", "submitted")
CONSENSUS_GROUP = "consensus"

MAX_PARTICIPANT = 80

DEMO_AUTHOR = "demo"
DEMO_NOTE = "Illustrative demo entry, generated for the default dataset; not a real assessment."


# --------------------------------------------------------------------------- the demo's rounds, as data

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEMO_ROUNDS_FILE = "demo_rounds.csv"
ROUND_LABEL = re.compile(r"[0-9A-Za-z][0-9A-Za-z /_.-]{0,39}")      # as an import accepts it


def round_label(value: str) -> str:
    """A round's label as imports accept it: up to 40 letters, digits, spaces and '/', '_', '.', '-'."""
    if not ROUND_LABEL.fullmatch(value):
        raise ValueError(f"must be a round label like 2026/27 (up to 40 letters, digits, '/', '-'); got {value!r}")
    return value


def utc_time(value: str) -> datetime:
    """An ISO date and time with its zone, as UTC.

    >>> utc_time("2026-09-07T09:00:00Z")
    datetime.datetime(2026, 9, 7, 9, 0, tzinfo=datetime.timezone.utc)
    >>> utc_time("2026-09-07 09:00")
    Traceback (most recent call last):
    ValueError: must be a date and time with its zone, like 2026-09-07T09:00:00Z; got '2026-09-07 09:00'
    """
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError(f"must be a date and time with its zone, like 2026-09-07T09:00:00Z; got {value!r}")
    return when.astimezone(timezone.utc)


DEMO_ROUND_SCHEMA = (
    Column("label", round_label),
    Column("opened_at", utc_time),
    Column("vintage", code(VINTAGE, "2026-04")),
    Column("join_rate", decimal(0, 1)),
    Column("stay_rate", decimal(0, 1), optional=True),
    Column("drafts_rate", decimal(0, 1)),
    Column("consensus_rate", decimal(0, 1)),
)


@dataclass(frozen=True)
class DemoRound:
    """One round of the illustrative history: a row of ``data/demo_rounds.csv``, oldest first."""

    label: str                  # '2026/27'
    opened_at: datetime         # UTC
    vintage: str                # the boundary vintage in force when the round ran ('2026-04')
    join_rate: float            # chance that a place which sat out the round before (or any, in the first) joins
    stay_rate: float | None     # chance that a place which took part in the previous round takes part again
    drafts_rate: float          # chance that a place taking part has only drafts so far
    consensus_rate: float       # chance that a place with submitted assessments also records a consensus


def load_demo_rounds(data_dir: str | Path = DATA_DIR) -> tuple[DemoRound, ...]:
    """The demo's rounds from ``data_dir/demo_rounds.csv``, oldest first, checked: every cell as declared
    (:data:`DEMO_ROUND_SCHEMA`), labels unique, each round opened after the one before, each vintage one of
    ``vintages.csv``, a ``stay_rate`` in every round but the first. A bad row raises :class:`DataError` naming
    the file, the line (the header is line 1) and the column.

    >>> [(r.label, r.vintage) for r in load_demo_rounds()][:2]
    [('2024/25', '2023-04'), ('2025/26', '2023-04')]
    """
    data_dir = Path(data_dir)
    frame = read_table(data_dir / DEMO_ROUNDS_FILE, DEMO_ROUND_SCHEMA)
    name = f"{data_dir.name}/{DEMO_ROUNDS_FILE}"
    vintages = set(read_table(data_dir / "vintages.csv", SCHEMAS["vintages.csv"])["vintage"])
    rounds = [DemoRound(r.label, r.opened_at.to_pydatetime().astimezone(timezone.utc), r.vintage, float(r.join_rate),
                        None if pd.isna(r.stay_rate) else float(r.stay_rate), float(r.drafts_rate),
                        float(r.consensus_rate)) for r in frame.itertuples()]
    seen: set[str] = set()
    for line, (before, now) in enumerate(zip([None, *rounds], rounds), start=2):
        if now.label in seen:
            raise DataError(f"duplicate round {now.label!r}", source=name, line=line, field="label")
        seen.add(now.label)
        if now.vintage not in vintages:
            raise DataError(f"{now.vintage!r} is not a vintage of {data_dir.name}/vintages.csv "
                            f"({', '.join(sorted(vintages))})", source=name, line=line, field="vintage")
        if before is not None and now.opened_at <= before.opened_at:
            raise DataError(f"must be after the previous round's ({before.opened_at:%Y-%m-%dT%H:%M:%SZ}): rounds are "
                            "listed oldest first", source=name, line=line, field="opened_at")
        if (before is None) != (now.stay_rate is None):
            raise DataError("must be empty in the first round (no place took part before it)" if before is None
                            else "is empty; every round after the first needs a value", source=name, line=line,
                            field="stay_rate")
    return tuple(rounds)


@cache
def demo_rounds() -> tuple[DemoRound, ...]:
    """The shipped demo rounds (``data/demo_rounds.csv``), read once."""
    return load_demo_rounds(DATA_DIR)


@dataclass
class AssessmentRecord:
    """One assessment version as the store writes it."""

    place_code: str
    round_label: str
    kind: str
    stakeholder_group: str
    participant: str
    status: str
    created_at: datetime
    scores: dict[str, int | None]
    justifications: dict[str, str] = field(default_factory=dict)
    author: str = DEMO_AUTHOR
    is_demo: bool = True
    version: int = 1


def _rng(*keys: str) -> random.Random:
    return random.Random(int(hashlib.sha256("|".join(keys).encode()).hexdigest()[:16], 16))


def demo_assessments(place_codes: list[str], framework: Framework,
                     rounds: tuple[DemoRound, ...] | None = None) -> Iterator[AssessmentRecord]:
    """A deterministic, illustrative history of self-assessments for the given places, over ``rounds``
    (default: :func:`demo_rounds`, from ``data/demo_rounds.csv``).

    Each place gets its own seeded generator, so adding a place changes no other
    place's data, and a round's draws follow those of the rounds before it, so
    adding a round changes none of theirs. Each round's rates say how many places
    take part (more of those that took part in the round before), how many have
    only drafts so far, and how many record a consensus; some places never start
    (so maps show gaps), and scores rise a little from round to round.

    >>> from pathlib import Path
    >>> from icsdash.framework import load_framework
    >>> fw = load_framework(Path(__file__).parents[2] / "data/frameworks/scirocco_style.yaml")
    >>> a = list(demo_assessments(["bolton", "bury"], fw))
    >>> a == list(demo_assessments(["bolton", "bury"], fw))
    True
    """
    rounds = demo_rounds() if rounds is None else rounds
    lo, hi = framework.scale_min, framework.scale_max
    span = hi - lo
    groups = [g for g in STAKEHOLDER_GROUPS if g != "other"]
    for place_code in sorted(place_codes):
        rng = _rng("demo", place_code)
        base = lo + span * rng.uniform(0.18, 0.72)
        offsets = {d: rng.gauss(0, span * 0.12) for d in framework.dimension_ids}
        contested = set(rng.sample(framework.dimension_ids, k=min(2, len(framework.dimension_ids))))
        gain = span * rng.uniform(0.0, 0.14)
        took_part = False
        for r, demo in enumerate(rounds):
            took_part = rng.random() < (demo.stay_rate if took_part else demo.join_rate)
            if not took_part:
                continue
            drafts_only = demo.drafts_rate > 0 and rng.random() < demo.drafts_rate     # a rate of 0 draws nothing
            members = rng.sample(groups, k=rng.randint(3, len(groups)))
            panel: list[dict[str, int | None]] = []
            for k, group in enumerate(members, start=1):
                scores: dict[str, int | None] = {}
                for d in framework.dimension_ids:
                    if rng.random() < 0.03:
                        scores[d] = None              # "not assessed"
                        continue
                    noise = rng.gauss(0, span * (0.3 if d in contested else 0.12))
                    scores[d] = int(min(hi, max(lo, round(base + offsets[d] + gain * r + noise))))
                panel.append(scores)
                yield AssessmentRecord(
                    place_code=place_code, round_label=demo.label, kind="individual", stakeholder_group=group,
                    participant=f"Participant {k}", status="draft" if drafts_only else "submitted",
                    created_at=demo.opened_at + timedelta(days=k % 20),
                    scores=scores, justifications={d: DEMO_NOTE for d, s in scores.items() if s is not None})
            if not drafts_only and rng.random() < demo.consensus_rate:
                consensus = {}
                for d in framework.dimension_ids:
                    rated = [p[d] for p in panel if p[d] is not None]
                    consensus[d] = int(round(median(rated))) if rated else None
                yield AssessmentRecord(
                    place_code=place_code, round_label=demo.label, kind="consensus",
                    stakeholder_group=CONSENSUS_GROUP, participant="Workshop consensus", status="submitted",
                    created_at=demo.opened_at + timedelta(days=21), scores=consensus,
                    justifications={d: DEMO_NOTE for d, s in consensus.items() if s is not None})


# --------------------------------------------------------------------------- checking what a user entered

def check_entries(framework: Framework, scores: dict, justifications: dict, max_justification: int) -> dict[str, str]:
    """Problems with the values themselves (wrong type, out of range, too long), by dimension id.

    ``scores`` maps a dimension to an integer score or None ("not assessed");
    dimensions not yet answered are simply absent.

    >>> from pathlib import Path
    >>> from icsdash.framework import load_framework
    >>> fw = load_framework(Path(__file__).parents[2] / "tests/data/frameworks/mini.yaml")
    >>> check_entries(fw, {"leadership": 7, "outcomes": "2", "nope": 1}, {"data_sharing": "x" * 11}, 10)
    {'nope': 'is not a dimension of this framework', 'leadership': 'score must be a whole number from 0 to 3, or not assessed; got 7', 'outcomes': "score must be a whole number from 0 to 3, or not assessed; got '2'", 'data_sharing': 'justification is 11 characters; at most 10 are allowed'}
    """
    problems: dict[str, str] = {}
    known = set(framework.dimension_ids)
    for dim in list(scores) + list(justifications):
        if dim not in known:
            problems[dim] = "is not a dimension of this framework"
    for dim, score in scores.items():
        if dim in known and score is not None and (isinstance(score, bool) or not isinstance(score, int)
                                                    or not framework.scale_min <= score <= framework.scale_max):
            problems[dim] = (f"score must be a whole number from {framework.scale_min} to {framework.scale_max}, "
                             f"or not assessed; got {score!r}")
    for dim, text in justifications.items():
        if dim not in known or dim in problems:
            continue
        if not isinstance(text, str):
            problems[dim] = f"justification must be text; got {type(text).__name__}"
        elif len(text) > max_justification:
            problems[dim] = f"justification is {len(text):,} characters; at most {max_justification:,} are allowed"
        elif "\x00" in text:
            problems[dim] = "justification contains a NUL character, which cannot be stored"
    return problems


def gaps(framework: Framework, scores: dict, justifications: dict) -> dict[str, str]:
    """What is still missing before an assessment can be submitted, by dimension id."""
    missing: dict[str, str] = {}
    for dim in framework.dimension_ids:
        if dim not in scores:
            missing[dim] = "choose a score or 'not assessed'"
        elif scores[dim] is not None and not (justifications.get(dim) or "").strip():
            missing[dim] = "write a justification for this score"
    return missing
