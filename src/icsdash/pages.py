"""The page registry: every page the app can show. ``config.yaml`` picks which, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str          # relative to the app's root folder
    title: str
    icon: str
    summary: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", "Overview", ":material/map:",
             "National figures and a map of England's ICSs and places, coloured by a chosen measure."),
)
PAGES_BY_KEY: dict[str, PageSpec] = {p.key: p for p in PAGES}
