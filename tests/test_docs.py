"""The README is checked like code: every page, registry entry, setting and quick-start command is there."""

from icsdash import config, exports, measures
from icsdash.imports import FORMATS
from icsdash.page_registry import PAGES

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_page_is_documented():
    assert [p.title for p in PAGES if f"| {p.title} |" not in README] == []


def test_every_import_format_is_documented():
    section = README.split("## Importing data", 1)[1].split("\n## ", 1)[0]
    assert [f.key for f in FORMATS if f"`{f.key}`" not in section] == []


def test_every_measure_is_documented():
    section = README.split("### Map measures", 1)[1].split("\n## ", 1)[0]
    assert [m.key for m in measures.MEASURES if f"| `{m.key}` | {m.label} |" not in section] == []


def test_every_download_format_is_documented():
    section = README.split("## Export", 1)[1].split("\n## ", 1)[0]
    assert [f.label for f in exports.FORMATS if f.label.split()[0] not in section] == []


def test_every_setting_is_documented():
    assert [s.key for s in config.SETTINGS if f"`{s.key}`" not in README] == []


def test_quick_start_is_the_two_commands():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block == ["pip install -r requirements.txt && streamlit run app.py",
                     "pip install -r requirements.txt && pytest"]


def test_ci_runs_the_readme_test_command():
    assert "pip install -r requirements.txt && pytest" in (ROOT / ".ci" / "run").read_text()
