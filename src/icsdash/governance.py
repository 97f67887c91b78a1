"""Registries for how a place is governed: models, employers, criteria, money.

Everything here is data that pages and tests loop over. The wording is the
project's own summary of Table 6.1 of the CIPFA report (2022) and of the
White Paper *Joining up care for people, places and populations* (2022).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GovernanceModel:
    """One way of governing a place."""

    key: str
    label: str
    summary: str
    decision_rights: str
    money: str
    in_table_6_1: bool = True


MODELS: tuple[GovernanceModel, ...] = (
    GovernanceModel(
        "consultative_forum", "Consultative forum",
        "Partners meet to shape and align what the statutory bodies then decide.",
        "Advisory: decisions stay with the ICB and the councils.",
        "No delegated budget."),
    GovernanceModel(
        "individual_executives", "Individual executives",
        "Statutory bodies hand specific functions to named officers, who may be "
        "supported by a committee.",
        "Functions delegated to a person.",
        "Whatever budget goes with the delegated functions."),
    GovernanceModel(
        "committee_of_statutory_body", "Committee of the ICB",
        "A committee of one statutory body, usually the ICB, with delegated "
        "authority under terms of reference that body sets.",
        "Delegated by that one body.",
        "A delegated budget is possible."),
    GovernanceModel(
        "joint_committee", "Joint committee",
        "A committee of several partners, such as the ICB and a council, to which "
        "each delegates defined functions.",
        "Delegated by each partner for its own functions.",
        "Budgets set out for visibility; each partner keeps its own."),
    GovernanceModel(
        "lead_provider", "Lead provider",
        "One provider runs resources and delivery for the place under a contract "
        "with the ICB and/or council and answers for outcomes.",
        "Held by the lead provider under contract.",
        "Contract value."),
    GovernanceModel(
        "place_board", "Place board",
        "Partners pool resources and plan and decide together; one place lead "
        "answers for the shared outcomes.",
        "Functions delegated by the statutory bodies to the board.",
        "Delegated and pooled budgets."),
    GovernanceModel(
        "committees_in_common", "Committees in common",
        "Each partner's own committee meets at the same time and place and takes "
        "aligned decisions.", "Each committee decides for its own body.",
        "Aligned budgets.", in_table_6_1=False),
    GovernanceModel(
        "other", "Other arrangement",
        "A local arrangement that fits none of the other models.",
        "Varies.", "Varies.", in_table_6_1=False),
    GovernanceModel(
        "system_wide", "System-wide (no separate place)",
        "The system is the place: no subsidiary places are planned.",
        "Decided at system level.", "Held at system level.", in_table_6_1=False),
)
MODELS_BY_KEY: dict[str, GovernanceModel] = {m.key: m for m in MODELS}

EMPLOYERS: dict[str, str] = {
    "icb": "ICB",
    "council": "Council",
    "nhs_trust": "NHS trust",
    "joint": "Joint (ICB and council)",
}

YES_NO: dict[str, str] = {"yes": "Yes", "no": "No"}

BCF_ARRANGEMENTS: dict[str, str] = {
    "minimum": "Mandated minimum",
    "above_minimum": "Above the minimum",
    "super_bcf": "Extended ('super') BCF",
}


@dataclass(frozen=True)
class Criterion:
    """One of the White Paper's eight expectations of any place model."""

    key: str
    label: str
    text: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("c1_shared_plan", "Shared plan",
              "A clear, shared and resourced plan across partners for the services "
              "in scope and for shared local outcomes."),
    Criterion("c2_track_record", "Track record",
              "Delivery against shared outcomes, sustained over time."),
    Criterion("c3_growing_share", "Growing share of spend",
              "A significant and growing share of health and care activity and "
              "spend overseen at place."),
    Criterion("c4_contentious_decisions", "Contentious decisions",
              "Clear decision making on contentious issues such as reshaping services."),
    Criterion("c5_risk_and_disputes", "Risk and disputes",
              "Practical arrangements for managing risk, settling disagreements and "
              "agreeing local outcomes."),
    Criterion("c6_single_accountable_person", "Single accountable person",
              "One person accountable for the shared plan and outcomes, agreed by "
              "the council(s) and the ICB."),
    Criterion("c7_existing_structures", "Uses existing structures",
              "Builds on Health and Wellbeing Boards and the Better Care Fund."),
    Criterion("c8_place_system_clarity", "Place and system roles",
              "Clarity about what is done at place and what at system level."),
)
CRITERIA_BY_KEY: dict[str, Criterion] = {c.key: c for c in CRITERIA}

CRITERION_STATUSES: dict[str, str] = {
    "met": "Met",
    "partly": "Partly met",
    "not_met": "Not met",
    "unknown": "Unknown",
}
