"""How figures and words look on screen: one money format, one date format, yes/no, plurals.

On screen (tables and sentences): money ``£1,234.00`` (negative ``-£12.00``), dates
``2026-01-01``, instants ``2026-01-01 09:30`` in Europe/London, yes/no for true/false,
and counts with their noun agreeing ("1 invoice", "2 invoices"). In JSON and CSV money
stays the contract's plain decimal (``"1234.00"``): those are for programs, not people.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def money(value: object) -> str:
    """``£1,234.00`` from a Decimal or the contract's decimal string; blank for None or blank."""
    from pricing.money import PENNY, as_pounds

    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if amount != amount.quantize(PENNY):  # a rate or part of a penny: shown whole, never rounded away
        return f"{'-' if amount < 0 else ''}£{abs(amount):,}"
    return as_pounds(amount)


def day(value: object) -> str:
    """A date as ``2026-01-01`` (an instant as its Europe/London day and time); blank for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def when(value: datetime | None) -> str:
    """An instant as ``2026-01-01 09:30`` in Europe/London; blank for None."""
    if value is None:
        return ""
    from pricing.clock import format_london

    return format_london(value)


def yes_no(value: object) -> str:
    return "yes" if value else "no"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """The noun agreeing with ``n``: ``plural(1, "invoice")`` is "invoice", else "invoices" (or ``nouns``)."""
    return noun if n == 1 else (nouns or noun + "s")


def count(n: int, noun: str, nouns: str | None = None) -> str:
    """``count(1, "invoice")`` is "1 invoice"; ``count(2, "invoice")`` "2 invoices"; ``count(0, "entry", "entries")``."""
    return f"{n} {plural(n, noun, nouns)}"


def screen(value: object) -> str:
    """Any cell as the screen shows it (money must already be formatted with :func:`money`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (date, datetime)):
        return day(value)
    return str(value)
