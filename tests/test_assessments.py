"""The illustrative demo set: its rounds as data (data/demo_rounds.csv), checked, and the history it generates."""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta

import pandas as pd
import pytest

from icsdash.assessments import demo_assessments, demo_rounds, load_demo_rounds
from icsdash.errors import DataError
from icsdash.store import Store

from conftest import DATA

GOOD = """label,opened_at,vintage,join_rate,stay_rate,drafts_rate,consensus_rate
2024/25,2025-03-03T09:00:00Z,2023-04,0.8,,0,0.45
2025/26,2026-03-02T09:00:00Z,2023-04,0.45,0.82,0.12,0.25
2026/27,2026-09-07T09:00:00Z,2026-04,0.3,0.72,0.2,0.2
"""


def rounds_file(tmp_path, text: str):
    """A data folder with the shipped vintages and ``text`` as its demo_rounds.csv."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(DATA / "vintages.csv", folder / "vintages.csv")
    (folder / "demo_rounds.csv").write_text(text)
    return folder


def test_the_demo_runs_to_the_current_round_in_order(reference, framework):
    assert [(r.label, r.vintage) for r in demo_rounds()] == [
        ("2024/25", "2023-04"), ("2025/26", "2023-04"), ("2026/27", "2026-04")]
    assert [r.opened_at.isoformat() for r in demo_rounds()] == [
        "2025-03-03T09:00:00+00:00", "2026-03-02T09:00:00+00:00", "2026-09-07T09:00:00+00:00"]
    records = list(demo_assessments(reference.places["place_code"].tolist(), framework))
    by_time = sorted(records, key=lambda r: r.created_at)
    assert list(dict.fromkeys(r.round_label for r in by_time)) == ["2024/25", "2025/26", "2026/27"]
    opened = {r.label: r.opened_at for r in demo_rounds()}
    for r in records:                                      # each entry within three weeks of its round opening
        assert opened[r.round_label] < r.created_at <= opened[r.round_label] + timedelta(days=21)
    store = Store.open("sqlite://")
    store.seed_demo(reference.places["place_code"].tolist(), framework)
    held = store.rounds()                                   # the store keeps each round's opening from the file
    assert held["label"].tolist() == ["2024/25", "2025/26", "2026/27"]
    assert [pd.Timestamp(t).replace(tzinfo=None) for t in held["opened_at"]] == [
        pd.Timestamp(t).replace(tzinfo=None) for t in opened.values()]


def test_the_current_round_is_under_way(reference, framework):
    """About six in ten places have taken part in 2026/27 so far; some only drafts, some with a consensus."""
    records = [r for r in demo_assessments(reference.places["place_code"].tolist(), framework)
               if r.round_label == "2026/27"]
    places = {r.place_code for r in records}
    submitted = {r.place_code for r in records if r.status == "submitted"}
    consensus = {r.place_code for r in records if r.kind == "consensus"}
    assert 0.5 * len(reference.places) < len(places) < 0.7 * len(reference.places)
    assert 0 < len(places - submitted) < 0.25 * len(places)             # drafts only, so far
    assert 0 < len(consensus) < len(submitted)
    assert consensus <= submitted


def test_a_round_added_at_the_end_changes_no_earlier_round(reference, framework):
    codes = reference.places["place_code"].tolist()
    earlier = list(demo_assessments(codes, framework, demo_rounds()[:2]))
    assert earlier == [r for r in demo_assessments(codes, framework) if r.round_label != "2026/27"]


def test_the_earlier_rounds_are_as_the_previous_release_made_them(framework):
    """A database seeded before 2026/27 was added holds exactly what the generator makes of 2024/25 and 2025/26
    today (the fingerprint of the previous release's records for five places)."""
    earlier = [r for r in demo_assessments(["bolton", "bury", "bexley", "brent", "lincolnshire"], framework)
               if r.round_label in ("2024/25", "2025/26")]
    assert len(earlier) == 30
    assert hashlib.sha256("\n".join(map(repr, earlier)).encode()).hexdigest() == \
        "018d546c7e7bd75a48381d041cac5427a4fe177bf6c9c7df2da6f1ff08001879"


def test_a_well_formed_file_loads(tmp_path):
    loaded = load_demo_rounds(rounds_file(tmp_path, GOOD))
    assert loaded == demo_rounds()
    assert (loaded[0].stay_rate, loaded[1].stay_rate, loaded[2].drafts_rate) == (None, 0.82, 0.2)


def _row(line: int, old: str, new: str) -> str:
    lines = GOOD.splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    return "".join(lines)


@pytest.mark.parametrize("text, message", [
    (_row(4, "2026-09-07T09:00:00Z", "2026-09-07"),
     "data/demo_rounds.csv, line 4, opened_at: must be a date and time with its zone, like 2026-09-07T09:00:00Z; "
     "got '2026-09-07'"),
    (_row(4, "2026-09-07T09:00:00Z", "next autumn"),
     "data/demo_rounds.csv, line 4, opened_at: must be a date and time with its zone"),
    (_row(3, "2026-03-02T09:00:00Z", "2025-01-06T09:00:00Z"),
     "data/demo_rounds.csv, line 3, opened_at: must be after the previous round's (2025-03-03T09:00:00Z): rounds "
     "are listed oldest first"),
    (_row(4, "2026/27", "2025/26"), "data/demo_rounds.csv, line 4, label: duplicate round '2025/26'"),
    (_row(2, "2024/25", "=cmd()"),
     "data/demo_rounds.csv, line 2, label: must be a round label like 2026/27 (up to 40 letters, digits, '/', '-'); "
     "got '=cmd()'"),
    (_row(4, ",2026-04,", ",2027-04,"),
     "data/demo_rounds.csv, line 4, vintage: '2027-04' is not a vintage of data/vintages.csv (2023-04, 2026-04)"),
    (_row(3, "0.45,0.82,", "0.45,,"),
     "data/demo_rounds.csv, line 3, stay_rate: is empty; every round after the first needs a value"),
    (_row(2, "0.8,,", "0.8,0.5,"),
     "data/demo_rounds.csv, line 2, stay_rate: must be empty in the first round (no place took part before it)"),
    (_row(4, "0.3,0.72,0.2,0.2", "0.3,0.72,0.2,1.5"),
     "data/demo_rounds.csv, line 4, consensus_rate: must be from 0 to 1; got 1.5"),
    (_row(3, "0.12", "a few"), "data/demo_rounds.csv, line 3, drafts_rate: must be a number; got 'a few'"),
    (GOOD.replace(",vintage", ",boundaries"), "data/demo_rounds.csv: missing column(s) vintage"),
    (GOOD.splitlines()[0] + "\n", "data/demo_rounds.csv: has no data rows"),
])
def test_a_malformed_file_is_refused_naming_the_file_and_row(tmp_path, text, message):
    with pytest.raises(DataError) as refused:
        load_demo_rounds(rounds_file(tmp_path, text))
    assert str(refused.value).startswith(message)


def test_a_missing_file_is_named(tmp_path):
    folder = rounds_file(tmp_path, GOOD)
    (folder / "demo_rounds.csv").unlink()
    with pytest.raises(DataError, match=r"^data/demo_rounds.csv: file not found$"):
        load_demo_rounds(folder)
