"""Anonymised views for workshops: places, PCNs and people shown by stable labels.

One switch replaces every place name with a label ("Place A", "Place B" ...)
and every PCN and person name likewise, in the reference data itself, so every
page, tooltip, table and search shows the labels without knowing about them.
Labels are stable: the same place always gets the same label, on every page,
server and day (they follow a hash of the place code, not the alphabet, so the
label does not hint at the name). ICS and region names are kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pandas as pd

from .reference import Reference

# Place columns that can name a place, a council or a district; blanked when anonymised.
NAMING_COLUMNS = ("council_codes", "council_names", "group_name", "districts", "districts_2011", "shared_districts")
# Free-text place columns kept with the names in them replaced (citations keep their dates).
REDACTED_COLUMNS = ("governance_note", "sap_post", "history_note", "group_note", "source_ref",
                    "governance_source_ref")


def letters(n: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (spreadsheet-column style).

    >>> [letters(i) for i in (0, 25, 26, 27, 701, 702)]
    ['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']
    """
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(65 + rest) + text
    return text


def _stable_order(codes) -> list[str]:
    return sorted(set(codes), key=lambda c: hashlib.sha256(str(c).encode()).hexdigest())


def place_labels(codes) -> dict[str, str]:
    """A stable label for every place code.

    >>> place_labels(["bolton", "wigan", "lambeth"]) == place_labels(["lambeth", "wigan", "bolton"])
    True
    >>> sorted(place_labels(["x", "y", "z"]).values())
    ['Place A', 'Place B', 'Place C']
    """
    return {code: f"Place {letters(i)}" for i, code in enumerate(_stable_order(codes))}


def person_label(name: str) -> str:
    """A stable label for a person's name (the same name, the same label).

    >>> person_label("Ann Smith") == person_label("Ann Smith"), person_label("Ann Smith").startswith("Person ")
    (True, True)
    """
    digest = int(hashlib.sha256(name.strip().casefold().encode()).hexdigest(), 16)
    return f"Person {letters(digest % 26 ** 3 + 26 ** 2 + 26)}"  # always three letters


def anonymise_reference(reference: Reference) -> Reference:
    """The reference data with place and PCN names (and anything naming them) replaced by labels.

    Place codes stay (the database keys scores by them); every place row says
    ``anonymised``, so a page that would show a code leaves it out.
    """
    labels = place_labels(reference.places["place_code"])
    places = reference.places.copy()
    places["place_name"] = places["place_code"].map(labels)
    places["anonymised"] = True                 # pages show no place code for these rows
    for column in NAMING_COLUMNS:
        if column in places:
            places[column] = "hidden while anonymised" if column == "council_names" else ""
    redact = redactor(reference)
    for column in REDACTED_COLUMNS:
        if column in places:
            places[column] = places[column].map(lambda v: redact(v) if isinstance(v, str) else v)
    pcns = reference.pcns.copy()
    pcns = pcns.sort_values(["place_code", "pcn_code"])
    number = pcns.groupby("place_code").cumcount() + 1
    pcns["pcn_name"] = pcns["place_code"].map(labels) + " · PCN " + number.astype(str)
    new_codes = "PCN-" + pcns["place_code"].map(labels).str.removeprefix("Place ") + "-" + number.astype(str)
    renamed = dict(zip(pcns["pcn_code"], new_codes))
    pcns["pcn_code"] = new_codes
    if "place_shares" in pcns:
        pcns["place_shares"] = None                 # names other places: left out
    practices = _practices(reference.practices, labels, renamed)
    groups = reference.groups.copy()
    for column in groups.columns:
        if column in ("group_name", "source_ref", "note"):
            groups[column] = ""
    return dataclasses.replace(reference, places=places, pcns=pcns.sort_index(), groups=groups, practices=practices,
                               version=reference.version + "+anonymised")


def _practices(practices: pd.DataFrame | None, labels: dict[str, str],
               pcn_codes: dict[str, str]) -> pd.DataFrame | None:
    """Practices with their names, codes and postcodes replaced ('Place EX · Practice 3'), their PCN by its label."""
    if practices is None or practices.empty:
        return practices
    out = practices.sort_values(["place_code", "practice_code"]).copy()
    number = (out.groupby("place_code").cumcount() + 1).astype(str)
    out["practice_name"] = out["place_code"].map(labels) + " · Practice " + number
    out["practice_code"] = "GP-" + out["place_code"].map(labels).str.removeprefix("Place ") + "-" + number
    out["postcode"] = ""
    out["pcn_code"] = out["pcn_code"].map(pcn_codes)
    return out.sort_index()


def redactor(original: Reference) -> "Redactor":
    """A function that replaces every place and PCN name in free text with its label."""
    labels = place_labels(original.places["place_code"])
    names = dict(zip(original.places["place_name"], original.places["place_code"].map(labels)))
    for column in ("council_names", "group_name"):
        if column in original.places:
            for value, code in zip(original.places[column], original.places["place_code"]):
                for name in str(value or "").split(";"):
                    if len(name.strip()) > 3:
                        names.setdefault(name.strip(), labels[code])
    for column in ("icb_short_name", "icb_name"):     # ICS names are kept whole ('Surrey Heartlands')
        if column in original.places:
            names.update({name: name for name in original.places[column]})
    return Redactor(names)


class Redactor:
    """Replaces known names in text, longest first, whole words only, ignoring case.

    >>> Redactor({"Bolton": "Place K", "Bolton North": "Place K"})("bolton north and Bolton's board")
    "Place K and Place K's board"
    """

    def __init__(self, names: dict[str, str]):
        self.names = {k.casefold(): v for k, v in names.items() if k}
        ordered = sorted(self.names, key=len, reverse=True)
        self.pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in ordered) + r")\b", re.IGNORECASE) \
            if ordered else None

    def __call__(self, text: str) -> str:
        if not self.pattern or not text:
            return text
        return self.pattern.sub(lambda m: self.names[m.group(0).casefold()], str(text))


def relabel_people(frame: pd.DataFrame, columns: tuple[str, ...], anonymised: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with the named columns' person names replaced by labels; ``frame`` itself when not
    ``anonymised``."""
    if not anonymised:
        return frame
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column] = out[column].map(lambda v: person_label(str(v)) if isinstance(v, str) and v else v)
    return out
