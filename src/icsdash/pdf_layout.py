"""The PDF reports' paper: A4 portrait in DejaVu Sans (bundled in ``icsdash/fonts``, so that any name prints),
with a running head and page numbers, and the blocks a report is set from (title, sections, facts, notices,
pictures and tables). Used by :mod:`icsdash.reports`; no data in here.
"""

from __future__ import annotations

import io
import struct
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from .errors import IcsdashError

FONT = "DejaVu Sans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))   # bundled, else Debian's
INK, MUTED, RULE = "#1A1A1A", "#555555", "#BBBBBB"
AMBER, AMBER_FILL = "#B35806", "#FFF4E0"        # the pages' orange 'illustrative' tag, printable


def font_file(style: str = "") -> Path:
    """The DejaVu Sans file for a style ('' or 'B'): icsdash's own copy, else the system's."""
    for folder in FONT_DIRS:
        if (folder / FONT_FILES[style]).exists():
            return folder / FONT_FILES[style]
    raise IcsdashError(f"the font file {FONT_FILES[style]} is missing from {FONT_DIRS[0]}; reinstall icsdash "
                       "or install the Debian package fonts-dejavu-core", source="reports")


def picture_size(picture: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (from its header)."""
    return struct.unpack(">II", picture[16:24])


class Paper(FPDF):
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
        w, h = picture_size(picture)
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
        w, h = picture_size(picture)
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
