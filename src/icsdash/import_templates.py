"""The app's import templates: their columns (each with a description, an example and a check) and the
files to fill in, CSV or Excel.

Which kinds of import have a template is :data:`icsdash.imports.FORMATS`' to say; the templates filled in
are read back by :mod:`icsdash.imports`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from .assessments import STAKEHOLDER_GROUPS
from .csv_schema import code, text
from .errors import IcsdashError
from .framework import Framework
from .reference import PCN, PLACE, SCHEMAS


# --------------------------------------------------------------------------- the columns

@dataclass(frozen=True)
class TemplateColumn:
    """A template's column: its name, what it holds, an example value, the check of a value, and whether a
    file must have the column."""

    name: str
    description: str
    example: str
    check: Callable[[str], object] = text
    required: bool = False


def _schema_check(table: str, column: str) -> Callable[[str], object]:
    return next(c.check for c in SCHEMAS[table] if c.name == column)


def _governance_columns() -> list[TemplateColumn]:
    from .place_governance import BCF_ARRANGEMENTS, CRITERIA, CRITERION_STATUSES, EMPLOYERS, MODELS, YES_NO
    g = "place_governance.csv"
    columns = [
        TemplateColumn("governance_model", "The place's governance model: " + ", ".join(m.key for m in MODELS),
                       "committee_of_statutory_body", _schema_check(g, "governance_model")),
        TemplateColumn("governance_note", "A sentence on how the place is governed", "Bolton Partnership Board "
                       "with delegated ICB functions"),
        TemplateColumn("sap_post", "The single accountable person's post", "Place director, ICB and council"),
        TemplateColumn("sap_employer", "Who employs the single accountable person: " + ", ".join(EMPLOYERS),
                       "icb", _schema_check(g, "sap_employer")),
        TemplateColumn("sap_dual_role", "Does that person also hold a council or provider post: "
                       + ", ".join(YES_NO), "yes", _schema_check(g, "sap_dual_role")),
        TemplateColumn("delegated_budget_gbp_m", "Budget delegated to the place, GBP millions", "120.5",
                       _schema_check(g, "delegated_budget_gbp_m")),
        TemplateColumn("pooled_budget_gbp_m", "Budget pooled with the council (e.g. Section 75), GBP millions",
                       "45", _schema_check(g, "pooled_budget_gbp_m")),
        TemplateColumn("aligned_budget_gbp_m", "Budget aligned but not pooled, GBP millions", "10",
                       _schema_check(g, "aligned_budget_gbp_m")),
        TemplateColumn("section75", "Is there a Section 75 agreement: " + ", ".join(YES_NO), "yes",
                       _schema_check(g, "section75")),
        TemplateColumn("bcf_arrangement", "Better Care Fund arrangement: " + ", ".join(BCF_ARRANGEMENTS),
                       "above_minimum", _schema_check(g, "bcf_arrangement")),
    ]
    columns += [TemplateColumn(c.key, f"White Paper criterion: {c.label}. One of "
                               + ", ".join(CRITERION_STATUSES), "partly", _schema_check(g, c.key))
                for c in CRITERIA]
    return columns


PLACE_FIELDS = ("place_name", "population", "gp_practices")


def place_template_columns() -> list[TemplateColumn]:
    p = "places.csv"
    return [TemplateColumn("place_code", "The place's code, as in the dashboard (ICB ODS code and name); places "
                           "cannot be added by import, as each needs its boundary", "bolton",
                           code(PLACE, "bolton"), required=True),
            TemplateColumn("place_name", "The place's name", "Bolton", _schema_check(p, "place_name")),
            TemplateColumn("population", "Resident population (a documented figure replaces ONS's)",
                           "296000", _schema_check(p, "population")),
            TemplateColumn("gp_practices", "Number of GP practices in the place", "45",
                           _schema_check(p, "gp_practices")),
            *_governance_columns(),
            TemplateColumn("source_ref", "Where these facts come from (shown beside them in the dashboard)",
                           "Bolton locality plan 2025")]


def pcn_template_columns() -> list[TemplateColumn]:
    c = "pcns.csv"
    return [TemplateColumn("pcn_code", "The PCN's ODS code (U and five digits)", "U12345", code(PCN, "U12345"),
                           required=True),
            TemplateColumn("pcn_name", "The PCN's name (required for a new PCN)", "Bolton Central PCN",
                           _schema_check(c, "pcn_name")),
            TemplateColumn("place_code", "The place the PCN belongs to (required for a new PCN)", "bolton",
                           code(PLACE, "bolton")),
            TemplateColumn("list_size", "Registered patients", "48210", _schema_check(c, "list_size")),
            TemplateColumn("gp_practices", "Number of member practices (required for a new PCN)", "6",
                           _schema_check(c, "gp_practices")),
            TemplateColumn("latitude", "Where to draw it (WGS84); blank: a point inside its place", "53.578",
                           _schema_check(c, "latitude")),
            TemplateColumn("longitude", "Where to draw it (WGS84); blank: a point inside its place", "-2.429",
                           _schema_check(c, "longitude"))]


def assessment_template_columns(framework: Framework) -> list[TemplateColumn]:
    groups = ", ".join(STAKEHOLDER_GROUPS)
    columns = [
        TemplateColumn("place_code", "The place assessed", "bolton", code(PLACE, "bolton"), required=True),
        TemplateColumn("round", "The assessment round, e.g. 2025/26 (a new round is opened if needed)", "2025/26",
                       required=True),
        TemplateColumn("kind", "individual (one stakeholder's view) or consensus (the place's agreed scores)",
                       "individual", required=True),
        TemplateColumn("stakeholder_group", f"For individual assessments: {groups}; leave blank for a consensus",
                       "local_authority"),
        TemplateColumn("participant", "A label for who answered, unique within the place and round (not "
                       "necessarily a name)", "Participant 1", required=True),
        TemplateColumn("submitted_on", "Date submitted, YYYY-MM-DD (blank: today)", "2026-03-12"),
    ]
    for d in framework.dimensions:
        columns.append(TemplateColumn(d.id, f"{d.name}: score {framework.scale_min} to {framework.scale_max}, or "
                                      "'n/a' for not assessed", "3", required=True))
        columns.append(TemplateColumn(f"{d.id}_justification", f"Why that score for {d.name} (required for a "
                                      "score)", "Joint commissioning board meets monthly"))
    return columns


# --------------------------------------------------------------------------- the files

def template_file(kind: str, columns: list[TemplateColumn], fmt: str = "csv") -> bytes:
    """A template of ``columns`` to fill in: the header, one filled example row, and (Excel, its data sheet
    named ``kind``) a sheet describing each column. The example row is ignored when the file is imported."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in columns])
        writer.writerow([c.example for c in columns])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
        book = Workbook()
        data = book.active
        data.title = kind
        data.append([c.name for c in columns])
        data.append([c.example for c in columns])
        for cell in data[1]:
            cell.font = Font(bold=True)
        for i, c in enumerate(columns, start=1):
            data.column_dimensions[data.cell(1, i).column_letter].width = max(12, len(c.name) + 2)
        about = book.create_sheet("Columns")
        about.append(["column", "required", "what it holds", "example"])
        for cell in about[1]:
            cell.font = Font(bold=True)
        for c in columns:
            about.append([c.name, "yes" if c.required else "no", c.description, c.example])
        about.append([])
        about.append(["Replace the example row with your own rows. Blank cells leave the current value as it is."])
        about.column_dimensions["C"].width = 90
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise IcsdashError(f"unknown format {fmt!r}; use csv or xlsx", source="template")


def described(columns: list[TemplateColumn]) -> pd.DataFrame:
    """A template's columns described, for the Admin page."""
    return pd.DataFrame([{"Column": c.name, "Required": "yes" if c.required else "", "What it holds": c.description,
                          "Example": c.example} for c in columns])


def is_example(values: dict[str, str], columns: list[TemplateColumn]) -> bool:
    """The template's own example row, left in by mistake."""
    return all(values.get(c.name, "") in ("", c.example) for c in columns) and \
        sum(values.get(c.name, "") == c.example for c in columns) >= 3
