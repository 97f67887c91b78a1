"""The Streamlit layer's shape: Streamlit stays inside it, and its routing workaround is still needed."""

import ast
from pathlib import Path

from icsdash import ui
from icsdash.page_registry import PAGES

SRC = Path(__file__).resolve().parents[1] / "src" / "icsdash"
UI = SRC / "ui"


def _imports_streamlit(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
            return True
    return False


def test_streamlit_is_imported_only_by_the_ui_package():
    outside = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if UI not in p.parents
                     and _imports_streamlit(p))
    assert outside == []
    assert _imports_streamlit(UI / "render.py")          # the scan does see an import where there is one


def test_the_routing_workaround_still_has_its_switch():
    """ui.state.route_through_app turns off Streamlit's routing by the pages folder with this class attribute.
    When Streamlit drops it, the first request for a page no longer runs that page file on its own (or is
    routed some new way): check /map on a fresh server (tests/test_browser.py) and remove the workaround."""
    from streamlit.runtime.pages_manager import PagesManager
    assert hasattr(PagesManager, "uses_pages_directory"), "Streamlit changed its routing: see route_through_app"


def test_every_name_the_facade_offers_exists():
    assert [name for name in ui.__all__ if not hasattr(ui, name)] == []
    assert {"chart", "table", "deck", "memo", "version_key", "current", "filters"} <= set(ui.__all__)


def test_download_keys_are_numbered_within_a_run():
    ui.state._RUN.export_keys = {}
    assert [ui.state.numbered_key("export_table_places") for _ in range(3)] == [
        "export_table_places", "export_table_places_2", "export_table_places_3"]
    ui.state.begin_run()
    assert ui.state.numbered_key("export_table_places") == "export_table_places"


def test_no_module_is_named_like_a_page_file():
    pages = {p.stem for p in (SRC.parents[1] / "pages").glob("*.py")}
    modules = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    assert pages and modules & pages == set()


def test_page_files_only_lay_out_their_views():
    """No page file reaches for the cache, pandas or the text of a display label: its view gives it all."""
    pages = sorted((SRC.parents[1] / "pages").glob("*.py"))
    found = {p.name: [word for word in ("ui.memo", "version_key", "import pandas", "pd.", 'split(" · ")')
                      if word in p.read_text(encoding="utf-8")] for p in pages}
    assert len(pages) == len(PAGES) and {name: words for name, words in found.items() if words} == {}
