"""icsdash: the frame. Page config, configuration, presenter mode, sign-in, shared filters, navigation."""

from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from icsdash import ui
from icsdash.ui import forms
from icsdash.errors import IcsdashError
from icsdash.page_registry import PAGES_BY_KEY

ROOT = Path(__file__).parent

ctx = ui.start(ROOT)
who = ui.principal(ctx)
shown = [k for k in ctx.config.pages if not PAGES_BY_KEY[k].admin_only or who.role_spec.admin]
pages = {key: st.Page(str(ROOT / PAGES_BY_KEY[key].path), title=PAGES_BY_KEY[key].title,
                      icon=PAGES_BY_KEY[key].icon, url_path=key, default=(i == 0),
                      visibility="hidden" if PAGES_BY_KEY[key].hidden else "visible")
         for i, key in enumerate(shown)}
page = st.navigation(list(pages.values()), position="hidden" if ui.presenting() else "sidebar")
try:
    ui.presenter_bar(ctx, page, pages)
    ui.sidebar(ctx, who)
    page.run()
except IcsdashError as error:
    ui.show_error(error)
except SQLAlchemyError:                  # the database stopped answering: say so, and redraw once it is back
    forms.database_down(f"drawing the {page.title} page")
    forms.wait_for_database(ctx)
except Exception:  # noqa: BLE001 - the last line of defence: never a traceback in the UI
    ui.show_unexpected(page.title)
finally:
    ui.end_of_run()
