"""Columns and their checks, and CSV files read as text and then checked against a declared schema.

A schema is a tuple of :class:`Column`; each column's check takes a cell's
text and returns its value, or raises ``ValueError`` saying what is allowed.
:func:`checked_table` turns that into a :class:`DataError` naming the file,
the line and the column. :mod:`icsdash.reference` declares the schemas of
``data/`` and reads its files with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from .errors import DataError


@dataclass(frozen=True)
class Column:
    """One column of a data file: its name, a check, and whether blanks are allowed."""

    name: str
    check: Callable[[str], object]
    optional: bool = False


def code(pattern: str, example: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be a code like {example}; got {value!r}")
        return value
    return check


def choice(allowed) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}; got {value!r}")
        return value
    return check


def text(value: str) -> str:
    return value


def _number(parse: Callable[[str], float], what: str, low: float, high: float,
            shown: Callable[[float], str]) -> Callable[[str], float]:
    """A check that ``parse`` reads the cell as ``what`` ('a whole number') from ``low`` to ``high``."""
    def check(value: str):
        try:
            number = parse(value)
        except ValueError:
            raise ValueError(f"must be {what}; got {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be from {shown(low)} to {shown(high)}; got {shown(number)}")
        return number
    return check


def integer(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``.

    >>> integer(1, 2_000)("5000")
    Traceback (most recent call last):
    ValueError: must be from 1 to 2,000; got 5,000
    """
    return _number(int, "a whole number", low, high, "{:,}".format)


def decimal(low: float, high: float) -> Callable[[str], float]:
    """A number from ``low`` to ``high``.

    >>> decimal(0, 1)("0.25")
    0.25
    >>> decimal(0, 1)("2")
    Traceback (most recent call last):
    ValueError: must be from 0 to 1; got 2.0
    """
    return _number(float, "a number", low, high, str)


def code_list(pattern: str, example: str) -> Callable[[str], str]:
    one = code(pattern, example)

    def check(value: str) -> str:
        for part in value.split(";"):
            one(part)
        return value
    return check


def read_text_table(path: Path) -> pd.DataFrame:
    """Read one CSV file as text cells (no checks yet)."""
    name = f"{path.parent.name}/{path.name}"
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("file not found", source=name) from None
    except UnicodeDecodeError:
        raise DataError("is not UTF-8 text", source=name) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"is not a readable CSV file ({str(exc).strip()})", source=name) from None


def with_overlay(frame: pd.DataFrame, key: str, rows: dict[str, dict[str, str] | None]) -> pd.DataFrame:
    """The file's rows with imported ones applied: a row with a known key is replaced where it stands, a new
    key is added at the end (in key order), a key mapped to None is removed."""
    if not rows:
        return frame
    frame = frame.copy()
    replaced = frame[key].map(lambda k: k in rows)
    kept = frame[~replaced | frame[key].map(lambda k: rows.get(k) is not None)].copy()
    for i, k in zip(kept.index, kept[key]):
        if k in rows:
            kept.loc[i, list(frame.columns)] = [str(rows[k].get(c, "") or "") for c in frame.columns]
    known = set(frame[key])
    extra = [{c: str(rows[k].get(c, "") or "") for c in frame.columns}
             for k in sorted(rows) if k not in known and rows[k] is not None]
    return pd.concat([kept, pd.DataFrame(extra, columns=frame.columns)], ignore_index=True) if extra else \
        kept.reset_index(drop=True)


def checked_table(frame: pd.DataFrame, schema: tuple[Column, ...], name: str) -> pd.DataFrame:
    """A table of text cells (as :func:`read_text_table` reads it) with every cell checked against ``schema``
    and turned into its value (None for a blank).

    Errors name the file (``name``), the line (the header is line 1) and the column.
    """
    expected = [c.name for c in schema]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; expected {', '.join(expected)}", source=name)
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        raise DataError(f"unknown column(s) {', '.join(extra)}; expected {', '.join(expected)}", source=name)
    if frame.empty:
        raise DataError("has no data rows", source=name)
    out: dict[str, list] = {}
    for column in schema:
        values = []
        for i, raw in enumerate(frame[column.name]):
            raw = raw.strip()
            if raw == "":
                if not column.optional:
                    raise DataError("is empty; a value is required", source=name, line=i + 2, field=column.name)
                values.append(None)
                continue
            try:
                values.append(column.check(raw))
            except ValueError as exc:
                raise DataError(str(exc), source=name, line=i + 2, field=column.name) from None
        out[column.name] = values
    return pd.DataFrame(out)
