"""How a date and an amount of money are written on a document: ``2026-01-01``, ``4,500.00``, ``£4,500.00``.

Invoices, credit notes, statements, reminder letters and reports print every
date through :func:`doc_date`, and the line descriptions billing/ writes
(instalments, casework, interest, settlements) use it too, so a school sees
one date format on everything it is sent, and the same date the finance team
sees on screen (the command line and JSON use ISO dates). ISO is unambiguous
to a reader anywhere and short enough for a table column.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pricing.money import as_pounds, to_pence


def doc_date(day: date) -> str:
    """``2026-01-01``: every date on a document."""
    return day.isoformat()


def doc_period(start: date | None, end: date | None) -> str:
    """``2025-09-01 to 2025-12-31``; one day is just that day; no period is empty."""
    if start is None or end is None:
        return ""
    if start == end:
        return doc_date(start)
    return f"{doc_date(start)} to {doc_date(end)}"


def doc_amount(value: Decimal) -> str:
    """``4,500.00``: an amount in a table column (the column's header carries the £)."""
    return f"{to_pence(value):,.2f}"


def doc_pounds(value: Decimal) -> str:
    """``£4,500.00`` (``-£12.00``): an amount in a sentence or a totals box, and in an email."""
    return as_pounds(value)
