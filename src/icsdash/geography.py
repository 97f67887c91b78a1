"""The shipped boundaries (data/geo/*.geojson) and the GeoJSON the browser fetches.

Geometry is large and static, so the app does not send it with every rerun:
:func:`write_served_layer` writes each layer once per data version into the
app's static folder (``static/generated/``), and the map refers to it by URL.
The browser fetches it once and caches it; each rerun sends only the layer
specification, a few kilobytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataError

LAYERS = {"places": "place_code", "icbs": "icb_ods_code", "regions": "region_ons_code", "england": "name"}
STATIC_URL = "app/static/generated"        # Streamlit serves <app root>/static/ at /app/static/


@dataclass(frozen=True)
class Geography:
    """Geometry per layer, keyed by code: ``shapes['places']['bolton']`` is a GeoJSON geometry."""

    shapes: dict[str, dict[str, dict]]


def for_reference(data_dir: str | Path, reference) -> Geography:
    """The geography of a reference's vintage: its places and that vintage's ICB outlines."""
    return load_geography(data_dir, set(reference.places["place_code"]), set(reference.icbs["icb_ods_code"]),
                          reference.icb_boundaries)


def load_geography(data_dir: str | Path, place_codes: set[str], icb_codes: set[str], icb_file: str) -> Geography:
    """Read data/geo/*.geojson (the ICBs from ``icb_file``, one vintage's outlines) and check that every place
    and ICB has a polygon."""
    data_dir = Path(data_dir)
    shapes: dict[str, dict[str, dict]] = {}
    for layer, key in LAYERS.items():
        name = icb_file if layer == "icbs" else f"geo/{layer}.geojson"
        try:
            doc = json.loads((data_dir / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError("file not found (run scripts/build_data.py to make it)", source=name) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"is not valid GeoJSON: {exc}", source=name) from None
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list) or not features:
            raise DataError("must be a GeoJSON FeatureCollection with features", source=name)
        layer_shapes = {}
        for i, feature in enumerate(features, start=1):
            code = (feature.get("properties") or {}).get(key)
            geometry = feature.get("geometry") or {}
            if not code:
                raise DataError(f"feature {i} has no '{key}' property", source=name)
            if geometry.get("type") not in ("Polygon", "MultiPolygon") or not geometry.get("coordinates"):
                raise DataError(f"feature {code!r} must have a non-empty Polygon or MultiPolygon geometry",
                                source=name)
            layer_shapes[code] = geometry
        shapes[layer] = layer_shapes
    for layer, expected in (("places", place_codes), ("icbs", icb_codes)):
        missing = sorted(expected - set(shapes[layer]))
        if missing:
            raise DataError(f"has no polygon for {', '.join(missing[:5])}",
                            source=icb_file if layer == "icbs" else f"geo/{layer}.geojson")
    return Geography(shapes)


def feature_collection(shapes: dict[str, dict], properties: pd.DataFrame | None = None, key: str = "code") -> dict:
    """A FeatureCollection of ``shapes``; ``properties`` (indexed by code) adds per-feature fields."""
    rows = properties.to_dict("index") if properties is not None else {}
    features = []
    for code, geometry in shapes.items():
        props = {key: code, **{k: _plain(v) for k, v in rows.get(code, {}).items()}}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _plain(value):
    """JSON-safe scalars: NaN and pandas NA become None, numpy numbers become Python numbers."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_served_layer(static_dir: Path, name: str, collection: dict | list) -> str:
    """Write ``collection`` (any JSON) under ``static_dir/generated`` named by its content; return its URL path.

    The file name carries a hash of the content, so a browser cache never
    shows stale data and an unchanged layer is never written twice. The write
    is atomic (temporary file, then rename), so concurrent sessions or servers
    never serve a half-written file.
    """
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = static_dir / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{digest}.json"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
        _prune(folder, name, keep=target)
    return f"{STATIC_URL}/{target.name}"


def _prune(folder: Path, name: str, keep: Path, spare: int = 5) -> None:
    """Remove older versions of a layer, keeping the newest few for pages still open."""
    older = sorted((p for p in folder.glob(f"{name}-*.json") if p != keep), key=lambda p: p.stat().st_mtime)
    for path in older[:-spare] if spare else older:
        path.unlink(missing_ok=True)
