"""Write the import fixtures in this folder from NHS England's real practice to PCN mapping (1 January 2026,
data/sources/practices/), each in the layout NHS Digital or NHS England published at another date, with the
codes of that date. See README.md. Run: python tests/data/imports/make_fixtures.py (deterministic). The ePCN
workbook is made by the tests themselves (:func:`epcn_frimley`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SOURCE = ROOT / "data" / "sources" / "practices"
MAPPING = pd.read_csv(SOURCE / "gp-reg-pat-prac-map_2026-01.csv", dtype=str)
LISTS = pd.read_csv(SOURCE / "nhse_practice_registrations_2026-27.csv", dtype=str, encoding="utf-8-sig")

# Codes of the 2021-22 CCGs and STPs these rows had before July 2022 (ONS, ODS, name), where they differ.
TAMESIDE_AND_GLOSSOP_CCG = ("E38000182", "01Y", "NHS Tameside and Glossop CCG")
SURREY_HEARTLANDS_CCG = ("E38000246", "92A", "NHS Surrey Heartlands CCG")
GREATER_MANCHESTER_STP = ("E54000007", "QOP", "Greater Manchester Health and Social Care Partnership")
SURREY_HEARTLANDS_STP = ("E54000052", "QXU", "Surrey Heartlands Health and Care Partnership")
NORTH_WEST, SOUTH_EAST = ("E40000010", "Y62", "North West"), ("E40000005", "Y59", "South East")
# The sub-ICB locations of July 2022 to March 2023 whose ONS codes changed in April 2023 (the ODS code stayed).
PRE_2023 = {"E38000264": "E38000246", "E38000265": "E38000248"}
PRE_2023_ICB = {"E54000063": "E54000052", "E54000064": "E54000053"}


def write(name: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    (HERE / name).write_text(buffer.getvalue())


def ccg_layout_2021_22() -> pd.DataFrame:
    """Tameside's and Glossop's practices (one CCG until July 2022, when Glossop went to Derbyshire) and
    Surrey Heartlands', in the CCG layout, as the file of 1 April 2022 would have them (today's PCNs)."""
    rows = MAPPING[(MAPPING["SUB_ICB_LOCATION_CODE"] == "01Y") | (MAPPING["PCN_NAME"] == "GLOSSOP PCN")
                   | (MAPPING["SUB_ICB_LOCATION_CODE"] == "92A")]
    out = []
    for r in rows.itertuples():
        ccg, stp, region = ((TAMESIDE_AND_GLOSSOP_CCG, GREATER_MANCHESTER_STP, NORTH_WEST)
                            if r.SUB_ICB_LOCATION_CODE != "92A" else
                            (SURREY_HEARTLANDS_CCG, SURREY_HEARTLANDS_STP, SOUTH_EAST))
        out.append({"PUBLICATION": "Patients Registered at a GP Practice", "EXTRACT_DATE": "01APR2022",
                    "PRACTICE_CODE": r.PRACTICE_CODE, "PRACTICE_NAME": r.PRACTICE_NAME,
                    "PRACTICE_POSTCODE": r.PRACTICE_POSTCODE, "PCN_CODE": r.PCN_CODE, "PCN_NAME": r.PCN_NAME,
                    "ONS_CCG_CODE": ccg[0], "CCG_CODE": ccg[1], "CCG_NAME": ccg[2], "ONS_STP_CODE": stp[0],
                    "STP_CODE": stp[1], "STP_NAME": stp[2], "ONS_COMM_REGION_CODE": region[0],
                    "COMM_REGION_CODE": region[1], "COMM_REGION_NAME": region[2]})
    return pd.DataFrame(out)


def sub_icb_layout_2022_10() -> pd.DataFrame:
    """Surrey Heartlands' and West Sussex's practices with the sub-ICB location and ICB codes of October 2022
    (before April 2023's), in the sub-ICB layout with its columns in another order."""
    rows = MAPPING[MAPPING["SUB_ICB_LOCATION_CODE"].isin(["92A", "70F"])].copy()
    rows["EXTRACT_DATE"] = "01OCT2022"
    rows["ONS_SUB_ICB_LOCATION_CODE"] = rows["ONS_SUB_ICB_LOCATION_CODE"].map(PRE_2023)
    rows["ONS_ICB_CODE"] = rows["ONS_ICB_CODE"].map(PRE_2023_ICB)
    order = ["PRACTICE_CODE", "PCN_CODE", "PCN_NAME", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE",
             "SUB_ICB_LOCATION_NAME", "ICB_CODE", "ONS_ICB_CODE", "ICB_NAME", "PRACTICE_NAME", "PRACTICE_POSTCODE",
             "PUBLICATION", "EXTRACT_DATE", "ONS_COMM_REGION_CODE", "COMM_REGION_CODE", "COMM_REGION_NAME"]
    return rows[order]


def bolton() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bolton's practices (sub-ICB location 00T) in the layout of 2023 onwards, and a counts file for them in
    the gp-reg-pat-prac-all.csv layout: all ages and sexes (NHS England's registered patients of 2026/27,
    rounded) and a male row per practice that an import must not add in."""
    rows = MAPPING[MAPPING["SUB_ICB_LOCATION_CODE"] == "00T"].drop(columns="SUPPLIER_NAME")
    patients = LISTS.set_index("Practice_Code")["Registered Patients"].astype(float).round().astype(int)
    counts = []
    for r in rows.itertuples():
        for sex, n in (("ALL", patients[r.PRACTICE_CODE]), ("MALE", patients[r.PRACTICE_CODE] // 2)):
            counts.append({"PUBLICATION": "Patients Registered at a GP Practice", "EXTRACT_DATE": "01JAN2026",
                           "TYPE": "GP", "SUB_ICB_LOCATION_CODE": "00T", "ONS_SUB_ICB_LOCATION_CODE": "E38000016",
                           "CODE": r.PRACTICE_CODE, "POSTCODE": r.PRACTICE_POSTCODE, "SEX": sex, "AGE": "ALL",
                           "NUMBER_OF_PATIENTS": n})
    return rows, pd.DataFrame(counts)


def epcn_frimley() -> bytes:
    """Frimley's PCNs (sub-ICB location D4U1Y, closed in April 2026 when its area went to three ICBs) as an
    ePCN workbook: a title row above the header, the PCN Details and Core Partner Details sheets."""
    rows = MAPPING[(MAPPING["SUB_ICB_LOCATION_CODE"] == "D4U1Y") & (MAPPING["PCN_CODE"] != "U")]
    book = Workbook()
    details = book.active
    details.title = "PCNDetails"
    details.append(["ePCN extract: Frimley's PCNs, from NHS England's practice to PCN mapping of 1 January 2026"])
    details.append(["PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Sub ICB Location", "Open Date",
                    "Close Date"])
    for pcn in rows.drop_duplicates("PCN_CODE").itertuples():
        details.append([pcn.PCN_CODE, pcn.PCN_NAME, "D4U1Y", pcn.SUB_ICB_LOCATION_NAME, "2019-07-01", None])
    partners = book.create_sheet("PCN Core Partner Details")
    partners.append(["PCN Code", "PCN Name", "Partner Organisation Code", "Partner Name",
                     "Practice Parent Sub ICB Loc Code", "Practice Join Date", "Practice Leave Date"])
    for r in rows.itertuples():
        partners.append([r.PCN_CODE, r.PCN_NAME, r.PRACTICE_CODE, r.PRACTICE_NAME, "D4U1Y", "2019-07-01", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    write("gp-reg-pat-prac-map-2021-22.csv", ccg_layout_2021_22())
    write("gp-reg-pat-prac-map-2022-10.csv", sub_icb_layout_2022_10())
    practices, counts = bolton()
    write("gp-reg-pat-prac-map-bolton.csv", practices)
    write("gp-reg-pat-prac-all-bolton.csv", counts)


if __name__ == "__main__":
    main()
