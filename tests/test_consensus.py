"""The consensus workshop: the side-by-side numbers (checked by hand on a tiny panel), the store's query on
SQLite and PostgreSQL, and the page's journey: a place director records a consensus that then stands as the
place's score, with its inputs one click away; others only read; bad links are explained."""

import re
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from sqlalchemy.exc import OperationalError
from streamlit.testing.v1 import AppTest

from icsdash import charts, consensus
from icsdash.assessments import STAKEHOLDER_GROUPS
from icsdash.auth import Principal
from icsdash.store import Store
from icsdash.ui import escape_markdown

from conftest import MINI_FRAMEWORK, ROOT, settled, write_config

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
COLUMNS = ["assessment_id", "first_id", "version", "kind", "stakeholder_group", "submitted_at", "dimension_id",
           "score"]
NAMES = ("Ann Secret", "Bob Hidden", "Cat Private")


# --------------------------------------------------------------------------- the numbers, by hand

def submissions(framework, rows):
    """rows: (assessment_id, first_id, version, kind, group, day of March 2026, scores in framework order)."""
    frame = pd.DataFrame([(a, f, v, k, g, datetime(2026, 3, day), d, s)
                          for a, f, v, k, g, day, scores in rows for d, s in zip(framework.dimension_ids, scores)],
                         columns=COLUMNS)
    frame["score"] = frame["score"].astype("Float64")
    return frame


@pytest.fixture
def panel(mini_framework):
    """Four stakeholders and a consensus, on the mini framework (leadership, data sharing, outcomes; 0-3).

    Local authority 1 submitted a second version, and the voluntary sector joined, after the consensus."""
    return submissions(mini_framework, [
        (1, 1, 1, "individual", "local_authority", 1, (1, 2, 3)),
        (2, 2, 1, "individual", "icb", 2, (2, None, 3)),
        (3, 3, 1, "individual", "local_authority", 3, (3, 2, 0)),
        (4, 4, 1, "consensus", "consensus", 5, (2, 2, None)),
        (5, 1, 2, "individual", "local_authority", 10, (2, 2, 3)),
        (6, 6, 1, "individual", "voluntary_sector", 12, (0, 0, 2)),
    ])


def test_labels_number_a_group_only_when_it_repeats():
    assert consensus.labels([(9, "other"), (4, "primary_care"), (2, "primary_care"), (5, "icb")]) == {
        5: "ICB", 2: "Primary care / PCN 1", 4: "Primary care / PCN 2", 9: "Other"}
    assert consensus.labels([]) == {}


def test_side_by_side_by_hand(panel, mini_framework):
    view = consensus.build(panel, [1, 2, 3], mini_framework, "P", "R1")
    table = view.table
    assert table.columns.tolist() == ["dimension_id", "Dimension", "ICB", "Local authority 1", "Local authority 2",
                                      "Voluntary sector", "n", "Not assessed", "Lowest", "Highest", "Spread",
                                      "Median", "Agreement", "Consensus"]
    assert table["Dimension"].tolist() == ["Leadership", "Data sharing", "Outcomes"]
    # Each input's latest submitted version: Local authority 1 is version 2 (assessment 5), not version 1.
    assert [(i.label, i.assessment_id, i.version) for i in view.inputs] == [
        ("ICB", 2, 1), ("Local authority 1", 5, 2), ("Local authority 2", 3, 1), ("Voluntary sector", 6, 1)]
    cells = table.drop(columns=["dimension_id", "Dimension"]).astype(object).where(table.notna().iloc[:, 2:], None)
    assert cells.values.tolist() == [
        # ICB, LA1, LA2, VS,   n, not assessed, lowest, highest, spread, median, agreement, consensus
        [2, 2, 3, 0, 4, 0, 0, 3, 3, 2.0, "Agreement", 2],      # 2,2,3 inside the window [2, 3]: 1 outside < 4/3
        [None, 2, 2, 0, 3, 1, 0, 2, 2, 2.0, "Split", 2],       # not assessed is a gap: n 3; 1 outside, not < 1
        [3, 3, 0, 2, 4, 0, 0, 3, 3, 2.5, "Agreement", None],   # even panel: median 2.5; consensus not assessed
    ]


def test_a_dimension_nobody_scored_has_no_statistics(mini_framework):
    frame = submissions(mini_framework, [(1, 1, 1, "individual", "icb", 1, (None, 1, 1)),
                                         (2, 2, 1, "individual", "other", 2, (None, 3, 1))])
    row = consensus.side_by_side(frame, mini_framework).iloc[0]
    assert (row["n"], row["Not assessed"]) == (0, 2)
    assert all(pd.isna(row[c]) for c in ("ICB", "Other", "Lowest", "Highest", "Spread", "Median", "Agreement"))
    assert "Consensus" not in consensus.side_by_side(frame, mini_framework).columns


def test_linked_inputs_and_what_changed_since(panel, mini_framework):
    view = consensus.build(panel, [1, 2, 3], mini_framework, "P", "R1")
    assert (view.consensus.assessment_id, view.consensus.version, view.consensus.linked) == (4, 1, (1, 2, 3))
    assert view.consensus.scores == {"leadership": 2, "data_sharing": 2, "outcomes": None}
    assert view.linked.values.tolist() == [
        ["ICB", 1, "02 Mar 2026", "unchanged"],
        ["Local authority 1", 1, "01 Mar 2026", "version 2 submitted"],
        ["Local authority 2", 1, "03 Mar 2026", "unchanged"],
    ]
    assert view.changes == ("Local authority 1: version 2 was submitted after the consensus, which used version 1",
                            "Voluntary sector: submitted after the consensus")


def test_the_newest_consensus_stands(panel, mini_framework):
    later = submissions(mini_framework, [(7, 4, 2, "consensus", "consensus", 20, (3, 3, 3))])
    view = consensus.build(pd.concat([panel, later]), [5, 2, 3, 6], mini_framework, "P", "R1")
    assert (view.consensus.assessment_id, view.consensus.version) == (7, 2)
    assert view.table["Consensus"].tolist() == [3, 3, 3]
    assert view.changes == ()
    assert view.linked["Since the consensus"].tolist() == ["unchanged"] * 4


def test_no_inputs_no_consensus(mini_framework):
    view = consensus.build(pd.DataFrame(columns=COLUMNS), [], mini_framework, "P", "R1")
    assert (view.inputs, view.consensus, view.changes, len(view.linked)) == ((), None, (), 0)
    assert view.table["n"].tolist() == [0, 0, 0]


def test_hints_for_the_facilitator(panel, mini_framework):
    hints = consensus.hints(consensus.build(panel, [1, 2, 3], mini_framework, "P", "R1"))
    assert hints["data_sharing"] == ("Inputs: ICB: not assessed · Local authority 1: 2 · Local authority 2: 2 · "
                                     "Voluntary sector: 0 — median 2, spread 2, Split")
    assert hints["outcomes"].endswith("— median 2.5, spread 3, Agreement")


def test_chart_data_feeds_the_spread_chart(panel, mini_framework):
    view = consensus.build(panel, [1, 2, 3], mini_framework, "P", "R1")
    points, summary = consensus.chart_data(view, mini_framework)
    assert len(points) == 11                                        # 12 cells, one not assessed
    assert summary[["short", "median", "agreement"]].values.tolist() == [
        ["Leadership", 2.0, "Agreement"], ["Data", 2.0, "Split"], ["Outcomes", 2.5, "Agreement"]]
    spec = charts.spread_chart(points, summary, mini_framework.scale, STAKEHOLDER_GROUPS).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "circle"


def test_open_draft_is_the_rounds_newest_consensus_draft():
    frame = pd.DataFrame([(1, "R1", "consensus", "draft", 5), (2, "R2", "consensus", "draft", 1),
                          (3, "R2", "consensus", "submitted", 9), (4, "R2", "individual", "draft", 9),
                          (5, "R2", "consensus", "draft", 3)],
                         columns=["id", "round", "kind", "status", "updated_at"])
    assert consensus.open_draft(frame, "R2") == 5
    assert consensus.open_draft(frame, "R3") is None


# --------------------------------------------------------------------------- the store, on SQLite and PostgreSQL

def submit(store, framework, name, group, scores, place="bolton", round_label="2026/27", who=BOLTON):
    a = store.start(who, place, round_label, group, name, framework)
    store.save_draft(who, a.id, framework, dict(zip(framework.dimension_ids, scores)),
                     {d: f"{name}'s evidence" for d, s in zip(framework.dimension_ids, scores) if s is not None})
    return store.submit(who, a.id, framework)


def test_round_submissions_and_the_workshop_from_the_store(any_store, mini_framework):
    store, fw = any_store, mini_framework
    store.add_round("test", "2025/26")
    store.add_round("test", "2026/27")
    ann = submit(store, fw, "Ann Secret", "local_authority", (1, 2, 3))
    bob = submit(store, fw, "Bob Hidden", "icb", (2, None, 3))
    cat = submit(store, fw, "Cat Private", "local_authority", (3, 2, 0))
    store.start(BOLTON, "bolton", "2026/27", "other", "Dan Draft", fw)                       # a draft: left out
    submit(store, fw, "Eve Earlier", "icb", (0, 0, 0), round_label="2025/26")                     # another round
    bury = Principal("place_director", "bury", "Bury lead", "code")
    submit(store, fw, "Fay Bury", "icb", (0, 0, 0), place="bury", who=bury)                   # another place
    c = store.start(BOLTON, "bolton", "2026/27", "", "Workshop", fw, kind="consensus")
    store.save_draft(BOLTON, c.id, fw, {"leadership": 2, "data_sharing": 2, "outcomes": None},
                     {"leadership": "agreed", "data_sharing": "agreed"})
    c = store.submit(BOLTON, c.id, fw)
    ann2 = store.edit(BOLTON, ann.id)                                                             # after the consensus
    store.save_draft(BOLTON, ann2.id, fw, {"leadership": 2}, {})
    ann2 = store.submit(BOLTON, ann2.id, fw)

    frame = store.round_submissions("bolton", "2026/27")
    assert frame.columns.tolist() == COLUMNS                                                      # no names
    assert sorted(set(frame["assessment_id"])) == sorted([ann.id, bob.id, cat.id, c.id, ann2.id])
    assert set(frame.loc[frame["assessment_id"] == ann2.id, "first_id"]) == {ann.id}
    assert len(frame) == 5 * 3

    view = consensus.load(store, fw, "bolton", "2026/27")
    assert [i.label for i in view.inputs] == ["ICB", "Local authority 1", "Local authority 2"]
    assert view.table["Median"].tolist() == [2.0, 2.0, 3.0]
    assert view.table["Spread"].tolist() == [1, 0, 3]
    assert view.table["Agreement"].tolist() == ["Agreement", "Agreement", "Split"]
    assert view.table["Consensus"].tolist()[:2] == [2, 2] and pd.isna(view.table["Consensus"].iloc[2])
    assert view.consensus.linked == tuple(sorted([ann.id, bob.id, cat.id]))
    assert view.linked["Since the consensus"].tolist() == ["unchanged", "version 2 submitted", "unchanged"]
    shown = view.table.to_string() + view.linked.to_string() + " ".join(view.changes) + str(view.inputs)
    assert not [n for n in (*NAMES, "Dan Draft", "Workshop") if n in shown]

    latest = store.latest_scores()
    behind = consensus.consensus_behind(latest, "bolton", "2026/27")
    assert behind == view.consensus.assessment_id
    assert consensus.consensus_note(store, behind) == "Consensus of 3 individual assessments — see them side by side"
    assert consensus.consensus_behind(latest, "bury", "2026/27") is None


def test_demo_consensus_is_linked_to_its_panel(any_store, mini_framework):
    from icsdash.assessments import demo_assessments
    places = ["bolton", "bury", "bexley", "brent", "lincolnshire"]
    any_store.seed_demo(places, mini_framework)
    latest = any_store.latest_scores()
    consensus = latest[latest["kind"] == "consensus"].drop_duplicates("assessment_id")
    assert len(consensus) == sum(r.kind == "consensus" for r in demo_assessments(places, mini_framework)) > 0
    for row in consensus.itertuples():
        panel = latest[(latest["place_code"] == row.place_code) & (latest["round"] == row.round)
                       & (latest["kind"] == "individual")]
        assert any_store.consensus_inputs(row.assessment_id) == sorted(set(panel["assessment_id"]))


# --------------------------------------------------------------------------- the page (AppTest)

@pytest.fixture
def empty_env(tmp_path, monkeypatch):
    """The app on the mini framework with no demo data and one open round, 2026/27, with nothing submitted."""
    config = write_config(tmp_path, {"data.framework": str(MINI_FRAMEWORK), "database.seed_demo": False})
    monkeypatch.setenv("ICSDASH_CONFIG", str(config))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert not AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run().exception     # creates the database
    store = Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")
    store.add_round("test", "2026/27")
    return store


@pytest.fixture
def env(empty_env, mini_framework):
    """As ``empty_env``; Bolton has three submitted assessments in 2026/27."""
    store = empty_env
    store.inputs = [submit(store, mini_framework, name, group, scores) for name, group, scores in (
        ("Ann Secret", "local_authority", (1, 2, 3)), ("Bob Hidden", "icb", (2, None, 3)),
        ("Cat Private", "local_authority", (3, 2, 0)))]
    return store


def open_page(store, path="pages/workshop.py", query=None, role=None, place="bolton"):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    settled(at)
    if role:
        code = store.create_access_code("test", role, place if role == "place_director" else None, "Tester")
        at.sidebar.text_input(key="access_code").input(code).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def everything_shown(at) -> str:
    texts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error", "text") for e in getattr(at, kind)]
    return " ".join(texts + [d.value.to_string() + " ".join(d.value.columns) for d in at.dataframe])


def key(consensus_id, dim, what="score"):
    return f"assessment_{consensus_id}_{what}_{dim}"


def test_a_place_director_records_the_consensus(env, mini_framework):
    dims = mini_framework.dimension_ids
    at = open_page(env, role="place_director", query={"place": "bolton", "round": "2026/27"})
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["Dimension", "ICB", "Local authority 1", "Local authority 2", "n",
                                      "Not assessed", "Lowest", "Highest", "Spread", "Median", "Agreement"]
    assert table["ICB"].astype(object).where(table["ICB"].notna(), None).tolist() == [2, None, 3]
    assert table["Median"].tolist() == [2.0, 2.0, 3.0]
    assert table["Spread"].tolist() == [2, 0, 3]
    assert table["n"].tolist() == [3, 2, 3]
    assert table["Agreement"].tolist() == ["Split", "Agreement", "Split"]       # 1 of 3 outside: not < 3 * 2/6
    assert not [n for n in NAMES if n in everything_shown(at)]

    # The facilitator names themselves and starts; the draft is a consensus of Bolton for the round.
    at.text_input(key="workshop_facilitator").input("Fay Facilitator")
    at.button(key="workshop_start").click().run()
    assert not at.exception
    drafts = env.place_assessments(BOLTON, "bolton")
    draft = drafts[drafts["kind"] == "consensus"].iloc[0]
    assert (draft["status"], draft["round"], draft["participant"]) == ("draft", "2026/27", "Fay Facilitator")
    cid = int(draft["id"])
    hints = [i.value for i in at.info]
    assert escape_markdown("Inputs: ICB: 3 · Local authority 1: 3 · Local authority 2: 0 — median 3, spread 3, "
                           "Split") in hints

    # Every change is saved at once; submitting with a gap names it and submits nothing.
    for dim, score, text in ((dims[0], 2, "We agreed the joint vision is partial"),
                             (dims[1], "Not assessed", "")):
        at.radio(key=key(cid, dim)).set_value(score).run()
        if text:
            at.text_area(key=key(cid, dim, "text")).input(text).run()
    assert env.get(BOLTON, cid).scores == {dims[0]: 2, dims[1]: None}
    at.button(key="submit_consensus").click().run()
    assert "Outcomes: choose a score or 'not assessed'" in " ".join(e.value for e in at.error)
    assert env.get(BOLTON, cid).status == "draft"
    at.radio(key=key(cid, dims[2])).set_value(1).run()
    at.text_area(key=key(cid, dims[2], "text")).input("Only one outcome is reported").run()
    at.button(key="submit_consensus").click().run()
    assert not at.exception
    assert any("Consensus recorded (version 1), linked to 3 individual assessment(s)" in s.value for s in at.success)

    # The database holds a submitted consensus linked to exactly the three inputs.
    recorded = env.get(BOLTON, cid)
    assert (recorded.kind, recorded.status, recorded.scores) == ("consensus", "submitted",
                                                                  {dims[0]: 2, dims[1]: None, dims[2]: 1})
    assert env.consensus_inputs(cid) == sorted(a.id for a in env.inputs)
    # The page shows it as recorded, with the inputs it came from (groups, versions, dates; no names).
    assert at.dataframe[0].value["Consensus"].astype(object).where(
        at.dataframe[0].value["Consensus"].notna(), None).tolist() == [2, None, 1]
    linked = at.dataframe[1].value
    assert linked["Input"].tolist() == ["ICB", "Local authority 1", "Local authority 2"]
    assert linked["Version"].tolist() == [1, 1, 1]
    assert "We agreed the joint vision is partial" in [t.value for t in at.text]        # verbatim, as text
    assert not at.radio and at.button(key="revise_consensus")
    assert not [n for n in (*NAMES, "Fay Facilitator") if n in everything_shown(at)]

    # The Place profile shows the consensus as the place's score, with the inputs one click away.
    profile = open_page(env, "pages/profile.py", query={"place": "bolton"})
    scores = profile.dataframe[0].value["Score"]
    assert scores.astype(object).where(scores.notna(), None).tolist() == [2.0, None, 1.0]
    link = profile.get("page_link")[0].proto
    assert link.label == "Consensus of 3 individual assessments — see them side by side"
    assert (link.page, link.query_string) == ("workshop", "place=bolton&round=2026%2F27")

    # Revising starts version 2 as a draft, seeded with the recorded scores; version 1 stays as it was.
    at.button(key="revise_consensus").click().run()
    drafts = env.place_assessments(BOLTON, "bolton")
    v2 = int(drafts.loc[drafts["kind"] == "consensus", "id"].iloc[0])
    assert (env.get(BOLTON, v2).version, env.get(BOLTON, v2).status) == (2, "draft")
    assert at.radio(key=key(v2, dims[0])).value == 2
    assert env.get(BOLTON, cid).status == "submitted"


@pytest.mark.parametrize("role, place, note, reads", [
    (None, None, "You are not signed in, so this page is read-only", False),
    ("system_leader", None, "You are signed in as system leader, so this page is read-only", True),
    ("place_director", "bury", "You are signed in as place director for Bury, so this page is read-only", False),
])
def test_others_see_the_inputs_but_cannot_record(env, mini_framework, role, place, note, reads):
    c = env.start(BOLTON, "bolton", "2026/27", "", "Fay Facilitator", mini_framework, kind="consensus")
    env.save_draft(BOLTON, c.id, mini_framework, {d: 2 for d in mini_framework.dimension_ids},
                   {d: "Agreed in the room" for d in mini_framework.dimension_ids})
    env.submit(BOLTON, c.id, mini_framework)
    at = open_page(env, role=role, place=place, query={"place": "bolton", "round": "2026/27"})
    assert at.dataframe[0].value["Median"].tolist() == [2.0, 2.0, 3.0]
    assert at.dataframe[0].value["Consensus"].tolist() == [2, 2, 2]
    assert at.dataframe[1].value["Input"].tolist() == ["ICB", "Local authority 1", "Local authority 2"]
    info = " ".join(i.value for i in at.info)
    assert note in info and "Only the place director of Bolton records the workshop's consensus" in info
    assert "workshop_facilitator" not in [t.key for t in at.text_input]
    assert not at.radio and not at.text_area and "revise_consensus" not in [b.key for b in at.button]
    assert not [n for n in (*NAMES, "Fay Facilitator") if n in everything_shown(at)]
    assert ("Agreed in the room" in [t.value for t in at.text]) == reads      # justifications: readers only


@pytest.mark.parametrize("query, message", [
    ({"place": "QZZ-atlantis", "round": "2026/27"}, "'QZZ-atlantis' is not a place in the current filters"),
    ({"place": "bolton", "round": "1999/00"}, "'1999/00' is not an assessment round; choose one of 2026/27"),
])
def test_a_bad_link_is_explained(env, query, message):
    at = open_page(env, query=query)
    errors = " ".join(e.value for e in at.error)
    assert message in errors and "link" in errors
    assert "round 2026/27" in at.header[0].value.replace("\\", "")    # the page goes on with a valid choice


def test_a_place_without_inputs_says_so(env):
    at = open_page(env, role="place_director", place="bury", query={"place": "bury"})
    assert "No individual self-assessment of Bury has been submitted for round 2026/27" in at.info[0].value
    assert not at.dataframe
    assert "workshop_facilitator" not in [t.key for t in at.text_input]


def test_choosing_another_place_and_round_sticks(env):
    env.add_round("test", "2027/28")
    at = open_page(env, role="place_director", query={"place": "bolton", "round": "2026/27"})
    at.selectbox(key="workshop_round").set_value("2027/28").run()
    assert at.selectbox(key="workshop_round").value == "2027/28" and at.query_params["round"] == "2027/28"
    at.selectbox(key="workshop_place").set_value("bury").run()
    assert at.selectbox(key="workshop_place").value == "bury" and at.query_params["place"] == "bury"
    assert "Bury" in at.header[0].value and "2027/28" in at.header[0].value.replace("\\", "")


def test_a_database_failure_is_explained(env, monkeypatch):
    at = open_page(env, role="place_director", query={"place": "bolton", "round": "2026/27"})

    def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))
    monkeypatch.setattr(Store, "start", down)
    at.text_input(key="workshop_facilitator").input("Fay")
    at.button(key="workshop_start").click().run()
    assert not at.exception
    assert "the database did not answer, so nothing was changed" in at.error[0].value


# --------------------------------------------------------------------------- a whole workshop, as it happens

def join_from_own_device(store, join_query: dict, name: str, group: str, scores: tuple, reasons: tuple):
    """A participant opens the join link in their own session, signs in with their place's code, fills in and
    submits their own assessment on the Self-assessment page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in join_query.items():
        at.query_params[k] = v
    settled(at)
    code = store.create_access_code("test", "place_director", "bolton", f"Bolton participant {name}")
    at.sidebar.text_input(key="access_code").input(code).run()
    at.switch_page("pages/assessment.py").run()
    assert at.selectbox(key="start_round").value == "2026/27"          # the link chose the workshop's round
    at.text_input(key="start_participant").input(name)
    at.selectbox(key="start_group").set_value(group)
    at.button(key="start_open").click().run()
    aid = at.session_state["assessment_id"]
    for dim, score, reason in zip(("leadership", "data_sharing", "outcomes"), scores, reasons):
        at.radio(key=key(aid, dim)).set_value("Not assessed" if score is None else score).run()
        if reason:
            at.text_area(key=key(aid, dim, "text")).input(reason).run()
    at.button(key="submit_assessment").click().run()
    assert not at.exception and any("Version 1 submitted" in s.value for s in at.success), [e.value for e in at.error]
    return aid


def test_a_workshop_end_to_end_as_submissions_arrive(empty_env, mini_framework):
    """The facilitator opens the workshop before anyone has submitted; three participants join through the link
    the page shows and submit from their own sessions; each arrives on the facilitator's screen at its next
    rerun (in the browser, the fragment's timer); the consensus is recorded and linked to exactly those three."""
    store = empty_env
    assert list(mini_framework.dimension_ids) == ["leadership", "data_sharing", "outcomes"]
    room = open_page(store, role="place_director", query={"place": "bolton", "round": "2026/27"})
    assert "No individual self-assessment of Bolton has been submitted for round 2026/27" in room.info[0].value
    assert "workshop_facilitator" not in [t.key for t in room.text_input]          # nothing to agree on yet
    join = next(m.value for m in room.markdown if "/assessment?round=" in m.value).replace("\\", "")
    query = dict(parse_qsl(urlsplit(re.search(r"\*\*(\S+)\*\*", join).group(1)).query))
    assert query == {"round": "2026/27"}

    arrivals = (("Ann Secret", "local_authority", (1, 2, 3), ("Vision drafted", "Some records shared", "Reported")),
                ("Bob Hidden", "icb", (2, None, 3), ("Board agreed", "", "Reported quarterly")),
                ("Cat Private", "voluntary_sector", (3, 2, 0), ("We co-chair", "Partly", "Not yet")))
    ids = []
    for n, (name, group, scores, reasons) in enumerate(arrivals, start=1):
        ids.append(join_from_own_device(store, query, name, group, scores, reasons))
        room.run()                                                   # the facilitator's next rerun
        assert not room.exception
        table = room.dataframe[0].value
        assert table["n"].tolist()[0] == n
        assert f"{n} individual assessment(s)" in " ".join(c.value for c in room.caption)
    table = room.dataframe[0].value
    assert table.columns.tolist()[:4] == ["Dimension", "ICB", "Local authority", "Voluntary sector"]
    assert table["Median"].tolist() == [2.0, 2.0, 3.0] and table["Spread"].tolist() == [2, 0, 3]
    assert not [n for n in NAMES if n in everything_shown(room)]

    room.text_input(key="workshop_facilitator").input("Fay Facilitator")
    room.button(key="workshop_start").click().run()
    drafts = store.place_assessments(BOLTON, "bolton")
    cid = int(drafts.loc[drafts["kind"] == "consensus", "id"].iloc[0])
    for dim, score, reason in (("leadership", 2, "Agreed: vision partly shared"),
                               ("data_sharing", 2, "Records shared in two services"),
                               ("outcomes", 1, "One outcome reported")):
        room.radio(key=key(cid, dim)).set_value(score).run()
        room.text_area(key=key(cid, dim, "text")).input(reason).run()
    room.button(key="submit_consensus").click().run()
    assert not room.exception
    assert any("linked to 3 individual assessment(s)" in s.value for s in room.success)
    recorded = store.get(BOLTON, cid)
    assert (recorded.kind, recorded.status, recorded.scores) == (
        "consensus", "submitted", {"leadership": 2, "data_sharing": 2, "outcomes": 1})
    assert store.consensus_inputs(cid) == sorted(ids)
    assert room.dataframe[1].value["Input"].tolist() == ["ICB", "Local authority", "Voluntary sector"]
    # The consensus now stands as Bolton's score for the round.
    latest = store.latest_scores()
    bolton = latest[(latest["place_code"] == "bolton") & (latest["kind"] == "consensus")]
    assert dict(zip(bolton["dimension_id"], bolton["score"])) == {"leadership": 2, "data_sharing": 2, "outcomes": 1}
