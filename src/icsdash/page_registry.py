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
    hidden: bool = False       # never listed: reached by its address (a phone's join link)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "pages/overview.py", "Overview", ":material/map:",
             "National figures and a map of England's ICSs and places, coloured by a chosen measure."),
    PageSpec("map", "pages/map.py", "Map explorer", ":material/explore:",
             "Drill from England to a region, a system and a place; colour places by any measure, including each "
             "dimension and the change since the previous round; find any place, ICS or PCN; see a place's details "
             "and PCNs."),
    PageSpec("profile", "pages/profile.py", "Place profile", ":material/location_on:",
             "One place against its ICS and England: facts and criteria, a radar with the ICS and England medians, "
             "bands, strongest and weakest dimensions, the spread of stakeholders' scores with agreement, the "
             "trend across rounds, PCNs and justifications."),
    PageSpec("compare", "pages/compare.py", "Compare", ":material/compare_arrows:",
             "Up to six places or ICSs: an overlaid radar, small multiples, a difference table with each one's gap "
             "to the median; ready-made peer groups (same ICS, region or governance model, nearest neighbours by "
             "population and density); twinning; where the selection sits among all places."),
    PageSpec("governance", "pages/governance.py", "Governance", ":material/account_balance:",
             "Which places chose which governance model (nationally, by region and ICS, on a map); maturity, White "
             "Paper criteria, the single accountable person's employer and money by model, with n and small groups "
             "flagged; a card per model; the June 2022 snapshot beside today's data."),
    PageSpec("assessment", "pages/assessment.py", "Self-assessment", ":material/edit_note:",
             "A place director scores their place on every dimension, with justifications; drafts save as they "
             "type; submitted versions are frozen and kept in a history."),
    PageSpec("workshop", "pages/workshop.py", "Consensus workshop", ":material/groups:",
             "For a place and round, every stakeholder's scores side by side (names hidden) with the spread, median "
             "and agreement; the facilitator records the agreed score and reasoning for each dimension as a "
             "consensus assessment linked to the individual ones."),
    PageSpec("live", "pages/live.py", "Live vote", ":material/how_to_vote:",
             "A Delphi vote in the room: participants join from their phones with a code on the projector, with no "
             "account or name, and score the dimensions the facilitator opens; the results (distribution, median, "
             "interquartile range, agreement, level) show when voting closes; re-votes show the previous round "
             "first; ending the vote drafts the consensus."),
    PageSpec("vote", "pages/vote.py", "Vote (phones)", ":material/smartphone:",
             "A participant's phone in a live vote: join with the code, optionally choose a stakeholder group, "
             "score each open dimension or say you cannot; votes can change until voting closes.", hidden=True),
    PageSpec("admin", "pages/admin.py", "Admin", ":material/admin_panel_settings:",
             "Administrators create and revoke access codes, open assessment rounds and read the audit log.",
             admin_only=True),
)
PAGES_BY_KEY: dict[str, PageSpec] = {p.key: p for p in PAGES}
