"""config.yaml: defaults, every bad value named with its key, the environment override."""


import pytest

from icsdash.config import SETTINGS, load_config
from icsdash.errors import ConfigError

from conftest import ROOT, write_config


def test_shipped_config_loads_with_its_values():
    config = load_config(ROOT / "config.yaml", environ={})
    assert config.pages == ("overview", "map", "profile", "compare", "governance", "assessment", "workshop",
                            "live", "vote", "admin")
    assert config.data_dir == ROOT / "data"
    assert config.database_url == f"sqlite:///{ROOT / 'var' / 'icsdash.sqlite3'}"
    assert config.map_basemap == "none"
    assert config.seed_demo is True


def test_empty_file_gives_defaults(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "frameworks").mkdir()
    (tmp_path / "data" / "frameworks" / "scirocco_style.yaml").write_text("id: x\n")
    (tmp_path / "config.yaml").write_text("")
    config = load_config(tmp_path / "config.yaml", environ={})
    defaults = {s.key: s.default for s in SETTINGS}
    assert config.map_zoom == defaults["map.zoom"]
    assert config.map_default_measure == defaults["map.default_measure"]
    assert config.database_url == f"sqlite:///{tmp_path / 'var' / 'icsdash.sqlite3'}"


@pytest.mark.parametrize("key, value, expected", [
    ("map.zoom", 40, "config.yaml, map.zoom: must be a number from 3.0 to 12.0; got 40"),
    ("map.basemap", "osm", "config.yaml, map.basemap: must be one of 'none', 'carto-light', 'carto-dark'; got 'osm'"),
    ("map.default_measure", "wealth", "config.yaml, map.default_measure: must be one of 'governance_model'"),
    ("app.pages", ["overview", "nonsense"],
     "config.yaml, app.pages: has unknown page 'nonsense'; allowed: overview, map, profile, compare, governance, assessment, workshop, live, vote, admin"),
    ("app.pages", ["overview", "live"],
     "config.yaml, app.pages: lists 'live' without 'vote': the live vote's participants vote on the 'vote' page"),
    ("auth.users", {"lead@icb.nhs.uk": "place_director"},
     "config.yaml, auth.users: entry for 'lead@icb.nhs.uk': a place director needs a place"),
    ("auth.users", {"not-an-email": "admin"}, "config.yaml, auth.users: has 'not-an-email', which is not an e-mail"),
    ("auth.max_failed_attempts", 0, "config.yaml, auth.max_failed_attempts: must be a whole number from 3 to 20"),
    ("assessment.max_justification", 5.5, "config.yaml, assessment.max_justification: must be a whole number"),
    ("app.pages", [], "config.yaml, app.pages: must be a non-empty list of page names"),
    ("database.seed_demo", "yes", "config.yaml, database.seed_demo: must be true or false; got 'yes'"),
    ("database.url", "mysql://x", "config.yaml, database.url: must start with 'sqlite:///' or 'postgresql://'"),
    ("theme.categorical_palette", "rainbow", "config.yaml, theme.categorical_palette: must be one of 'okabe_ito'"),
    ("data.dir", "/no/such/folder", "config.yaml, data.dir: folder /no/such/folder does not exist"),
])
def test_bad_values_name_the_key_and_what_is_allowed(tmp_path, key, value, expected):
    path = write_config(tmp_path, {key: value})
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={})
    assert str(raised.value).startswith(expected)
    assert raised.value.field == key


def test_unknown_key_is_refused(tmp_path):
    path = write_config(tmp_path, {"map.colour": "red"})
    with pytest.raises(ConfigError, match=r"config.yaml, map.colour: unknown setting; allowed settings are app.title"):
        load_config(path, environ={})


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("app:\n  title: [unclosed\nmap:\n  zoom: 5\n")
    with pytest.raises(ConfigError, match=r"config.yaml: is not valid YAML at line \d+"):
        load_config(path, environ={})


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config.yaml: file not found"):
        load_config(tmp_path / "config.yaml", environ={})


def test_database_url_from_environment_wins(tmp_path):
    path = write_config(tmp_path)
    config = load_config(path, environ={"DATABASE_URL": "postgresql://u@db.example:5432/icsdash"})
    assert config.database_url == "postgresql://u@db.example:5432/icsdash"
    with pytest.raises(ConfigError, match="environment, DATABASE_URL: must start with"):
        load_config(path, environ={"DATABASE_URL": "oracle://x"})


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.key for s in SETTINGS if f"`{s.key}`" not in readme]
    assert missing == []
