"""The self-assessment journey in the app (AppTest): sign in, fill, leave, return, gaps, submit, history, edit;
and the access rules, through the page and its query parameter."""

import pytest
from streamlit.testing.v1 import AppTest

from icsdash.auth import Principal
from icsdash.store import Store
from icsdash.ui.frame import LANGUAGE_SCRIPT

from conftest import ROOT, settled, write_config

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ICSDASH_CONFIG", str(write_config(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()     # creates and seeds the database
    assert not first.exception
    store = Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")
    return store


def new_session(query=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return settled(at)


def signed_in(store, role="place_director", place="bolton", query=None, label="Bolton lead"):
    at = new_session(query)
    code = store.create_access_code("test", role, place, label)
    at.sidebar.text_input(key="access_code").input(code).run()
    assert at.session_state["_icsdash_principal"].role == role
    return at


def open_page(at):
    at.switch_page("pages/assessment.py").run()
    assert not at.exception, at.exception
    return at


def header(at) -> str:
    """The open assessment's header (place, round, group, participant, version, status), as HTML."""
    return next(h.proto.body for h in at.get("html") if h.proto.body != LANGUAGE_SCRIPT)   # not the page's language


def score_key(at, dim, what="score"):
    return f"assessment_{at.session_state['assessment_id']}_{what}_{dim}"


def test_the_whole_journey(env, framework):
    at = open_page(signed_in(env))
    at.text_input(key="start_participant").input("Ann Smith")
    at.selectbox(key="start_group").set_value("local_authority")
    at.button(key="start_open").click().run()
    assert not at.exception
    dims = framework.dimension_ids
    # Fill three dimensions; every change is saved as it happens.
    at.radio(key=score_key(at, dims[0])).set_value(3).run()
    at.text_area(key=score_key(at, dims[0], "text")).input("Shared vision agreed in March").run()
    at.radio(key=score_key(at, dims[1])).set_value(2).run()
    at.radio(key=score_key(at, dims[2])).set_value("Not assessed").run()
    draft = env.get(BOLTON, at.session_state["assessment_id"])
    assert draft.scores == {dims[0]: 3, dims[1]: 2, dims[2]: None}
    assert draft.justifications == {dims[0]: "Shared vision agreed in March"}
    assert "3 of 12 dimensions answered" in at.get("progress")[0].proto.text

    # Leave the page and come back: the draft is there.
    at.switch_page("pages/overview.py").run()
    open_page(at)
    assert at.radio(key=score_key(at, dims[0])).value == 3
    assert at.text_area(key=score_key(at, dims[0], "text")).value == "Shared vision agreed in March"

    # A reload is a new session: sign in again and the link reopens the draft.
    key = at.query_params["assessment"]
    again = open_page(signed_in(env, query={"assessment": key}))
    assert again.session_state["assessment_id"] == at.session_state["assessment_id"]
    assert again.radio(key=score_key(again, dims[1])).value == 2

    # Submitting with gaps names each one, next to its dimension, and submits nothing.
    at.button(key="submit_assessment").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "10 dimension(s) need attention before submitting" in errors
    assert "Structure and governance: write a justification for this score" in errors
    assert "Capacity building: choose a score or 'not assessed'" in errors
    assert env.get(BOLTON, at.session_state["assessment_id"]).status == "draft"

    # Complete every dimension and submit.
    at.text_area(key=score_key(at, dims[1], "text")).input("Place board terms agreed").run()
    for dim in dims[3:]:
        at.radio(key=score_key(at, dim)).set_value(4).run()
        at.text_area(key=score_key(at, dim, "text")).input(f"Evidence for {dim}").run()
    at.button(key="submit_assessment").click().run()
    assert not at.exception
    assert any("Version 1 submitted" in s.value for s in at.success)
    v1 = env.get(BOLTON, at.session_state["assessment_id"])
    assert (v1.status, v1.version, v1.scores[dims[5]]) == ("submitted", 1, 4)
    assert at.radio(key=score_key(at, dims[0])).disabled                    # frozen on screen too
    history = at.dataframe[-1].value
    assert history[["Version", "Status", "Participant"]].values.tolist() == [[1, "submitted", "Ann Smith"]]

    # Edit: version 2 starts as a copy; version 1 stays as it was.
    at.button(key="edit_assessment").click().run()
    v2 = env.get(BOLTON, at.session_state["assessment_id"])
    assert (v2.version, v2.status, v2.scores) == (2, "draft", v1.scores)
    at.radio(key=score_key(at, dims[0])).set_value(5).run()
    assert env.get(BOLTON, v1.id).scores[dims[0]] == 3
    assert "version 2" in header(at)
    assert at.dataframe[-1].value["Version"].tolist() == [1, 2]


def test_an_entry_whose_save_was_cut_off_is_saved_and_another_tabs_entry_is_shown(env, framework):
    """In the browser, a click arriving while the previous change is being saved stops that run, and the earlier
    change's callback is not run again: its value is in the widget but not in the database. Here the values are
    put into the session without their callbacks, as that leaves them."""
    at = open_page(signed_in(env))
    at.text_input(key="start_participant").input("Cleo")
    at.button(key="start_open").click().run()
    aid, dims = at.session_state["assessment_id"], framework.dimension_ids
    at.radio(key=score_key(at, dims[0])).set_value(3).run()
    at.session_state[score_key(at, dims[1])] = 4                          # no callback ran for these two
    at.session_state[score_key(at, dims[1], "text")] = "Joint board since April"
    at.run()
    assert not at.exception
    stored = env.get(BOLTON, aid)
    assert (stored.scores, stored.justifications) == ({dims[0]: 3, dims[1]: 4}, {dims[1]: "Joint board since April"})
    assert "Saved at" in " ".join(c.value for c in at.caption)

    # The same draft changed in another tab: this tab shows it at its next run and writes nothing back over it.
    env.save_draft(BOLTON, aid, framework, {dims[0]: 1, dims[2]: 2}, {dims[2]: "From the other tab"})
    at.run()
    assert [at.radio(key=score_key(at, d)).value for d in dims[:3]] == [1, 4, 2]
    assert at.text_area(key=score_key(at, dims[2], "text")).value == "From the other tab"
    assert env.get(BOLTON, aid).scores == {dims[0]: 1, dims[1]: 4, dims[2]: 2}

    # Every other dimension saved, the last one cut off by the click on Submit: what is submitted is on screen.
    env.save_draft(BOLTON, aid, framework, {d: 3 for d in dims[3:-1]},
                   {d: f"Evidence {n}" for n, d in enumerate(dims[:-1])})
    at.run()
    at.session_state[score_key(at, dims[-1])] = "Not assessed"
    at.button(key="submit_assessment").click().run()
    assert not at.exception
    done = env.get(BOLTON, aid)
    assert (done.status, done.scores[dims[-1]], len(done.scores)) == ("submitted", None, 12)
    assert any("Version 1 submitted" in s.value for s in at.success)


def test_too_long_justification_is_refused_and_not_written(env, framework):
    at = open_page(signed_in(env))
    at.text_input(key="start_participant").input("Bob")
    at.button(key="start_open").click().run()
    dim = framework.dimension_ids[0]
    area = at.text_area(key=score_key(at, dim, "text"))
    assert area.max_chars == 2000                       # the browser stops typing at the configured limit
    area.input("x" * 2001).run()                        # and so does AppTest: the value never reaches the app
    assert env.get(BOLTON, at.session_state["assessment_id"]).justifications == {}
    at.text_area(key=score_key(at, dim, "text")).input("x" * 2000).run()
    assert len(env.get(BOLTON, at.session_state["assessment_id"]).justifications[dim]) == 2000


def test_user_text_is_shown_as_text(env):
    at = open_page(signed_in(env))
    at.text_input(key="start_participant").input("**Ann** <img src=x onerror=alert(1)> [link](http://x) a -- b")
    at.button(key="start_open").click().run()
    # Escaped HTML, not Markdown (which would turn ' -- ' into a dash): the name shows exactly as typed.
    assert "**Ann** &lt;img src=x onerror=alert(1)&gt; [link](http://x) a -- b" in header(at)


def test_another_place_cannot_be_reached_by_link(env, framework):
    a = env.start(BOLTON, "bolton", "2025/26", "icb", "Ann", framework)
    at = open_page(signed_in(env, place="bury", label="Bury lead", query={"assessment": a.assessment_key}))
    assert "may not see assessments for bolton" in at.error[0].value
    assert at.session_state["assessment_id"] is None if "assessment_id" in at.session_state else True
    assert not at.radio and not at.text_area
    assert "assessment" not in at.query_params


def test_bury_director_can_only_start_for_bury(env):
    at = open_page(signed_in(env, place="bury", label="Bury lead"))
    at.text_input(key="start_participant").input("Bea")
    at.button(key="start_open").click().run()
    opened = env.get(Principal("place_director", "bury", "Bury lead", "code"), at.session_state["assessment_id"])
    assert opened.place_code == "bury"
    assert "Bury" in header(at)


@pytest.mark.parametrize("role, place, text", [
    (None, None, "Sign in with your place's access code"),
    ("system_leader", None, "Only a place director completes a place's self-assessment"),
])
def test_others_see_no_form(env, role, place, text):
    at = signed_in(env, role=role, place=place) if role else new_session()
    open_page(at)
    assert text in at.info[0].value
    assert not at.radio and not at.text_area


def test_wrong_code_is_refused_with_a_clear_message(env):
    at = new_session()
    at.sidebar.text_input(key="access_code").input("ABCDEF-notarealcodenotarealcode").run()
    assert not at.exception
    assert "that access code is not valid" in at.sidebar.error[0].value
    assert "_icsdash_principal" not in at.session_state


def test_admin_page_creates_a_code_that_signs_in(env):
    at = signed_in(env, role="admin", place=None, label="Admin")
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    at.selectbox(key="new_code_role").set_value("place_director")
    at.selectbox(key="new_code_place").set_value("wigan")
    at.text_input(key="new_code_label").input("Wigan lead")
    at.button(key="new_code_create").click().run()
    assert not at.exception
    code = at.code[0].value
    assert env.sign_in(code, client="other").place_code == "wigan"
    assert "Wigan lead" in env.access_codes()["label"].tolist()
    assert not at.get("file_uploader") and not at.get("dataframe")[1:]     # only the open tab is drawn
    at.session_state["admin_tab"] = "Audit log"                             # as a click on the tab does
    at.run()
    audit = at.dataframe[0].value
    assert audit["action"].iloc[0] == "sign_in" and "create_access_code" in audit["action"].tolist()[:3]
    assert "new_code_role" not in [w.key for w in at.get("selectbox")]
