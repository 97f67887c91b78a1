"""icsdash: the frame. Page config, configuration, shared filters, navigation."""

from pathlib import Path

import streamlit as st

from icsdash import ui
from icsdash.errors import IcsdashError
from icsdash.pages import PAGES_BY_KEY

ROOT = Path(__file__).parent

st.set_page_config(page_title="icsdash", page_icon=str(ROOT / "static" / "icsdash.png"), layout="wide")

try:
    ctx = ui.boot(ROOT)
except IcsdashError as error:
    st.title("icsdash cannot start")
    ui.show_error(error)
    st.caption("Fix the file named above and reload the page. Nothing has been written.")
    st.stop()

st.sidebar.markdown(f"### {ctx.config.title}")
ui.region_filter(ctx)
pages = [st.Page(str(ROOT / PAGES_BY_KEY[key].path), title=PAGES_BY_KEY[key].title, icon=PAGES_BY_KEY[key].icon,
                 url_path=key, default=(i == 0))
         for i, key in enumerate(ctx.config.pages)]
page = st.navigation(pages)
try:
    page.run()
except IcsdashError as error:
    ui.show_error(error)
except Exception:  # noqa: BLE001 - the last line of defence: never a traceback in the UI
    ui.show_unexpected(page.title)
