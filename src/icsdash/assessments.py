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
    >>> a = list(demo_assessments(["QOP-bolton", "QOP-bury"], fw))
    >>> a == list(demo_assessments(["QOP-bolton", "QOP-bury"], fw))
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
