"""The downloads: the place profile and workshop summary PDFs (parsed back to text here), the running order as
slides (opened with python-pptx), anonymised variants, and the buttons on the pages. Bolton's panel on the mini
framework: three named stakeholders (names never printed) and a consensus with justifications."""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from datetime import date

import pandas as pd
import pytest
import streamlit as st
import yaml
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from icsdash import analysis, anonymise, consensus, geography, notices, presenter, reports
from icsdash.auth import Principal
from icsdash.pdf_layout import picture_size
from icsdash.store import Store

from conftest import DATA, ROOT
from test_consensus import empty_env, env, open_page  # noqa: F401 - the workshop page tests' app and page opener

BOLTON = Principal("place_director", "bolton", "Bolton lead", "code")
NAMES = ("Ann Secret", "Bob Hidden", "Cat Private", "Fay Facilitator")
UNICODE = "Zoë Łukasik (Bolton Council) said: “data first” — 100 % agreed"
LONG = ("Partners in Bolton agreed that the locality boards show real progress, but joint commissioning of "
        "community services is still at an early stage and data sharing agreements await sign-off. ") * 10
DAY = date(2026, 3, 14)
TINY = (lambda b: (Image.new("RGB", (4, 3), "white").save(b, "PNG"), b.getvalue())[1])(io.BytesIO())


# --------------------------------------------------------------------------- reading a PDF back

def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and (inflated) stream, found by /Length so binary data cannot mislead."""
    out, pos = {}, 0
    for m in re.finditer(rb"(\d+) 0 obj", data):
        if m.start() < pos:
            continue
        end, start = data.find(b"endobj", m.end()), data.find(b"stream", m.end())
        if start == -1 or start > end:
            out[int(m.group(1))], pos = (data[m.end():end], None), end
            continue
        head = data[m.end():start]
        start += len(b"stream\n") + (data[start + 6:start + 8] == b"\r\n")
        body = data[start:start + int(re.search(rb"/Length (\d+)", head).group(1))]
        out[int(m.group(1))] = (head, zlib.decompress(body) if b"/FlateDecode" in head else body)
        pos = start + len(body)
    return out


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i] == 0x5C:                                  # backslash
            i += 1
            octal = re.match(rb"[0-7]{1,3}", raw[i:i + 3])
            if octal:
                out.append(int(octal.group(), 8))
                i += len(octal.group())
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(raw[i:i + 1], raw[i:i + 1])
        else:
            out.append(raw[i])
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> tuple[int, str]:
    """(pages, text) of a PDF that fpdf2 wrote: each font's two-byte glyph codes read back through its
    ToUnicode map, page by page, whitespace collapsed. Enough for our files; not a general PDF reader."""
    objects = _objects(data)
    cmaps = {}
    for number, (head, _) in objects.items():
        if ref := re.search(rb"/ToUnicode (\d+) 0 R", head):
            cmap = objects[int(ref.group(1))][1]
            cmaps[number] = {int(a, 16): chr(int(b, 16)) for a, b in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>",
                                                                                  cmap)}
    fonts = {name: cmaps[int(n)] for head, _ in objects.values()
             for name, n in re.findall(rb"/(F\d+) (\d+) 0 R", head) if int(n) in cmaps}
    kids = next(re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", head, re.S).group(1))
                for head, _ in objects.values() if b"/Type /Pages" in head)
    text, font = [], {}
    for kid in kids:
        content = objects[int(re.search(rb"/Contents (\d+) 0 R", objects[int(kid)][0]).group(1))][1]
        for token in re.finditer(rb"\((?:\\.|[^\\)])*\)|/F\d+|\bET\b", content, re.S):
            raw = token.group()
            if raw.startswith(b"/"):
                font = fonts[raw[1:]]
            elif raw.startswith(b"("):
                codes = _unescape(raw[1:-1])
                text.append("".join(font.get(int.from_bytes(codes[i:i + 2], "big"), "?")
                                    for i in range(0, len(codes), 2)))
            else:
                text.append(" ")
    return len(kids), " ".join("".join(text).split())


def squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- Bolton's panel

def submit(store, framework, name, group, scores, justification, round_label="2026/27", kind="individual"):
    a = store.start(BOLTON, "bolton", round_label, group, name, framework, kind=kind)
    store.save_draft(BOLTON, a.id, framework, dict(zip(framework.dimension_ids, scores)),
                     {d: justification(d) for d, s in zip(framework.dimension_ids, scores) if s is not None})
    return store.submit(BOLTON, a.id, framework)


@pytest.fixture
def panel(tmp_path, mini_framework, reference):
    """Bolton on the mini framework (Leadership, Data sharing, Outcomes; 0-3): one assessment in 2025/26, three
    in 2026/27 and a consensus of 2, 2, 1 whose justifications are long, in any script, and name Bolton."""
    fw = mini_framework
    store = Store.open(f"sqlite:///{tmp_path / 'reports.sqlite3'}")
    for label in ("2025/26", "2026/27"):
        store.add_round("test", label)
    submit(store, fw, "Eve Earlier", "icb", (1, 1, 1), lambda d: f"Earlier note on {d}", round_label="2025/26")
    for name, group, scores in (("Ann Secret", "local_authority", (1, 2, 3)), ("Bob Hidden", "icb", (2, None, 3)),
                                ("Cat Private", "local_authority", (3, 2, 0))):
        submit(store, fw, name, group, scores, lambda d, n=name: f"{n.split()[0]}'s evidence on {d}. {LONG}")
    reasons = {"leadership": UNICODE, "data_sharing": LONG, "outcomes": "Only one outcome is reported."}
    submit(store, fw, "Fay Facilitator", "", (2, 2, 1), reasons.get, kind="consensus")
    store.latest = store.latest_scores()
    store.dims, store.reasons = analysis.dimension_scores(store.latest, fw), reasons
    return store


def bolton(panel, framework, reference, code="bolton") -> pd.Series:
    """Bolton's (or another place's) row of the place summary, as the Place profile page reads it."""
    summary = analysis.place_summary(reference, panel.latest, panel.activity(), framework, None)
    row = summary.set_index("place_code").loc[code].copy()
    row["place_code"] = code
    return row


def profile(panel, framework, reference, readable=True, redact=str, note="Illustrative data: test note."):
    notes = panel.justifications(BOLTON, "bolton", "2026/27") if readable else None
    return reports.profile_pdf(bolton(panel, framework, reference), framework, panel.dims, panel.latest,
                               reference.places, justifications=notes, boundaries=reference.boundaries, note=note,
                               redact=redact, generated=DAY)


# --------------------------------------------------------------------------- the place profile

def test_profile_pdf_prints_the_place_scores_and_justifications(panel, mini_framework, reference):
    data = profile(panel, mini_framework, reference)
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    pages, text = pdf_text(data)
    assert pages == 6                   # radar, scores and spread; trend; the long justifications flow over four
    assert text.startswith("PLACE PROFILE Bolton Greater Manchester ICS · North West · Joint committee · "
                           "assessment round 2026/27 Illustrative data: test note.")
    # The scores table, row by row: score (the consensus), band, agreement, n, ICS and England medians.
    assert ("Dimension Score Band Agreement Individual scores ICS median England median "
            "Leadership 2 High Split 3 2 2 Data sharing 2 High Agreement 2 2 2 "
            "Outcomes 1 Low Split 3 1 1") in text
    assert "Strongest Leadership, Data sharing, Outcomes" in text
    assert "Where stakeholders agree and differ" in text and "Trend across rounds" in text
    assert "Consensus · score 2 " + UNICODE in text                      # any script prints
    assert squash(LONG) in text                                            # wrapped over pages, nothing lost
    assert "Ann's evidence on outcomes" in text and "Local authority · score 3" in text
    assert "Page 6 of 6" in text
    footer = "icsdash · Boundaries: April 2023 (42 ICBs) · generated 14 March 2026 · illustrative data"
    assert text.count(footer) == 6                                         # on every page
    assert not [n for n in NAMES if n in text]                             # never a participant's name


def test_profile_pdf_leaves_justifications_out_for_those_who_may_not_read_them(panel, mini_framework, reference):
    pages, text = pdf_text(profile(panel, mini_framework, reference, readable=False, note=""))
    assert pages == 2
    assert "Not included: only the place's director, system leaders and administrators may read the " \
           "justifications" in text
    assert not [t for t in ("evidence on", UNICODE, "Partners in Bolton", "Illustrative data") if t in text]


def test_profile_pdf_of_a_place_without_scores_says_so(panel, mini_framework, reference):
    bury = bolton(panel, mini_framework, reference, "bury")
    pages, text = pdf_text(reports.profile_pdf(bury, mini_framework, panel.dims, panel.latest, reference.places,
                                               justifications=None, boundaries=reference.boundaries))
    assert pages == 1 and text.startswith("PLACE PROFILE Bury Greater Manchester ICS · North West")
    assert "Bury has no submitted self-assessment yet." in text and "Scores by dimension" not in text


def test_anonymised_profile_pdf_names_no_place(panel, mini_framework, reference):
    hidden, redact = anonymise.anonymise_reference(reference), anonymise.redactor(reference)
    label = hidden.place("bolton").place_name
    data = profile(panel, mini_framework, hidden, redact=redact)
    _, text = pdf_text(data)
    assert text.startswith(f"PLACE PROFILE {label} Greater Manchester ICS")
    assert f"Zoë Łukasik ({label} Council)" in text and f"Partners in {label} agreed" in text
    assert "Bolton" not in text and b"Bolton" not in data                  # nor in the document's metadata
    chart = json.dumps(reports.profile_radar(pd.DataFrame({"score": [2.0, 2.0, 1.0], "icb_median": [2.0] * 3,
                                                           "england_median": [2.0] * 3}),
                                             bolton(panel, mini_framework, hidden), mini_framework)
                       .to_dict())
    assert label in chart and "Bolton" not in chart                         # the radar's legend
    view = consensus.load(panel, mini_framework, "bolton", "2026/27")
    summary = reports.workshop_pdf(view, mini_framework, label, justifications=panel.reasons, redact=redact,
                                   boundaries=hidden.boundaries)
    _, text = pdf_text(summary)
    assert f"{label} · round 2026/27" in text and f"Leadership: Zoë Łukasik ({label} Council)" in text
    assert "Bolton" not in text and b"Bolton" not in summary


# --------------------------------------------------------------------------- the workshop summary

def test_workshop_pdf_fits_a_page_with_counts_by_group_and_no_names(panel, mini_framework):
    view = consensus.load(panel, mini_framework, "bolton", "2026/27")
    short = {**panel.reasons, "data_sharing": "Records are shared under one agreement."}
    data = reports.workshop_pdf(view, mini_framework, "Bolton", justifications=short, generated=DAY,
                                boundaries="April 2023 (42 ICBs)", note="Illustrative data: test note.")
    pages, text = pdf_text(data)
    assert pages == 1
    assert text.startswith(f"CONSENSUS WORKSHOP SUMMARY Bolton · round 2026/27 consensus recorded "
                           f"{reports._day(view.consensus.submitted_at)} (version 1) · 3 individual assessments "
                           "Illustrative data: test note.")
    assert "Participants by stakeholder group Stakeholder group Assessments ICB 1 Local authority 2 Total 3" in text
    assert ("Dimension Consensus Median of inputs Range Agreement Inputs scored Leadership 2 2 1–3 Split 3 "
            "Data sharing 2 2 2–2 Agreement 2 Outcomes 1 3 0–3 Split 3") in text
    assert f"Leadership: {UNICODE} Data sharing: Records are shared under one agreement. Outcomes: Only one " \
           "outcome is reported." in text
    assert not [n for n in NAMES if n in text] and b"Fay" not in data
    assert text.endswith("icsdash · Boundaries: April 2023 (42 ICBs) · generated 14 March 2026 · illustrative data "
                         "Page 1 of 1")


def test_workshop_pdf_shows_the_live_votes_rounds_dimension_by_dimension(panel, mini_framework):
    """A live vote's rounds (as the Live vote page's table) under the consensus: each dimension's rounds in
    turn, with the votes per level, median, IQR, agreement and level, so the change of agreement shows."""
    view = consensus.load(panel, mini_framework, "bolton", "2026/27")
    ids = {d.name: d.id for d in mini_framework.dimensions}
    votes = pd.DataFrame({"round_number": [1] * 7 + [2] * 3,
                          "dimension_id": [ids["Leadership"]] * 4 + [ids["Outcomes"]] * 3 + [ids["Leadership"]] * 3,
                          "score": pd.array([0, 5, 1, None, 2, 2, 3, 2, 2, 3], dtype="Int64")})
    from icsdash import live_vote
    from icsdash.views.live import TABLE_COLUMNS
    found = live_vote.results(mini_framework, votes)
    rows = pd.DataFrame([{"Round": r.round_number, "Dimension": mini_framework.dimension(r.dimension_id).name,
                          "Votes per level": " · ".join(f"{k}: {n}" for k, n in r.distribution.items()),
                          "Scored": r.scored, "Cannot say": r.cannot_say, "Median": r.median, "IQR": r.iqr,
                          "Agreement": r.agreement, "Level": r.level} for r in found], columns=TABLE_COLUMNS)
    _, text = pdf_text(reports.workshop_pdf(view, mini_framework, "Bolton", justifications=None, boundaries="x",
                                            live_rounds=rows))
    assert "Live vote: each dimension's rounds" in text
    at = text.index("Live vote: each dimension's rounds")
    body = text[at:]
    first, second, outcomes = (body.index("Leadership 1"), body.index("Leadership 2"), body.index("Outcomes 1"))
    assert first < second < outcomes                      # a dimension's rounds together, in the framework's order
    assert "(+1 cannot say)" in body[first:second] and "Split" in body[first:second]
    assert "Agreement" in body[second:outcomes]


def test_workshop_pdf_without_permission_or_consensus(panel, mini_framework):
    view = consensus.load(panel, mini_framework, "bolton", "2026/27")
    _, text = pdf_text(reports.workshop_pdf(view, mini_framework, "Bolton", justifications=None, boundaries="x"))
    assert "Not included: only the place's director" in text and UNICODE not in text
    empty = consensus.load(panel, mini_framework, "bolton", "2025/26")
    pages, text = pdf_text(reports.workshop_pdf(empty, mini_framework, "Bolton", justifications=None,
                                                boundaries="x"))
    assert pages == 1 and "no consensus recorded yet · 1 individual assessment" in text
    assert "Leadership — 1 1–1 Agreement 1" in text and "Why the consensus" not in text


# --------------------------------------------------------------------------- the running order as slides

VIEWS = presenter.parse_views([
    {"page": "overview", "title": "Models in the North West", "measure": "governance_model", "region": "North West"},
    {"page": "map", "title": "Greater Manchester: overall maturity", "icb": "QOP", "measure": "overall_maturity"},
    {"page": "profile", "place": "bolton"},
    {"page": "compare", "title": "Bolton beside Bury and its ICS", "places": ["bolton", "bury", "icb:QOP"]},
    {"page": "governance", "region": "North West"},
    {"page": "workshop", "title": "Bolton's workshop", "place": "bolton"},
])


@pytest.fixture(scope="module")
def geo(reference):
    return geography.load_geography(DATA, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]), reference.icb_boundaries)


def deck_data(panel, framework, reference, geo):
    summary = analysis.place_summary(reference, panel.latest, panel.activity(), framework, None)
    return reports.DeckData(reference, framework, geo, summary, panel.dims, panel.latest, "overall_maturity")


def slides(data: bytes) -> list[dict]:
    deck = Presentation(io.BytesIO(data))
    out = []
    for slide in deck.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        out.append({"title": texts[0], "texts": texts, "pictures": pictures})
    return out


def test_every_page_of_the_running_order_has_a_chart():
    assert set(reports.SLIDE_CHARTS) == set(presenter.SETTINGS_BY_PAGE)


def test_a_live_vote_view_gets_a_slide_of_where_the_place_stands(panel, mini_framework, reference, geo):
    views = presenter.parse_views([{"page": "live", "place": "bolton"}])
    shown = slides(reports.running_order_pptx(views, deck_data(panel, mini_framework, reference, geo),
                                              generated=DAY))
    assert [s["title"] for s in shown] == ["Live vote: Bolton"] and len(shown[0]["pictures"]) == 1


def test_running_order_pptx_has_a_slide_per_view(panel, mini_framework, reference, geo):
    data = reports.running_order_pptx(VIEWS, deck_data(panel, mini_framework, reference, geo), generated=DAY,
                                      note=notices.illustrative_note(reference, False, short=True))
    shown = slides(data)
    assert [s["title"] for s in shown] == ["Models in the North West", "Greater Manchester: overall maturity",
                                           "Place profile: Bolton", "Bolton beside Bury and its ICS",
                                           "Governance: North West", "Bolton's workshop"]
    assert [s["texts"][1] for s in shown if len(s["texts"]) == 4] == [
        "Overview: North West", "Map explorer: QOP", "Consensus workshop: Bolton"]
    for number, s in enumerate(shown, start=1):
        assert len(s["pictures"]) == 1 and s["pictures"][0].image.content_type == "image/png"
        assert s["pictures"][0].width > 0 and s["pictures"][0].height > 0
        assert s["texts"][-2] == ("Source: icsdash · Boundaries: April 2023 (42 ICBs) · Illustrative data: invented "
                                  "place definitions, governance details, and budgets · 14 March 2026")
        assert s["texts"][-1] == f"{number} / 6"
    # The map's picture is the static map at twice its size: wider than the 720 px on screen.
    assert picture_size(shown[1]["pictures"][0].image.blob)[0] > 1400


def test_anonymised_running_order_names_no_place(panel, mini_framework, reference, geo):
    hidden, redact = anonymise.anonymise_reference(reference), anonymise.redactor(reference)
    views = tuple(v for v in VIEWS if v.page in ("profile", "compare", "workshop"))
    deck = deck_data(panel, mini_framework, hidden, geo)
    data = reports.running_order_pptx(views, deck, redact=redact, anonymised=True, generated=DAY)
    bolton, bury = hidden.place("bolton").place_name, hidden.place("bury").place_name
    assert [s["title"] for s in slides(data)] == [f"Place profile: {bolton}", f"{bolton} beside {bury} and its ICS",
                                                  f"{bolton}'s workshop"]
    assert "places anonymised" in slides(data)[0]["texts"][-2]
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        xml = " ".join(parts.read(n).decode("utf-8", "ignore") for n in parts.namelist() if n.endswith(".xml"))
    assert "Bolton" not in xml and "Bury" not in xml
    charts = json.dumps([reports.SLIDE_CHARTS[v.page](v, deck).to_dict() for v in views])
    assert bolton in charts and "Bolton" not in charts and "Bury" not in charts


# --------------------------------------------------------------------------- the boundaries they are drawn in

BOUNDARIES = {"2023-04": "April 2023 (42 ICBs)", "2026-04": "April 2026 (36 ICBs)"}


@pytest.mark.parametrize("vintage", list(BOUNDARIES))
def test_every_report_names_its_boundaries(panel, mini_framework, vintage, monkeypatch):
    """The ICS a place is in, and so its ICS median, depends on the vintage: each report says which it shows."""
    from icsdash.reference import load_reference
    reference, boundaries = load_reference(DATA, vintage=vintage), BOUNDARIES[vintage]
    assert reference.boundaries == boundaries
    footer = f"icsdash · Boundaries: {boundaries} · generated 14 March 2026"
    _, text = pdf_text(profile(panel, mini_framework, reference, note=""))
    other = next(b for v, b in BOUNDARIES.items() if v != vintage)
    assert footer in text and other not in text
    view = consensus.load(panel, mini_framework, "bolton", "2026/27")
    _, text = pdf_text(reports.workshop_pdf(view, mini_framework, "Bolton", justifications=None, generated=DAY,
                                            boundaries=reference.boundaries))
    assert text.endswith(f"{footer} Page 1 of 1")
    monkeypatch.setattr(reports, "png", lambda chart, scale=2.0: TINY)        # the footer, not the drawing
    summary = analysis.place_summary(reference, panel.latest, panel.activity(), mini_framework, None)
    deck = reports.DeckData(reference, mini_framework, None, summary, panel.dims, panel.latest, "overall_maturity")
    views = tuple(v for v in VIEWS if v.page in ("profile", "compare", "workshop"))
    shown = slides(reports.running_order_pptx(views, deck, generated=DAY))
    assert [s["texts"][-2] for s in shown] == [f"Source: icsdash · Boundaries: {boundaries} · 14 March 2026"] * 3


# --------------------------------------------------------------------------- the buttons

@pytest.fixture
def app(env):
    """The workshop tests' app (the mini framework, three assessments of Bolton). Streamlit's caches are
    cleared before and after: ui's are keyed by data versions, which another test's database can share."""
    st.cache_resource.clear()
    yield env
    st.cache_resource.clear()


def test_the_buttons_make_the_downloads(app, monkeypatch):
    """Each button hands Streamlit a function (run only on a click); called here, each makes its file."""
    made, button = {}, st.download_button

    def spy(label, data, *args, **kwargs):
        made[label] = data, kwargs["file_name"]
        return button(label, data, *args, **kwargs)
    monkeypatch.setattr(st, "download_button", spy)
    at = open_page(app, "pages/profile.py", {"place": "bolton"})
    help_text = next(b.proto.help for b in at.main.get("download_button") if b.proto.label == "Download PDF report")
    assert help_text == "Facts, radar, scores, spread, trend, on A4."           # a viewer: no justifications
    report, name = made["Download PDF report"]
    pages, text = pdf_text(report())
    assert name == "bolton-2026-27-profile.pdf" and pages == 2
    assert text.startswith("PLACE PROFILE Bolton Greater Manchester ICS · North West")
    assert "Leadership 2 High Split 3 2 2" in text and "Not included: only the place's director" in text
    assert "icsdash · Boundaries: April 2023 (42 ICBs) · generated" in text          # the page's vintage

    open_page(app, "pages/workshop.py", {"place": "bolton", "round": "2026/27"})
    summary, name = made["Download workshop summary (PDF)"]
    pages, text = pdf_text(summary())
    assert name == "bolton-2026-27-workshop.pdf" and pages == 1
    assert "Stakeholder group Assessments ICB 1 Local authority 2 Total 3" in text
    assert not [n for n in NAMES if n in text]
    assert "icsdash · Boundaries: April 2023 (42 ICBs) · generated" in text

    monkeypatch.setattr(reports, "png", lambda chart, scale=2.0: TINY)        # the wiring, not the drawing
    deck, name = made["Download the running order as slides (PPTX)"]
    shown = slides(deck())
    titles = [v["title"] for v in yaml.safe_load((ROOT / "config.yaml").read_text())["presenter"]["views"]]
    assert name == "icsdash-running-order.pptx" and len(titles) == 7
    assert [s["title"] for s in shown] == titles and all(len(s["pictures"]) == 1 for s in shown)
    assert all(s["texts"][-2].startswith("Source: icsdash · Boundaries: April 2023 (42 ICBs) · ") for s in shown)
    assert [b.proto.label for b in at.sidebar.get("download_button")] == [
        "Download the running order as slides (PPTX)"]


def test_presenter_mode_hides_the_page_downloads(app):
    at = open_page(app, "pages/profile.py", {"place": "bolton", "present": "1"})
    assert "Download PDF report" not in [b.proto.label for b in at.get("download_button")]
