"""Click parameter types shared by the commands: record ids and counts people type.

Python's ``int()`` (and so click's INT) accepts Arabic-Indic and full-width
digits, signs, underscores and numbers far beyond any database column; a typed
id is ASCII digits within a 32-bit id column, or a usage error in one line.
"""

from __future__ import annotations

from typing import Any

import click

_LARGEST_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite ids never get near it


class WholeNumber(click.ParamType[int, Any]):
    """ASCII digits only, between ``low`` and ``high``."""

    def __init__(self, what: str, low: int, high: int) -> None:
        self.name = what
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not text.isascii() or not text.isdigit():
                self.fail(f"{value!r} is not a {self.name} (digits 0-9 only)", param, ctx)
            if len(text) > len(str(self.high)):
                self.fail(f"{text[:20]}… is not a {self.name}: too long", param, ctx)
            number = int(text)
        if not self.low <= number <= self.high:
            self.fail(f"{number} is not a {self.name}: it must be {self.low} to {self.high}", param, ctx)
        return number


RECORD_ID = WholeNumber("record id", 1, _LARGEST_ID)
"""The id of a case, session, order, subscription, interest charge or bill run, as `list` shows it."""
