"""NHS practice files: the practice to PCN mapping (every layout since 2021) and the ePCN workbook.

Both list practices with their PCN. Each PCN is put in a place, in this order:

1. **by its practices' locations**: practices the data already knows (by ODS code) are where they are; the
   PCN goes where most of their registered patients are, and lists its share in each place it spans;
2. **by its sub-ICB location**: a PCN none of whose practices is known goes to the place its sub-ICB location
   (or former CCG) covers, recognised by ONS or ODS code of any date since July 2022 (``data/
   sub_icb_locations.csv``; an ONS code retired before that is recognised by the ODS code beside it);
3. **by a guess**, where that location covers several places: the place the PCN's name mentions, else the
   place with most of the location's patients. Every guess is listed in the preview, with the other places,
   so that an administrator can correct it with the PCN template.

A PCN that cannot be placed at all (no known practice, sub-ICB location or ICB) is rejected, naming each of its
lines. The file's PCNs and practices replace those of every place it covers (it lists at least half of the
place's practices); elsewhere it only adds and changes. Nothing is written until :func:`icsdash.imports.apply`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .errors import DataError
from .imports import (Preview, Reject, Target, _duplicate, _extra_cells, _preview, _result_must_load, is_workbook,
                      point_inside, read_sheet, records)
from .reference import PCN, PRACTICES, Column, Reference, code, read_table, text

UNALLOCATED_CODES = {"U"}                      # the NHS files' PCN code for a practice in no PCN
UNALLOCATED_NAMES = {"unallocated", "unaligned", "no pcn", "not in a pcn"}
PRACTICE = code(r"[A-Z]\d{5}", "P82001")
POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}"   # without its space
BY_PRACTICES, BY_SUB_ICB, BY_GUESS = "its practices' locations", "its sub-ICB location", "a guess"
SUB_ICBS = "sub_icb_locations.csv"
COMMON = {"north", "south", "east", "west", "central", "city", "upon", "with", "borough", "county", "district",
          "mid", "greater", "inner", "outer", "rural", "urban", "health", "care", "network", "surrey", "sussex",
          "kent", "essex", "hampshire", "yorkshire", "lancashire", "london", "midlands", "downs", "forest", "vale"}
COVERS = 0.5                    # a file listing this share of a place's practices replaces its PCNs and practices

KEEP_UPPER = {"PCN", "NHS", "GP", "GPS", "UK", "ICB", "CCG", "HMR", "BCP", "ABC", "SMASH", "NW", "NE", "SE", "SW",
              "II", "III", "IV", "MK", "OPC", "BHR", "CW", "PCT", "LLP", "HC", "MC", "NMC", "SWAN", "SAFE",
              "WISH", "AT", "ICP", "LPN", "NEW", "CHP", "SSP", "SHS", "THCS", "KCS", "TPPCN", "HOSMS", "SEOXHA", "KIWY", "NORA"}
NUMBERS = {"ONE", "TWO", "SIX", "TEN"}
KEEP_LOWER = {"and", "of", "the", "on", "upon", "in", "under", "by", "with", "at", "le", "en", "de", "y"}


def readable(name: str) -> str:
    """The NHS files' capitals in the case people write them, acronyms kept.

    >>> readable("NORTH STOCKTON PCN"), readable("STOCKTON-ON-TEES"), readable("BHR 3 PCN")
    ('North Stockton PCN', 'Stockton-on-Tees', 'BHR 3 PCN')
    >>> readable("WYTHENSHAWE PCN (WYTHENSHAWE)"), readable("BRISTOL INNER CITY PCN (BNSSG)")
    ('Wythenshawe PCN (Wythenshawe)', 'Bristol Inner City PCN (BNSSG)')
    """
    if name != name.upper():
        return name                                  # already in mixed case: as written

    def word(w: str, first: bool) -> str:
        if "-" in w:
            return "-".join(word(p, first and i == 0) for i, p in enumerate(w.split("-")))
        before, core, after = re.fullmatch(r"([^A-Za-z0-9]*)(.*?)([^A-Za-z0-9]*)", w).groups()
        if not core:
            return w
        bracketed = (before.endswith("(") and after.startswith(")") and core.isalpha() and core not in NUMBERS
                     and (len(core) <= 3 or not set(core) & set("AEIOUY")))       # '(BNSSG)', '(IW)': initials
        if core.upper() in KEEP_UPPER or bracketed or any(c.isdigit() for c in core) and not core.isdigit():
            return before + core.upper() + after
        if not first and core.lower() in KEEP_LOWER:
            return before + core.lower() + after
        return before + core[:1].upper() + core[1:].lower() + after
    return " ".join(word(w, i == 0) for i, w in enumerate(name.split()))


# --------------------------------------------------------------------------- sub-ICB locations of every date

SUB_ICB_SCHEMA = (
    Column("sub_icb_ons_code", code(r"E38\d{6}", "E38000006")),
    Column("sub_icb_ods_code", code(r"[0-9A-Z]{3,5}", "02P")),
    Column("sub_icb_name", text),
    Column("valid_from", code(r"\d{4}-\d{2}-\d{2}", "2022-07-01")),
    Column("valid_to", code(r"\d{4}-\d{2}-\d{2}", "2023-03-31"), optional=True),
    Column("successors", text, optional=True),
    Column("places", text),
    Column("shares_by", text),
)


@dataclass(frozen=True)
class SubIcb:
    ons: str
    ods: str
    name: str
    valid_from: date
    valid_to: date | None
    places: tuple[tuple[str, float], ...]        # (place code, share), largest first


class SubIcbLookup:
    """Every sub-ICB location code since July 2022, by ONS and ODS code (``data/sub_icb_locations.csv``)."""

    def __init__(self, data_dir: Path):
        frame = read_table(Path(data_dir) / SUB_ICBS, SUB_ICB_SCHEMA)
        self.rows: list[SubIcb] = []
        for r in frame.itertuples():
            places = []
            for part in str(r.places).split(";"):
                place, _, share = part.strip().rpartition(" ")
                places.append((place, float(share)))
            self.rows.append(SubIcb(r.sub_icb_ons_code, r.sub_icb_ods_code, r.sub_icb_name,
                                    date.fromisoformat(r.valid_from),
                                    date.fromisoformat(r.valid_to) if isinstance(r.valid_to, str) else None,
                                    tuple(places)))
        self.by_ons = {r.ons: r for r in self.rows}
        self.by_ods_only: dict[tuple[str, str], int] = {}     # (ONS code not known, ODS code) -> rows so found
        self.retired_seen: set[str] = set()                    # ONS codes found that are no longer in use

    def find(self, ons: str, ods: str, on: date | None) -> SubIcb | None:
        """The location with ONS code ``ons``, else the one with ODS code ``ods`` in use ``on`` that date (else
        the newest with it: an ODS code outlives boundary changes, its ONS code does not)."""
        if ons in self.by_ons:
            if self.by_ons[ons].valid_to is not None:
                self.retired_seen.add(ons)
            return self.by_ons[ons]
        same = [r for r in self.rows if r.ods == ods]
        if not same:
            return None
        if ons:
            self.by_ods_only[(ons, ods)] = self.by_ods_only.get((ons, ods), 0) + 1
        if on is not None:
            current = [r for r in same if r.valid_from <= on and (r.valid_to is None or on <= r.valid_to)]
            if current:
                return current[0]
        return max(same, key=lambda r: r.valid_from)

    def recognised_notes(self, on: date | None) -> list[str]:
        """What the lookup recognised by ODS code alone, for the preview."""
        notes = [f"ONS code {ons} ({n:,} practice(s)) is not a sub-ICB location code of July 2022 or since: "
                 f"recognised by its ODS code {ods} as {self.find('', ods, on).name}."
                 for (ons, ods), n in sorted(self.by_ods_only.items())]
        if self.retired_seen:
            notes.append("Sub-ICB location codes no longer in use, recognised: " + "; ".join(
                f"{c} ({self.by_ons[c].name}, until {self.by_ons[c].valid_to:%-d %B %Y})"
                for c in sorted(self.retired_seen)) + ".")
        return notes


# --------------------------------------------------------------------------- practices as listed in a file

@dataclass(frozen=True)
class Practice:
    line: int
    code: str
    name: str
    postcode: str
    pcn_code: str                # "": in no PCN
    pcn_name: str
    sub_icb_ons: str
    sub_icb_ods: str
    icb: str                     # an ICB (or STP) code the file gives, ONS or ODS


@dataclass(frozen=True)
class Placed:
    """Where a PCN went and why."""

    place: str | None
    how: str                      # BY_PRACTICES, BY_SUB_ICB, BY_GUESS, or why it could not be placed
    detail: str
    shares: tuple[tuple[str, float], ...] = ()


def _extract_date(raw: str) -> date | None:
    """'01Jan2026', '01OCT2022' or '2026-01-01' -> a date (None when not given or not a date)."""
    for pattern in ("%d%b%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw.strip().title(), pattern).date()
        except ValueError:
            continue
    return None


def _icb_places(reference: Reference) -> dict[str, list[str]]:
    """Each ICB code of the reference's vintage (ODS, ONS, and the ONS code it had before) -> its places."""
    places = reference.places.groupby("icb_ods_code")["place_code"].apply(list).to_dict()
    out: dict[str, list[str]] = {}
    for row in reference.icbs.itertuples():
        for key in (row.icb_ods_code, row.icb_ons_code, getattr(row, "previous_ons_code", None)):
            if isinstance(key, str) and key:
                out[key] = places.get(row.icb_ods_code, [])
    return out


def _named(pcn_name: str, candidates: list[str], reference: Reference) -> list[tuple[str, str]]:
    """The candidate places whose name, or one of whose districts, the PCN's name mentions, with the name."""
    words, found = pcn_name.lower(), []
    places = reference.places.set_index("place_code")
    for place_code in candidates:
        if place_code not in places.index:
            continue
        row = places.loc[place_code]
        names = [row["place_name"]] + [n.replace("(part)", "").strip()
                                       for column in ("districts", "districts_2011") if column in row
                                       for n in str(row[column]).split(";")]
        names += [w for n in names for w in re.findall(r"[A-Za-z'-]+", n) if len(w) > 3 and w.lower() not in COMMON]
        said = next((n for n in names if n and n != "nan" and re.search(rf"\b{re.escape(n.lower())}\b", words)), None)
        if said:
            found.append((place_code, said))
    return found


def _share_text(shares, names: dict[str, str]) -> str:
    return ", ".join(f"{names.get(p, p)} ({s:.0%})" for p, s in shares)


def place_pcn(members: list[Practice], known: pd.DataFrame, weights: dict[str, float], lookup: SubIcbLookup,
              on: date | None, reference: Reference, icb_places: dict[str, list[str]]) -> Placed:
    """Where a PCN goes (see the module's description) and why."""
    names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    located = [m for m in members if m.code in known.index]
    if located:
        totals: dict[str, float] = {}
        for m in located:
            place = known.at[m.code, "place_code"]
            totals[place] = totals.get(place, 0.0) + max(weights.get(m.code, 0.0), 1.0)
        whole = sum(totals.values())
        shares = tuple(sorted(((p, v / whole) for p, v in totals.items()), key=lambda x: (-x[1], x[0])))
        unknown = len(members) - len(located)
        detail = (f"{len(located)} of {len(members)} practices known" if unknown else "all practices known")
        return Placed(shares[0][0], BY_PRACTICES, detail + (f"; spans {_share_text(shares, names)}"
                                                            if len(shares) > 1 else ""), shares)
    totals, located_by, missing = {}, [], []
    for m in members:
        row = lookup.find(m.sub_icb_ons, m.sub_icb_ods, on)
        if row is None:
            places = icb_places.get(m.icb, [])
            if len(places) == 1:
                totals[places[0]] = totals.get(places[0], 0.0) + 1.0
                located_by.append(f"the only place of ICB {m.icb}")
            else:
                missing.append(m.sub_icb_ons or m.sub_icb_ods or "(blank)")
            continue
        located_by.append(row.name)
        for place, share in row.places:
            if place in names:
                totals[place] = totals.get(place, 0.0) + share
    if not totals:
        return Placed(None, "cannot be placed", f"sub-ICB location {', '.join(sorted(set(missing)))} is not known "
                                                "and none of its practices is")
    whole = sum(totals.values())
    shares = tuple(sorted(((p, v / whole) for p, v in totals.items()), key=lambda x: (-x[1], x[0])))
    where = ", ".join(sorted(set(located_by)))
    if len(shares) == 1:
        return Placed(shares[0][0], BY_SUB_ICB, where, shares)
    named = _named(members[0].pcn_name, [p for p, _ in shares], reference)
    others = _share_text(shares, names)
    if len({p for p, _ in named}) == 1:
        place, said = named[0]
        named_as = said if said == names[place] else f"{said} ({names[place]})"
        return Placed(place, BY_GUESS, f"its name says {named_as}; {where} covers {others}", shares)
    return Placed(shares[0][0], BY_GUESS, f"the largest share of {where}, which covers {others}", shares)


# --------------------------------------------------------------------------- counts file

def practice_counts(data: bytes | None, name: str | None) -> dict[str, int]:
    """Registered patients per practice from gp-reg-pat-prac-all.csv (or any file with a practice code and
    NUMBER_OF_PATIENTS); only the all-ages, all-sexes rows when the file splits them."""
    if not data:
        return {}
    name = name or "counts file"
    sheet = read_sheet(data, name, ["number_of_patients"], aliases={"practice_code": "code", "org_code": "code"})
    if "code" not in sheet.header:
        raise DataError("has no practice code column (CODE or PRACTICE_CODE)", source=sheet.name)
    counts: dict[str, int] = {}
    for line, values, _ in records(sheet):
        if any(values.get(c, "ALL").upper() not in ("ALL", "") for c in ("sex", "age")):
            continue
        if values.get("type", "GP").upper() not in ("GP", ""):
            continue
        try:
            counts[values["code"]] = counts.get(values["code"], 0) + int(values.get("number_of_patients", ""))
        except ValueError:
            raise DataError(f"NUMBER_OF_PATIENTS must be a whole number; got {values.get('number_of_patients')!r}",
                            source=sheet.name, line=line, field="NUMBER_OF_PATIENTS") from None
    return counts


# --------------------------------------------------------------------------- the practice mapping file

PRACTICE_MAP_REQUIRED = ("practice_code", "pcn_code", "pcn_name")
PRACTICE_MAP_ALIASES = {"ons_ccg_code": "ons_sub_icb_location_code", "ccg_code": "sub_icb_location_code",
                        "ccg_name": "sub_icb_location_name", "ons_stp_code": "ons_icb_code", "stp_code": "icb_code",
                        "stp_name": "icb_name", "ons_sub_icb_code": "ons_sub_icb_location_code",
                        "sub_icb_code": "sub_icb_location_code", "sub_icb_name": "sub_icb_location_name"}
PRACTICE_MAP_COLUMNS = ("publication", "extract_date", "practice_code", "practice_name", "practice_postcode",
                        "pcn_code", "pcn_name", "ons_sub_icb_location_code", "sub_icb_location_code",
                        "sub_icb_location_name", "ons_icb_code", "icb_code", "icb_name", "ons_comm_region_code",
                        "comm_region_code", "comm_region_name", "supplier_name")


def is_unallocated(pcn_code: str, pcn_name: str) -> bool:
    """A practice in no PCN: the files' PCN code 'U' (or a blank one), or a name such as 'Unallocated'.

    >>> is_unallocated("U", "Unallocated"), is_unallocated("U00000", "WEST NORWICH PCN"), is_unallocated("", "")
    (True, False, True)
    """
    return not pcn_code or pcn_code.upper() in UNALLOCATED_CODES or pcn_name.strip().lower() in UNALLOCATED_NAMES


def prepare_practice_map(data: bytes, name: str, target: Target, counts: bytes | None = None,
                         counts_name: str | None = None) -> Preview:
    sheet = read_sheet(data, name, PRACTICE_MAP_REQUIRED, aliases=PRACTICE_MAP_ALIASES)
    if not {"ons_sub_icb_location_code", "sub_icb_location_code"} & set(sheet.header):
        raise DataError("has no sub-ICB location column (ONS_SUB_ICB_LOCATION_CODE, SUB_ICB_LOCATION_CODE, or "
                        "the 2021-22 layout's ONS_CCG_CODE, CCG_CODE)", source=sheet.name)
    preview = _preview("gp_practices", sheet, target, name)
    unknown = [c for c in sheet.header if c and c not in PRACTICE_MAP_COLUMNS]
    if unknown:
        preview.notes.append(f"Columns not used: {', '.join(unknown)}.")
    practices, seen, dates = [], {}, set()
    for line, values, extra in records(sheet):
        if _extra_cells(line, extra, preview.rejected):
            continue
        try:
            PRACTICE(values["practice_code"])
        except ValueError as exc:
            preview.rejected.append(Reject(line, "PRACTICE_CODE", str(exc)))
            continue
        if _duplicate(line, "PRACTICE_CODE", values["practice_code"], seen, preview.rejected):
            continue
        pcn_code, pcn_name = values["pcn_code"], values["pcn_name"]
        if is_unallocated(pcn_code, pcn_name):
            pcn_code, pcn_name = "", ""
        else:
            try:
                code(PCN, "U12345")(pcn_code)
            except ValueError as exc:
                preview.rejected.append(Reject(line, "PCN_CODE", str(exc)))
                continue
            if not pcn_name:
                preview.rejected.append(Reject(line, "PCN_NAME", "is empty; a value is required"))
                continue
        dates.add(values.get("extract_date", ""))
        practices.append(Practice(line, values["practice_code"], values.get("practice_name", ""),
                                  values.get("practice_postcode", ""), pcn_code, readable(pcn_name),
                                  values.get("ons_sub_icb_location_code", ""),
                                  values.get("sub_icb_location_code", ""),
                                  values.get("ons_icb_code", "") or values.get("icb_code", "")))
    on = _extract_date(sorted(dates)[-1]) if len(dates) == 1 and sorted(dates)[-1] else None
    return _from_practices(preview, practices, target, practice_counts(counts, counts_name), on,
                           complete=True, column="ONS_SUB_ICB_LOCATION_CODE")


# --------------------------------------------------------------------------- the ePCN workbook

EPCN_DETAILS = ("PCNDetails", "PCN Details")
EPCN_PARTNERS = ("PCN Core Partner Details",)
EPCN_ALIASES = {"current_sub_icb_loc_code": "sub_icb", "current_ccg_code": "sub_icb", "sub_icb_loc_code": "sub_icb",
                "partner_organisation_code": "practice_code", "practice_code": "practice_code",
                "partner_name": "practice_name", "practice_leave_date": "leave_date", "close_date": "close_date"}


def prepare_epcn(data: bytes, name: str, target: Target, counts: bytes | None = None,
                 counts_name: str | None = None) -> Preview:
    if data.strip() and not is_workbook(data) and not data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("is not an Excel workbook (.xlsx); the ePCN file is NHS England's ePCN.xlsx", source=name)
    details = read_sheet(data, name, ["pcn_code", "pcn_name", "sub_icb"], EPCN_ALIASES, EPCN_DETAILS)
    partners = read_sheet(data, name, ["pcn_code", "practice_code"], EPCN_ALIASES, EPCN_PARTNERS)
    preview = _preview("epcn", details, target, name)
    open_pcns: dict[str, tuple[int, str, str]] = {}
    seen: dict[str, int] = {}
    for line, values, _ in records(details):
        if values.get("close_date"):
            continue
        try:
            code(PCN, "U12345")(values["pcn_code"])
        except ValueError as exc:
            preview.rejected.append(Reject(line, "PCN Code", str(exc)))
            continue
        if _duplicate(line, "PCN Code", values["pcn_code"], seen, preview.rejected):
            continue
        if not values["pcn_name"]:
            preview.rejected.append(Reject(line, "PCN Name", "is empty; a value is required"))
            continue
        open_pcns[values["pcn_code"]] = (line, readable(values["pcn_name"]), values["sub_icb"])
    members: dict[str, list[tuple[str, str]]] = {}
    for line, values, _ in records(partners):
        if values.get("leave_date") or values["pcn_code"] not in open_pcns:
            continue
        try:
            PRACTICE(values["practice_code"])
        except ValueError as exc:
            preview.rejected.append(Reject(line, "Partner Organisation Code", f"{exc} ({partners.name})"))
            continue
        members.setdefault(values["pcn_code"], []).append((values["practice_code"], values.get("practice_name", "")))
    practices = []
    for pcn_code, (line, pcn_name, sub_icb) in open_pcns.items():
        ons, ods = (sub_icb, "") if re.fullmatch(r"E38\d{6}", sub_icb) else ("", sub_icb)
        for practice, practice_name in members.get(pcn_code) or []:
            practices.append(Practice(line, practice, practice_name, "", pcn_code, pcn_name, ons, ods, ""))
        if not members.get(pcn_code):
            preview.rejected.append(Reject(line, "PCN Code", f"{pcn_code} has no current core partner practice in "
                                                             f"'{EPCN_PARTNERS[0]}'"))
    return _from_practices(preview, practices, target, practice_counts(counts, counts_name), None,
                           complete=False, column="Current Sub ICB Loc Code")


# --------------------------------------------------------------------------- PCNs and practices from a file

def _centre(practices: pd.DataFrame, shape: dict, seed: str) -> tuple[str, str]:
    """A PCN's point: the patient-weighted centre of its located practices when inside its place, else its
    largest practice there, else a point inside the place."""
    from shapely.geometry import Point, shape as to_shape
    polygon = to_shape(shape)
    located = practices.dropna(subset=["latitude", "longitude"])
    if not located.empty:
        weights = located["registered_patients"].fillna(1).clip(lower=1)
        x = float((located["longitude"] * weights).sum() / weights.sum())
        y = float((located["latitude"] * weights).sum() / weights.sum())
        if polygon.contains(Point(x, y)):
            return f"{y:.5f}", f"{x:.5f}"
        for r in located.sort_values("registered_patients", ascending=False).itertuples():
            if polygon.contains(Point(r.longitude, r.latitude)):
                return f"{r.latitude:.5f}", f"{r.longitude:.5f}"
    y, x = point_inside(shape, seed)
    return f"{y:.5f}", f"{x:.5f}"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


PCN_COMPARED = ("pcn_name", "place_code", "list_size", "gp_practices", "place_shares")
PRACTICE_COMPARED = ("practice_name", "postcode", "pcn_code", "place_code", "registered_patients",
                     "sub_icb_ods_code")


def _from_practices(preview: Preview, practices: list[Practice], target: Target, counts: dict[str, int],
                    on: date | None, complete: bool, column: str) -> Preview:
    """Place every PCN of the file, build its row and its practices' rows, and compare them with the data
    now held. ``complete``: the file lists every practice of the places it covers (the mapping file), so those
    it leaves out are removed; otherwise (ePCN) they are kept, in no PCN."""
    reference = target.reference
    lookup = SubIcbLookup(target.data_dir)
    known = reference.practices.set_index("practice_code") if reference.practices is not None else \
        pd.DataFrame(columns=["place_code"])
    held = known["registered_patients"].dropna() if "registered_patients" in known else pd.Series(dtype=float)
    weights = {c: float(v) for c, v in (counts.items() if counts else held.items())}
    icb_places = _icb_places(reference)
    icb_of = dict(zip(reference.places["place_code"], reference.places["icb_ods_code"]))
    names = dict(zip(reference.places["place_code"], reference.places["place_name"]))
    ics = dict(zip(reference.places["place_code"], reference.places["icb_short_name"]))
    by_pcn: dict[str, list[Practice]] = {}
    for p in practices:                              # a practice in no PCN is placed on its own
        by_pcn.setdefault(p.pcn_code or f"-{p.code}", []).append(p)
    current = target.text_rows("pcns.csv").set_index("pcn_code", drop=False)
    current_practices = target.text_rows(PRACTICES).set_index("practice_code", drop=False) \
        if (target.data_dir / PRACTICES).exists() else pd.DataFrame()
    pcn_rows: dict[str, dict[str, str] | None] = {}
    practice_rows: dict[str, dict[str, str] | None] = {}
    place_of_practice: dict[str, str] = {}
    placed_rows, listed_in = [], {}
    for pcn_code, members in sorted(by_pcn.items(), key=lambda kv: kv[0]):
        placed = place_pcn(members, known, weights, lookup, on, reference, icb_places)
        if placed.place is None:
            for m in members:
                label = f"PCN {pcn_code}" if not pcn_code.startswith("-") else "practice in no PCN"
                preview.rejected.append(Reject(m.line, column, f"{label}: {placed.detail}, so its place is unknown"))
            continue
        for m in members:
            place_of_practice[m.code] = known.at[m.code, "place_code"] if m.code in known.index else placed.place
            listed_in[place_of_practice[m.code]] = listed_in.get(place_of_practice[m.code], 0) + 1
        if pcn_code.startswith("-"):
            continue
        placed_rows.append({"code": pcn_code, "name": members[0].pcn_name, "place": names[placed.place],
                            "ICS": ics[placed.place], "placed by": placed.how, "why": placed.detail})
        frame = pd.DataFrame([{"latitude": known.at[m.code, "latitude"], "longitude": known.at[m.code, "longitude"],
                               "registered_patients": weights.get(m.code)} for m in members if m.code in known.index],
                             columns=["latitude", "longitude", "registered_patients"]).astype(float)
        sizes = [counts.get(m.code) if counts else weights.get(m.code) for m in members]
        row = {"pcn_code": pcn_code, "pcn_name": members[0].pcn_name, "place_code": placed.place,
               "list_size": str(int(round(sum(sizes)))) if all(s is not None for s in sizes) else "",
               "gp_practices": str(min(len(members), 200)), "source": "imported",
               "source_ref": f"{preview.file_name}" + (f", {on:%-d %B %Y}" if on else ""),
               "place_shares": "; ".join(f"{p} {s:.2f}" for p, s in sorted(placed.shares)) if
               placed.how == BY_PRACTICES and len(placed.shares) > 1 else ""}
        now = dict(current.loc[pcn_code]) if pcn_code in current.index else None
        if now is not None and now["place_code"] == placed.place:
            row["latitude"], row["longitude"] = now["latitude"], now["longitude"]
        else:
            row["latitude"], row["longitude"] = _centre(frame, target.place_shapes[placed.place], pcn_code)
        if now is None:
            preview.added.append({"code": pcn_code, "name": row["pcn_name"], "place": names[placed.place],
                                  "ICS": ics[placed.place], "practices": row["gp_practices"],
                                  "list size": row["list_size"] or "—"})
        else:
            diff = [{"code": pcn_code, "column": k, "now": now.get(k, "") or "", "new": row[k]} for k in PCN_COMPARED
                    if (now.get(k, "") or "") != row[k] and not (k == "list_size" and _same_number(now.get(k), row[k]))]
            if not diff:
                preview.unchanged += 1
                continue
            preview.changed += diff
        pcn_rows[pcn_code] = row
    listed = {m.code for m in practices}
    held = current_practices["place_code"].value_counts() if not current_practices.empty else pd.Series(dtype=int)
    covered = {place for place, n in listed_in.items() if n >= COVERS * held.get(place, 0)}
    partly = sorted(set(listed_in) - covered, key=lambda p: names.get(p, p))
    if partly:
        shown = [f"{names.get(p, p)} ({listed_in[p]:,} of {int(held.get(p, 0)):,})" for p in partly[:6]]
        more = f" and {len(partly) - 6} other place(s)" if len(partly) > 6 else ""
        preview.notes.append(f"The file lists under half of the practices of {', '.join(shown)}{more}: their PCNs "
                             "and practices that the file does not list are kept.")
    gone = current[current["place_code"].isin(covered) & ~current["pcn_code"].isin(set(by_pcn))]
    for row in gone.itertuples():
        pcn_rows[row.pcn_code] = None
        preview.removed.append({"code": row.pcn_code, "name": row.pcn_name, "source": row.source,
                                "place": names.get(row.place_code, row.place_code)})
    practice_changes = _practice_rows(practices, place_of_practice, counts, current_practices, practice_rows, lookup,
                                      on)
    if not current_practices.empty:
        left_out = current_practices[current_practices["place_code"].isin(covered)
                                     & ~current_practices["practice_code"].isin(listed)]
        for practice_code, row in left_out.iterrows():
            if complete:
                practice_rows[practice_code] = None
                practice_changes["removed"] += 1
            elif row["pcn_code"]:
                practice_rows[practice_code] = {**dict(row), "pcn_code": ""}
                practice_changes["changed"] += 1
    preview.placed = placed_rows
    preview.notes += lookup.recognised_notes(on)
    _notes(preview, placed_rows, counts, practices, practice_changes, {p: icb_of[p] for p in covered}, target)
    preview.extra_changes = sum(practice_changes.values())
    preview.rows = {t: rows for t, rows in (("pcns.csv", pcn_rows), (PRACTICES, practice_rows)) if rows}
    if preview.rows:
        _result_must_load(target, preview.rows, preview.file_name)
    return preview


def _same_number(now, new: str) -> bool:
    try:
        return float(now) == float(new)
    except (TypeError, ValueError):
        return False


def _practice_rows(practices: list[Practice], place_of: dict[str, str], counts: dict[str, int], current: pd.DataFrame,
                   out: dict, lookup: SubIcbLookup, on: date | None) -> dict[str, int]:
    """The practices.csv rows the file gives (a known practice keeps its name, location and list size unless
    the counts file gives one); counts of practices added, changed and removed."""
    changes = {"added": 0, "changed": 0, "removed": 0}
    for m in practices:
        if m.code not in place_of:
            continue
        was = dict(current.loc[m.code]) if not current.empty and m.code in current.index else None
        base = was or {"practice_name": readable(m.name) or m.code, "postcode": _postcode(m.postcode),
                       "latitude": "", "longitude": "", "registered_patients": ""}
        row = {**base, "practice_code": m.code, "pcn_code": m.pcn_code, "place_code": place_of[m.code],
               "sub_icb_ods_code": base.get("sub_icb_ods_code") or _ods_of(m, lookup, on),   # a known one stays
               "registered_patients": str(counts[m.code]) if m.code in counts else base["registered_patients"]}
        if not row["postcode"] and _postcode(m.postcode):
            row["postcode"] = _postcode(m.postcode)
        if was is None:
            changes["added"] += 1
        elif all((was.get(k, "") or "") == (row.get(k, "") or "") or
                 (k == "registered_patients" and _same_number(was.get(k), row.get(k))) for k in PRACTICE_COMPARED):
            continue
        else:
            changes["changed"] += 1
        out[m.code] = {k: _cell(v) for k, v in row.items()}
    return changes


def _postcode(raw: str) -> str:
    """A postcode as the data holds it ('SK13 8PS'), or '' when the file's is not one.

    >>> _postcode(" sk13 8ps"), _postcode("SK138PS"), _postcode("unknown")
    ('SK13 8PS', 'SK13 8PS', '')
    """
    compact = "".join(raw.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if re.fullmatch(POSTCODE, compact) else ""


def _ods_of(m: Practice, lookup: SubIcbLookup, on: date | None) -> str:
    """The ODS code of the practice's sub-ICB location, as the file gives it or as its ONS code says."""
    row = lookup.find(m.sub_icb_ons, m.sub_icb_ods, on)
    return m.sub_icb_ods or (row.ods if row else "")


def _notes(preview: Preview, placed: list[dict], counts: dict[str, int], practices: list[Practice],
           practice_changes: dict[str, int], covered: dict[str, str], target: Target) -> None:
    by = {how: sum(1 for p in placed if p["placed by"] == how) for how in (BY_PRACTICES, BY_SUB_ICB, BY_GUESS)}
    if placed:
        preview.notes.append(f"Placed {len(placed):,} PCN(s): {by[BY_PRACTICES]:,} by their practices' locations, "
                             f"{by[BY_SUB_ICB]:,} by their sub-ICB location, {by[BY_GUESS]:,} by a guess.")
    if by[BY_GUESS]:
        preview.notes.append(f"{by[BY_GUESS]} PCN(s) were placed by a guess, listed under 'Guesses' with the other "
                             "places they could be in; correct any with the PCN template (place_code column).")
    if counts:
        missing = sum(1 for p in practices if p.code not in counts)
        if missing:
            preview.notes.append(f"{missing} practice(s) have no patient count in the counts file.")
    else:
        preview.notes.append("No patient counts file given: a PCN's list size is its practices' registered patients "
                             "as the data holds them (NHS England's), left blank where a practice is new.")
    if any(practice_changes.values()):
        preview.notes.append(f"Practices: {practice_changes['added']:,} to add, {practice_changes['changed']:,} to "
                             f"change, {practice_changes['removed']:,} to remove.")
    if covered:
        preview.notes.append(f"The file covers {len(covered)} place(s) in {len(set(covered.values()))} ICS(s) of the "
                             f"{target.reference.vintage_label} boundaries (at least half of each place's practices): "
                             "their PCNs and practices are replaced by the file's.")
