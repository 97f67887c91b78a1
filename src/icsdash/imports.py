"""Imports: places and their governance, PCNs and assessments, from the app's templates and from NHS files.

Every import runs in two steps. :func:`prepare` reads and checks the whole
file and returns a :class:`Preview` (rows to add, change, remove and reject,
each rejected row with its line, column and reason); nothing is written.
:func:`apply` then writes the accepted rows in one transaction through
:meth:`Store.apply_import`, or nothing. A file that cannot be read at all
(empty, not CSV or Excel, wrong encoding, no header row, unknown columns)
raises :class:`~icsdash.errors.DataError` naming the file and what is allowed.

Files accepted:

- the templates (:func:`template`): places and governance, PCNs, assessments;
- NHS Digital's practice mapping file ``gp-reg-pat-prac-map.csv`` (2021-22 layout with CCG and STP columns, or
  the layout since July 2022 with sub-ICB location and ICB columns, in any column order), with the optional
  practice counts file ``gp-reg-pat-prac-all.csv`` for list sizes;
- NHS England's ePCN workbook ``ePCN.xlsx`` (sheet ``PCNDetails`` or ``PCN Details``, and
  ``PCN Core Partner Details``).

This module lists the formats (:data:`FORMATS`) and reads the app's own templates back; the files are read by
:mod:`icsdash.sheets`, the templates made by :mod:`icsdash.import_templates`, the NHS files read by
:mod:`icsdash.nhs_files` and their PCNs placed by :mod:`icsdash.pcn_placement`; :class:`Preview` and
:class:`Target` are :mod:`icsdash.import_preview`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

from .assessments import CONSENSUS_GROUP, KINDS as ASSESSMENT_KINDS, MAX_PARTICIPANT, ROUND_LABEL, \
    STAKEHOLDER_GROUPS, AssessmentRecord, check_entries, gaps
from .errors import IcsdashError
from .framework import Framework
from .import_preview import (Preview, Reject, Target, reject_duplicate, reject_extra_cells, result_must_load,
                             shown_pcn, start_preview)
from .import_templates import (PLACE_FIELDS, TemplateColumn, assessment_template_columns, described, is_example,
                               pcn_template_columns, place_template_columns, template_file)
from .nhs_files import prepare_epcn, prepare_practice_map
from .pcn_placement import point_inside
from .reference import SCHEMAS, Overlay, load_reference
from .sheets import Sheet, check_columns, read_sheet, records

__all__ = ["FORMATS", "ImportFormat", "Preview", "Reject", "Target", "TemplateColumn", "apply", "format_of",
           "pcn_template_columns", "point_inside", "prepare", "read_sheet", "target_for", "template",
           "template_columns", "template_descriptions"]

NOT_ASSESSED = ("n/a", "na", "not assessed")


# --------------------------------------------------------------------------- templates

def template_columns(kind: str, framework: Framework) -> list[TemplateColumn]:
    spec = next((f for f in FORMATS if f.key == kind and f.template is not None), None)
    if spec is None:
        raise IcsdashError(f"there is no template for {kind!r}; templates exist for "
                           f"{', '.join(f.key for f in FORMATS if f.template is not None)}", source="template")
    return spec.template(framework)


def template(kind: str, framework: Framework, fmt: str = "csv") -> bytes:
    """A template to fill in: the header, one filled example row, and (Excel) a sheet describing each column.
    The CSV template's example row is marked so that it is never imported by mistake."""
    return template_file(kind, template_columns(kind, framework), fmt)


def template_descriptions(kind: str, framework: Framework) -> pd.DataFrame:
    """The template's columns described, for the Admin page."""
    return described(template_columns(kind, framework))


# --------------------------------------------------------------------------- checks of a template's rows

def _check_cells(line: int, values: dict[str, str], columns: dict[str, TemplateColumn],
                 rejected: list[Reject]) -> dict[str, object] | None:
    """The row's non-blank cells checked; None (with the reasons added to ``rejected``) if any is bad."""
    checked, ok = {}, True
    for name, raw in values.items():
        if raw == "" or name not in columns:
            continue
        try:
            checked[name] = columns[name].check(raw)
        except ValueError as exc:
            rejected.append(Reject(line, name, str(exc)))
            ok = False
    return checked if ok else None


def _same(check: Callable[[str], object], now: str, new: str) -> bool:
    if now == new:
        return True
    try:
        return check(now) == check(new)
    except ValueError:
        return False


def _read_template(kind: str, columns: list[TemplateColumn], data: bytes, name: str, target: Target,
                   header: list[str]) -> tuple[dict[str, TemplateColumn], Sheet, Preview]:
    """A template file read and its columns checked: the columns by name, the sheet, an empty preview.
    ``header`` names the columns that identify the header row."""
    by_name = {c.name: c for c in columns}
    sheet = read_sheet(data, name, header)
    check_columns(sheet, by_name, [c.name for c in columns if c.required])
    return by_name, sheet, start_preview(kind, sheet, target, name)


# --------------------------------------------------------------------------- places and governance

def prepare_places(data: bytes, name: str, target: Target) -> Preview:
    columns = place_template_columns()
    by_name, sheet, preview = _read_template("places", columns, data, name, target, ["place_code"])
    places = target.text_rows("places.csv").set_index("place_code", drop=False)
    governance = target.text_rows("place_governance.csv").set_index("place_code", drop=False)
    seen: dict[str, int] = {}
    written: Overlay = {"places.csv": {}, "place_governance.csv": {}}
    for line, values, extra in records(sheet):
        if is_example(values, columns):
            preview.notes.append(f"Line {line} is the template's example row and was left out.")
            continue
        code_ = values.get("place_code", "")
        checked = _check_cells(line, values, by_name, preview.rejected)
        if checked is None or reject_extra_cells(line, extra, preview.rejected):
            continue
        if not code_:
            preview.rejected.append(Reject(line, "place_code", "is empty; a value is required"))
            continue
        if code_ not in places.index:
            preview.rejected.append(Reject(line, "place_code", f"{code_} is not a known place; places cannot be "
                                                               "added by import (each needs its boundary)"))
            continue
        if reject_duplicate(line, "place_code", code_, seen, preview.rejected):
            continue
        new_place, new_gov, changes = _place_changes(code_, values, places.loc[code_], governance.loc[code_],
                                                     by_name, name, target.today)
        if not changes:
            preview.unchanged += 1
            continue
        preview.changed += changes
        if new_place is not None:
            written["places.csv"][code_] = new_place
        if new_gov is not None:
            written["place_governance.csv"][code_] = new_gov
    preview.rows = {t: r for t, r in written.items() if r}
    if preview.rows:
        result_must_load(target, preview.rows, name)
    return preview


def _place_changes(code_: str, values: dict[str, str], place: pd.Series, gov: pd.Series,
                   columns: dict[str, TemplateColumn], file_name: str, today: date):
    changes, new_place, new_gov = [], dict(place), dict(gov)
    changed_gov = []
    for column, raw in values.items():
        if raw == "" or column in ("place_code", "source_ref"):
            continue
        row = new_place if column in PLACE_FIELDS else new_gov
        now = str(row.get(column, "") or "")
        if _same(columns[column].check, now, raw):
            continue
        changes.append({"code": code_, "column": column, "now": now, "new": raw})
        row[column] = raw
        if column not in PLACE_FIELDS:
            changed_gov.append(column)
    if not changes:
        return None, None, []
    if "population" in values and values["population"]:
        new_place["population_source"] = "documented"
        new_place["population_ref"] = values.get("source_ref") or f"Imported from {file_name} on {today.isoformat()}"
    if changed_gov:
        documented = [f for f in str(gov.get("documented_fields") or "").split(";") if f]
        new_gov["documented_fields"] = ";".join(documented + [f for f in changed_gov if f not in documented])
        new_gov["source"] = "documented in part"
        new_gov["source_ref"] = values.get("source_ref") or f"Imported from {file_name} on {today.isoformat()}"
    place_changed = any(c["column"] in PLACE_FIELDS for c in changes)
    return (new_place if place_changed else None), (new_gov if changed_gov else None), changes


# --------------------------------------------------------------------------- PCNs from the template

def _pcn_row(code_: str, name: str, place_code: str, target: Target, list_size: str, practices: str,
             lat: str = "", lon: str = "", source: str = "imported") -> dict[str, str]:
    if not (lat and lon):
        y, x = point_inside(target.place_shapes[place_code], code_)
        lat, lon = f"{y:.5f}", f"{x:.5f}"
    return {"pcn_code": code_, "pcn_name": name, "place_code": place_code, "latitude": lat,
            "longitude": lon, "list_size": list_size, "gp_practices": practices, "source": source}


def _diff_pcn(now: dict[str, str], new: dict[str, str]) -> list[dict]:
    checks = {c.name: c.check for c in SCHEMAS["pcns.csv"]}
    return [{"code": new["pcn_code"], "column": k, "now": now.get(k, ""), "new": v} for k, v in new.items()
            if k not in ("pcn_code", "latitude", "longitude", "icb_ods_code") and
            not (k in checks and (now.get(k, "") or v) and _same_opt(checks[k], now.get(k, ""), v))]


def _same_opt(check, now: str, new: str) -> bool:
    return (now == new) or (bool(now) and bool(new) and _same(check, now, new))


def prepare_pcns(data: bytes, name: str, target: Target) -> Preview:
    columns = pcn_template_columns()
    by_name, sheet, preview = _read_template("pcns", columns, data, name, target, ["pcn_code"])
    current = target.text_rows("pcns.csv").set_index("pcn_code", drop=False)
    places = set(target.reference.places["place_code"])
    seen: dict[str, int] = {}
    written: dict[str, dict[str, str] | None] = {}
    for line, values, extra in records(sheet):
        if is_example(values, columns):
            preview.notes.append(f"Line {line} is the template's example row and was left out.")
            continue
        checked = _check_cells(line, values, by_name, preview.rejected)
        if checked is None or reject_extra_cells(line, extra, preview.rejected):
            continue
        code_ = values.get("pcn_code", "")
        if not code_:
            preview.rejected.append(Reject(line, "pcn_code", "is empty; a value is required"))
            continue
        if reject_duplicate(line, "pcn_code", code_, seen, preview.rejected):
            continue
        now = dict(current.loc[code_]) if code_ in current.index else None
        merged = {**(now or {}), **{k: v for k, v in values.items() if v}}
        missing = [c for c in ("pcn_name", "place_code", "gp_practices") if not merged.get(c)]
        if missing:
            preview.rejected.append(Reject(line, missing[0], "is empty; a new PCN needs pcn_name, place_code and "
                                                             "gp_practices"))
            continue
        if merged["place_code"] not in places:
            preview.rejected.append(Reject(line, "place_code", f"{merged['place_code']} is not a known place"))
            continue
        if bool(values.get("latitude")) != bool(values.get("longitude")):
            preview.rejected.append(Reject(line, "latitude" if not values.get("latitude") else "longitude",
                                           "give both latitude and longitude, or neither"))
            continue
        keep_point = now is not None and now["place_code"] == merged["place_code"] and not values.get("latitude")
        row = _pcn_row(code_, merged["pcn_name"], merged["place_code"], target, merged.get("list_size", ""),
                       merged["gp_practices"], *((now["latitude"], now["longitude"]) if keep_point else
                                                 (values.get("latitude", ""), values.get("longitude", ""))))
        if now is None:
            place = target.reference.place(row["place_code"])
            preview.added.append(shown_pcn(row, place["place_name"], place["icb_short_name"]))
        else:
            diff = _diff_pcn(now, row)
            if values.get("latitude") and (now["latitude"], now["longitude"]) != (row["latitude"], row["longitude"]):
                diff.append({"code": code_, "column": "position", "now": f"{now['latitude']}, {now['longitude']}",
                             "new": f"{row['latitude']}, {row['longitude']}"})
            if not diff:
                preview.unchanged += 1
                continue
            preview.changed += diff
        written[code_] = row
    preview.rows = {"pcns.csv": written} if written else {}
    if written:
        result_must_load(target, preview.rows, name)
    return preview


# --------------------------------------------------------------------------- assessments

def _score(raw: str, framework: Framework) -> int | None:
    if raw.lower() in NOT_ASSESSED:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number from {framework.scale_min} to {framework.scale_max}, or 'n/a'; "
                         f"got {raw!r}") from None
    if not framework.scale_min <= value <= framework.scale_max:
        raise ValueError(f"must be from {framework.scale_min} to {framework.scale_max}, or 'n/a'; got {value}")
    return value


def _submitted_on(raw: str, today: date) -> datetime:
    if not raw:
        return datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"must be a date like 2026-03-12; got {raw!r}") from None
    if day > today:
        raise ValueError(f"is in the future ({day.isoformat()})")
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc).replace(hour=12)


def prepare_assessments(data: bytes, name: str, target: Target, actor: str = "import") -> Preview:
    from .store import record_key
    framework = target.framework
    columns = assessment_template_columns(framework)
    by_name, sheet, preview = _read_template("assessments", columns, data, name, target, ["place_code", "round"])
    places = set(target.reference.places["place_code"])
    existing = target.assessment_keys()
    seen: dict[str, int] = {}
    for line, values, extra in records(sheet):
        if is_example(values, columns):
            preview.notes.append(f"Line {line} is the template's example row and was left out.")
            continue
        if reject_extra_cells(line, extra, preview.rejected):
            continue
        record = _assessment(line, values, framework, places, target, actor, name, preview.rejected)
        if record is None:
            continue
        key = record_key(record)
        if reject_duplicate(line, "participant", f"{record.participant} ({record.place_code}, {record.round_label}, "
                      f"{record.kind})", seen, preview.rejected):
            continue
        shown = {"place": target.reference.place(record.place_code)["place_name"], "round": record.round_label,
                 "kind": record.kind, "group": record.stakeholder_group, "participant": record.participant,
                 **{d.short: "n/a" if record.scores[d.id] is None else record.scores[d.id]
                    for d in framework.dimensions}}
        if key in existing:
            version, dims = existing[key]
            if all(dims.get(d) == (s, record.justifications.get(d, "")) for d, s in record.scores.items()):
                preview.unchanged += 1
                continue
            preview.changed += [{"code": f"{shown['place']} · {record.round_label} · {record.participant}",
                                 "column": d, "now": "" if dims.get(d, (None,))[0] is None else dims[d][0],
                                 "new": "n/a" if s is None else s}
                                for d, s in record.scores.items() if dims.get(d, (None, ""))[0] != s] or \
                [{"code": f"{shown['place']} · {record.round_label} · {record.participant}", "column": "justifications",
                  "now": "", "new": "changed"}]
            record = AssessmentRecord(**{**record.__dict__, "version": version + 1})
        else:
            preview.added.append(shown)
        preview.records.append(record)
    return preview


def _assessment(line: int, values: dict[str, str], framework: Framework, places: set[str], target: Target,
                actor: str, file_name: str, rejected: list[Reject]) -> AssessmentRecord | None:
    problems: list[Reject] = []
    place = values.get("place_code", "")
    if place not in places:
        problems.append(Reject(line, "place_code", f"{place or '(blank)'} is not a known place"))
    round_label = values.get("round", "")
    if not ROUND_LABEL.fullmatch(round_label):
        problems.append(Reject(line, "round", f"must be a round label like 2025/26 (up to 40 letters, digits, '/', "
                                              f"'-'); got {round_label!r}"))
    kind = values.get("kind", "").lower()
    group = values.get("stakeholder_group", "")
    if kind not in ASSESSMENT_KINDS:
        problems.append(Reject(line, "kind", f"must be individual or consensus; got {kind!r}"))
    elif kind == "individual" and group not in STAKEHOLDER_GROUPS:
        problems.append(Reject(line, "stakeholder_group", f"must be one of {', '.join(STAKEHOLDER_GROUPS)}; "
                                                          f"got {group!r}"))
    participant = values.get("participant", "")
    if not participant or len(participant) > MAX_PARTICIPANT:
        problems.append(Reject(line, "participant", f"must be 1 to {MAX_PARTICIPANT} characters"))
    try:
        when = _submitted_on(values.get("submitted_on", ""), target.today)
    except ValueError as exc:
        problems.append(Reject(line, "submitted_on", str(exc)))
    scores, justifications = {}, {}
    for d in framework.dimensions:
        try:
            scores[d.id] = _score(values.get(d.id, ""), framework) if values.get(d.id, "") else None
        except ValueError as exc:
            problems.append(Reject(line, d.id, str(exc)))
            continue
        if not values.get(d.id, ""):
            problems.append(Reject(line, d.id, "is empty; give a score or 'n/a'"))
        if values.get(f"{d.id}_justification"):
            justifications[d.id] = values[f"{d.id}_justification"]
    for dim, reason in {**check_entries(framework, {k: v for k, v in scores.items() if v is not None},
                                        justifications, target.max_justification),
                        **(gaps(framework, scores, justifications) if not problems else {})}.items():
        problems.append(Reject(line, f"{dim}_justification" if "justification" in reason else dim, reason))
    if problems:
        rejected += problems
        return None
    return AssessmentRecord(place_code=place, round_label=round_label, kind=kind,
                            stakeholder_group=CONSENSUS_GROUP if kind == "consensus" else group,
                            participant=participant, status="submitted", created_at=when, scores=scores,
                            justifications=justifications, author=f"{actor} (import of {file_name})"[:200],
                            is_demo=False)


# --------------------------------------------------------------------------- the entry points

def target_for(config, framework: Framework, geography, store, vintage: str | None = None) -> Target:
    """The data as it is now in ``store`` (imports applied), in ``vintage``'s ICBs, to check an import against."""
    imported = store.reference_version()
    overlay = store.reference_overlay()
    reference = load_reference(config.data_dir, overlay, imported, vintage or config.vintage)
    return Target(data_dir=Path(config.data_dir), reference=reference,
                  overlay=overlay, imported=imported, framework=framework, place_shapes=geography.shapes["places"],
                  max_justification=config.max_justification, assessment_keys=store.assessment_keys)


# --------------------------------------------------------------------------- the formats, listed once

@dataclass(frozen=True)
class ImportFormat:
    """A kind of file an administrator can import. The Admin page, the command line (``icsdash import`` and
    ``icsdash template``), the docs test and the tests all loop over :data:`FORMATS`: adding a format is
    adding an entry there."""

    key: str                      # as the command line takes it: ``icsdash import <key> FILE``
    label: str                    # as the Admin page lists it
    caption: str                  # what the Admin page says under it
    read: Callable[..., Preview]  # (data, name, target, counts, counts_name, actor) -> Preview; writes nothing
    template: Callable[[Framework], list[TemplateColumn]] | None = None    # a template to fill in, if any
    takes_counts: bool = False    # also takes NHS Digital's practice counts file (list sizes)


TEMPLATE_CAPTION = "Fill in one row per item; blank cells keep the current value. The example row is ignored."
NHS_CAPTION = ("The file as published by NHS Digital or NHS England, of any date since 2021, unchanged. Its PCNs and "
               "practices replace those of the places it covers; add the practice counts file "
               "(gp-reg-pat-prac-all.csv) for list sizes.")


def _nhs(read: Callable[..., Preview]) -> Callable[..., Preview]:
    """A reader of :mod:`icsdash.nhs_files`, which takes the counts file but no actor."""
    return lambda data, name, target, counts=None, counts_name=None, actor="import": \
        read(data, name, target, counts, counts_name)


FORMATS: tuple[ImportFormat, ...] = (
    ImportFormat("places", "Places and their governance (template)", TEMPLATE_CAPTION,
                 lambda data, name, target, *_, **__: prepare_places(data, name, target),
                 lambda framework: place_template_columns()),
    ImportFormat("pcns", "Primary care networks (template)", TEMPLATE_CAPTION,
                 lambda data, name, target, *_, **__: prepare_pcns(data, name, target),
                 lambda framework: pcn_template_columns()),
    ImportFormat("assessments", "Assessments (template)", TEMPLATE_CAPTION,
                 lambda data, name, target, counts=None, counts_name=None, actor="import":
                 prepare_assessments(data, name, target, actor),
                 assessment_template_columns),
    ImportFormat("gp_practices", "NHS Digital practice mapping (gp-reg-pat-prac-map.csv)", NHS_CAPTION,
                 _nhs(prepare_practice_map), takes_counts=True),
    ImportFormat("epcn", "NHS England ePCN workbook (ePCN.xlsx)", NHS_CAPTION, _nhs(prepare_epcn),
                 takes_counts=True),
)


def format_of(kind: str) -> ImportFormat:
    """The format ``kind`` names; IcsdashError naming the known ones otherwise."""
    for spec in FORMATS:
        if spec.key == kind:
            return spec
    raise IcsdashError(f"unknown import {kind!r}; one of {', '.join(f.key for f in FORMATS)}", source="import")


def prepare(kind: str, data: bytes, name: str, target: Target, counts: bytes | None = None,
            counts_name: str | None = None, actor: str = "import") -> Preview:
    """Check a file and say what importing it would do; writes nothing. Raises DataError when the file
    cannot be read at all."""
    spec = format_of(kind)
    return spec.read(data, Path(name or "uploaded file").name, target, counts if spec.takes_counts else None,
                     counts_name, actor)


def apply(store, preview: Preview, actor, framework: Framework) -> int:
    """Write what the preview shows, in one transaction (or nothing). Returns the import's audit id."""
    if not preview.changes:
        raise IcsdashError("there is nothing to import: every row is unchanged or rejected", source=preview.file_name)
    return store.apply_import(actor, preview.kind, preview.file_name, preview.based_on, preview.rows,
                              preview.records, framework, preview.counts())
