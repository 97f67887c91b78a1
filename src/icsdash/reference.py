"""Reference data: regions, ICBs, places, their governance and PCNs, loaded and checked once.

Every file in ``data/`` is read with a declared column schema (:data:`SCHEMAS`, of
:class:`~icsdash.csv_schema.Column`). A bad value raises :class:`DataError`
naming the file, the line and the column, and what is allowed. Past this
boundary the tables are trusted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from .csv_schema import (Column, checked_table, choice, code, code_list, decimal, integer, read_text_table, text,
                         with_overlay)
from .errors import DataError
from .place_governance import (BCF_ARRANGEMENTS, BUDGET_FIELDS, CRITERIA, CRITERION_STATUSES, EMPLOYERS, MODELS,
                               MODELS_BY_KEY, YES_NO)

# England's extent, with a margin: every point must fall inside it.
ENGLAND_BOUNDS = {"latitude": (49.8, 55.9), "longitude": (-6.5, 1.8)}
SOURCES = ("documented", "illustrative")
PCN_SOURCES = ("documented", "illustrative", "imported", "nhs england")
# Where a place's population comes from: a source document, a published count of whole councils, or a council's
# count shared between the places it is split across (by its share of 2011 LSOAs). The citation is population_ref.
POPULATION_SOURCES = ("documented", "ons", "ons apportioned")

REGION_ONS = r"E40\d{6}"
ICB_ONS = r"E54\d{6}"
ICB_ODS = r"[A-Z0-9]{3,5}"           # QOP; the ICBs new in April 2026 have five characters (S0E4D)
VINTAGE = r"\d{4}-\d{2}"            # the month a set of boundaries took effect: 2026-04
COUNCIL = r"E(0[6-9]|10)\d{6}"
PLACE = r"[a-z0-9]+(-[a-z0-9]+)*"             # a place's own name, no ICB in it
PCN = r"U\d{5}"
REQUIREMENT = "(" + "|".join(BUDGET_FIELDS) + ")>0"     # a budget a source says exists, amount unknown

SCHEMAS: dict[str, tuple[Column, ...]] = {
    "vintages.csv": (
        Column("vintage", code(VINTAGE, "2026-04")),
        Column("label", text),
        Column("starts", code(r"\d{4}-\d{2}-\d{2}", "2026-04-01")),
        Column("ends", code(r"\d{4}-\d{2}-\d{2}", "2026-03-31"), optional=True),
        Column("icb_boundaries", code(r"geo/[\w.-]+\.geojson", "geo/icbs_2026-04.geojson")),
    ),
    "regions.csv": (
        Column("region_ons_code", code(REGION_ONS, "E40000003")),
        Column("region_ods_code", code(r"Y\d{2}", "Y56")),
        Column("region_name", text),
        Column("code_vintage", code(r"\d{4}", "2022")),
        Column("region_ons_code_2024", code(REGION_ONS, "E40000013")),
    ),
    "icbs.csv": (
        Column("vintage", code(VINTAGE, "2026-04")),
        Column("icb_ons_code", code(ICB_ONS, "E54000057")),
        Column("icb_ods_code", code(ICB_ODS, "QOP")),
        Column("icb_name", text),
        Column("region_name", text),
        Column("previous_ons_code", code(ICB_ONS, "E54000052"), optional=True),
    ),
    "place_icbs.csv": (
        Column("vintage", code(VINTAGE, "2026-04")),
        Column("place_code", code(PLACE, "bolton")),
        Column("icb_ods_code", code(ICB_ODS, "QOP")),
        Column("share", decimal(0, 1)),
    ),
    "places.csv": (
        Column("place_code", code(PLACE, "bolton")),
        Column("place_name", text),
        Column("kind", text),
        Column("group_name", text, optional=True),
        Column("council_codes", code_list(COUNCIL, "E08000001;E06000038")),
        Column("council_names", text),
        Column("code_vintage", code(r"\d{4}", "2023")),
        Column("districts", text),
        Column("districts_2011", text),
        Column("lsoa_count", integer(1, 5_000)),
        Column("area_km2", decimal(0.1, 50_000)),
        Column("population", integer(1_000, 5_000_000)),
        Column("population_source", choice(POPULATION_SOURCES)),
        Column("population_ref", text),
        Column("gp_practices", integer(1, 2_000), optional=True),
        Column("documented_pcns", integer(1, 500), optional=True),     # the documents' count (2022), not today's
        Column("source", choice(SOURCES)),
        Column("source_ref", text, optional=True),
    ),
    "place_groups.csv": (
        Column("icb_ods_code", code(ICB_ODS, "QHM")),
        Column("group_name", text),
        Column("kind", text),
        Column("population", integer(1_000, 10_000_000), optional=True),
        Column("pcns", integer(1, 500), optional=True),
        Column("note", text, optional=True),
        Column("source", choice(SOURCES)),
        Column("source_ref", text, optional=True),
    ),
    "place_governance.csv": (
        Column("place_code", code(PLACE, "bolton")),
        Column("governance_model", choice(tuple(MODELS_BY_KEY))),
        Column("governance_note", text, optional=True),
        Column("sap_post", text, optional=True),
        Column("sap_employer", choice(tuple(EMPLOYERS))),
        Column("sap_dual_role", choice(tuple(YES_NO))),
        Column("delegated_budget_gbp_m", decimal(0, 20_000), optional=True),
        Column("pooled_budget_gbp_m", decimal(0, 20_000), optional=True),
        Column("aligned_budget_gbp_m", decimal(0, 20_000), optional=True),
        Column("section75", choice(tuple(YES_NO))),
        Column("bcf_arrangement", choice(tuple(BCF_ARRANGEMENTS))),
        *(Column(c.key, choice(tuple(CRITERION_STATUSES))) for c in CRITERIA),
        Column("documented_fields", text, optional=True),
        Column("documented_requirements", code_list(REQUIREMENT, "delegated_budget_gbp_m>0"), optional=True),
        Column("history_note", text, optional=True),
        Column("history_source", text, optional=True),
        Column("source", choice(("documented in part", "illustrative"))),
        Column("source_ref", text, optional=True),
    ),
    "pcns.csv": (
        Column("pcn_code", code(PCN, "U12345")),
        Column("pcn_name", text),
        Column("place_code", code(PLACE, "bolton")),
        Column("latitude", decimal(*ENGLAND_BOUNDS["latitude"])),
        Column("longitude", decimal(*ENGLAND_BOUNDS["longitude"])),
        Column("list_size", integer(1, 1_000_000), optional=True),      # unknown when imported without counts
        Column("gp_practices", integer(1, 200)),
        Column("source", choice(PCN_SOURCES)),
        Column("source_ref", text, optional=True),
        Column("place_shares", text, optional=True),      # 'norwich 0.44; north-norfolk 0.16; ...' when it spans places
    ),
}
# The practices behind the shipped PCNs (NHS England); optional, so a data folder without them still loads.
PRACTICES = "practices.csv"
PRACTICE_SCHEMA = (
    Column("practice_code", code(r"[A-Z]\d{5}|[A-Z]\d{4}[A-Z0-9]?", "A81001")),
    Column("practice_name", text),
    Column("postcode", code(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "TS18 1HU"), optional=True),   # '': not given
    Column("pcn_code", code(PCN, "U12345"), optional=True),          # empty: in no PCN (unallocated)
    Column("place_code", code(PLACE, "bolton")),
    Column("latitude", decimal(*ENGLAND_BOUNDS["latitude"]), optional=True),     # empty: an imported practice
    Column("longitude", decimal(*ENGLAND_BOUNDS["longitude"]), optional=True),   # whose location is not known
    Column("registered_patients", integer(0, 200_000), optional=True),
    Column("sub_icb_ods_code", code(r"[0-9A-Z]{3,5}", "16C"), optional=True),
)
# Place codes that were retired, each with the code it became (read by load_code_changes, not a reference table).
CODE_CHANGES = "place_code_changes.csv"
CODE_CHANGE_SCHEMA = (
    Column("old_code", code(r"([A-Z0-9]{3}-)?" + PLACE, "bolton")),
    Column("new_code", code(r"([A-Z0-9]{3}-)?" + PLACE, "bolton")),
    Column("changed_on", code(r"\d{4}-\d{2}-\d{2}", "2026-12-03")),
    Column("reason", text),
)
GEO_FILES = ("geo/places.geojson", "geo/regions.geojson", "geo/england.geojson")      # and each vintage's ICBs


# The tables an import may change, and the column that identifies a row of each.
IMPORTABLE = {"places.csv": "place_code", "place_governance.csv": "place_code", "pcns.csv": "pcn_code",
              PRACTICES: "practice_code"}
# Imported tables whose rows name a place (renamed when a place code is retired).
PLACE_REFERENCING = ("pcns.csv", PRACTICES)

# Imported rows, as kept in the database: table -> row key -> the row's cells as text (None: row removed).
Overlay = dict[str, dict[str, "dict[str, str] | None"]]


def read_table(path: Path, schema: tuple[Column, ...], overlay: dict[str, dict[str, str] | None] | None = None
               ) -> pd.DataFrame:
    """Read one CSV file and check every cell against ``schema``; imported rows (``overlay``) are applied
    before the checks, so they pass the same ones.

    Errors name the file, the line (the header is line 1) and the column.
    """
    name = f"{path.parent.name}/{path.name}"
    frame = read_text_table(path)
    if overlay and path.name in IMPORTABLE and IMPORTABLE[path.name] in frame.columns:
        frame = with_overlay(frame, IMPORTABLE[path.name], overlay)
        name += " (with imported rows)"
    return checked_table(frame, schema, name)


def _unique(frame: pd.DataFrame, column: str, name: str) -> None:
    dup = frame[column].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(f"duplicate value {frame[column].iloc[i]!r}", source=name, line=i + 2, field=column)


def _known(frame: pd.DataFrame, column: str, allowed, name: str, what: str) -> None:
    bad = ~frame[column].isin(list(allowed))
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"{frame[column].iloc[i]!r} is not a known {what}", source=name, line=i + 2,
                        field=column)


@dataclass(frozen=True)
class Reference:
    """The checked reference tables. Treat them as read-only: they are shared by all sessions."""

    regions: pd.DataFrame
    icbs: pd.DataFrame
    places: pd.DataFrame
    pcns: pd.DataFrame
    groups: pd.DataFrame
    version: str
    vintage: str = ""                  # the boundary vintage these ICBs and memberships belong to ('2026-04')
    vintages: pd.DataFrame | None = None
    practices: pd.DataFrame | None = None   # practices.csv: each practice's PCN (empty: unallocated) and place

    @cached_property
    def vintage_label(self) -> str:
        """'April 2026'."""
        rows = self.vintages[self.vintages["vintage"] == self.vintage]
        return rows["label"].iloc[0] if len(rows) else self.vintage

    @cached_property
    def place_labels(self) -> dict[str, str]:
        """Place code -> 'Bolton · Greater Manchester', in order of the places' names: how pickers name places."""
        places = self.places.sort_values("place_name")
        return dict(zip(places["place_code"], places["place_name"] + " · " + places["icb_short_name"]))

    @cached_property
    def boundaries(self) -> str:
        """'April 2026 (36 ICBs)': the boundary vintage as downloads and reports name it."""
        return f"{self.vintage_label} ({len(self.icbs)} ICBs)"

    @property
    def icb_boundaries(self) -> str:
        """The vintage's ICB outline file, relative to the data folder."""
        return self.vintages.set_index("vintage").loc[self.vintage, "icb_boundaries"]

    def place(self, place_code: str) -> pd.Series:
        return self.places.loc[self.places["place_code"] == place_code].iloc[0]


def data_files(data_dir: Path) -> list[Path]:
    outlines = sorted((data_dir / "geo").glob("icbs_*.geojson"))
    return [data_dir / n for n in SCHEMAS] + [data_dir / PRACTICES] + [data_dir / g for g in GEO_FILES] + outlines


def newest_vintage(data_dir: str | Path) -> str:
    """The vintage that starts last in data/vintages.csv: the default."""
    frame = read_table(Path(data_dir) / "vintages.csv", SCHEMAS["vintages.csv"])
    return frame.sort_values("starts")["vintage"].iloc[-1]


def vintage_labels(data_dir: str | Path) -> dict[str, str]:
    """Every vintage, newest first: '2026-04' -> 'April 2026'."""
    frame = read_table(Path(data_dir) / "vintages.csv", SCHEMAS["vintages.csv"]).sort_values("starts", ascending=False)
    return dict(zip(frame["vintage"], frame["label"]))


def data_version(data_dir: str | Path, imported: int = 0) -> str:
    """A short hash of every reference file (and the number of the newest import applied over them), so
    caches follow edits to the data."""
    digest = hashlib.sha256()
    for path in data_files(Path(data_dir)):
        digest.update(path.name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16] + (f"-i{imported}" if imported else "")


def load_reference(data_dir: str | Path, overlay: Overlay | None = None, imported: int = 0,
                   vintage: str | None = None) -> Reference:
    """Load and cross-check every reference table in ``data_dir``, with imported rows (``overlay``, as the
    database keeps them; ``imported`` numbers that state) applied over the files, for one boundary
    ``vintage`` (default: the newest). Places are the same in every vintage; their ICBs are the vintage's."""
    data_dir = Path(data_dir)
    overlay = overlay or {}
    t = {name: read_table(data_dir / name, schema, overlay.get(name)) for name, schema in SCHEMAS.items()}
    vintages, all_icbs, memberships = t["vintages.csv"], t["icbs.csv"], t["place_icbs.csv"]
    _unique(vintages, "vintage", "data/vintages.csv")
    vintage = vintage or vintages.sort_values("starts")["vintage"].iloc[-1]
    if vintage not in set(vintages["vintage"]):
        raise DataError(f"no boundary vintage {vintage!r}; data/vintages.csv has {', '.join(vintages['vintage'])}",
                        source="vintage")
    _known(all_icbs, "vintage", vintages["vintage"], "data/icbs.csv", "vintage (see data/vintages.csv)")
    _known(memberships, "vintage", vintages["vintage"], "data/place_icbs.csv", "vintage (see data/vintages.csv)")
    regions, places = t["regions.csv"], t["places.csv"]
    icbs = all_icbs[all_icbs["vintage"] == vintage].reset_index(drop=True)
    groups, governance, pcns = t["place_groups.csv"], t["place_governance.csv"], t["pcns.csv"]
    for v in vintages["vintage"]:
        _memberships_check(memberships, all_icbs, places, v)
    member = memberships[memberships["vintage"] == vintage]
    places = places.merge(member[["place_code", "icb_ods_code"]], on="place_code", how="left")
    places["icb_history"] = _icb_history(places, memberships, all_icbs, vintages, vintage)
    places["shared_districts"] = _shared_districts(places, icbs)
    pcns = pcns.assign(icb_ods_code=pcns["place_code"].map(dict(zip(member["place_code"], member["icb_ods_code"]))))
    for frame, column, name in ((regions, "region_ons_code", "regions.csv"), (icbs, "icb_ods_code", "icbs.csv"),
                                (icbs, "icb_ons_code", "icbs.csv"), (places, "place_code", "places.csv"),
                                (places, "place_name", "places.csv"), (governance, "place_code", "place_governance.csv"),
                                (pcns, "pcn_code", "pcns.csv")):
        _unique(frame, column, f"data/{name}")
    _known(icbs, "region_name", regions["region_name"], "data/icbs.csv", "region")
    _known(groups, "icb_ods_code", all_icbs["icb_ods_code"], "data/place_groups.csv", "ICB ODS code")
    _known(governance, "place_code", places["place_code"], "data/place_governance.csv", "place code")
    _known(pcns, "place_code", places["place_code"], "data/pcns.csv", "place code")
    missing = sorted(set(places["place_code"]) - set(governance["place_code"]))
    if missing:
        raise DataError(f"has no row for place(s) {', '.join(missing[:5])}", source="data/place_governance.csv")
    _unique(groups, "group_name", "data/place_groups.csv")
    grouped = places[places["group_name"].notna()]
    for i, row in grouped.iterrows():
        if row.group_name not in set(groups["group_name"]):
            raise DataError(f"group {row.group_name!r} is not in data/place_groups.csv",
                            source="data/places.csv", line=int(i) + 2, field="group_name")

    icbs = icbs.merge(regions[["region_name", "region_ons_code"]], on="region_name", how="left")
    places = (places.merge(governance.rename(columns={"source": "governance_source",
                                                     "source_ref": "governance_source_ref"}),
                           on="place_code", how="left")
              .merge(icbs[["icb_ods_code", "icb_ons_code", "icb_name", "region_name"]], on="icb_ods_code"))
    places = places.merge(groups.rename(columns={c: f"group_{c}" for c in groups.columns if c != "group_name"}),
                          on="group_name", how="left")
    places["icb_short_name"] = places["icb_name"].map(short_icb_name)
    places["density"] = (places["population"] / places["area_km2"]).round(1)
    places["governance_model_label"] = places["governance_model"].map({m.key: m.label for m in MODELS})
    places["sap_employer_label"] = places["sap_employer"].map(EMPLOYERS)
    pcn_stats = pcns.assign(illustrative=pcns["source"] == "illustrative", shipped=pcns["source"] == "nhs england") \
        .groupby("place_code").agg(
            pcn_count=("pcn_code", "size"), pcn_list_size=("list_size", lambda s: s.sum() if s.notna().all() else None),
            pcn_illustrative=("illustrative", "sum"), pcn_shipped=("shipped", "sum"))
    places = places.merge(pcn_stats, left_on="place_code", right_index=True, how="left")
    practices = _practices(data_dir, places, overlay.get(PRACTICES))
    unallocated = practices[practices["pcn_code"].isna()].groupby("place_code").agg(
        unallocated_practices=("practice_code", "size"), unallocated_patients=("registered_patients", "sum"))
    places = places.merge(unallocated, left_on="place_code", right_index=True, how="left")
    places[["unallocated_practices", "unallocated_patients"]] = \
        places[["unallocated_practices", "unallocated_patients"]].fillna(0).astype(int)
    counts = ["pcn_count", "pcn_illustrative", "pcn_shipped"]
    places[counts] = places[counts].fillna(0).astype(int)
    places["pcn_source"] = [pcn_source(n, i, r) for n, i, r in
                            zip(places["pcn_count"], places["pcn_illustrative"], places["pcn_shipped"])]
    per_icb = places.groupby("icb_ods_code").agg(population=("population", "sum"), place_count=("place_code", "size"),
                                                 pcn_count=("pcn_count", "sum"))
    icbs = icbs.merge(per_icb, left_on="icb_ods_code", right_index=True, how="left")
    icbs["icb_short_name"] = icbs["icb_name"].map(short_icb_name)
    empty = icbs["place_count"].isna()
    if empty.any():
        raise DataError(f"ICB {icbs.icb_ods_code[empty].iloc[0]} has no places", source="data/places.csv")
    icbs[["place_count", "pcn_count", "population"]] = icbs[["place_count", "pcn_count", "population"]].astype(int)
    return Reference(regions=regions, icbs=icbs, places=places.sort_values("place_name").reset_index(drop=True),
                     pcns=pcns, groups=groups, version=f"{data_version(data_dir, imported)}@{vintage}",
                     vintage=vintage, vintages=vintages.sort_values("starts", ascending=False).reset_index(drop=True),
                     practices=practices)


def _practices(data_dir: Path, places: pd.DataFrame, overlay: dict | None = None) -> pd.DataFrame:
    """practices.csv with imported rows, checked (every practice in a known place), or no rows where the
    folder has none."""
    path = Path(data_dir) / PRACTICES
    if not path.exists():
        return pd.DataFrame(columns=[c.name for c in PRACTICE_SCHEMA])
    frame = read_table(path, PRACTICE_SCHEMA, overlay)
    _unique(frame, "practice_code", f"data/{PRACTICES}")
    _known(frame, "place_code", places["place_code"], f"data/{PRACTICES}", "place code")
    return frame


def _memberships_check(memberships: pd.DataFrame, icbs: pd.DataFrame, places: pd.DataFrame, vintage: str) -> None:
    """Every place in exactly one ICB of ``vintage``, and that ICB one of the vintage's."""
    name = "data/place_icbs.csv"
    rows = memberships[memberships["vintage"] == vintage]
    ours = icbs[icbs["vintage"] == vintage]
    for column in ("icb_ods_code", "icb_ons_code"):
        _unique(ours, column, f"data/icbs.csv ({vintage})")
    _unique(rows, "place_code", f"{name} ({vintage})")
    _known(rows, "icb_ods_code", ours["icb_ods_code"], name, f"ICB of {vintage}")
    _known(rows, "place_code", places["place_code"], name, "place code")
    missing = sorted(set(places["place_code"]) - set(rows["place_code"]))
    if missing:
        raise DataError(f"no ICB in {vintage} for place(s) {', '.join(missing[:5])}", source=name)


def _icb_history(places: pd.DataFrame, memberships: pd.DataFrame, icbs: pd.DataFrame, vintages: pd.DataFrame,
                 vintage: str) -> list[str]:
    """For each place, the other vintages' ICBs where they differ: 'in NHS Frimley until 31 March 2026'."""
    names = {(r.vintage, r.icb_ods_code): "NHS " + short_icb_name(r.icb_name) for r in icbs.itertuples()}
    dates = vintages.set_index("vintage")
    here = dates.loc[vintage, "starts"]
    of = {(r.vintage, r.place_code): r.icb_ods_code for r in memberships.itertuples()}
    out = []
    for place in places["place_code"]:
        notes = []
        for v in vintages.sort_values("starts")["vintage"]:
            if v == vintage or of.get((v, place)) == of.get((vintage, place)):
                continue
            icb = names[(v, of[(v, place)])]
            when = dates.loc[v, "ends"] if dates.loc[v, "starts"] < here else dates.loc[v, "starts"]
            word = "until" if dates.loc[v, "starts"] < here else "from"
            if notes and notes[-1][:2] == (icb, word) and word == "until":
                notes.pop()                                       # the same ICB in consecutive vintages: once
            notes.append((icb, word, f"in {icb} {word} {_day(when)}" if isinstance(when, str) and when
                          else f"in {icb} ({v})"))
        out.append("; ".join(n[2] for n in notes))
    return out


def _shared_districts(places: pd.DataFrame, icbs: pd.DataFrame) -> list[str]:
    """For each place holding part of a district, where the rest of it is: 'Westmorland and Furness: the rest
    is in Eden (NHS North East and North Cumbria)'."""
    names = {r.icb_ods_code: "NHS " + short_icb_name(r.icb_name) for r in icbs.itertuples()}
    holders: dict[str, list[tuple[str, str]]] = {}
    for row in places.itertuples():
        for district in str(row.districts).split("; "):
            if district.endswith(" (part)"):
                holders.setdefault(district[:-7], []).append((row.place_code, row.place_name, row.icb_ods_code))
    out = []
    for row in places.itertuples():
        notes = []
        for district in str(row.districts).split("; "):
            if district.endswith(" (part)"):
                others = [f"{name} ({names.get(icb, icb)})" for code, name, icb in holders[district[:-7]]
                          if code != row.place_code]
                notes.append(f"{district[:-7]}: the rest is in {', '.join(others)}" if others
                             else f"{district[:-7]}: only part of it is in this place")
        out.append("; ".join(notes))
    return out


def _day(iso: str) -> str:
    """'2026-03-31' -> '31 March 2026'."""
    return pd.Timestamp(iso).strftime("%-d %B %Y")


def place_codes(data_dir: str | Path) -> set[str]:
    """Today's place codes in the data folder's places.csv (imported places are the store's to add)."""
    return set(read_table(Path(data_dir) / "places.csv", SCHEMAS["places.csv"])["place_code"])


def load_code_changes(data_dir: str | Path, known: set[str] | None = None) -> dict[str, str]:
    """Retired place codes, each mapped to the code its place has today (a chain of changes followed to its
    end), from ``data/place_code_changes.csv``; none when the file is absent. With ``known`` (today's place
    codes) every end of a chain must be one of them.

    >>> changes = load_code_changes(Path(__file__).parents[2] / "data")
    >>> changes["QWO-north-yorkshire"], changes["QOQ-kingston-upon-hull-city-of"]
    ('bradford-district-and-craven', 'hull')
    """
    path = Path(data_dir) / CODE_CHANGES
    if not path.exists():
        return {}
    name = f"data/{CODE_CHANGES}"
    frame = read_table(path, CODE_CHANGE_SCHEMA)
    _unique(frame, "old_code", name)
    step = dict(zip(frame["old_code"], frame["new_code"]))
    out = {}
    for i, old in enumerate(frame["old_code"]):
        seen, new = {old}, step[old]
        while new in step:
            if new in seen:
                raise DataError(f"{old} changes back to itself (through {new})", source=name, line=i + 2,
                                field="new_code")
            seen.add(new)
            new = step[new]
        if known is not None and new not in known:
            raise DataError(f"{new} is not a place in data/places.csv", source=name, line=i + 2, field="new_code")
        out[old] = new
    return out


def pcn_source(count: int, illustrative: int, shipped: int = 0) -> str:
    """Where a place's PCNs come from, as labelled on screen (``shipped``: from NHS England's files, as the
    default data holds them).

    >>> pcn_source(5, 5), pcn_source(5, 0), pcn_source(5, 2), pcn_source(0, 0), pcn_source(5, 0, 5), pcn_source(5, 0, 3)
    ('illustrative', 'imported', 'illustrative in part', '—', 'NHS England', 'NHS England and imported')
    """
    if not count:
        return "—"
    if illustrative:
        return "illustrative" if illustrative == count else "illustrative in part"
    return "NHS England" if shipped == count else "NHS England and imported" if shipped else "imported"


def short_icb_name(name: str) -> str:
    """'NHS Greater Manchester Integrated Care Board' -> 'Greater Manchester'.

    >>> short_icb_name("NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board")
    'Bristol, North Somerset and South Gloucestershire'
    """
    return re.sub(r"^NHS |\s*Integrated Care Board$", "", name)


# --------------------------------------------------------------------------- what is illustrative, in words
