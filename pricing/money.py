"""Money as pence-exact ``Decimal``.

Every amount in the engine passes through :func:`money` on the way in, so a
``float`` can never leak into a ledger. Rounding happens only where a figure is
fixed on a document (a line, an instalment, an interest charge), with
ROUND_HALF_UP, via :func:`to_pence`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pricing.errors import InvalidInput

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")


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
