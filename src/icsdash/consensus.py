"""The consensus workshop's numbers: a place's individual assessments in a round side by side, and the
consensus recorded from them. Pure pandas over the store's rows: no Streamlit.

An individual assessment is shown by its stakeholder group, numbered when a
group occurs more than once ("Local authority 1", "Local authority 2"), never
by the participant's name: :meth:`icsdash.store.Store.round_submissions`
does not even read the names. "Not assessed" is a gap, never a zero: it is
left out of n, the lowest, highest, spread, median and agreement.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from urllib.parse import urlencode, urlsplit, urlunsplit
from typing import TYPE_CHECKING

import pandas as pd

from .assessments import STAKEHOLDER_GROUPS
from .framework import Framework

if TYPE_CHECKING:                      # the store is passed in, never opened here
    from .store import Store

STATS = ("n", "Not assessed", "Lowest", "Highest", "Spread", "Median", "Agreement")
CONSENSUS = "Consensus"
LINKED_COLUMNS = ("Input", "Version", "Submitted", "Since the consensus")


@dataclass(frozen=True)
class Input:
    """One individual assessment (its latest submitted version): a column of the side-by-side table."""

    assessment_id: int
    first_id: int                  # the id of its first version: the same for every version
    label: str                     # stakeholder group, numbered when the group occurs more than once
    stakeholder_group: str
    version: int
    submitted_at: datetime


@dataclass(frozen=True)
class Consensus:
    """The consensus recorded for the place and round (its latest submitted version)."""

    assessment_id: int
    version: int
    submitted_at: datetime
    scores: dict[str, int | None]
    linked: tuple[int, ...]        # ids of the individual versions it was made from


@dataclass(frozen=True)
class Workshop:
    """Everything the workshop page shows for one place and round."""

    place_code: str
    round: str
    inputs: tuple[Input, ...]
    table: pd.DataFrame            # one row per dimension: see :func:`side_by_side`
    consensus: Consensus | None
    linked: pd.DataFrame           # the inputs the consensus was linked to: see :func:`linked_inputs`
    changes: tuple[str, ...]       # what was submitted after the consensus


# --------------------------------------------------------------------------- labels and inputs

def labels(groups: list[tuple[int, str]]) -> dict[int, str]:
    """A column label for each assessment, from (first_id, stakeholder group) pairs: the group's label,
    numbered in the order the assessments were started when the group occurs more than once. Groups come
    in registry order.

    >>> labels([(7, "local_authority"), (3, "icb"), (9, "local_authority")])
    {3: 'ICB', 7: 'Local authority 1', 9: 'Local authority 2'}
    """
    order = list(STAKEHOLDER_GROUPS)
    ranked = sorted(groups, key=lambda g: (order.index(g[1]) if g[1] in order else len(order), g[0]))
    counts = Counter(group for _, group in ranked)
    seen: Counter[str] = Counter()
    out = {}
    for first_id, group in ranked:
        seen[group] += 1
        name = STAKEHOLDER_GROUPS.get(group, group)
        out[first_id] = f"{name} {seen[group]}" if counts[group] > 1 else name
    return out


def _versions(submissions: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One row per submitted version of the given kind: assessment_id, first_id, version, group, submitted_at."""
    rows = submissions[submissions["kind"] == kind]
    return (rows.drop_duplicates("assessment_id")[["assessment_id", "first_id", "version", "stakeholder_group",
                                                    "submitted_at"]]
            .sort_values(["first_id", "version"]).reset_index(drop=True))


def _latest(versions: pd.DataFrame) -> pd.DataFrame:
    """The newest version of each assessment, indexed by first_id."""
    return versions.drop_duplicates("first_id", keep="last").set_index("first_id", drop=False)


def _names(versions: pd.DataFrame) -> dict[int, str]:
    """The label of each individual assessment, by first_id, in column order."""
    latest = _latest(versions)
    return labels([(int(f), g) for f, g in zip(latest["first_id"], latest["stakeholder_group"])])


def inputs(submissions: pd.DataFrame) -> tuple[Input, ...]:
    """The latest submitted version of every individual assessment, labelled, in column order."""
    versions = _versions(submissions, "individual")
    latest = _latest(versions)
    return tuple(_input(latest.loc[first_id], label) for first_id, label in _names(versions).items())


def _input(row: pd.Series, label: str) -> Input:
    return Input(assessment_id=int(row["assessment_id"]), first_id=int(row["first_id"]), label=label,
                 stakeholder_group=row["stakeholder_group"], version=int(row["version"]),
                 submitted_at=row["submitted_at"])


def _score(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _scores_of(submissions: pd.DataFrame, assessment_id: int) -> dict[str, int | None]:
    rows = submissions[submissions["assessment_id"] == assessment_id]
    return {d: _score(s) for d, s in zip(rows["dimension_id"], rows["score"])}


# --------------------------------------------------------------------------- the side-by-side table

def side_by_side(submissions: pd.DataFrame, framework: Framework,
                 consensus: Consensus | None = None) -> pd.DataFrame:
    """One row per dimension, in framework order: its id and name, one column per input (see :func:`inputs`),
    then n (how many scored it), Not assessed (how many did not), Lowest, Highest, Spread (highest minus
    lowest), Median and Agreement (the framework's rule); with a recorded ``consensus``, its score last.
    """
    columns = inputs(submissions)
    marks = {i.label: _scores_of(submissions, i.assessment_id) for i in columns}
    rows = []
    for dim in framework.dimensions:
        given = {label: scores.get(dim.id) for label, scores in marks.items()}
        rated = [s for s in given.values() if s is not None]
        row = {"dimension_id": dim.id, "Dimension": dim.name, **given, "n": len(rated),
               "Not assessed": len(given) - len(rated), "Lowest": min(rated, default=None),
               "Highest": max(rated, default=None), "Spread": max(rated) - min(rated) if rated else None,
               "Median": median(rated) if rated else None, "Agreement": framework.agreement_status(rated)}
        if consensus is not None:
            row[CONSENSUS] = consensus.scores.get(dim.id)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["dimension_id", "Dimension", *marks, *STATS,
                                        *([CONSENSUS] if consensus is not None else [])])
    whole = [*marks, "Lowest", "Highest", "Spread", *([CONSENSUS] if consensus is not None else [])]
    return table.astype({**{c: "Int64" for c in whole}, "Median": "Float64"})


# --------------------------------------------------------------------------- the consensus and its inputs

def newest_consensus(submissions: pd.DataFrame) -> int | None:
    """The id of the consensus that stands for the place and round: the most recently submitted version."""
    versions = _versions(submissions, "consensus")
    if versions.empty:
        return None
    return int(versions.sort_values(["submitted_at", "assessment_id"])["assessment_id"].iloc[-1])


def linked_inputs(submissions: pd.DataFrame, linked: tuple[int, ...]) -> pd.DataFrame:
    """The individual versions a consensus was made from: label, version, submitted date and whether a newer
    version was submitted since (no names)."""
    versions = _versions(submissions, "individual")
    newest = _latest(versions)["version"]
    used = versions[versions["assessment_id"].isin(linked)].set_index("first_id")
    rows = []
    for first_id, label in _names(versions).items():
        if first_id not in used.index:
            continue
        r, now = used.loc[first_id], int(newest[first_id])
        rows.append({"Input": label, "Version": int(r["version"]),
                     "Submitted": f"{r['submitted_at']:%d %b %Y}" if pd.notna(r["submitted_at"]) else "",
                     "Since the consensus": "unchanged" if now == r["version"] else f"version {now} submitted"})
    return pd.DataFrame(rows, columns=list(LINKED_COLUMNS))


def changes_since(submissions: pd.DataFrame, consensus: Consensus) -> tuple[str, ...]:
    """What was submitted after the consensus: newer versions of its inputs, and new individual assessments."""
    versions = _versions(submissions, "individual")
    used = versions[versions["assessment_id"].isin(consensus.linked)].set_index("first_id")["version"]
    out = []
    for first_id, label in _names(versions).items():
        mine = versions[versions["first_id"] == first_id]
        newest = int(mine["version"].iloc[-1])
        if first_id in used.index and newest > used[first_id]:
            out.append(f"{label}: version {newest} was submitted after the consensus, which used "
                       f"version {int(used[first_id])}")
        elif first_id not in used.index and mine["submitted_at"].min() > consensus.submitted_at:
            out.append(f"{label}: submitted after the consensus")
    return tuple(out)


def build(submissions: pd.DataFrame, linked: list[int], framework: Framework, place_code: str,
          round_label: str) -> Workshop:
    """The workshop for a place and round from :meth:`Store.round_submissions` and the ids the newest
    consensus was linked to (:meth:`Store.consensus_inputs`)."""
    chosen = newest_consensus(submissions)
    consensus = None
    if chosen is not None:
        row = submissions[submissions["assessment_id"] == chosen].iloc[0]
        consensus = Consensus(chosen, int(row["version"]), row["submitted_at"], _scores_of(submissions, chosen),
                              tuple(linked))
    return Workshop(place_code=place_code, round=round_label, inputs=inputs(submissions),
                    table=side_by_side(submissions, framework, consensus), consensus=consensus,
                    linked=linked_inputs(submissions, tuple(linked)),
                    changes=changes_since(submissions, consensus) if consensus else ())


def load(store: Store, framework: Framework, place_code: str, round_label: str) -> Workshop:
    """The workshop for a place and round, read from ``store``."""
    submissions = store.round_submissions(place_code, round_label)
    chosen = newest_consensus(submissions)
    linked = store.consensus_inputs(chosen) if chosen is not None else []
    return build(submissions, linked, framework, place_code, round_label)


# --------------------------------------------------------------------------- what the page shows with it

def _number(value) -> str:
    return "not assessed" if value is None or pd.isna(value) else f"{float(value):g}"


def hints(view: Workshop) -> dict[str, str]:
    """For the facilitator, per dimension: every input's score, the median, spread and agreement."""
    out = {}
    for row in view.table.to_dict("records"):
        scores = " · ".join(f"{i.label}: {_number(row[i.label])}" for i in view.inputs)
        summary = (f"median {_number(row['Median'])}, spread {_number(row['Spread'])}, {row['Agreement']}"
                   if row["n"] else "no input scored this dimension")
        out[row["dimension_id"]] = f"Inputs: {scores} — {summary}" if scores else "No individual inputs."
    return out


def chart_data(view: Workshop, framework: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every input's score by dimension and group, each dimension's short name, median and agreement), as
    :func:`icsdash.charts.spread_chart` takes them."""
    table = view.table
    points = pd.DataFrame([{"dimension_id": d, "stakeholder_group": i.stakeholder_group, "label": i.label,
                            "score": float(s)}
                           for i in view.inputs for d, s in zip(table["dimension_id"], table[i.label])
                           if pd.notna(s)], columns=["dimension_id", "stakeholder_group", "label", "score"])
    summary = pd.DataFrame({"dimension_id": table["dimension_id"], "short": [d.short for d in framework.dimensions],
                            "median": table["Median"].astype(float), "agreement": table["Agreement"]})
    return points, summary


def open_draft(place_assessments: pd.DataFrame, round_label: str) -> int | None:
    """The consensus draft to resume for the round (the most recently saved), from
    :meth:`Store.place_assessments`; None when there is none."""
    drafts = place_assessments[(place_assessments["kind"] == "consensus") & (place_assessments["round"] == round_label)
                               & (place_assessments["status"] == "draft")]
    return None if drafts.empty else int(drafts.sort_values(["updated_at", "id"])["id"].iloc[-1])


def consensus_behind(latest: pd.DataFrame, place_code: str, round_label: str) -> int | None:
    """The consensus assessment behind a place's scores for the round (None when they are not a consensus);
    ``latest`` is :meth:`Store.latest_scores`."""
    mine = latest[(latest["place_code"] == place_code) & (latest["round"] == round_label)
                  & (latest["kind"] == "consensus")]
    if mine.empty:
        return None
    return int(mine.sort_values(["submitted_at", "assessment_id"])["assessment_id"].iloc[-1])


def consensus_note(store: Store, assessment_id: int) -> str:
    """The Place profile's pointer to the individual assessments behind a consensus (see
    :func:`consensus_behind`)."""
    n = len(store.consensus_inputs(assessment_id))
    if not n:
        return "Consensus score: see the individual assessments side by side"
    return f"Consensus of {n} individual assessment{'s' if n != 1 else ''} — see them side by side"


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def join_url(app_url: str, round_label: str, page_path: str = "assessment") -> str:
    """The address participants open on their own devices: the Self-assessment page for the round, on the
    same server (and under the same base path) as the page the facilitator has open.

    >>> join_url("http://10.0.0.5:8501/workshop?place=bolton&round=2025%2F26", "2025/26")
    'http://10.0.0.5:8501/assessment?round=2025%2F26'
    >>> join_url("https://dash.example.nhs.uk/icsdash/workshop", "2026/27")
    'https://dash.example.nhs.uk/icsdash/assessment?round=2026%2F27'
    """
    return page_url(app_url, page_path, round=round_label)


def page_url(app_url: str, page_path: str, **query: str) -> str:
    """Another page's address on the same server and base path as ``app_url``, with ``query``.

    >>> page_url("http://10.0.0.5:8501/live?place=bolton", "vote", join="K7Q2XH")
    'http://10.0.0.5:8501/vote?join=K7Q2XH'
    """
    parts = urlsplit(app_url)
    base = parts.path.rsplit("/", 1)[0] if "/" in parts.path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{base}/{page_path}", urlencode(query), ""))


def only_on_this_computer(url: str) -> bool:
    """True when the address works only on the machine itself (the server listens on localhost).

    >>> only_on_this_computer("http://localhost:8501/assessment"), only_on_this_computer("http://10.0.0.5:8501/")
    (True, False)
    """
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of ``text`` as a PNG, made here (no web service): black on white, with a quiet zone."""
    import segno
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=3)
    return buffer.getvalue()
