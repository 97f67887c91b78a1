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
    admin_only: bool = False   # listed in the navigation only for administrators


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", "Overview", ":material/map:",
             "National figures and a map of England's ICSs and places, coloured by a chosen measure."),
    PageSpec("map", "pages/explorer.py", "Map explorer", ":material/explore:",
             "Drill from England to a region, a system and a place; colour places by any measure, including each "
             "dimension and the change since the previous round; find any place, ICS or PCN; see a place's details "
             "and PCNs."),
    PageSpec("assessment", "pages/assessment.py", "Self-assessment", ":material/edit_note:",
             "A place director scores their place on every dimension, with justifications; drafts save as they "
             "type; submitted versions are frozen and kept in a history."),
    PageSpec("admin", "pages/admin.py", "Admin", ":material/admin_panel_settings:",
             "Administrators create and revoke access codes, open assessment rounds and read the audit log.",
             admin_only=True),
)
PAGES_BY_KEY: dict[str, PageSpec] = {p.key: p for p in PAGES}
