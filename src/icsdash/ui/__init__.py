"""The Streamlit layer: the only package (with ``app.py`` and ``pages/``) that imports Streamlit.

Its parts, each in a module of its own:

- :mod:`.state`: session-state keys, the state of one script run, the routing workaround;
- :mod:`.context`: configuration and data loaded once per version of their files (:class:`Context`);
- :mod:`.frame`: what every run starts with (page config, presenter mode, sidebar) and the 'cannot start' page;
- :mod:`.cache`: values derived from the data, built once per data version for all sessions (:func:`memo`);
- :mod:`.data`: the place summary, scores and map layers pages share;
- :mod:`.filters`: the sidebar's shared filters and the place picker;
- :mod:`.signin`: who is signed in;
- :mod:`.presenting`: presenter mode and anonymising;
- :mod:`.render`: charts, maps, tables and legends with their downloads;
- :mod:`.messages`: errors and the illustrative-data notice;
- :mod:`.forms` and :mod:`.admin_panels`: the assessment and consensus forms (with the outbox of unsaved
  entries), and the Admin page's import and backup panels.

Pages use the names below as ``ui.chart(...)``, ``ui.memo(...)`` and so on.
"""

from .cache import DataKey, memo, version_key
from .context import Context, boot, chosen_vintage, vintages
from .data import (icb_name, place_name, place_summary, reference_view, scores, served_layers, snapshot,
                   stored_view, view, view_for)
from .filters import filters, link_echo, place_choice, shared_filters
from .frame import current, frame, sidebar, start
from .messages import escape_markdown, illustrative_note, illustrative_notice, show_error, show_unexpected
from .presenting import people, person, presenter_bar
from .render import (StaticMap, chart, chart_title, deck, facts, legend, qr_image, scaled, source_tag, spec,
                     static_map, table)
from .signin import principal, sso_configured
from .state import (ALL, ALL_ICBS, CONTEXT_KEY, FILTER_ICB, FILTER_MODELS, FILTER_REGION, FILTER_ROUND,
                    FILTER_VINTAGE, LATEST, anonymised, data_version, end_of_run, presenting, stage)

__all__ = [
    'ALL', 'ALL_ICBS', 'anonymised', 'boot', 'chart', 'chart_title', 'chosen_vintage', 'Context', 'CONTEXT_KEY',
    'current', 'data_version', 'DataKey', 'deck', 'end_of_run', 'escape_markdown', 'facts', 'FILTER_ICB',
    'FILTER_MODELS', 'FILTER_REGION', 'FILTER_ROUND', 'FILTER_VINTAGE', 'filters', 'frame', 'icb_name',
    'illustrative_note', 'illustrative_notice', 'LATEST', 'legend', 'link_echo', 'memo',
    'people', 'person', 'place_choice', 'place_name', 'place_summary', 'presenter_bar', 'presenting', 'qr_image', 'principal',
    'scaled', 'scores', 'served_layers', 'shared_filters', 'show_error',
    'show_unexpected', 'sidebar', 'source_tag', 'spec', 'sso_configured', 'stage', 'start', 'static_map',
    'StaticMap', 'table', 'version_key', 'view', 'view_for', 'snapshot', 'stored_view', 'reference_view', 'vintages']
