"""Pricing a document line and adding up a document.

Rounding point: VAT is rounded to the penny **per line**, half up
(``to_pence(net × rate ÷ 100)``), and the document's VAT is the plain sum of its
lines' VAT. HMRC accepts per-line rounding as long as it is applied
consistently, and it keeps every printed line self-checking (net + VAT = total)
and every credit note traceable to the line it corrects. Nothing is rounded a
second time at document level.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from invoices.documents import Line
from pricing.errors import InvalidInput
from pricing.money import ZERO, money, to_pence

HUNDRED = Decimal(100)


def line_vat(net: Decimal, vat_rate: Decimal) -> Decimal:
    """VAT on a line's net at ``vat_rate`` percent, to the penny half up (§7; rounded per line)."""
    return to_pence(net * vat_rate / HUNDRED)


def price_line(
    description: str,
    period_start: date | None,
    period_end: date | None,
    quantity: Decimal,
    unit_price: Decimal,
    net: Decimal,
    vat_code: str,
    vat_rate: Decimal,
) -> Line:
    """A priced line: ``net`` as given (pence-exact), VAT rounded on this line, total = net + VAT.

    ``net`` is passed in rather than computed from quantity × unit price
    because pro-rata fees and day-rate work fix their net upstream (pricing/).
    """
    if not isinstance(vat_rate, Decimal):
        raise InvalidInput(f'Line "{description}" VAT rate must be a Decimal percentage, not {vat_rate!r}.')
    exact_net = money(net)
    vat = line_vat(exact_net, vat_rate)
    return Line(
        description=description,
        period_start=period_start,
        period_end=period_end,
        quantity=quantity,
        unit_price=unit_price,
        net=exact_net,
        vat_code=vat_code,
        vat_rate=vat_rate,
        vat=vat,
        total=exact_net + vat,
    )


def document_totals(lines: Iterable[Line]) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, total) of a document: plain sums of its lines, no further rounding."""
    net = vat = total = ZERO
    for line in lines:
        net += line.net
        vat += line.vat
        total += line.total
    return net, vat, total
