"""Downloads: a place's profile and a workshop's summary as PDF reports, and the presenter's running order
as slides. Plain Python over the frames the pages show: no Streamlit.

The charts are :mod:`icsdash.charts`' own, rendered on this machine by
vl_convert (nothing is fetched); PDFs are set with fpdf2 on the A4 paper of
:mod:`icsdash.pdf_layout`, in DejaVu Sans so that any name or justification
prints; slides are made with python-pptx, 16:9. Whoever calls these
decides what the reader may see: justifications are passed in only for those
who may read them, and an anonymised reference (with its redactor) gives
anonymised downloads. Every report's footer names its source and the boundary
vintage of the ICSs it shows (:attr:`icsdash.reference.Reference.boundaries`).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Callable

import altair as alt
import pandas as pd
import vl_convert
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from . import analysis, charts, comparisons, explorer, exports, maps, presenter
from .assessments import STAKEHOLDER_GROUPS
from .framework import Framework
from .geography import Geography
from .place_governance import MODELS, MODELS_BY_KEY
from .maps import Legend
from .measures import measures_for
from .palettes import CATEGORICAL, hex_to_rgb
from .pdf_layout import FONT, INK, MUTED, Paper, font_file, picture_size
from .presenter import View
from .reference import Reference
from .consensus import Workshop

if TYPE_CHECKING:                      # passed in, never opened here
    from .config import Config
    from .store import Store

__all__ = ["profile_pdf", "workshop_pdf", "DeckData", "running_order_pptx", "SLIDE_CHARTS",
           "png", "radar_chart", "profile_radar", "view_titles", "file_name"]

PRINT_CONFIG = {                                 # dark text for paper; a chart's own settings win
    "font": FONT,
    "axis": {"labelColor": INK, "titleColor": INK, "domainColor": MUTED, "tickColor": MUTED},
    "legend": {"labelColor": INK, "titleColor": INK},
    "header": {"labelColor": INK, "titleColor": INK},
    "title": {"color": INK},
    "view": {"stroke": None},
    "background": "#FFFFFF",
}


def _footer(boundaries: str, generated: date | None, note: str) -> str:
    """A PDF's footer: the source, the boundary vintage, the day it was made and whether data is illustrative.

    >>> _footer("April 2026 (36 ICBs)", date(2026, 12, 3), "Illustrative data: ...")
    'icsdash · Boundaries: April 2026 (36 ICBs) · generated 3 December 2026 · illustrative data'
    """
    parts = ["icsdash", exports.boundaries_line(boundaries), f"generated {_day(generated or date.today())}",
             "illustrative data" if note else ""]
    return " · ".join(p for p in parts if p)


def _day(when: date | datetime) -> str:
    """'3 March 2026': a date as a board paper writes it.

    >>> _day(date(2026, 3, 3))
    '3 March 2026'
    """
    return f"{when.day} {when:%B %Y}"


def _number(value, digits: int = 1) -> str:
    """A score for a table: '—' for a gap, whole numbers without decimals.

    >>> [_number(v) for v in (3, 2.5, None, float("nan"))]
    ['3', '2.5', '—', '—']
    """
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.{digits}f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- charts, rendered here

@cache
def _chart_fonts() -> None:
    vl_convert.register_font_directory(str(font_file().parent))


def png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """A chart as a PNG drawn on this machine (no URL is ever fetched), in DejaVu Sans with dark text for
    paper, ``scale`` times its size in pixels."""
    _chart_fonts()
    spec = exports.chart_spec(chart)
    own = spec.get("config", {})
    spec["config"] = {**PRINT_CONFIG, **own, **{k: {**v, **own.get(k, {})} for k, v in PRINT_CONFIG.items()
                                                  if isinstance(v, dict)}}
    return vl_convert.vegalite_to_png(spec, scale=scale, allowed_base_urls=[])


def radar_chart(series: dict[str, list], framework: Framework, size: int = 340, title: str = "") -> alt.LayerChart:
    """A radar of named series, each a list of scores in framework order (None or NaN: not assessed)."""
    frame = pd.DataFrame([{"series": name, "dimension_id": d.id, "label": d.short,
                           "score": None if pd.isna(score) else float(score)}
                          for name, scores in series.items() for d, score in zip(framework.dimensions, scores)])
    return charts.radar(frame, framework.scale, size=size, title=title)


def profile_radar(profile: pd.DataFrame, place: pd.Series, framework: Framework, size: int = 340) -> alt.LayerChart:
    """The Place profile's radar: the place, its ICS median and the England median
    (``profile`` from :func:`icsdash.comparisons.profile_table`)."""
    return radar_chart({place.place_name: profile["score"].tolist(),
                        f"{place.icb_short_name} ICS median": profile["icb_median"].tolist(),
                        "England median": profile["england_median"].tolist()}, framework, size)


def file_name(kind: str, *parts: str) -> str:
    """A download's file name from what it shows.

    >>> file_name("pdf", "Bolton", "2025/26", "profile")
    'bolton-2025-26-profile.pdf'
    """
    return exports.filename(" ".join(p for p in parts if isinstance(p, str) and p), kind)


# --------------------------------------------------------------------------- the place profile

WHO_MAY_READ = "only the place's director, system leaders and administrators may read"    # justifications
FACTS = ("ICS and region", "Population", "Governance model", "Single accountable person", "Self-assessment",
         "Overall maturity")
TAGGED = ("illustrative", "estimate", "demo data")


def _facts(pdf: Paper, place: pd.Series, framework: Framework) -> None:
    """The profile's facts with the page's source tags: 'illustrative', 'estimate', 'demo data'."""
    facts = explorer.place_facts(place, framework).set_index("Fact")
    for fact in FACTS:
        source = facts.loc[fact, "Source"]
        pdf.tagged(fact, str(facts.loc[fact, "Value"]), source if source in TAGGED else "")


def _score_rows(profile: pd.DataFrame) -> list[list[str]]:
    rows = [["Dimension", "Score", "Band", "Agreement", "Individual scores", "ICS median", "England median"]]
    for r in profile.itertuples():
        agreement = r.agreement if isinstance(r.agreement, str) else "—"
        rows.append([r.dimension, _number(r.score), r.band or "—", agreement, str(r.n), _number(r.icb_median),
                     _number(r.england_median)])
    return rows


def _justifications(pdf: Paper, notes: pd.DataFrame | None, framework: Framework,
                    redact: Callable[[str], str]) -> None:
    pdf.section("Justifications by dimension")
    if notes is None:
        pdf.para(f"Not included: {WHO_MAY_READ} the justifications, and this report was made for someone else.",
                 size=9.5, colour=MUTED)
        return
    if notes.empty:
        pdf.para("No justification was written for this round.", size=9.5, colour=MUTED)
        return
    for d in framework.dimensions:
        mine = notes[notes["dimension_id"] == d.id]
        if mine.empty:
            continue
        if pdf.get_y() + 18 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(1.5)
        pdf.para(d.name, size=10.5, bold=True)
        for n in mine.itertuples():
            group = "Consensus" if n.kind == "consensus" else STAKEHOLDER_GROUPS.get(n.stakeholder_group, "")
            if pdf.get_y() + 12 > pdf.page_break_trigger:
                pdf.add_page()                      # keep a note's label with its first lines
            pdf.para(f"{group} · score {'not assessed' if pd.isna(n.score) else int(n.score)}", size=8.5,
                     colour=MUTED)
            pdf.para(redact(n.justification), size=9.5)
            pdf.ln(1)


def _radar_and_facts(pdf: Paper, profile: pd.DataFrame, place: pd.Series, framework: Framework) -> None:
    """The radar on the left; the facts, strongest and weakest dimensions beside it."""
    top = pdf.picture(png(profile_radar(profile, place, framework)), width=92)
    below = pdf.get_y()
    strongest, weakest = comparisons.strongest_and_weakest(profile)
    pdf.set_y(top)
    with pdf.column(98, pdf.epw - 98):
        _facts(pdf, place, framework)
        pdf.tagged("Strongest", ", ".join(strongest), "")
        pdf.tagged("Weakest", ", ".join(weakest), "")
    pdf.set_y(max(pdf.get_y(), below) + 2)


def _spread_and_trend(pdf: Paper, profile: pd.DataFrame, points: pd.DataFrame, trend: pd.DataFrame,
                      framework: Framework) -> None:
    """The stakeholders' scores (when there are individual ones) and the trend (when there are two rounds)."""
    if not points.empty:
        pdf.figure("Where stakeholders agree and differ",
                   png(charts.spread_chart(points, profile, framework.scale, STAKEHOLDER_GROUPS)), pdf.epw * 0.9,
                   "Each dot is one stakeholder's score (names are never shown); the black bar is the median; "
                   "'Split' marks a dimension without agreement under the framework's rule.")
    if trend["round"].nunique() > 1:
        labels = {d.id: d.short for d in framework.dimensions}
        pdf.figure("Trend across rounds", png(charts.trend_chart(trend, labels, framework.scale)), pdf.epw * 0.85,
                   "The place's score on each dimension in every round it assessed.")


def profile_pdf(place: pd.Series, framework: Framework, dims: pd.DataFrame, latest: pd.DataFrame,
                places: pd.DataFrame, *, justifications: pd.DataFrame | None, boundaries: str, note: str = "",
                redact: Callable[[str], str] = str, generated: date | None = None) -> bytes:
    """A place's profile as a PDF: header with facts, radar, scores table, spread, trend and justifications.

    ``place`` is the place's row of :func:`icsdash.analysis.place_summary` (with ``place_code``), ``dims``
    :func:`icsdash.analysis.dimension_scores`, ``latest`` :meth:`Store.latest_scores`, ``places`` the
    reference's places; ``justifications`` is :meth:`Store.justifications`, or None when the reader may not
    read them (the report then says so); ``boundaries`` is the reference's
    :attr:`~icsdash.reference.Reference.boundaries` ('April 2026 (36 ICBs)'), the vintage of the ICSs and medians
    shown; ``note`` is :func:`icsdash.notices.illustrative_note` ('' for real data); ``redact`` is applied to free text
    (anonymising).
    """
    code, round_label = place.place_code, place.maturity_round
    profile = comparisons.profile_table(dims, code, framework, places)
    shown_round = round_label if isinstance(round_label, str) else "no round yet"
    pdf = Paper(f"Place profile: {place.place_name} · {shown_round}", _footer(boundaries, generated, note))
    model = MODELS_BY_KEY[place.governance_model].label
    pdf.title_block("Place profile", place.place_name, f"{place.icb_short_name} ICS · {place.region_name} · "
                    f"{model} · assessment round {shown_round}")
    if note:
        pdf.notice(note)
    if profile["score"].isna().all():
        _facts(pdf, place, framework)
        pdf.para(f"{place.place_name} has no submitted self-assessment yet.", colour=MUTED)
        return pdf.document()
    _radar_and_facts(pdf, profile, place, framework)
    pdf.section(f"Scores by dimension ({shown_round})", room=85)
    pdf.grid(_score_rows(profile), (48, 14, 26, 24, 22, 20, 20), "LRLLRRR")
    pdf.para("Score: the consensus where one was recorded, else the median of the individual scores. Medians for "
             "the ICS and England are over places (each place's latest scores).", size=8, colour=MUTED)
    _spread_and_trend(pdf, profile, comparisons.spread(latest, code, round_label), comparisons.trend(dims, code),
                      framework)
    _justifications(pdf, justifications, framework, redact)
    return pdf.document()


# --------------------------------------------------------------------------- the workshop summary

def participants(view: Workshop) -> pd.DataFrame:
    """How many individual assessments each stakeholder group gave, in registry order (never names)."""
    counts = Counter(i.stakeholder_group for i in view.inputs)
    order = [g for g in STAKEHOLDER_GROUPS if g in counts] + sorted(set(counts) - set(STAKEHOLDER_GROUPS))
    return pd.DataFrame({"Stakeholder group": [STAKEHOLDER_GROUPS.get(g, g) for g in order],
                         "Assessments": [counts[g] for g in order]})


def _workshop_rows(view: Workshop) -> list[list[str]]:
    consensus = view.consensus.scores if view.consensus else {}
    rows = [["Dimension", "Consensus", "Median of inputs", "Range", "Agreement", "Inputs scored"]]
    for r in view.table.to_dict("records"):
        span = "—" if pd.isna(r["Lowest"]) else f"{r['Lowest']}–{r['Highest']}"
        rows.append([r["Dimension"], _number(consensus.get(r["dimension_id"])), _number(r["Median"]), span,
                     r["Agreement"] if isinstance(r["Agreement"], str) else "—", str(r["n"])])
    return rows


def _reasons(pdf: Paper, view: Workshop, framework: Framework, justifications: dict[str, str] | None,
             redact: Callable[[str], str]) -> None:
    if view.consensus is None:
        return
    pdf.section("Why the consensus scores were agreed", room=25)
    if justifications is None:
        pdf.para(f"Not included: {WHO_MAY_READ} the consensus' justifications.", size=8.5, colour=MUTED)
        return
    for d in framework.dimensions:
        if text := (justifications.get(d.id) or "").strip():
            pdf.labelled(f"{d.name}: ", redact(text), size=8.5)


def workshop_pdf(view: Workshop, framework: Framework, place_name: str, *, justifications: dict[str, str] | None,
                 boundaries: str, note: str = "", redact: Callable[[str], str] = str,
                 generated: date | None = None, live_rounds: pd.DataFrame | None = None) -> bytes:
    """A consensus workshop on (if it can) one page: the consensus radar against the inputs' median, the
    participants by stakeholder group (counts, never names), per dimension the consensus, the inputs'
    median, range and agreement, and the consensus' justifications.

    ``view`` is :func:`icsdash.consensus.load`; ``justifications`` the consensus' own (dimension id ->
    text), or None when the reader may not read them; ``boundaries``, ``note`` and ``redact`` as for
    :func:`profile_pdf`. ``live_rounds`` (``icsdash.views.live.LiveResults.table``) adds the live vote's rounds
    per dimension: the votes per level, median, IQR, agreement and level of each round, so the page shows how
    agreement changed before the consensus.
    """
    agreed = view.consensus
    pdf = Paper(f"Consensus workshop: {place_name} · {view.round}", _footer(boundaries, generated, note))
    when = (f"consensus recorded {_day(agreed.submitted_at)} (version {agreed.version})" if agreed
            else "no consensus recorded yet")
    pdf.title_block("Consensus workshop summary", f"{place_name} · round {view.round}",
                    f"{when} · {len(view.inputs)} individual assessment{'s' if len(view.inputs) != 1 else ''}")
    if note:
        pdf.notice(note)
    series = {"Median of the inputs": view.table["Median"].tolist()}
    if agreed:
        series = {"Consensus": [agreed.scores.get(d) for d in framework.dimension_ids], **series}
    top = pdf.picture(png(radar_chart(series, framework, size=300)), width=78)
    if not agreed:
        pdf.para("The median of the individual inputs (no consensus yet).", size=8, colour=MUTED)
    below = pdf.get_y()
    people = participants(view)
    pdf.set_y(top + 4)
    with pdf.column(90, pdf.epw - 90):
        pdf.para("Participants by stakeholder group", size=10.5, bold=True)
        pdf.ln(1)
        pdf.grid([people.columns.tolist(), *[[g, str(n)] for g, n in people.values.tolist()],
                  ["Total", str(int(people["Assessments"].sum()))]], (54, 36), "LR")
        pdf.para("Each stakeholder's latest submitted assessment, by group; names are never included.", size=8,
                 colour=MUTED)
    pdf.set_y(max(pdf.get_y(), below) + 1)
    pdf.section("Consensus and agreement by dimension", room=60)
    pdf.grid(_workshop_rows(view), (54, 22, 28, 18, 30, 22), "LRRRLR", size=8.5)
    pdf.para("Median, range and agreement are over the individual inputs (a dimension not assessed is left out, "
             "never counted as zero); agreement follows the framework's rule.", size=7.5, colour=MUTED)
    if live_rounds is not None and len(live_rounds):
        _live_rounds(pdf, live_rounds, framework)
    _reasons(pdf, view, framework, justifications, redact)
    return pdf.document()


def _live_rounds(pdf: Paper, rounds: pd.DataFrame, framework: Framework) -> None:
    """The live vote's rounds, dimension by dimension in the framework's order, each round under the last."""
    order = {d.name: i for i, d in enumerate(framework.dimensions)}
    ordered = rounds.assign(_at=rounds["Dimension"].map(order)).sort_values(["_at", "Round"])
    pdf.section("Live vote: each dimension's rounds", room=40)
    rows = [["Dimension", "Round", "Votes per level", "Median", "IQR", "Agreement", "Level"]]
    for r in ordered.itertuples(index=False):
        cannot = f" (+{r[4]} cannot say)" if r[4] else ""
        rows.append([r.Dimension, str(r.Round), f"{r[2]}{cannot}", "—" if pd.isna(r.Median) else f"{r.Median:g}",
                     "—" if pd.isna(r.IQR) else f"{r.IQR:g}", r.Agreement, r.Level])
    pdf.grid(rows, (40, 12, 62, 14, 12, 20, 22), "LRLRRLL", size=7.5)
    pdf.para("Anonymous votes from participants' phones; median and interquartile range (IQR) leave out 'cannot "
             "say'. A split panel's level is Uncertain.", size=7.5, colour=MUTED)


# --------------------------------------------------------------------------- the running order as slides

@dataclass(frozen=True)
class DeckData:
    """What the running order's charts are drawn from: the frames the pages show (anonymised when the deck is)."""

    reference: Reference
    framework: Framework
    geography: Geography
    summary: pd.DataFrame                   # analysis.place_summary for the latest round
    dims: pd.DataFrame                      # analysis.dimension_scores
    latest: pd.DataFrame                    # Store.latest_scores
    default_measure: str                    # config map.default_measure
    categorical: str = "okabe_ito"          # config theme palettes
    sequential: str = "viridis"

    @classmethod
    def read(cls, store: Store, reference: Reference, framework: Framework, geography: Geography,
             config: Config) -> DeckData:
        """The frames as the pages read them from ``store`` (the latest round), with the configured palettes."""
        latest = store.latest_scores()
        summary = analysis.place_summary(reference, latest, store.activity(), framework, None)
        return cls(reference, framework, geography, summary, analysis.dimension_scores(latest, framework), latest,
                   config.map_default_measure, config.categorical_palette, config.sequential_palette)

    @cached_property
    def legends(self) -> dict[str, Legend]:
        """The maps' national legend per measure, as the pages draw it."""
        return maps.place_properties(self.summary, measures_for(self.framework), self.categorical,
                                     self.sequential)[1]


def _filtered(view: View, data: DeckData) -> pd.DataFrame:
    chosen = presenter.filters_of(view, data.reference)
    return analysis.apply_filters(data.summary, analysis.Filters(chosen["region"], chosen["icb"],
                                                                 tuple(chosen["models"])))


def _profile_view(view: View, data: DeckData) -> alt.TopLevelMixin:
    place = data.summary.set_index("place_code").loc[view.place].copy()
    profile = comparisons.profile_table(data.dims, view.place, data.framework, data.reference.places)
    return profile_radar(profile, place, data.framework, size=380)


def _compare_view(view: View, data: DeckData) -> alt.TopLevelMixin:
    selection = [p if p.startswith("icb:") else f"place:{p}" for p in view.places]
    series = comparisons.series_scores(comparisons.latest_per_place(data.dims), data.reference.places, selection)
    if series["score"].isna().all():                  # the spokes alone, and why (as the page warns)
        return radar_chart({"": [None] * len(data.framework.dimensions)}, data.framework, size=380,
                           title="No submitted scores yet for these places")
    wide = series.pivot_table(index="dimension_id", columns="series", values="score", aggfunc="first")
    wide = wide.reindex(index=data.framework.dimension_ids, columns=list(dict.fromkeys(series["series"])))
    return radar_chart({name: wide[name].tolist() for name in wide.columns}, data.framework, size=380)


def _governance_view(view: View, data: DeckData) -> alt.TopLevelMixin:
    mix = comparisons.model_mix(_filtered(view, data))
    palette = CATEGORICAL[data.categorical]
    colours = {m.key: palette[i % len(palette)] for i, m in enumerate(MODELS)}
    return charts.category_bars(mix[mix["places"] > 0], "governance_model", "label", "places",
                                "Places by governance model", colours=colours, share="share").properties(width=640)


def _workshop_view(view: View, data: DeckData) -> alt.TopLevelMixin:
    place = data.summary.set_index("place_code").loc[view.place]
    profile = comparisons.profile_table(data.dims, view.place, data.framework, data.reference.places)
    points = comparisons.spread(data.latest, view.place, place.maturity_round)
    if points.empty:
        return profile_radar(profile, place, data.framework, size=380)
    return charts.spread_chart(points, profile, data.framework.scale, STAKEHOLDER_GROUPS)


def _map_view(view: View, data: DeckData) -> alt.TopLevelMixin:
    """The Overview's or the Map explorer's map, static: the view's measure and filters, its place outlined."""
    measure = {m.key: m for m in measures_for(data.framework)}[view.measure or data.default_measure]
    shown = _filtered(view, data)
    legend = data.legends[measure.key]
    if len(shown) != len(data.summary):
        legend = maps.focus_legend(legend, shown, measure)
    return exports.map_chart(data.geography, data.summary, measure, legend, shown,
                             highlight=view.place if view.page == "map" else None, categorical=data.categorical,
                             sequential=data.sequential, boundaries=data.reference.boundaries)


# The main chart of each page a running-order view can show. A live vote's slide, made before the vote, shows
# where the place stands (as the workshop's does): the votes exist only once the room has voted.
SLIDE_CHARTS: dict[str, Callable[[View, DeckData], alt.TopLevelMixin]] = {
    "overview": _map_view, "map": _map_view, "profile": _profile_view, "compare": _compare_view,
    "governance": _governance_view, "workshop": _workshop_view, "live": _workshop_view,
}
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)


def view_titles(view: View, reference: Reference, redact: Callable[[str], str] = str) -> tuple[str, str]:
    """A view's heading as presenter mode shows it (its own title, redacted, else the page's default), and
    beneath a view's own title what the page's default names ('Place profile: Bolton'), if anything."""
    names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    default = presenter.default_title(view, lambda code: names.get(code, code))
    own = redact(view.title)
    return (own, default if ": " in default else "") if own else (default, "")


def _text_box(slide, left, top, width, height, text: str, size: float, bold: bool = False,
              colour: str = INK, align=None) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.text = text
    if align is not None:
        paragraph.alignment = align
    paragraph.font.size, paragraph.font.bold = Pt(size), bold
    paragraph.font.color.rgb = RGBColor(*hex_to_rgb(colour))


def _slide(deck, titles: tuple[str, str], picture: bytes, footer: str, number: int, count: int) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[6])          # blank
    margin, inner = Inches(0.5), SLIDE_W - Inches(1)
    _text_box(slide, margin, Inches(0.25), inner, Inches(0.7), titles[0], 28, bold=True)
    if titles[1]:
        _text_box(slide, margin, Inches(0.85), inner, Inches(0.4), titles[1], 14, colour=MUTED)
    rule = slide.shapes.add_connector(1, margin, Inches(1.3), SLIDE_W - margin, Inches(1.3))
    rule.line.color.rgb = RGBColor(*hex_to_rgb(INK))
    box_h, top = Inches(5.5), Inches(1.42)
    w, h = picture_size(picture)
    scale = min(inner / w, box_h / h)
    width, height = Emu(int(w * scale)), Emu(int(h * scale))
    slide.shapes.add_picture(io.BytesIO(picture), int((SLIDE_W - width) / 2), top + int((box_h - height) / 2),
                             width, height)
    _text_box(slide, margin, Inches(7.0), inner - Inches(1), Inches(0.4), footer, 10, colour=MUTED)
    _text_box(slide, SLIDE_W - margin - Inches(1), Inches(7.0), Inches(1), Inches(0.4), f"{number} / {count}", 10,
              colour=MUTED, align=PP_ALIGN.RIGHT)


def running_order_pptx(views: tuple[View, ...], data: DeckData, *, note: str = "",
                       redact: Callable[[str], str] = str, anonymised: bool = False,
                       generated: date | None = None) -> bytes:
    """The presenter's running order as a 16:9 deck: one slide per view, titled as presenter mode titles it,
    with the view's main chart (:data:`SLIDE_CHARTS`) and a footer with the source, the boundary vintage (the
    reference's), what is illustrative (``note``: :func:`icsdash.notices.illustrative_note` with ``short=True``), whether places
    are anonymised and the date."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_W, SLIDE_H
    deck.core_properties.title = "icsdash running order"
    deck.core_properties.author = "icsdash"
    parts = ["Source: icsdash", exports.boundaries_line(data.reference.boundaries), note,
             "places anonymised" if anonymised else "", _day(generated or date.today())]
    footer = " · ".join(p for p in parts if p)
    for number, view in enumerate(views, start=1):
        picture = png(SLIDE_CHARTS[view.page](view, data), scale=2)
        _slide(deck, view_titles(view, data.reference, redact), picture, footer, number, len(views))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
