"""What the app says in words: errors (never a traceback), the illustrative-data notice, text made safe."""

from __future__ import annotations

import logging

import streamlit as st

from ..errors import IcsdashError
from ..notices import escape_markdown  # noqa: F401 - the other ui modules take it from here
from ..notices import illustrative_note as reference_note
from ..notices import notice
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


def _has_demo(ctx: Context) -> bool:
    """Whether the database holds demo assessments: asked once per data version, not on every rerun."""
    return memo(version_key(ctx, "has demo"), ctx.store.has_demo_data)


def illustrative_notice(ctx: Context) -> None:
    """The notice that illustrative data is labelled; on a projector one short line, so the view fits the screen.
    Its text is worked out once per reference data."""
    demo_scores, short = _has_demo(ctx), presenting()
    st.caption(memo(("illustrative notice", ctx.reference.version, demo_scores, short),
                    lambda: notice(ctx.reference, demo_scores, short)))


def illustrative_note(ctx: Context) -> str:
    """The illustrative-data notice as plain text, for the notes of an exported workbook."""
    demo_scores = _has_demo(ctx)
    return memo(("illustrative note", ctx.reference.version, demo_scores),
                lambda: reference_note(ctx.reference, demo_scores))
