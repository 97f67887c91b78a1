"""The Admin page's tables: access codes, rounds and the newest audit entries. Read from the database, and
built by ``icsdash.ui.stored_view`` once per audit entry (every write adds one, a sign-in or a new access code
too), so an administrator sees each change at the next rerun while a rerun with nothing new reads nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import anonymise
from . import Stored

AUDIT_SHOWN = 500                     # the newest entries the page lists
CODE_COLUMNS = ("lookup_id", "role", "place", "label", "created_at", "created_by", "revoked_at")
ROUND_COLUMNS = {"label": "Round", "position": "Order", "opened_at": "Opened"}


@dataclass(frozen=True)
class AdminTables:
    place_labels: dict[str, str]      # place code -> 'Bolton · Greater Manchester', for the new-code form
    codes: pd.DataFrame               # every access code's public details, with its place's name
    active: tuple[str, ...]           # codes that may still sign in (their first part)
    rounds: pd.DataFrame
    audit: pd.DataFrame               # the newest entries, newest first
    audit_caption: str


def admin(stored: Stored, _newest_entry: int, anonymised: bool) -> AdminTables:
    """The tables as of audit entry ``_newest_entry`` (it keys the cache); person names replaced by labels when
    ``anonymised``."""
    store, labels = stored.store, stored.reference.place_labels
    codes = store.access_codes()
    active = tuple(codes.loc[codes["revoked_at"].isna(), "lookup_id"])
    codes = codes.assign(place=codes["place_code"].map(labels))[list(CODE_COLUMNS)]
    audit = store.audit_entries(newest=AUDIT_SHOWN, newest_first=True)
    return AdminTables(labels, anonymise.relabel_people(codes, ("label", "created_by"), anonymised), active,
                       store.rounds().rename(columns=ROUND_COLUMNS).drop(columns=["id"]),
                       anonymise.relabel_people(audit, ("actor",), anonymised),
                       f"The newest {len(audit)} entries. Every write is recorded with who did it and when.")
