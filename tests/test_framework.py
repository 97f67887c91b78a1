"""The maturity framework file: loaded as data, with nothing about its dimensions in code."""

import pytest

from icsdash.errors import DataError
from icsdash.framework import load_framework

from conftest import DATA, MINI_FRAMEWORK


def test_default_framework_has_twelve_dimensions_scored_0_to_5(framework):
    assert framework.id == "scirocco_style"
    assert len(framework.dimensions) == 12
    assert framework.dimension_ids[:3] == ["readiness_to_change", "structure_and_governance", "digital_infrastructure"]
    assert framework.dimension_ids[-1] == "capacity_building"
    assert (framework.scale_min, framework.scale_max) == (0, 5)
    assert all(sorted(d.levels) == [0, 1, 2, 3, 4, 5] for d in framework.dimensions)
    assert all(len(d.short) <= 14 for d in framework.dimensions)


def test_a_different_framework_loads_the_same_way(mini_framework):
    assert mini_framework.id == "mini_test" and mini_framework.version == "0.3"
    assert mini_framework.dimension_ids == ["leadership", "data_sharing", "outcomes"]
    assert (mini_framework.scale_min, mini_framework.scale_max) == (0, 3)
    assert [mini_framework.band(s).id for s in (0, 1, 1.5, 2, 3)] == ["low", "low", "high", "high", "high"]


@pytest.mark.parametrize("median, band", [
    (2.5, "Progressing"),      # the Delphi study's Table 4: Structure and governance, round 1
    (2, "Initial"), (3, "Progressing"), (4, "Progressing"), (4.5, "Optimising"), (0.5, "Initial"), (1.5, "Initial"),
])
def test_half_point_medians_band_as_the_delphi_study_does(framework, median, band):
    assert framework.between_levels == "half_up"
    assert framework.band(median).label == band


def test_half_point_medians_can_round_down(tmp_path):
    fw = load_framework(_break(tmp_path, "between_levels: half_up", "between_levels: half_down"))
    assert [fw.band(s).label for s in (2.5, 4.5, 2.6)] == ["Initial", "Progressing", "Progressing"]


@pytest.mark.parametrize("ratings, expected", [
    ([3] * 12, "Agreement"),
    ([2, 3, 4] * 4, "Agreement"),                 # all inside the window 2..4
    ([0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 4, 5], "Agreement"),   # 3 outside 2..4: fewer than 4
    ([0, 0, 1, 1, 3, 3, 3, 3, 3, 3, 5, 5], "Split"),       # 4 or more outside any window with the median
    ([1, 5], "Split"),                            # panel of 2: threshold 4*2/12 = 0.67, one outside
    ([4, 5], "Agreement"),
    ([None, 3, 3], "Agreement"),                  # "not assessed" is ignored
])
def test_agreement_rule(framework, ratings, expected):
    assert framework.agreement_status(ratings) == expected


def _break(tmp_path, old, new):
    text = (DATA / "frameworks" / "scirocco_style.yaml").read_text()
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old, new, message", [
    ('      5: "Commitment', '      6: "Commitment', "broken.yaml, dimensions[1].levels: must describe every level from 0 to 5"),
    ("  - id: structure_and_governance", "  - id: readiness_to_change",
     "broken.yaml, dimensions[2].id: duplicate dimension id 'readiness_to_change'"),
    ("  max: 5\n", "  max: 50\n", "broken.yaml, scale: must satisfy 0 <= min < max <= 10"),
    ("  window_levels: 3", "  window_levels: 0",
     "broken.yaml, agreement: window_levels, split_from_outside and threshold_panel_size must be at least 1"),
    ("  split_from_outside: 4", "  max_outside: 4",
     "broken.yaml, agreement.max_outside: 'max_outside' is now called 'split_from_outside' (a panel is split when "
     "at least this many ratings fall outside the window); rename it"),
    ("between_levels: half_up", "between_levels: nearest",
     "broken.yaml, between_levels: must be one of half_up, half_down; got 'nearest'"),
    ("twinning_lead: 2", "twinning_lead: 6",
     "broken.yaml, twinning_lead: must be a number of points above 0 and at most 5 (the scale's width); got 6"),
    ("twinning_lead: 2", "twinning_lead: two",
     "broken.yaml, twinning_lead: must be a number of points above 0 and at most 5 (the scale's width); got 'two'"),
])
def test_broken_framework_names_the_key(tmp_path, old, new, message):
    with pytest.raises(DataError) as raised:
        load_framework(_break(tmp_path, old, new))
    assert str(raised.value).startswith(message)


def test_missing_framework_file(tmp_path):
    with pytest.raises(DataError, match="nothing.yaml: file not found"):
        load_framework(tmp_path / "nothing.yaml")


def test_twinning_lead_defaults_to_two_fifths_of_the_scale(tmp_path):
    """A framework that does not say how far ahead a twin must be: 40 % of the scale's width, at least 1."""
    for source, width_lead in ((DATA / "frameworks" / "scirocco_style.yaml", 2), (MINI_FRAMEWORK, 1)):
        path = tmp_path / source.name
        path.write_text(source.read_text().replace("twinning_lead: 2\n", ""))
        assert "twinning_lead" not in path.read_text()
        assert load_framework(path).twinning_lead == width_lead     # 0.4 x 5 = 2; 0.4 x 3 = 1.2 -> 1
