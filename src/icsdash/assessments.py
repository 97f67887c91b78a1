"""What an assessment is (kinds, statuses, stakeholder groups) and the illustrative demo set.

Pure Python: the store writes what this module describes.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from statistics import median
from typing import Iterator

from .framework import Framework

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

DEMO_ROUNDS: tuple[tuple[str, datetime], ...] = (
    ("2024/25", datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)),
    ("2025/26", datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)),
)
DEMO_AUTHOR = "demo"
DEMO_NOTE = "Illustrative demo entry, generated for the default dataset; not a real assessment."


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


def demo_assessments(place_codes: list[str], framework: Framework) -> Iterator[AssessmentRecord]:
    """A deterministic, illustrative history of self-assessments for the given places.

    Each place gets its own seeded generator, so adding a place changes no other
    place's data. About four in five places assessed in the first round and
    seven in ten in the second; some have consensus scores, some only drafts,
    and some never started (so maps show gaps).

    >>> from pathlib import Path
    >>> from icsdash.framework import load_framework
    >>> fw = load_framework(Path(__file__).parents[2] / "data/frameworks/scirocco_style.yaml")
    >>> a = list(demo_assessments(["bolton", "bury"], fw))
    >>> a == list(demo_assessments(["bolton", "bury"], fw))
    True
    """
    lo, hi = framework.scale_min, framework.scale_max
    span = hi - lo
    groups = [g for g in STAKEHOLDER_GROUPS if g != "other"]
    for place_code in sorted(place_codes):
        rng = _rng("demo", place_code)
        base = lo + span * rng.uniform(0.18, 0.72)
        offsets = {d: rng.gauss(0, span * 0.12) for d in framework.dimension_ids}
        contested = set(rng.sample(framework.dimension_ids, k=min(2, len(framework.dimension_ids))))
        gain = span * rng.uniform(0.0, 0.14)
        took_part = rng.random() < 0.8
        for r, (label, when) in enumerate(DEMO_ROUNDS):
            if r == 0 and not took_part:
                continue
            if r == 1 and rng.random() > (0.82 if took_part else 0.45):
                continue
            drafts_only = r == len(DEMO_ROUNDS) - 1 and rng.random() < 0.12
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
                    place_code=place_code, round_label=label, kind="individual", stakeholder_group=group,
                    participant=f"Participant {k}", status="draft" if drafts_only else "submitted",
                    created_at=when.replace(day=when.day + k % 20),
                    scores=scores, justifications={d: DEMO_NOTE for d, s in scores.items() if s is not None})
            if not drafts_only and rng.random() < (0.45 if r == 0 else 0.25):
                consensus = {}
                for d in framework.dimension_ids:
                    rated = [p[d] for p in panel if p[d] is not None]
                    consensus[d] = int(round(median(rated))) if rated else None
                yield AssessmentRecord(
                    place_code=place_code, round_label=label, kind="consensus", stakeholder_group=CONSENSUS_GROUP,
                    participant="Workshop consensus", status="submitted",
                    created_at=when.replace(day=when.day + 21), scores=consensus,
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
