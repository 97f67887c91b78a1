"""What the app says in words: errors (never a traceback), the illustrative-data notice, text made safe."""

from __future__ import annotations

import html
import logging

import pandas as pd
import streamlit as st

from ..errors import IcsdashError
from ..reference import Reference
from ..reference import illustrative_note as reference_note
from .cache import memo, version_key
from .context import Context
from .state import presenting

LOG = logging.getLogger("icsdash")


def show_error(error: IcsdashError) -> None:
    """The one place errors are shown: what is wrong, where, and nothing of the internals."""
    where = _inert(error.location())         # file names and cells quoted in messages come from users
    st.error(f"**{'Problem in ' + where if where else 'Problem'}**\n\n{_inert(error.message)}", icon=":material/error:")


def _inert(text: str) -> str:
    r"""Text for a message: no HTML, links, images or code spans take effect; the rest reads as written.

    >>> _inert("<img src=x> [a](http://b) `c`")
    '&lt;img src=x&gt; \\[a\\](http://b) \\`c\\`'
    """
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("[", r"\[")
            .replace("]", r"\]").replace("`", r"\`"))


def show_unexpected(page_title: str) -> None:
    """An unexpected failure: logged with its traceback on the server, a plain message in the browser."""
    LOG.exception("Unexpected error on page %r", page_title)
    st.error(f"**Something went wrong on the {page_title} page.** Nothing you entered has been lost. "
             "Reload the page to try again; if it happens again, tell your administrator the time it happened "
             "(the details are in the server's log).", icon=":material/error:")


def escape_markdown(text: str) -> str:
    r"""User text made safe to embed in Markdown: no formatting, links or HTML take effect.

    >>> escape_markdown("<b>*Ann*</b> [x](y)")
    '&lt;b&gt;\\*Ann\\*&lt;/b&gt; \\[x\\]\\(y\\)'
    """
    text = html.escape(str(text), quote=False)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~>$:" else ch for ch in text)


def _has_demo(ctx: Context) -> bool:
    """Whether the database holds demo assessments: asked once per data version, not on every rerun."""
    return memo(version_key(ctx, "has demo"), ctx.store.has_demo_data)


def illustrative_notice(ctx: Context) -> None:
    """The notice that illustrative data is labelled; on a projector one short line, so the view fits the screen.
    Its text is worked out once per reference data."""
    demo_scores, short = _has_demo(ctx), presenting()
    st.caption(memo(("illustrative notice", ctx.reference.version, demo_scores, short),
                    lambda: _notice_text(ctx.reference, demo_scores, short)))


def _notice_text(ref: Reference, demo_scores: bool, short: bool) -> str:
    if short:
        return f":material/info: **{escape_markdown(reference_note(ref, demo_scores, short=True))}**"
    n = int((ref.places["source"] == "illustrative").sum())
    demo = " Assessment scores are illustrative demo data." if demo_scores else ""
    pcns = pcns_illustrative(ref)
    invented = f", {pcns}" if pcns != "no PCNs" else ""
    published = f" PCNs and practices: {escape_markdown(published_pcns(ref))}." if published_pcns(ref) else ""
    return (f":material/info: **Illustrative data is labelled.** {n} of {len(ref.places)} place definitions and "
            f"most governance details{invented} and every budget not cited from the source documents "
            f"or imported are illustrative, invented to show how the dashboard works.{demo} Populations: "
            f"{escape_markdown(published_population(ref))} (a council split between places shared by its 2011 LSOAs) "
            f"unless documented.{published}")


def published_pcns(ref: Reference) -> str:
    """The citation of the published PCNs the data holds ('NHS England, practice to PCN mapping, 1 January
    2026'), or '' when it holds none."""
    shipped = ref.pcns.loc[ref.pcns["source"] == "nhs england", "source_ref"].dropna() \
        if "source_ref" in ref.pcns else pd.Series(dtype=object)
    return shipped.mode().iloc[0] if len(shipped) else ""


def published_population(ref: Reference) -> str:
    """The citation of the published population counts most places use ('ONS mid-2022 population estimates')."""
    published = ref.places.loc[ref.places["population_source"] != "documented", "population_ref"]
    return published.mode().iloc[0] if len(published) else "documented figures"


def pcns_illustrative(ref: Reference) -> str:
    """'all PCNs', '1,196 of 1,260 PCNs' or 'no PCNs', for the illustrative-data notices."""
    n = int((ref.pcns["source"] == "illustrative").sum())
    return "all PCNs" if n == len(ref.pcns) else f"{n:,} of {len(ref.pcns):,} PCNs" if n else "no PCNs"


def illustrative_note(ctx: Context) -> str:
    """The illustrative-data notice as plain text, for the notes of an exported workbook."""
    demo_scores = _has_demo(ctx)
    return memo(("illustrative note", ctx.reference.version, demo_scores),
                lambda: reference_note(ctx.reference, demo_scores))
