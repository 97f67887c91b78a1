"""Chart builders return Altair charts whose data is what the page shows."""

import pandas as pd

from icsdash import analysis, charts


def test_category_bars_carry_counts_shares_and_colours(reference):
    mix = analysis.governance_mix(reference.places)
    mix = mix[mix.places > 0]
    colours = {k: "#123456" for k in mix["governance_model"]}
    spec = charts.category_bars(mix, "governance_model", "label", "places", "Mix", colours=colours,
                                share="share").to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["places"] for v in values] == mix["places"].tolist()
    system_wide = next(v for v in values if v["governance_model"] == "system_wide")
    assert system_wide["text"].startswith("3  (")
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == ["#123456"] * len(mix)
    assert spec["title"]["text"] == "Mix"


def test_category_bars_without_share():
    frame = pd.DataFrame({"k": ["a", "b"], "label": ["A", "B"], "n": [1200, 3]})
    spec = charts.category_bars(frame, "k", "label", "n", "T").to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["text"] for v in values] == ["1,200", "3"]
