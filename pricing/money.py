"""Money as pence-exact ``Decimal``.

Every amount in the engine passes through :func:`money` on the way in, so a
``float`` can never leak into a ledger; every amount a person types or a file
carries is read by :func:`parse_money`, the one strict parser. Rounding happens only where a figure is
fixed on a document (a line, an instalment, an interest charge), with
ROUND_HALF_UP, via :func:`to_pence`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pricing.errors import InvalidInput

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")

# Every money column is NUMERIC(12,2) on PostgreSQL (billing/models/types.py: Money), and
# integer pence on SQLite held to the same bound, so this is the largest amount the ledger
# holds on either backend. The parser refuses anything larger before it reaches a column.
MONEY_PRECISION = 12
MONEY_SCALE = 2
MAX_AMOUNT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE) - PENNY  # 9,999,999,999.99


class MoneyError(InvalidInput):
    """A value that cannot be an amount of money."""


def money(value: str | int | Decimal) -> Decimal:
    """Parse an amount exactly; refuse floats, NaN, infinities and fractions of a penny.

    >>> money("4500")
    Decimal('4500.00')
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"amount {value!r} must be a decimal string, not a {type(value).__name__}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"amount {value!r} is not a number") from None
    if not amount.is_finite():
        raise MoneyError(f"amount {value!r} is not a finite number")
    exact = to_pence(amount)
    if amount != exact:
        raise MoneyError(f"amount {value!r} has fractions of a penny")
    return exact


_ASCII_DIGITS = frozenset("0123456789")
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[0-9.,]*[eE][+-]?[0-9]+")
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})


def parse_money(value: str | Decimal | int, what: str = "amount", *, allow_negative: bool = False,
                positive: bool = False) -> Decimal:
    """The one reader of an amount typed by a person or read from a file (CLI, bank files, webhooks).

    Accepts ``1234.50``, ``1234.5``, ``1234``, thousands separators in whole groups of
    three (``1,234.50``, ``12,345,678.00``), an optional leading ``£`` and surrounding
    spaces; with ``allow_negative`` a leading ``-`` (a debit on a bank statement). Refuses,
    with one line naming the value and what is wrong: badly placed commas (``12,50``,
    ``1,2,3``), exponents, a ``+`` (or a ``-`` where none belongs), digits other than ASCII
    0-9, more than two decimal places, NaN and infinities, nothing at all, and anything
    above :data:`MAX_AMOUNT`; with ``positive``, zero too (``payment amount '0' must be more
    than 0.00``), so every command that needs money refuses the same input in the same words. A ``Decimal`` or ``int`` (an amount already in the engine,
    or whole pence turned into pounds) gets the same checks of places, sign and size.

    >>> parse_money("£1,234.5")
    Decimal('1234.50')
    """
    if isinstance(value, str):
        shown = repr(value.strip())
        amount = _read_money_text(value, what, allow_negative)
    elif isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        shown = str(value)
        amount = Decimal(value)
        if not amount.is_finite():
            raise MoneyError(f"{what} {shown} is not a number")
        if amount < 0 and not allow_negative:
            raise MoneyError(f"{what} {shown} must not be negative")
    else:
        raise MoneyError(f"{what} {value!r} must be a decimal string, not a {type(value).__name__}")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"{what} {shown} is more than the largest amount the ledger holds ({MAX_AMOUNT:,})")
    if amount != amount.quantize(PENNY):
        raise MoneyError(f"{what} {shown} has more than two decimal places")
    if positive and amount <= 0:
        raise MoneyError(f"{what} {shown} must be more than 0.00")
    return to_pence(amount)


def _read_money_text(text: str, what: str, allow_negative: bool) -> Decimal:
    shown = text.strip()
    if not shown:
        raise MoneyError(f"{what} is empty: give an amount like 1234.50")
    if any(ch.isdigit() and ch not in _ASCII_DIGITS for ch in shown):
        raise MoneyError(f"{what} {shown!r} has digits other than 0-9")
    negative = shown.startswith("-")
    if shown.startswith("+"):
        raise MoneyError(f"{what} {shown!r} must not have a sign: give an amount like 1234.50")
    if negative and not allow_negative:
        raise MoneyError(f"{what} {shown!r} must not be negative")
    body = shown[1:] if negative else shown
    body = body.removeprefix("£")
    if body.lower() in _NOT_FINITE:
        raise MoneyError(f"{what} {shown!r} is not a number")
    if _EXPONENT.fullmatch(body):
        raise MoneyError(f"{what} {shown!r} has an exponent: write the amount out, like 1000.00")
    if "," in body and not _GROUPED.fullmatch(body):
        raise MoneyError(f"{what} {shown!r} has a comma out of place: pence follow a point (12.50) "
                         "and commas only separate groups of three digits (1,234.50)")
    if not (_PLAIN.fullmatch(body) or _GROUPED.fullmatch(body)):
        raise MoneyError(f"{what} {shown!r} is not an amount like 1234.50")
    digits = body.replace(",", "")
    if len(digits.partition(".")[2]) > 2:
        raise MoneyError(f"{what} {shown!r} has more than two decimal places")
    amount = Decimal(digits)
    return -amount if negative else amount


def to_pence(value: Decimal) -> Decimal:
    """Fix an exact figure to the penny, half up (the only rounding the rules allow)."""
    if isinstance(value, float):
        raise MoneyError("to_pence takes a Decimal, not a float")
    try:
        fixed = value.quantize(PENNY, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds
        raise MoneyError(f"amount {value} is too large") from None
    # A negative amount that rounds to nothing is nothing: never print "-0.00".
    return fixed if fixed else ZERO


def format_money(value: Decimal) -> str:
    """The contract's money string: two places, no separators (``"4500.00"``)."""
    return f"{to_pence(value):.2f}"


def as_pounds(value: Decimal) -> str:
    """Human display: ``£4,500.00`` (negative as ``-£12.00``)."""
    v = to_pence(value)
    sign = "-" if v < 0 else ""
    return f"{sign}£{abs(v):,.2f}"


def pence(value: Decimal) -> int:
    """Whole pence as an int (for gateways), refusing fractions of a penny."""
    exact = money(value)
    return int(exact * 100)


def from_pence(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(PENNY)
