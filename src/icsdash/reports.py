"""Downloads: a place's profile and a workshop's summary as PDF reports, and the presenter's running order
as slides. Plain Python over the frames the pages show: no Streamlit.

The charts are :mod:`icsdash.charts`' own, rendered on this machine by
vl_convert (nothing is fetched); PDFs are set with fpdf2 in DejaVu Sans,
bundled in ``icsdash/fonts`` so that any name or justification prints, on A4
for board papers; slides are made with python-pptx, 16:9. Whoever calls these
decides what the reader may see: justifications are passed in only for those
who may read them, and an anonymised reference (with its redactor) gives
anonymised downloads. Every report's footer names its source and the boundary
vintage of the ICSs it shows (:attr:`icsdash.reference.Reference.boundaries`).
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import altair as alt
import pandas as pd
import vl_convert
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from . import analysis, charts, comparisons, explorer, exports, maps, presenter
from .assessments import STAKEHOLDER_GROUPS
from .errors import IcsdashError
from .framework import Framework
from .geography import Geography
from .governance import MODELS, MODELS_BY_KEY
from .maps import Legend
from .measures import measures_for
from .palettes import CATEGORICAL, hex_to_rgb
from .presenter import View
from .reference import Reference, illustrative_note  # noqa: F401 - illustrative_note: reports.illustrative_note
from .consensus import Workshop

if TYPE_CHECKING:                      # passed in, never opened here
    from .config import Config
    from .store import Store

__all__ = ["illustrative_note", "profile_pdf", "workshop_pdf", "DeckData", "running_order_pptx", "SLIDE_CHARTS",
           "png", "radar_chart", "profile_radar", "view_titles", "file_name"]

FONT = "DejaVu Sans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))   # bundled, else Debian's
INK, MUTED, RULE = "#1A1A1A", "#555555", "#BBBBBB"
AMBER, AMBER_FILL = "#B35806", "#FFF4E0"        # the pages' orange 'illustrative' tag, printable
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

def font_file(style: str = "") -> Path:
    """The DejaVu Sans file for a style ('' or 'B'): icsdash's own copy, else the system's."""
    for folder in FONT_DIRS:
        if (folder / FONT_FILES[style]).exists():
            return folder / FONT_FILES[style]
    raise IcsdashError(f"the font file {FONT_FILES[style]} is missing from {FONT_DIRS[0]}; reinstall icsdash "
                       "or install the Debian package fonts-dejavu-core", source="reports")


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


def _size(picture: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (from its header)."""
    return struct.unpack(">II", picture[16:24])


def radar_chart(series: dict[str, list], framework: Framework, size: int = 340, title: str = "") -> alt.LayerChart:
    """A radar of named series, each a list of scores in framework order (None or NaN: not assessed)."""
    frame = pd.DataFrame([{"series": name, "dimension_id": d.id, "label": d.short,
                           "score": None if pd.isna(score) else float(score)}
                          for name, scores in series.items() for d, score in zip(framework.dimensions, scores)])
    return charts.radar(frame, framework.scale_max, size=size, title=title)


def profile_radar(profile: pd.DataFrame, place: pd.Series, framework: Framework, size: int = 340) -> alt.LayerChart:
    """The Place profile's radar: the place, its ICS median and the England median
    (``profile`` from :func:`icsdash.comparisons.profile_table`)."""
    return radar_chart({place.place_name: profile["score"].tolist(),
                        f"{place.icb_short_name} ICS median": profile["icb_median"].tolist(),
                        "England median": profile["england_median"].tolist()}, framework, size)


# --------------------------------------------------------------------------- PDF building blocks

class _Paper(FPDF):
    """A4 portrait in DejaVu Sans: a running head from the second page, a footer with the page number."""

    def __init__(self, title: str, footer: str):
        super().__init__(format="A4")
        for style in FONT_FILES:
            self.add_font(FONT, style, str(font_file(style)))
        self.running_head, self.footer_text = title, footer
        self.set_title(title)
        self.set_creator("icsdash")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=21)
        self.add_page()

    def header(self) -> None:
        if self.page_no() > 1:
            self._style(7.5, MUTED)
            self.cell(0, 5, self.running_head, new_x="LMARGIN", new_y="NEXT")
            self._rule()
            self.ln(3)

    def footer(self) -> None:
        self.set_y(-13)
        self._rule()
        self._style(7.5, MUTED)
        self.cell(self.epw - 25, 5, self.footer_text)
        self.cell(25, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def _style(self, size: float, colour: str = INK, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(colour)

    def _rule(self) -> None:
        self.set_draw_color(RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    # ------------------------------------------------------------------ what reports put on paper

    @contextmanager
    def column(self, left: float, width: float):
        """Write in a column ``left`` mm from the left margin, ``width`` mm wide, from the current height."""
        margins = self.l_margin, self.r_margin
        self.set_left_margin(margins[0] + left)
        self.set_right_margin(self.w - margins[0] - left - width)
        self.set_x(self.l_margin)
        try:
            yield
        finally:
            self.set_left_margin(margins[0])
            self.set_right_margin(margins[1])

    def title_block(self, kicker: str, title: str, subtitle: str) -> None:
        self._style(8.5, MUTED, bold=True)
        self.cell(0, 5, kicker.upper(), new_x="LMARGIN", new_y="NEXT")
        self._style(20, bold=True)
        self.multi_cell(0, 9, title, align="L", new_x="LMARGIN", new_y="NEXT")
        self.para(subtitle, size=10.5, colour=MUTED)
        self.ln(2)

    def section(self, heading: str, room: float = 30) -> None:
        """A heading, on a new page when less than ``room`` mm is left under it."""
        if self.get_y() + room > self.page_break_trigger:
            self.add_page()
        self.ln(3)
        self._style(13, bold=True)
        self.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, body: str, size: float = 10, colour: str = INK, bold: bool = False) -> None:
        """Text across the margins, wrapped, flowing onto further pages."""
        self._style(size, colour, bold)
        self.multi_cell(0, size * 0.5, body, align="L", new_x="LMARGIN", new_y="NEXT")

    def tagged(self, label: str, value: str, tag: str) -> None:
        """A fact: a small label over its value, with the source tag ('illustrative') in amber after it."""
        self._style(8.5, MUTED, bold=True)
        self.multi_cell(0, 4.2, label, align="L", new_x="LMARGIN", new_y="NEXT")
        self._style(9.5)
        self.write(4.6, value)
        if tag:
            self._style(8.5, AMBER, bold=True)
            self.write(4.6, f"  {tag}")
        self.ln(5.6)

    def labelled(self, label: str, body: str, size: float = 9) -> None:
        """A paragraph that starts with a bold label ('Leadership: ...'), wrapped, flowing onto further pages."""
        self._style(size, bold=True)
        self.write(size * 0.48, label)
        self._style(size)
        self.write(size * 0.48, body)
        self.ln(size * 0.48 + 1.5)

    def notice(self, body: str) -> None:
        """An amber box: the 'illustrative data' label."""
        self.set_fill_color(AMBER_FILL)
        self.set_draw_color(AMBER)
        self.set_line_width(0.3)
        self._style(9)
        head, _, rest = body.partition(":")
        self.multi_cell(0, 4.6, f"**{head}:**{rest}" if rest else body, border=1, fill=True, align="L",
                        padding=2, markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def picture(self, picture: bytes, width: float) -> float:
        """Place a PNG ``width`` mm wide at the left margin (on a new page when it does not fit) and move
        below it; return its top."""
        w, h = _size(picture)
        height = width * h / w
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
        top = self.get_y()
        opaque = Image.open(io.BytesIO(picture)).convert("RGB")      # charts are drawn on white: no soft mask
        self.image(opaque, x=self.l_margin, y=top, w=width, h=height)
        self.set_y(top + height)
        return top

    def figure(self, heading: str, picture: bytes, width: float, caption: str = "") -> None:
        """A section with a chart ``width`` mm wide, kept on one page with its heading, and a caption."""
        w, h = _size(picture)
        self.section(heading, room=width * h / w + 14)
        self.picture(picture, width)
        if caption:
            self.para(caption, size=8, colour=MUTED)

    def grid(self, rows: list[list[str]], widths: tuple[float, ...], align: str, size: float = 9) -> None:
        """A table across the margins: bold headings on grey, thin rules between rows; ``align`` is a letter
        per column (L, R)."""
        self._style(size)
        self.set_draw_color(RULE)
        self.set_fill_color("#FFFFFF")
        self.set_line_width(0.2)
        with self.table(col_widths=widths, width=self.epw, align="LEFT", text_align=tuple(align),
                        borders_layout="HORIZONTAL_LINES", line_height=size * 0.5, padding=(1.2, 1.5),
                        headings_style=FontFace(emphasis="BOLD", fill_color="#EDEDED"), v_align="TOP") as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)

    def document(self) -> bytes:
        return bytes(self.output())


def file_name(kind: str, *parts: str) -> str:
    """A download's file name from what it shows.

    >>> file_name("pdf", "Bolton", "2025/26", "profile")
    'bolton-2025-26-profile.pdf'
    """
    return exports.filename(" ".join(p for p in parts if isinstance(p, str) and p), kind)


# --------------------------------------------------------------------------- the place profile

FACTS = ("ICS and region", "Population", "Governance model", "Single accountable person", "Self-assessment",
         "Overall maturity")
TAGGED = ("illustrative", "estimate", "demo data")


def _facts(pdf: _Paper, place: pd.Series, framework: Framework) -> None:
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


def _justifications(pdf: _Paper, notes: pd.DataFrame | None, framework: Framework,
                    redact: Callable[[str], str]) -> None:
    pdf.section("Justifications by dimension")
    if notes is None:
        pdf.para("Not included: only the place's director, system leaders and administrators may read the "
                 "justifications, and this report was made for someone else.", size=9.5, colour=MUTED)
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


def _radar_and_facts(pdf: _Paper, profile: pd.DataFrame, place: pd.Series, framework: Framework) -> None:
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


def _spread_and_trend(pdf: _Paper, profile: pd.DataFrame, points: pd.DataFrame, trend: pd.DataFrame,
                      framework: Framework) -> None:
    """The stakeholders' scores (when there are individual ones) and the trend (when there are two rounds)."""
    if not points.empty:
        pdf.figure("Where stakeholders agree and differ",
                   png(charts.spread_chart(points, profile, framework.scale_max, STAKEHOLDER_GROUPS)), pdf.epw * 0.9,
                   "Each dot is one stakeholder's score (names are never shown); the black bar is the median; "
                   "'Split' marks a dimension without agreement under the framework's rule.")
    if trend["round"].nunique() > 1:
        labels = {d.id: d.short for d in framework.dimensions}
        pdf.figure("Trend across rounds", png(charts.trend_chart(trend, labels, framework.scale_max)), pdf.epw * 0.85,
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
    shown; ``note`` is :func:`illustrative_note` ('' for real data); ``redact`` is applied to free text
    (anonymising).
    """
    code, round_label = place.place_code, place.maturity_round
    profile = comparisons.profile_table(dims, code, framework, places)
    shown_round = round_label if isinstance(round_label, str) else "no round yet"
    pdf = _Paper(f"Place profile: {place.place_name} · {shown_round}", _footer(boundaries, generated, note))
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


def _reasons(pdf: _Paper, view: Workshop, framework: Framework, justifications: dict[str, str] | None,
             redact: Callable[[str], str]) -> None:
    if view.consensus is None:
        return
    pdf.section("Why the consensus scores were agreed", room=25)
    if justifications is None:
        pdf.para("Not included: only the place's director, system leaders and administrators may read the "
                 "consensus' justifications.", size=8.5, colour=MUTED)
        return
    for d in framework.dimensions:
        if text := (justifications.get(d.id) or "").strip():
            pdf.labelled(f"{d.name}: ", redact(text), size=8.5)


def workshop_pdf(view: Workshop, framework: Framework, place_name: str, *, justifications: dict[str, str] | None,
                 boundaries: str, note: str = "", redact: Callable[[str], str] = str,
                 generated: date | None = None) -> bytes:
    """A consensus workshop on (if it can) one page: the consensus radar against the inputs' median, the
    participants by stakeholder group (counts, never names), per dimension the consensus, the inputs'
    median, range and agreement, and the consensus' justifications.

    ``view`` is :func:`icsdash.consensus.load`; ``justifications`` the consensus' own (dimension id ->
    text), or None when the reader may not read them; ``boundaries``, ``note`` and ``redact`` as for
    :func:`profile_pdf`.
    """
    agreed = view.consensus
    pdf = _Paper(f"Consensus workshop: {place_name} · {view.round}", _footer(boundaries, generated, note))
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
    _reasons(pdf, view, framework, justifications, redact)
    return pdf.document()


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
    return charts.spread_chart(points, profile, data.framework.scale_max, STAKEHOLDER_GROUPS)


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


# The main chart of each page a running-order view can show.
SLIDE_CHARTS: dict[str, Callable[[View, DeckData], alt.TopLevelMixin]] = {
    "overview": _map_view, "map": _map_view, "profile": _profile_view, "compare": _compare_view,
    "governance": _governance_view, "workshop": _workshop_view,
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
    w, h = _size(picture)
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
    reference's), what is illustrative (``note``: :func:`illustrative_note` with ``short=True``), whether places
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
