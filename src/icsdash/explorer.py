"""The map explorer's logic, as plain Python: search, drill-down targets, and a place's facts."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .analysis import Filters
from .place_governance import (BCF_ARRANGEMENTS, CRITERIA, CRITERION_STATUSES, EMPLOYERS, MODELS_BY_KEY, YES_NO,
                         documented_set, requirements)
from .measures import STATUSES
from .reference import Reference


def level_of(filters: Filters) -> str:
    """Which level the explorer shows: 'england', 'region' or 'icb'."""
    return "icb" if filters.icb else "region" if filters.region else "england"


def search_index(reference: Reference) -> dict[str, str]:
    """Every place, ICS and PCN as a search option: key -> label (name and code, so either finds it)."""
    options: dict[str, str] = {}
    for row in reference.places.sort_values("place_name").itertuples():
        options[f"place:{row.place_code}"] = f"Place · {row.place_name} · {row.icb_short_name} ICS"
    for row in reference.icbs.sort_values("icb_short_name").itertuples():
        options[f"icb:{row.icb_ods_code}"] = f"ICS · {row.icb_short_name} ({row.icb_ods_code}, {row.icb_ons_code})"
    names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    for row in reference.pcns.sort_values("pcn_name").itertuples():
        options[f"pcn:{row.pcn_code}"] = f"PCN · {row.pcn_name} ({row.pcn_code}) · {names[row.place_code]}"
    return options


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def find_practices(reference: Reference, query: str, limit: int = 8) -> pd.DataFrame:
    """The GP practices a search finds: by ODS code or postcode (spaces ignored, the start is enough: 'SK13'
    finds Glossop's) or by a word of the name, best first (exact code or postcode, then starts, then names).
    Columns: practice_code, label ('Manor House Surgery (C81081), SK13 8PS · Glossop PCN · Derbyshire'),
    place_code, pcn_code.

    >>> from icsdash.reference import load_reference
    >>> from pathlib import Path
    >>> ref = load_reference(Path(__file__).parents[2] / "data")
    >>> find_practices(ref, "sk13 8ps")["label"].tolist()
    ['Manor House Surgery (C81081), SK13 8PS · Glossop PCN · Derbyshire']
    """
    practices = reference.practices
    wanted = _compact(query)
    if practices is None or practices.empty or len(wanted) < 2:
        return pd.DataFrame(columns=["practice_code", "label", "place_code", "pcn_code"])
    codes, postcodes = practices["practice_code"].str.upper(), practices["postcode"].fillna("").map(_compact)
    names = practices["practice_name"].str.upper()
    words = " ".join(query.upper().split())
    rank = pd.Series(9, index=practices.index)
    rank[names.str.contains(words, regex=False)] = 3
    rank[codes.str.startswith(wanted) | postcodes.str.startswith(wanted)] = 2
    rank[names.str.startswith(words)] = rank[names.str.startswith(words)].clip(upper=2)
    rank[(codes == wanted) | (postcodes == wanted)] = 1
    found = practices[rank < 9].assign(rank=rank[rank < 9]).sort_values(["rank", "practice_name"]).head(limit)
    pcn_names = dict(zip(reference.pcns["pcn_code"], reference.pcns["pcn_name"]))
    place_names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    labels = [f"{r.practice_name} ({r.practice_code})" + (f", {r.postcode}" if isinstance(r.postcode, str) else "")
              + " · "
              f"{pcn_names.get(r.pcn_code, r.pcn_code) if isinstance(r.pcn_code, str) else 'in no PCN'} · "
              f"{place_names.get(r.place_code, r.place_code)}" for r in found.itertuples()]
    return pd.DataFrame({"practice_code": found["practice_code"].values, "label": labels,
                         "place_code": found["place_code"].values, "pcn_code": found["pcn_code"].values})


@dataclass(frozen=True)
class Target:
    """Where a search result or a click takes the explorer."""

    region: str | None
    icb: str | None
    place: str | None = None
    pcn: str | None = None


def target_of(key: str, reference: Reference) -> Target:
    """The region, ICS, place (and PCN) a search option points at.

    >>> from icsdash.reference import load_reference
    >>> from pathlib import Path
    >>> ref = load_reference(Path(__file__).parents[2] / "data")
    >>> target_of("place:bolton", ref)
    Target(region='North West', icb='QOP', place='bolton', pcn=None)
    """
    kind, _, code = key.partition(":")
    if kind == "icb":
        icb = reference.icbs.set_index("icb_ods_code").loc[code]
        return Target(icb.region_name, code)
    if kind == "pcn":
        pcn = reference.pcns.set_index("pcn_code").loc[code]
        place = reference.place(pcn.place_code)
        return Target(place.region_name, place.icb_ods_code, place.place_code, code)
    place = reference.place(code)
    return Target(place.region_name, place.icb_ods_code, code)


def _money(value) -> str:
    return "—" if pd.isna(value) else f"£{value:,.1f}m"


def documented_fields(row: pd.Series) -> set[str]:
    """The fields of a place's governance record that come from the source documents."""
    return documented_set(row)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def cited(ref) -> str:
    """The source label of a documented value, with its citation: 'documented: CIPFA, December 2022'.

    >>> cited("CIPFA, December 2022"), cited(None)
    ('documented: CIPFA, December 2022', 'documented')
    """
    return f"documented: {ref}" if _text(ref) else "documented"


def place_facts(row: pd.Series, framework) -> pd.DataFrame:
    """The place's details as rows of (fact, value, source). A documented value's source names where it is
    documented and when ('documented: CIPFA, December 2022'); anything invented says 'illustrative'."""
    documented, stated = documented_fields(row), requirements(row)
    governance_ref = row.get("governance_source_ref")

    def source(*fields: str) -> str:
        if documented.intersection(fields):
            return cited(governance_ref)
        if stated.intersection(fields):
            return f"illustrative amount; that the budget exists is {cited(governance_ref)}"
        return "illustrative"

    place_source = cited(row.get("source_ref")) if row.source == "documented" else row.source
    round_label = row.get("maturity_round")
    maturity = row.get("overall_maturity")
    facts = [
        ("Place", row.place_name if row.get("anonymised") is True else f"{row.place_name} ({row.place_code})",
         place_source),
        ("ICS and region", f"{row.icb_short_name} · {row.region_name}", "documented"),
        ("Councils", row.council_names, place_source),
        ("Population", f"{int(row.population):,}", population_source(row)),
        ("Governance model", MODELS_BY_KEY[row.governance_model].label, source("governance_model")),
        ("Single accountable person", row.sap_post if isinstance(row.sap_post, str) else "—", source("sap_post")),
        ("Employed by", EMPLOYERS[row.sap_employer], source("sap_employer")),
        ("Dual role", YES_NO[row.sap_dual_role], source("sap_dual_role")),
        ("Delegated budget", _money(row.delegated_budget_gbp_m), source("delegated_budget_gbp_m")),
        ("Pooled budget (Section 75)", _money(row.pooled_budget_gbp_m), source("pooled_budget_gbp_m")),
        ("Aligned budget", _money(row.aligned_budget_gbp_m), source("aligned_budget_gbp_m")),
        ("Better Care Fund", BCF_ARRANGEMENTS[row.bcf_arrangement], source("bcf_arrangement")),
        ("Self-assessment", STATUSES[row.assessment_status] + f" ({row.current_round})" if row.current_round
         else STATUSES[row.assessment_status], "demo data" if row.assessment_status != "not_started" else "—"),
        ("Overall maturity", "No data" if pd.isna(maturity) else f"{maturity:.1f} of {framework.scale_max} "
                                                                  f"({round_label})", "assessments"),
        ("PCNs", pcn_text(row), row.pcn_source),
    ]
    if pd.notna(row.get("documented_pcns")):
        facts.append(("PCNs in the documents", f"{int(row.documented_pcns)} in 2022", cited(row.get("source_ref"))))
    extra = []
    if _text(row.get("governance_note")):
        extra.append(("Note", row.governance_note, source("governance_note", "governance_model")))
    if _text(row.get("history_note")):
        extra.append(("History", row.history_note, cited(row.get("history_source"))))
    if _text(row.get("group_name")) and row.get("anonymised") is not True:
        kind = str(row.get("group_kind") or "group")
        extra.append((kind[:1].upper() + kind[1:], group_text(row),
                      cited(row.get("group_source_ref")) if row.get("group_source") == "documented"
                      else "illustrative"))
    facts[5:5] = extra
    if _text(row.get("icb_history")):
        facts.insert(2, ("ICS in other boundary vintages", row.icb_history, "ONS and NHS England"))
    if _text(row.get("shared_districts")):
        facts.insert(3, ("Councils split between places", row.shared_districts, "ONS boundaries"))
    return pd.DataFrame(facts, columns=["Fact", "Value", "Source"])


def population_source(row: pd.Series) -> str:
    """'ONS mid-2022 population estimates', with 'apportioned' where a council is split between places.

    >>> population_source(pd.Series({"population_source": "ons apportioned", "population_ref": "ONS 2022"}))
    'ONS 2022 (a split council apportioned by its 2011 LSOAs)'
    """
    if row.population_source == "documented":
        return cited(row.get("population_ref"))
    share = " (a split council apportioned by its 2011 LSOAs)" if row.population_source == "ons apportioned" else ""
    return f"{row.population_ref}{share}"


HEADER_FACTS = ("Place", "ICS and region", "Councils", "Self-assessment", "Overall maturity", "PCNs")


def profile_facts(row: pd.Series, framework) -> pd.DataFrame:
    """The facts the place profile lists beside its header (which already names the place, ICS and region)."""
    facts = place_facts(row, framework)
    return facts[~facts["Fact"].isin(HEADER_FACTS)]


def pcn_text(row: pd.Series) -> str:
    """'6, and 2 practices in no PCN (4,210 patients)'.

    >>> pcn_text(pd.Series({"pcn_count": 6, "unallocated_practices": 2, "unallocated_patients": 4210}))
    '6, and 2 practices in no PCN (4,210 registered patients)'
    >>> pcn_text(pd.Series({"pcn_count": 6, "unallocated_practices": 0}))
    '6'
    """
    unallocated = int(row.get("unallocated_practices") or 0)
    if not unallocated:
        return f"{int(row.pcn_count)}"
    practices = "1 practice" if unallocated == 1 else f"{unallocated} practices"
    return f"{int(row.pcn_count)}, and {practices} in no PCN ({int(row.unallocated_patients):,} registered patients)"


def pcn_table(reference: Reference, place_code: str) -> pd.DataFrame:
    """The place's PCNs as the pages list them: name, code, list size, practices, and the other places a PCN
    spanning places also serves (with its share of patients there)."""
    names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    pcns = reference.pcns[reference.pcns["place_code"] == place_code].sort_values("pcn_name")
    shares = pcns["place_shares"] if "place_shares" in pcns else pd.Series("", index=pcns.index)
    return pd.DataFrame({
        "PCN": pcns["pcn_name"], "Code": pcns["pcn_code"], "List size": pcns["list_size"],
        "Practices": pcns["gp_practices"],
        "Also serves": [_elsewhere(s, place_code, names) for s in shares]})


def _elsewhere(shares, place_code: str, names: dict[str, str]) -> str:
    """'Bury (12%)' from 'bolton 0.88; bury 0.12', leaving out ``place_code`` itself."""
    if not isinstance(shares, str) or not shares:
        return ""
    parts = [p.rsplit(" ", 1) for p in shares.split("; ")]
    return ", ".join(f"{names.get(code, code)} ({float(share):.0%})" for code, share in parts if code != place_code)


def practice_table(reference: Reference, place_code: str) -> pd.DataFrame:
    """The place's GP practices: name, code, postcode, PCN ('In no PCN' for an unallocated practice) and
    registered patients, by PCN and name."""
    practices = reference.practices
    if practices is None or practices.empty:
        return pd.DataFrame(columns=["Practice", "Code", "Postcode", "PCN", "Registered patients"])
    mine = practices[practices["place_code"] == place_code]
    pcn_names = dict(zip(reference.pcns["pcn_code"], reference.pcns["pcn_name"]))
    table = pd.DataFrame({"Practice": mine["practice_name"], "Code": mine["practice_code"],
                          "Postcode": mine["postcode"],
                          "PCN": [pcn_names.get(c, c) if isinstance(c, str) else "In no PCN" for c in mine["pcn_code"]],
                          "Registered patients": mine["registered_patients"]})
    return table.sort_values(["PCN", "Practice"]).reset_index(drop=True)


def practice_facts(reference: Reference, practice_code: str) -> pd.DataFrame:
    """A GP practice's facts for the side panel (Fact, Value, Source): name and code, postcode, PCN, registered
    patients."""
    row = reference.practices.set_index("practice_code").loc[practice_code]
    pcn_names = dict(zip(reference.pcns["pcn_code"], reference.pcns["pcn_name"]))
    pcn = f"{pcn_names.get(row.pcn_code, row.pcn_code)} ({row.pcn_code})" if isinstance(row.pcn_code, str) \
        else "In no PCN"
    patients = f"{int(row.registered_patients):,}" if pd.notna(row.registered_patients) else "not known"
    facts = [("GP practice", f"{row.practice_name} ({practice_code})"),
             ("Postcode", row.postcode if isinstance(row.postcode, str) else "—"),
             ("Primary care network", pcn), ("Registered patients", patients)]
    return pd.DataFrame([(f, v, "—") for f, v in facts], columns=["Fact", "Value", "Source"])


def group_text(row: pd.Series) -> str:
    """'Tees Valley: 847,000 people, 17 PCNs. <note>' for a place's intermediate tier."""
    figures = [f"{int(row.group_population):,} people" if pd.notna(row.get("group_population")) else "",
               f"{int(row.group_pcns)} PCNs" if pd.notna(row.get("group_pcns")) else ""]
    figures = ", ".join(f for f in figures if f)
    return f"{row.group_name}" + (f": {figures}" if figures else "") + (f". {row.group_note}"
                                                                      if _text(row.get("group_note")) else "")


def criteria_table(row: pd.Series) -> pd.DataFrame:
    """The White Paper's eight criteria for the place, with status and source."""
    documented = documented_fields(row)
    return pd.DataFrame([{"Criterion": c.label, "Status": CRITERION_STATUSES[row[c.key]],
                          "Source": cited(row.get("governance_source_ref")) if c.key in documented
                          else "illustrative"} for c in CRITERIA])
