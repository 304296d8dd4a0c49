"""Each credit line names the invoice line it credits by position, whatever the lines' descriptions."""

from __future__ import annotations

from decimal import Decimal as D

from invoices.credit import credit_lines, credit_shares
from invoices.documents import Line


def item(description: str, total: str) -> Line:
    return Line(description=description, period_start=None, period_end=None, quantity=D(1), unit_price=D(total),
                net=D(total), vat_code="E", vat_rate=D(0), vat=D("0.00"), total=D(total))


def test_lines_with_the_same_description_are_told_apart_and_uncredited_lines_skipped() -> None:
    original = [item("Casework day", "100.00"), item("Refund", "-20.00"), item("Casework day", "300.00"),
                item("Casework day", "0.00")]
    shares = credit_shares(original, D("200.00"))
    assert [(share.source, share.line.total) for share in shares] == [(0, D("50.00")), (2, D("150.00"))]
    assert [share.line for share in shares] == credit_lines(original, D("200.00"))
