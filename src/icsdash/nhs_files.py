"""NHS practice files: the practice to PCN mapping (every layout since 2021) and the ePCN workbook.

Both list practices with their PCN. Each PCN is put in a place by its practices' locations, else by its
sub-ICB location, else by a guess (:mod:`icsdash.pcn_placement` says how); every guess is listed in the
preview, so that an administrator can correct it with the PCN template.

A PCN that cannot be placed at all (no known practice, sub-ICB location or ICB) is rejected, naming each of its
lines. The file's PCNs and practices replace those of every place it covers (it lists at least half of the
place's practices); elsewhere it only adds and changes. Nothing is written until :func:`icsdash.imports.apply`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd

from .csv_schema import code
from .errors import DataError
from .import_preview import (Preview, Reject, Target, reject_duplicate, reject_extra_cells, result_must_load,
                             shown_pcn, start_preview)
from .pcn_placement import (BY_GUESS, BY_PRACTICES, BY_SUB_ICB, Practice, SubIcbLookup, pcn_point, place_pcn,
                            places_by_icb, point_inside)
from .reference import PCN, PRACTICES
from .sheets import cell, is_workbook, read_sheet, records

UNALLOCATED_CODES = {"U"}                      # the NHS files' PCN code for a practice in no PCN
UNALLOCATED_NAMES = {"unallocated", "unaligned", "no pcn", "not in a pcn"}
PRACTICE = code(r"[A-Z]\d{5}", "P82001")
PCN_CODE = code(PCN, "U12345")
POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}"   # without its space
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


# --------------------------------------------------------------------------- the files' dates

def _extract_date(raw: str) -> date | None:
    """'01Jan2026', '01OCT2022' or '2026-01-01' -> a date (None when not given or not a date)."""
    for pattern in ("%d%b%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw.strip().title(), pattern).date()
        except ValueError:
            continue
    return None


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


def _bad_code(line: int, column: str, value: str, check, rejected: list[Reject], sheet: str = "") -> bool:
    """Reject a row whose ``column`` does not hold a code ``check`` allows (naming the ``sheet`` if given)."""
    try:
        check(value)
    except ValueError as exc:
        rejected.append(Reject(line, column, f"{exc} ({sheet})" if sheet else str(exc)))
        return True
    return False


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
    preview = start_preview("gp_practices", sheet, target, name)
    unknown = [c for c in sheet.header if c and c not in PRACTICE_MAP_COLUMNS]
    if unknown:
        preview.notes.append(f"Columns not used: {', '.join(unknown)}.")
    practices, seen, dates = [], {}, set()
    for line, values, extra in records(sheet):
        if reject_extra_cells(line, extra, preview.rejected):
            continue
        if _bad_code(line, "PRACTICE_CODE", values["practice_code"], PRACTICE, preview.rejected) or \
                reject_duplicate(line, "PRACTICE_CODE", values["practice_code"], seen, preview.rejected):
            continue
        pcn_code, pcn_name = values["pcn_code"], values["pcn_name"]
        if is_unallocated(pcn_code, pcn_name):
            pcn_code, pcn_name = "", ""
        else:
            if _bad_code(line, "PCN_CODE", pcn_code, PCN_CODE, preview.rejected):
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
    preview = start_preview("epcn", details, target, name)
    open_pcns: dict[str, tuple[int, str, str]] = {}
    seen: dict[str, int] = {}
    for line, values, _ in records(details):
        if values.get("close_date"):
            continue
        if _bad_code(line, "PCN Code", values["pcn_code"], PCN_CODE, preview.rejected) or \
                reject_duplicate(line, "PCN Code", values["pcn_code"], seen, preview.rejected):
            continue
        if not values["pcn_name"]:
            preview.rejected.append(Reject(line, "PCN Name", "is empty; a value is required"))
            continue
        open_pcns[values["pcn_code"]] = (line, readable(values["pcn_name"]), values["sub_icb"])
    members: dict[str, list[tuple[str, str]]] = {}
    for line, values, _ in records(partners):
        if values.get("leave_date") or values["pcn_code"] not in open_pcns:
            continue
        if _bad_code(line, "Partner Organisation Code", values["practice_code"], PRACTICE, preview.rejected,
                     partners.name):
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
    icb_places = places_by_icb(reference)
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
            row["latitude"], row["longitude"] = _point(frame, target.place_shapes[placed.place], pcn_code)
        if now is None:
            preview.added.append(shown_pcn(row, names[placed.place], ics[placed.place]))
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
        result_must_load(target, preview.rows, preview.file_name)
    return preview


def _point(practices: pd.DataFrame, geometry: dict, pcn_code: str) -> tuple[str, str]:
    """A PCN's point, as the data holds it: at :func:`~icsdash.pcn_placement.pcn_point` (its practices'
    centre or its largest practice in its place), else a point inside the place."""
    from shapely.geometry import shape
    latitude, longitude = pcn_point(practices, shape(geometry)) or point_inside(geometry, pcn_code)
    return f"{latitude:.5f}", f"{longitude:.5f}"


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
        out[m.code] = {k: cell(v) for k, v in row.items()}
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
