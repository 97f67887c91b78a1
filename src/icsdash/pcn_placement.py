"""PCNs placed: in a place, and at a point inside it.

A PCN of an NHS file (:mod:`icsdash.nhs_files`) goes to a place in this order:

1. **by its practices' locations**: practices the data already knows (by ODS code) are where they are; the
   PCN goes where most of their registered patients are, and lists its share in each place it spans;
2. **by its sub-ICB location**: a PCN none of whose practices is known goes to the place its sub-ICB location
   (or former CCG) covers, recognised by ONS or ODS code of any date since July 2022 (``data/
   sub_icb_locations.csv``, read by :class:`SubIcbLookup`; an ONS code retired before that is recognised by
   the ODS code beside it);
3. **by a guess**, where that location covers several places: the place the PCN's name mentions, else the
   place with most of the location's patients. Every guess is listed in the preview, with the other places,
   so that an administrator can correct it with the PCN template.

It is drawn at :func:`pcn_point`, the patient-weighted centre of its practices, as ``scripts/build_data.py``
draws the PCNs the data ships with; a PCN with no located practice in its place at :func:`point_inside`.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from .csv_schema import Column, code, text
from .reference import Reference, read_table

BY_PRACTICES, BY_SUB_ICB, BY_GUESS = "its practices' locations", "its sub-ICB location", "a guess"
SUB_ICBS = "sub_icb_locations.csv"
COMMON = {"north", "south", "east", "west", "central", "city", "upon", "with", "borough", "county", "district",
          "mid", "greater", "inner", "outer", "rural", "urban", "health", "care", "network", "surrey", "sussex",
          "kent", "essex", "hampshire", "yorkshire", "lancashire", "london", "midlands", "downs", "forest", "vale"}


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


# --------------------------------------------------------------------------- placing a PCN

@dataclass(frozen=True)
class Practice:
    """A practice as an NHS file lists it, with the line it is on."""

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


def places_by_icb(reference: Reference) -> dict[str, list[str]]:
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


# --------------------------------------------------------------------------- a PCN's point

def pcn_point(practices: pd.DataFrame, polygon) -> tuple[float, float] | None:
    """Where to draw a PCN in its place's ``polygon`` (shapely), as (latitude, longitude) to 5 decimals (about
    1 m): the centre of its practices (``latitude``, ``longitude``; one with no location left out) weighted by
    their ``registered_patients`` (at least 1) when that is inside the place, else its largest practice inside
    it; None when neither is.

    >>> from shapely.geometry import shape
    >>> square = shape({"type": "Polygon", "coordinates": [[(-3, 53), (-2, 53), (-2, 54), (-3, 54), (-3, 53)]]})
    >>> practices = pd.DataFrame({"latitude": [53.2, 53.6], "longitude": [-2.8, -2.4],
    ...                           "registered_patients": [1000, 3000]})
    >>> pcn_point(practices, square), pcn_point(practices.assign(longitude=[-2.8, -1.4]), square)
    ((53.5, -2.5), (53.2, -2.8))
    """
    from shapely.geometry import Point          # imported when first used, not when the app starts
    located = practices.dropna(subset=["latitude", "longitude"])
    if located.empty:
        return None
    weights = located["registered_patients"].fillna(1).clip(lower=1)
    centre = Point(round(float(np.average(located["longitude"], weights=weights)), 5),
                   round(float(np.average(located["latitude"], weights=weights)), 5))
    if polygon.contains(centre):
        return centre.y, centre.x
    for r in located.sort_values("registered_patients", ascending=False).itertuples():
        if polygon.contains(Point(r.longitude, r.latitude)):
            return round(r.latitude, 5), round(r.longitude, 5)
    return None


def point_inside(geometry: dict, seed: str) -> tuple[float, float]:
    """A point inside a place's polygon, the same for the same seed (a PCN code): (latitude, longitude)."""
    from shapely.geometry import Point, shape
    polygon = shape(geometry)
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(500):
        x, y = round(rng.uniform(minx, maxx), 5), round(rng.uniform(miny, maxy), 5)
        if polygon.contains(Point(x, y)):
            return y, x
    p = polygon.representative_point()
    return round(p.y, 5), round(p.x, 5)
