"""Profiles and comparisons, as plain pandas: a place against its ICS and England, spread, trend,
peer groups, nearest neighbours and twinning.

Every function takes the per-place, per-round, per-dimension table of
:func:`icsdash.analysis.dimension_scores` (``dims``) and returns a DataFrame
whose numbers a chart draws and a table shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from .framework import Framework

GAP_SUFFIX = ": gap to median"           # the difference table's gap columns end so


def latest_per_place(dims: pd.DataFrame) -> pd.DataFrame:
    """Each place's scores in the most recent round it has scores for."""
    if dims.empty:
        return dims
    last = dims.groupby("place_code")["round_position"].transform("max")
    return dims[dims["round_position"] == last]


def profile_table(dims: pd.DataFrame, place_code: str, framework: Framework,
                  places: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension: the place's latest score, its band and agreement, and the ICS and England medians.

    The medians are over places (each place's latest score), so a large ICS
    with many stakeholders does not outweigh a small one.
    """
    latest = latest_per_place(dims)
    icb = places.loc[places["place_code"] == place_code, "icb_ods_code"].iloc[0]
    in_icb = set(places.loc[places["icb_ods_code"] == icb, "place_code"])
    mine = latest[latest["place_code"] == place_code].set_index("dimension_id")
    rows = []
    for d in framework.dimensions:
        per_dim = latest[latest["dimension_id"] == d.id]
        score = mine["score"].get(d.id, float("nan")) if len(mine) else float("nan")
        band = framework.band(None if pd.isna(score) else float(score))
        rows.append({
            "dimension_id": d.id, "dimension": d.name, "short": d.short,
            "score": _num(score), "consensus": _num(mine["consensus"].get(d.id)) if len(mine) else float("nan"),
            "median": _num(mine["median"].get(d.id)) if len(mine) else float("nan"),
            "n": int(mine["n"].get(d.id, 0) or 0) if len(mine) else 0,
            "agreement": mine["agreement"].get(d.id) if len(mine) else None,
            "band": band.label if band else None,
            "icb_median": _num(per_dim.loc[per_dim["place_code"].isin(in_icb), "score"].median()),
            "england_median": _num(per_dim["score"].median()),
        })
    return pd.DataFrame(rows)


def _num(value) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def strongest_and_weakest(profile: pd.DataFrame, k: int = 3) -> tuple[list[str], list[str]]:
    """The ``k`` highest and lowest scored dimensions (framework order breaks ties)."""
    scored = profile.dropna(subset=["score"]).reset_index()
    strongest = scored.sort_values(["score", "index"], ascending=[False, True])["dimension"].head(k).tolist()
    weakest = scored.sort_values(["score", "index"], ascending=[True, True])["dimension"].head(k).tolist()
    return strongest, weakest


def spread(latest: pd.DataFrame, place_code: str, round_label: str) -> pd.DataFrame:
    """Every individual score of the place in a round, by dimension and stakeholder group (no names)."""
    rows = latest[(latest["place_code"] == place_code) & (latest["round"] == round_label)
                  & (latest["kind"] == "individual")].dropna(subset=["score"])
    return rows[["assessment_id", "dimension_id", "stakeholder_group", "score"]].reset_index(drop=True)


def trend(dims: pd.DataFrame, place_code: str) -> pd.DataFrame:
    """The place's score on every dimension in every round it assessed."""
    mine = dims[dims["place_code"] == place_code]
    return mine[["round", "round_position", "dimension_id", "score"]].sort_values(
        ["round_position", "dimension_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------- selections of places and ICSs

def series_scores(latest: pd.DataFrame, places: pd.DataFrame, selection: list[str]) -> pd.DataFrame:
    """Scores per dimension for each selected place ('place:<code>') or ICS ('icb:<code>', the median of its
    places), as a long frame with a readable ``series`` name."""
    names = dict(zip(places["place_code"], places["place_name"]))
    icb_names = dict(zip(places["icb_ods_code"], places["icb_short_name"]))
    frames = []
    for key in selection:
        kind, _, code = key.partition(":")
        if kind == "icb":
            members = places.loc[places["icb_ods_code"] == code, "place_code"]
            part = latest[latest["place_code"].isin(members)].groupby("dimension_id", as_index=False)["score"].median()
            part["series"] = f"{icb_names[code]} ICS (median)"
        else:
            part = latest.loc[latest["place_code"] == code, ["dimension_id", "score"]].copy()
            part["series"] = names[code]
        part["key"] = key
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["dimension_id", "score", "series", "key"])
    return pd.concat(frames, ignore_index=True)


def radar_frame(series: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """The selection's scores as a radar draws them: every series on every dimension in framework order, with
    the dimension's short label; a dimension a series has no score for is a row with no score (a gap).

    >>> from types import SimpleNamespace as NS
    >>> fw = NS(dimensions=[NS(id="a", short="A"), NS(id="b", short="B")], dimension_ids=["a", "b"])
    >>> s = pd.DataFrame({"series": ["P", "Q"], "dimension_id": ["b", "a"], "score": [2.0, 3.0], "key": ["p", "q"]})
    >>> radar_frame(s, fw)[["series", "label", "score"]].values.tolist()
    [['P', 'A', nan], ['P', 'B', 2.0], ['Q', 'A', 3.0], ['Q', 'B', nan]]
    """
    short = {d.id: d.short for d in framework.dimensions}
    names = list(dict.fromkeys(series["series"]))
    frame = series.set_index(["series", "dimension_id"]).reindex(
        [(s, d) for s in names for d in framework.dimension_ids]).reset_index()
    frame["label"] = frame["dimension_id"].map(short)
    return frame


def by_dimension(frame: pd.DataFrame, columns: str, framework: Framework) -> pd.DataFrame:
    """``frame``'s scores as a table: a row per dimension of the framework (named, in its order) and a column per
    value of ``columns`` (in the order first seen); empty where there is no score."""
    wide = frame.pivot_table(index="dimension_id", columns=columns, values="score", aggfunc="first")
    wide = wide.reindex(index=framework.dimension_ids, columns=list(dict.fromkeys(frame[columns]))).astype(float)
    wide.insert(0, "Dimension", [d.name for d in framework.dimensions])
    return wide.reset_index(drop=True).rename_axis(columns=None)


def difference_table(series: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Each dimension (rows) by each selection (columns), with the median of the selections and each one's
    gap to it."""
    out = by_dimension(series, "series", framework)
    order = list(out.columns[1:])
    median = out[order].median(axis=1)
    out["Median of selection"] = median
    for name in order:
        out[f"{name}{GAP_SUFFIX}"] = (out[name] - median).round(2)
    return out


# --------------------------------------------------------------------------- peer groups

@dataclass(frozen=True)
class PeerRule:
    """A ready-made peer group: who counts as a peer of a place."""

    key: str
    label: str
    peers: Callable[[pd.DataFrame, str, int], list[str]]


def _same(column: str) -> Callable[[pd.DataFrame, str, int], list[str]]:
    def peers(places: pd.DataFrame, place_code: str, k: int) -> list[str]:
        value = places.loc[places["place_code"] == place_code, column].iloc[0]
        same = places[(places[column] == value) & (places["place_code"] != place_code)]
        return same.sort_values("place_name")["place_code"].tolist()
    return peers


def nearest_neighbours(places: pd.DataFrame, place_code: str, k: int) -> list[str]:
    """The ``k`` places most alike in population and density (log scale, standardised)."""
    data = places[["place_code", "population", "density"]].dropna().copy()
    for column in ("population", "density"):
        logged = data[column].map(math.log)
        data[column] = (logged - logged.mean()) / (logged.std() or 1.0)
    me = data.loc[data["place_code"] == place_code, ["population", "density"]].iloc[0]
    data["distance"] = ((data["population"] - me["population"]) ** 2
                        + (data["density"] - me["density"]) ** 2) ** 0.5
    others = data[data["place_code"] != place_code].sort_values(["distance", "place_code"])
    return others["place_code"].head(k).tolist()


PEER_RULES: tuple[PeerRule, ...] = (
    PeerRule("same_icb", "Same ICS", _same("icb_ods_code")),
    PeerRule("same_region", "Same region", _same("region_name")),
    PeerRule("same_model", "Same governance model", _same("governance_model")),
    PeerRule("nearest", "Nearest neighbours (population and density)", nearest_neighbours),
)
PEER_RULES_BY_KEY = {r.key: r for r in PEER_RULES}


TWIN_WEAKEST = 3                    # twinning looks at a place's three lowest-scored dimensions


def twins(latest: pd.DataFrame, place_code: str, framework: Framework, weakest_k: int = TWIN_WEAKEST,
          top: int = 5) -> pd.DataFrame:
    """'Twinning': places strongest where this place is weakest, with the dimensions that match.

    The place's ``weakest_k`` lowest-scored dimensions are compared with every
    other place; a dimension matches when the other place scores at least the
    framework's ``twinning_lead`` higher there. Places are ranked by the number of matches, then by
    the total lead on the weak dimensions.
    """
    wide = latest.pivot_table(index="place_code", columns="dimension_id", values="score", aggfunc="first").astype(float)
    if place_code not in wide.index:
        return pd.DataFrame(columns=["place_code", "matches", "lead", "dimensions"])
    mine = wide.loc[place_code].dropna()
    order = {d: i for i, d in enumerate(framework.dimension_ids)}
    weak = sorted(mine.index, key=lambda d: (mine[d], order[d]))[:weakest_k]
    names = {d.id: d.name for d in framework.dimensions}
    rows = []
    for other, scores in wide.drop(index=place_code).iterrows():
        leads = {d: scores.get(d) - mine[d] for d in weak if not pd.isna(scores.get(d))}
        matched = [d for d, lead in leads.items() if lead >= framework.twinning_lead]
        if matched:
            rows.append({"place_code": other, "matches": len(matched), "lead": round(sum(leads.values()), 2),
                         "dimensions": ", ".join(names[d] for d in matched)})
    result = pd.DataFrame(rows, columns=["place_code", "matches", "lead", "dimensions"])
    return result.sort_values(["matches", "lead", "place_code"], ascending=[False, False, True]).head(top) \
        .reset_index(drop=True)


# --------------------------------------------------------------------------- governance models compared

def model_mix(places: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Places per governance model, nationally or per ``by`` (e.g. 'region_name'), with the share within
    each group; every model of the registry appears (zeros kept) so groups line up."""
    from .place_governance import MODELS
    groups = [("England", places)] if by is None else list(places.groupby(by, sort=True))
    rows = []
    for group, part in groups:
        counts = part["governance_model"].value_counts()
        total = max(len(part), 1)
        for m in MODELS:
            n = int(counts.get(m.key, 0))
            rows.append({"group": group, "governance_model": m.key, "label": m.label, "places": n,
                         "share": round(n / total, 4), "group_total": len(part)})
    return pd.DataFrame(rows)


def maturity_by_model(places: pd.DataFrame, latest: pd.DataFrame, framework: Framework,
                      min_group: int) -> pd.DataFrame:
    """For each model and dimension: how many places have a score (n), the median, quartiles and range,
    and whether the group is too small to compare (n below ``min_group``). One groupby, not a loop."""
    from .place_governance import MODELS
    model_of = dict(zip(places["place_code"], places["governance_model"]))
    data = latest[latest["place_code"].isin(model_of)].dropna(subset=["score"])
    data = data.assign(model=data["place_code"].map(model_of), score=data["score"].astype(float))
    grouped = data.groupby(["model", "dimension_id"])["score"]
    stats = grouped.agg(["size", "median", "min", "max"]).rename(columns={"size": "n"})
    stats["q1"], stats["q3"] = grouped.quantile(0.25), grouped.quantile(0.75)
    index = pd.MultiIndex.from_product([[m.key for m in MODELS], framework.dimension_ids],
                                       names=["governance_model", "dimension_id"])
    table = stats.reindex(index).reset_index()
    table["n"] = table["n"].fillna(0).astype(int)
    table["label"] = table["governance_model"].map({m.key: m.label for m in MODELS})
    table["dimension"] = table["dimension_id"].map({d.id: d.short for d in framework.dimensions})
    table["too_small"] = table["n"] < min_group
    return table[["governance_model", "label", "dimension_id", "dimension", "n", "median", "q1", "q3", "min", "max",
                  "too_small"]]


def criteria_by_model(places: pd.DataFrame) -> pd.DataFrame:
    """For each model and White Paper criterion: the share of its places where the criterion is met."""
    from .place_governance import CRITERIA, MODELS
    rows = []
    for m in MODELS:
        part = places[places["governance_model"] == m.key]
        for c in CRITERIA:
            met = int((part[c.key] == "met").sum())
            rows.append({"governance_model": m.key, "label": m.label, "criterion": c.label, "places": len(part),
                         "met": met, "share_met": round(met / len(part), 4) if len(part) else float("nan")})
    return pd.DataFrame(rows)


def employer_by_model(places: pd.DataFrame) -> pd.DataFrame:
    """Places per model by the body that employs the single accountable person."""
    from .place_governance import EMPLOYERS, MODELS
    counts = places.groupby(["governance_model", "sap_employer"]).size()
    return pd.DataFrame([{"governance_model": m.key, "label": m.label, "employer": EMPLOYERS[e],
                          "places": int(counts.get((m.key, e), 0))} for m in MODELS for e in EMPLOYERS])


def money_by_model(places: pd.DataFrame) -> pd.DataFrame:
    """Median delegated and pooled budget per head (population) by model, with n."""
    from .place_governance import MODELS
    rows = []
    for m in MODELS:
        part = places[places["governance_model"] == m.key]
        per_head = lambda col: (part[col] * 1e6 / part["population"]).dropna()  # noqa: E731
        delegated, pooled = per_head("delegated_budget_gbp_m"), per_head("pooled_budget_gbp_m")
        rows.append({"governance_model": m.key, "label": m.label, "places": len(part),
                     "delegated_per_head": round(delegated.median(), 0) if len(delegated) else float("nan"),
                     "pooled_per_head": round(pooled.median(), 0) if len(pooled) else float("nan")})
    return pd.DataFrame(rows)


# What HSJ found in June 2022, as CIPFA (December 2022) reports it. Its figures count systems (ICSs), not places,
# apart from the 175 places: so today's side counts ICSs too.
SNAPSHOT_SOURCE = "HSJ's survey of June 2022, as reported by CIPFA (December 2022)"
SNAPSHOT_SUMMARY = (
    "175 places were being set up across the 42 ICSs; Gloucestershire, Lincolnshire and Somerset planned no "
    "places below the system. Of the other 39 ICSs, 16 (a minority) had selected executive leaders for their "
    "places, mostly ICB or council executives and a minority from NHS trusts. 21 ICSs had identified their place "
    "governance: most chose committees of the ICB, a few planned consultative forums, two a lead provider model "
    "and one a joint committee of the ICB and council. These are counts of ICSs, so the 'Now' column counts "
    "ICSs too, in the data shown.")


def _icss(places: pd.DataFrame, test: Callable[[pd.DataFrame], bool]) -> int:
    """How many ICSs' places pass ``test`` (a function of one ICS's places)."""
    return int(sum(bool(test(group)) for _, group in places.groupby("icb_ods_code")))


def _below_system(group: pd.DataFrame) -> pd.DataFrame:
    return group[group["governance_model"] != "system_wide"]


def _uses(model: str) -> Callable[[pd.DataFrame], bool]:
    return lambda group: (group["governance_model"] == model).any()


@dataclass(frozen=True)
class SnapshotFigure:
    """One figure of the June 2022 snapshot: as the source states it, and the same count over today's data."""

    label: str
    then: str
    now: Callable[[pd.DataFrame], int]


SNAPSHOT_2022: tuple[SnapshotFigure, ...] = (
    SnapshotFigure("Places", "175", len),
    SnapshotFigure("ICSs", "42", lambda p: p["icb_ods_code"].nunique()),
    SnapshotFigure("ICSs with no places below the system", "3", lambda p: _icss(p, lambda g: _below_system(g).empty)),
    SnapshotFigure("ICSs that had selected a leader for each place", "16 of the other 39", lambda p: _icss(
        p, lambda g: not _below_system(g).empty and _below_system(g)["sap_post"].notna().all())),
    SnapshotFigure("ICSs that had identified their place governance", "21 of the other 39", lambda p: _icss(
        p, lambda g: not _below_system(g).empty and (_below_system(g)["governance_model"] != "other").all())),
    SnapshotFigure("ICSs with a place run by a committee of a statutory body", "most of those 21",
                   lambda p: _icss(p, _uses("committee_of_statutory_body"))),
    SnapshotFigure("ICSs with a place using a consultative forum", "a few of those 21",
                   lambda p: _icss(p, _uses("consultative_forum"))),
    SnapshotFigure("ICSs with a place using a lead provider", "2", lambda p: _icss(p, _uses("lead_provider"))),
    SnapshotFigure("ICSs with a place using a joint committee", "1", lambda p: _icss(p, _uses("joint_committee"))),
)


def snapshot_comparison(places: pd.DataFrame) -> pd.DataFrame:
    """The June 2022 snapshot beside the same counts over ``places``: ICSs beside ICSs, places beside places.

    >>> frame = pd.DataFrame({"icb_ods_code": ["A", "A", "B"], "sap_post": ["x", "y", None],
    ...                       "governance_model": ["lead_provider", "joint_committee", "system_wide"]})
    >>> snapshot_comparison(frame).set_index("Figure").loc[["Places", "ICSs with a place using a lead provider"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                                            June 2022  Now
    Figure
    Places                                        175    3
    ICSs with a place using a lead provider         2    1
    """
    return pd.DataFrame([(f.label, f.then, int(f.now(places))) for f in SNAPSHOT_2022],
                        columns=["Figure", "June 2022", "Now"])
