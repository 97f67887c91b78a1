"""The governance registries and the rules that keep illustrative values from contradicting documented ones."""

import pytest

from icsdash.place_governance import MODELS_BY_KEY, RULES, contradictions

FINE = {"governance_model": "joint_committee", "delegated_budget_gbp_m": 10.0, "pooled_budget_gbp_m": 5.0,
        "aligned_budget_gbp_m": 0.0, "section75": "yes", "sap_employer": "joint", "sap_dual_role": "yes",
        "c6_single_accountable_person": "met", "c7_existing_structures": "met", "bcf_arrangement": "minimum",
        "documented_fields": "sap_post;bcf_arrangement", "documented_requirements": "delegated_budget_gbp_m>0"}


@pytest.mark.parametrize("change, rule", [
    ({"delegated_budget_gbp_m": 0.0}, "stated_budgets_exist"),
    ({"governance_model": "consultative_forum", "documented_requirements": ""}, "forum_has_no_delegated_budget"),
    ({"governance_model": "place_board", "pooled_budget_gbp_m": 0.0}, "place_board_delegates_and_pools"),
    ({"section75": "no"}, "pooling_needs_section75"),
    ({"sap_dual_role": "no"}, "joint_appointment_is_dual"),
    ({"c6_single_accountable_person": "not_met"}, "documented_leader_counts"),
    ({"bcf_arrangement": "super_bcf", "c7_existing_structures": "not_met"}, "super_bcf_uses_bcf"),
])
def test_each_rule_catches_its_contradiction(change, rule):
    assert contradictions(FINE) == []
    text = next(r.text for r in RULES if r.key == rule)
    assert contradictions({**FINE, **change}) == [text]


def test_model_names_follow_cipfa_table_6_1():
    in_table = [m.label for m in MODELS_BY_KEY.values() if m.in_table_6_1]
    assert in_table == ["Consultative forum", "Individual executives or staff", "Committee of a statutory body",
                        "Joint committee", "Lead provider", "Place board"]
    assert "keeps its own" not in MODELS_BY_KEY["joint_committee"].summary
    assert "ICB's or a council's" in MODELS_BY_KEY["committee_of_statutory_body"].summary
