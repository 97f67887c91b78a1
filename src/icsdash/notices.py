"""What is illustrative, said once: the notice every page shows, the note in every download, and the
citations of the published figures beside them. Every page, export and report takes its words from here."""

from __future__ import annotations

import html

import pandas as pd

from .reference import Reference


def _listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b, and c'.

    >>> [_listed(["a"]), _listed(["a", "b"]), _listed(["a", "b", "c"])]
    ['a', 'a and b', 'a, b, and c']
    """
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])}, and {items[-1]}"


def illustrative_note(reference: Reference, demo_scores: bool, short: bool = False) -> str:
    """What in a download is illustrative, in the words the pages use; ``short`` for a slide's footer.

    >>> from types import SimpleNamespace as Ref
    >>> ref = Ref(places=pd.DataFrame({"source": ["documented", "illustrative"]}),
    ...           pcns=pd.DataFrame({"source": ["illustrative"] * 3}))
    >>> illustrative_note(ref, demo_scores=True)
    'Illustrative data: 1 of 2 place definitions, most governance details and budgets, and all PCNs are invented to show how the dashboard works; the assessment scores are demo data.'
    >>> illustrative_note(ref, demo_scores=False, short=True)
    'Illustrative data: invented place definitions, governance details, budgets, and PCNs'
    """
    places, pcns = reference.places, reference.pcns
    n, m = int((places["source"] == "illustrative").sum()), int((pcns["source"] == "illustrative").sum())
    if short:
        invented = ["place definitions"] * bool(n) + ["governance details", "budgets"] + ["PCNs"] * bool(m)
        return f"Illustrative data: invented {_listed(invented)}" + ("; demo assessment scores" if demo_scores else "")
    parts = ([f"{n} of {len(places)} place definitions"] * bool(n) + ["most governance details and budgets"]
             + ["all PCNs" if m == len(pcns) else f"{m:,} of {len(pcns):,} PCNs"] * bool(m))
    demo = "; the assessment scores are demo data" if demo_scores else ""
    return f"Illustrative data: {_listed(parts)} are invented to show how the dashboard works{demo}."


def notice(ref: Reference, demo_scores: bool, short: bool) -> str:
    """The notice the pages show (Markdown): what is illustrative and where the published figures come from;
    ``short``: one line, for a projector."""
    if short:
        return f":material/info: **{escape_markdown(illustrative_note(ref, demo_scores, short=True))}**"
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


def escape_markdown(text: str) -> str:
    r"""User text made safe to embed in Markdown: no formatting, links or HTML take effect.

    >>> escape_markdown("<b>*Ann*</b> [x](y)")
    '&lt;b&gt;\\*Ann\\*&lt;/b&gt; \\[x\\]\\(y\\)'
    """
    text = html.escape(str(text), quote=False)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|~>$:" else ch for ch in text)
