"""Registries for how a place is governed: models, employers, criteria, money.

Everything here is data that pages and tests loop over. The wording is the
project's own summary of Table 6.1 of the CIPFA report (2022) and of the
White Paper *Joining up care for people, places and populations* (2022).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping


@dataclass(frozen=True)
class GovernanceModel:
    """One way of governing a place.

    ``summary`` restates what Table 6.1 of the CIPFA report (2022) says of the
    model, in this project's words, and nothing more; ``explanation`` is the
    project's own gloss on decision rights and money, shown as such.
    """

    key: str
    label: str
    summary: str
    explanation: str
    in_table_6_1: bool = True


MODELS: tuple[GovernanceModel, ...] = (
    GovernanceModel(
        "consultative_forum", "Consultative forum",
        "A forum of partners that informs or aligns the decisions of the statutory bodies (such as the ICB or "
        "councils), in an advisory role.",
        "Decisions stay with the statutory bodies, so no budget is delegated to the forum."),
    GovernanceModel(
        "individual_executives", "Individual executives or staff",
        "Statutory bodies may delegate specific functions to individual members of staff, who may convene a "
        "committee with members from other partners to support them.",
        "The budget that goes with the delegated functions is managed by those staff."),
    GovernanceModel(
        "committee_of_statutory_body", "Committee of a statutory body",
        "A committee with delegated authority to decide on the use of resources; its terms of reference and "
        "scope are set by the statutory body (the ICB's or a council's committee) and agreed by its members. "
        "A delegated budget can be set to describe the resources in its remit.",
        "Authority comes from the one body whose committee it is."),
    GovernanceModel(
        "joint_committee", "Joint committee",
        "A committee set up between partner organisations, which delegate defined decision-making functions to "
        "it under their schemes of delegation. The delegating bodies may define a budget so that the resources "
        "in its remit are visible.",
        "Each partner delegates only its own functions."),
    GovernanceModel(
        "lead_provider", "Lead provider",
        "A provider manages resources and delivery at place, as part of a provider collaborative, under a "
        "contract with the ICB and/or local government, and is responsible for the agreed outcomes for a "
        "defined set of services.",
        "Money flows through the contract."),
    GovernanceModel(
        "place_board", "Place board",
        "Partners pool resources, decide and plan jointly; one person, the place board lead agreed by the ICB "
        "and council(s), is accountable for shared outcomes and plans. Statutory bodies delegate functions and "
        "budgets to the board.",
        "The model the 2022 White Paper puts forward; delegated and pooled budgets."),
    GovernanceModel(
        "committees_in_common", "Committees in common",
        "Each partner's own committee meets at the same time and place and takes aligned decisions.",
        "Each committee decides for its own body; budgets stay aligned rather than pooled.", in_table_6_1=False),
    GovernanceModel(
        "other", "Other arrangement",
        "A local arrangement that fits none of the other models.",
        "Varies.", in_table_6_1=False),
    GovernanceModel(
        "system_wide", "System-wide (no separate place)",
        "The system is the place: no subsidiary places are planned.",
        "Decisions and money are held at system level.", in_table_6_1=False),
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


# --------------------------------------------------------------------------- what must hold together

BUDGET_FIELDS = ("delegated_budget_gbp_m", "pooled_budget_gbp_m", "aligned_budget_gbp_m")


def documented_set(row: Mapping) -> set[str]:
    """The fields of a governance row taken from a source ('a;b' in ``documented_fields``)."""
    value = row.get("documented_fields")
    return set(value.split(";")) - {""} if isinstance(value, str) else set()


def requirements(row: Mapping) -> set[str]:
    """The budgets a source says exist though it gives no amount ('delegated_budget_gbp_m>0;...')."""
    value = row.get("documented_requirements")
    return {part.removesuffix(">0") for part in value.split(";") if part} if isinstance(value, str) else set()


def _amount(row: Mapping, field: str) -> float:
    value = row.get(field)
    try:
        return 0.0 if value is None or value == "" or value != value else float(value)
    except (TypeError, ValueError):
        return 0.0


@dataclass(frozen=True)
class Rule:
    """Something every place's governance record must satisfy, so that an illustrative value never
    contradicts a documented one (or another illustrative one) on the same place."""

    key: str
    text: str
    broken: Callable[[Mapping], bool]


RULES: tuple[Rule, ...] = (
    Rule("stated_budgets_exist", "A budget a source says exists is more than zero",
         lambda r: any(_amount(r, f) <= 0 for f in requirements(r))),
    Rule("forum_has_no_delegated_budget", "A consultative forum is advisory, so nothing is delegated to it",
         lambda r: r.get("governance_model") == "consultative_forum" and _amount(r, "delegated_budget_gbp_m") > 0),
    Rule("place_board_delegates_and_pools", "A place board holds delegated and pooled budgets",
         lambda r: r.get("governance_model") == "place_board"
         and min(_amount(r, "delegated_budget_gbp_m"), _amount(r, "pooled_budget_gbp_m")) <= 0),
    Rule("pooling_needs_section75", "A pooled budget needs a Section 75 agreement",
         lambda r: _amount(r, "pooled_budget_gbp_m") > 0 and r.get("section75") == "no"),
    Rule("joint_appointment_is_dual", "A joint ICB and council appointment is a dual role",
         lambda r: r.get("sap_employer") == "joint" and r.get("sap_dual_role") == "no"),
    Rule("documented_leader_counts", "A place whose single accountable person is documented does not fail "
         "the single accountable person criterion",
         lambda r: "sap_post" in documented_set(r) and r.get("c6_single_accountable_person") == "not_met"),
    Rule("super_bcf_uses_bcf", "A place documented with an extended ('super') BCF does not fail the "
         "'uses existing structures' criterion",
         lambda r: "bcf_arrangement" in documented_set(r) and r.get("bcf_arrangement") == "super_bcf"
         and r.get("c7_existing_structures") == "not_met"),
)


def contradictions(row: Mapping) -> list[str]:
    """The rules a governance record breaks, in words (empty when it holds together).

    >>> contradictions({"governance_model": "consultative_forum", "delegated_budget_gbp_m": 12.5})
    ['A consultative forum is advisory, so nothing is delegated to it']
    >>> contradictions({"delegated_budget_gbp_m": 0.0, "documented_requirements": "delegated_budget_gbp_m>0"})
    ['A budget a source says exists is more than zero']
    """
    return [rule.text for rule in RULES if rule.broken(row)]
