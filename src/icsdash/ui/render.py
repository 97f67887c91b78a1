"""Drawing charts, maps, tables, legends and facts, each with its downloads (files made only when clicked);
in presenter mode sized for a projector and without downloads."""

from __future__ import annotations

import copy
import html
import logging
from typing import Any, Callable

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st
from streamlit import dataframe_util

from .. import consensus, exports, presenter
from ..exports import Export, StaticMap
from ..maps import Legend
from ..measures import Measure
from ..palettes import NO_DATA
from .cache import memo, prepared
from .context import Context
from .messages import escape_markdown
from .state import CONTEXT_KEY, anonymised, numbered_key, presenting

LOG = logging.getLogger("icsdash")


def facts(frame: pd.DataFrame) -> None:
    """Facts as a readable list: label, value, and where the value comes from (never cut off)."""
    st.markdown("\n".join(f"- **{escape_markdown(r.Fact)}:** {escape_markdown(r.Value)} {source_tag(r.Source)}"
                          for r in frame.itertuples()))


def source_tag(source: str) -> str:
    """A fact's source as a coloured tag: green where documented or imported (with its citation), amber where
    invented or estimated; nothing for sources that need no tag ('assessments', '—')."""
    kind = source.split(":", 1)[0].split(";", 1)[0]
    colour = "green" if kind.startswith("ONS") else {
        "documented": "green", "imported": "green", "illustrative": "orange", "illustrative in part": "orange",
        "illustrative amount": "orange", "estimate": "orange", "demo data": "orange"}.get(kind)
    return f":{colour}[{escape_markdown(source)}]" if colour else ""


def legend(item: Legend) -> None:
    """Draw a map legend: swatches with labels and counts, or a colour ramp with its range."""
    parts = [f"<div style='font-weight:600;margin-bottom:4px'>{html.escape(item.title)}</div>"]
    swatch = ("<span style='display:inline-block;width:18px;height:14px;margin-right:6px;vertical-align:middle;"
              "background:{c};border:1px solid #777'></span>")
    if item.kind == "categorical":
        for it in item.items:
            parts.append(f"<div style='font-size:0.95rem'>{swatch.format(c=it.colour)}"
                         f"{html.escape(it.label)} <span style='color:#555'>({it.count})</span></div>")
    else:
        ramp = ", ".join(i.colour for i in item.items)
        parts.append(f"<div style='display:flex;align-items:center;gap:8px;font-size:0.95rem'>"
                     f"<span>{html.escape(item.low)}</span><span style='display:inline-block;width:160px;height:14px;"
                     f"background:linear-gradient(to right, {ramp});border:1px solid #777'></span>"
                     f"<span>{html.escape(item.high)}</span></div>")
    if item.no_data:
        parts.append(f"<div style='font-size:0.95rem'>{swatch.format(c=NO_DATA)}No data "
                     f"<span style='color:#555'>({item.no_data})</span></div>")
    st.markdown("".join(parts), unsafe_allow_html=True)


def scaled(pixels: int) -> int:
    """A fixed size in pixels, larger in presenter mode."""
    return round(pixels * presenter.SIZE_SCALE) if presenting() else pixels


def boundaries() -> str | None:
    """The boundary vintage of what this run shows ('April 2026 (36 ICBs)'), for its downloads to name."""
    ctx = st.session_state.get(CONTEXT_KEY)
    return ctx.reference.boundaries if ctx is not None else None


def spec(item: alt.TopLevelMixin) -> dict:
    """A chart's Vega-Lite specification, without Altair's schema validation (the builders' tests render them)."""
    return item.to_dict(validate=False)


def _arrow_datasets(made: dict) -> dict:
    """The specification with its named datasets as the Arrow bytes Streamlit would make of them on every run."""
    if not made.get("datasets"):
        return made
    def tabular(values: Any) -> bool:          # rows, not GeoJSON (which Vega-Lite must read itself)
        return isinstance(values, list) and not (values and isinstance(values[0], dict)
                                                 and values[0].get("type") == "Feature")
    return {**made, "datasets": {name: dataframe_util.convert_anything_to_arrow_bytes(values)
                                 if tabular(values) else values for name, values in made["datasets"].items()}}


def chart(item: alt.TopLevelMixin | dict, width: str | int = "stretch", *, name: str | None = None,
          **kwargs) -> None:
    """Show an Altair chart, with PNG and SVG downloads under it; in presenter mode with projector-sized type,
    lines and points and no downloads.

    ``name`` keys the downloads (stable across reruns, so pass a fixed text when the chart's title changes with
    the data); the file is named after the chart's title, else ``name``, and names the boundary vintage under
    the title.
    """
    if not isinstance(item, dict):
        made = spec(item)
    else:                                   # a view's specification, built once: its data converted once too
        made = prepared("projector" if presenting() else "chart", item, lambda built: _arrow_datasets(
            presenter.projector_spec(built) if presenting() else built))
    title = chart_title(item)
    # Its text alternative: the chart's own description, which every builder in `charts` writes (a radar's
    # strongest and weakest dimensions and gaps; a bar chart's figures), and which the browser reads as the
    # chart's accessible name; else its title. The figures themselves are in a table or the downloads. (Passing
    # `alt` as well would make Streamlit log a warning with a stack trace on every run.)
    if not made.get("description"):
        kwargs.setdefault("alt", f"Chart: {title or name or 'figures'}.")
    if presenting():
        st.vega_lite_chart(made, width=scaled(width) if isinstance(width, int) else width, **kwargs)
        return
    st.vega_lite_chart(made, width=width, **kwargs)
    vintage = boundaries()
    _downloads("chart", name or title or "chart", lambda: item, Export(title or name or "chart", boundaries=vintage))


def static_map(ctx: Context, summary: pd.DataFrame, measure: Measure, legend: Legend,
               shown: pd.DataFrame | None = None, title: str | None = None,
               highlight: str | None = None) -> StaticMap:
    """A place map as a static picture, for :func:`deck`'s downloads: ``summary`` colours all of England as the
    served layer does, ``shown`` (the filtered places) sets the extent, ``legend`` is the one the page shows."""
    return StaticMap(ctx.geography, summary, measure, legend, shown, title, highlight,
                     (ctx.config.categorical_palette, ctx.config.sequential_palette), ctx.reference.boundaries)


def deck(item: pdk.Deck, height: int, *, name: str | None = None, static: Callable[[], alt.TopLevelMixin] | None = None,
         **kwargs):
    """Show a pydeck map; in presenter mode with larger tooltips and at most ``presenter.MAP_HEIGHT`` high, so
    it fits a 720 px projector under the bar.

    With ``static`` (see :func:`static_map`) the map downloads as a picture, PNG or SVG, drawn only when
    clicked; ``name`` keys the downloads (default 'map'), the file is named after the picture's title.
    """
    if presenting():
        tooltip = getattr(item, "_tooltip", None)
        if isinstance(tooltip, dict):
            item = copy.copy(item)                # a view's deck is shared by every session: change a copy
            item._tooltip = {**tooltip, "style": {**tooltip.get("style", {}), "fontSize": "20px"}}
        height = min(height, presenter.MAP_HEIGHT)
    shown = st.pydeck_chart(item, height=height, width="stretch", **kwargs)
    if static is not None:
        title = getattr(static, "title", None) or name or "map"
        _downloads("map", name or "map", static, Export(title))
    return shown


def table(frame: pd.DataFrame, *, name: str | None = None, note: str | None = None, **kwargs) -> None:
    """Show a table, with CSV and Excel downloads of exactly what it shows; sortable normally; in presenter
    mode, short tables as large plain text and no downloads.

    ``name`` keys the downloads and names the files (default: from the first columns); ``note`` (for example
    :func:`illustrative_note`) goes on a 'Notes' sheet of the workbook. The index is exported when it is shown
    and means something (a pivot table's rows). Both files name the boundary vintage (a last column, and a line
    of the notes).
    """
    hide_index = kwargs.pop("hide_index", None)
    if presenting() and len(frame) <= 40:
        styled = frame.style.format(thousands=",", precision=1, na_rep="—")
        st.table(styled, hide_index=bool(hide_index))
        return
    # The frame as the Arrow table Streamlit would make of it on every run, made once per frame.
    st.dataframe(prepared("table", frame, dataframe_util.convert_pandas_df_to_arrow_table), hide_index=hide_index,
                 **{"width": "stretch", **kwargs})
    name = name or "table " + " ".join(map(str, list(frame.columns)[:3]))
    index = False if hide_index else None
    if anonymised():
        note = " ".join(filter(None, [note, "Place, PCN and person names are replaced by labels (anonymised)."]))
    vintage = boundaries()
    _downloads("table", name, lambda: frame, Export(name, note=note, index=index, boundaries=vintage))


def chart_title(item: alt.TopLevelMixin) -> str:
    """A chart's title text, read without building its specification ('' when it has none)."""
    if isinstance(item, dict):
        parts = [item, *(item.get("layer") or [])]
        for part in parts:
            title = part.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            text = " ".join(map(str, text)) if isinstance(text, list) else text
            if isinstance(text, str) and text.strip():
                return text.strip()
        return ""
    parts = [item, *(getattr(item, "layer", None) or [])]
    for part in parts:
        title = getattr(part, "title", None)
        text = title if isinstance(title, (str, list)) else getattr(title, "text", None)
        if isinstance(text, list):
            text = " ".join(map(str, text))
        if isinstance(text, str) and text.strip():
            return text.strip()
    return ""


def _export_key(kind: str, name: str) -> str:
    """The widget key for an element's downloads: from its name, numbered when a page repeats a name."""
    return numbered_key(f"export_{kind}_{exports.slug(name, limit=60) or kind}")


def _logged(make: Callable[[], Any], what: str) -> Callable[[], Any]:
    def run():
        try:
            return make()
        except Exception:
            LOG.exception("Export of %s failed", what)
            raise
    return run


def _downloads(kind: str, name: str, element: Callable[[], Any], export: Export) -> None:
    """A small 'Download' menu under an element: one button per format of :data:`icsdash.exports.FORMATS` the
    element offers ('table' for tables, 'picture' for charts and maps), drawn while the menu is open. Each file is
    made only when its button is clicked (Streamlit's deferred data), on another thread, and the click does not
    rerun the page. Nothing in presenter mode."""
    if presenting():
        return
    key = _export_key(kind, name)
    # The buttons are drawn only while the menu is open (opening it reruns the page, quickly: its values are
    # built once), so a page with ten downloads does not register their buttons on every rerun.
    with st.popover("Download", icon=":material/download:", type="tertiary", key=key, on_change="rerun") as menu:
        if not menu.open:
            return
        for fmt in exports.formats_for("table" if kind == "table" else "picture"):
            make = _logged(lambda fmt=fmt: fmt.make(element(), export), f"{kind} {name!r} as {fmt.ext}")
            st.download_button(fmt.label, data=make, file_name=exports.filename(export.title, fmt.ext),
                               mime=fmt.mime, key=f"{key}_{fmt.ext}", on_click="ignore", width="stretch")


def qr_image(url: str) -> bytes:
    """A QR code of ``url`` as a PNG, made once per address for all sessions."""
    return memo(("qr", url), lambda: consensus.qr_png(url))
