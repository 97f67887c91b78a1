"""The one domain error type, whose message a user can act on."""

from __future__ import annotations


class IcsdashError(Exception):
    """A problem a user can fix, with where it is and what is allowed.

    Parameters
    ----------
    message:
        What is wrong and what is allowed, in plain words.
    source:
        The file (or form, or query parameter) the problem is in.
    line:
        The 1-based line within ``source`` (a CSV header is line 1), when known.
    field:
        The column, key or field name, when known.

    Examples
    --------
    >>> str(IcsdashError("must be one of 'a', 'b'; got 'c'", source="config.yaml", field="map.measure"))
    "config.yaml, map.measure: must be one of 'a', 'b'; got 'c'"
    >>> str(IcsdashError("duplicate code", source="data/places.csv", line=7, field="place_code"))
    'data/places.csv, line 7, place_code: duplicate code'
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def location(self) -> str:
        """Where the problem is, as 'file, line N, field' (empty when unknown)."""
        parts = [self.source] if self.source else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class ConfigError(IcsdashError):
    """A bad value in ``config.yaml`` or the environment."""


class DataError(IcsdashError):
    """A malformed or inconsistent data file."""


class DatabaseUnavailable(IcsdashError):
    """The database server did not answer (not running, or not reachable): trying again later may work."""


class Incomplete(IcsdashError):
    """An assessment cannot be submitted yet; ``gaps`` names what is missing, by dimension."""

    def __init__(self, gaps: dict[str, str]):
        self.gaps = gaps
        super().__init__(f"{len(gaps)} dimension(s) still need attention before submitting", source="assessment")


class InvalidEntry(IcsdashError):
    """A value a user entered is not allowed; ``problems`` names each, by field. Nothing was written."""

    def __init__(self, problems: dict[str, str], source: str = "assessment"):
        self.problems = problems
        first = next(iter(problems.items()))
        super().__init__(f"{first[1]} (and {len(problems) - 1} more)" if len(problems) > 1 else first[1],
                         source=source, field=first[0])


class MigrationRefused(IcsdashError):
    """A place-code change cannot be applied without guessing; nothing was written."""
