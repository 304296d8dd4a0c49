"""Splitting a gross credit over the lines of the invoice it corrects (§4, §7).

A credit note credits VAT at the rate the original invoice charged, so a credit
of £X against a mixed-rate invoice has to be shared out line by line. The share
of each line is in proportion to its gross total; whole pence are dealt out by
the largest-remainder method so the parts add up exactly to the credit and no
line is credited more than it was charged. Within a line the VAT is taken out
of the gross with the VAT fraction (rate ÷ (100 + rate)), rounded half up, and
the net is what is left, so net + VAT = the line's credit exactly. Crediting a
whole line reproduces its original net and VAT to the penny.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import NamedTuple

from invoices.documents import Line
from pricing.errors import InvalidInput, RuleViolation
from pricing.money import PENNY, ZERO, money, to_pence

HUNDRED = Decimal(100)
ONE = Decimal(1)


def _shares_in_pence(totals: Sequence[Decimal], gross: Decimal) -> list[Decimal]:
    """Deal ``gross`` over ``totals`` in proportion, whole pence, largest remainder first."""
    base = sum(totals, ZERO)
    exact = [gross * total / base for total in totals]
    floors = [(share / PENNY).to_integral_value(rounding=ROUND_FLOOR) * PENNY for share in exact]
    spare = int((gross - sum(floors, ZERO)) / PENNY)
    # Ties go to the larger line, then the later line, so the order is fixed.
    order = sorted(range(len(totals)), key=lambda i: (exact[i] - floors[i], totals[i], i), reverse=True)
    for i in order[:spare]:
        floors[i] += PENNY
    return floors


def _credit_line(original: Line, gross: Decimal, prefix: str) -> Line:
    if gross == original.total:
        net, vat = original.net, original.vat
        quantity, unit_price = original.quantity, original.unit_price
    else:
        vat = to_pence(gross * original.vat_rate / (HUNDRED + original.vat_rate))
        net = gross - vat
        quantity, unit_price = ONE, net
    return Line(
        description=f"{prefix}{original.description}",
        period_start=original.period_start,
        period_end=original.period_end,
        quantity=quantity,
        unit_price=unit_price,
        net=net,
        vat_code=original.vat_code,
        vat_rate=original.vat_rate,
        vat=vat,
        total=gross,
    )


class CreditedLine(NamedTuple):
    """A credit-note line and the position (0-based) in the invoice's lines of the line it credits."""

    source: int
    line: Line


def credit_lines(
    original: Sequence[Line], gross_amount: Decimal, description_prefix: str = "Credit: "
) -> list[Line]:
    """Credit-note lines for ``gross_amount`` (VAT inclusive) against an invoice's lines (:func:`credit_shares`)."""
    return [credited.line for credited in credit_shares(original, gross_amount, description_prefix)]


def credit_shares(
    original: Sequence[Line], gross_amount: Decimal, description_prefix: str = "Credit: "
) -> list[CreditedLine]:
    """Credit-note lines for ``gross_amount`` (VAT inclusive), each with the invoice line it credits.

    Each line's credit is in proportion to its gross total, at its own VAT code
    and rate (a credit note credits VAT at the original rate, §7); the credits
    add up exactly to ``gross_amount``. Lines that would be credited nothing are
    left out, and lines with a zero or negative total take no share. A partly
    credited line is shown as quantity 1 at its credited net. Refuses an amount
    of zero or less, or more than the invoice's total.
    """
    lines = list(original)
    if not lines:
        raise InvalidInput("A credit needs the lines of the invoice it corrects; none were given.")
    gross = money(gross_amount)
    invoice_total = sum((line.total for line in lines), ZERO)
    if gross <= 0:
        raise InvalidInput(f"A credit of {gross} must be more than zero.")
    if gross > invoice_total:
        raise RuleViolation(f"A credit of {gross} is more than the invoice total of {invoice_total}.")
    chargeable = [at for at, line in enumerate(lines) if line.total > 0]
    shares = _shares_in_pence([lines[at].total for at in chargeable], gross)
    return [
        CreditedLine(at, _credit_line(lines[at], share, description_prefix))
        for at, share in zip(chargeable, shares, strict=True)
        if share > 0
    ]
