"""VAT is rounded per line, half up; a document's totals are plain sums of its lines (§7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.totals import document_totals, line_vat, price_line
from pricing.errors import InvalidInput
from pricing.money import to_pence


def line(net: str, rate: str = "20", code: str = "S"):
    return price_line("Whole-class support block", None, None, Decimal(1), Decimal(net), Decimal(net), code,
                      Decimal(rate))


def test_a_standard_rated_line_carries_twenty_percent_vat():
    priced = line("4500.00")
    assert (priced.net, priced.vat, priced.total) == (Decimal("4500.00"), Decimal("900.00"), Decimal("5400.00"))


def test_vat_is_rounded_half_up_not_to_even():
    # 3.00 × 17.5% = 0.525: half up gives 0.53 (banker's rounding would give 0.52).
    assert line("3.00", "17.5").vat == Decimal("0.53")
    assert line_vat(Decimal("3.00"), Decimal("17.5")) == Decimal("0.53")


def test_vat_is_rounded_on_each_line_not_on_the_document():
    lines = [line("0.03"), line("0.03"), line("0.03")]
    assert [item.vat for item in lines] == [Decimal("0.01")] * 3
    # Rounded once on the document, 0.09 × 20% = 0.018 would have been 0.02.
    assert document_totals(lines) == (Decimal("0.09"), Decimal("0.03"), Decimal("0.12"))


def test_outside_scope_and_exempt_lines_carry_no_vat():
    assert line("1250.00", "0", "O").vat == Decimal("0.00")
    assert line("180.00", "0", "E").total == Decimal("180.00")


def test_a_net_with_part_pennies_or_a_float_is_refused():
    with pytest.raises(InvalidInput):
        line("10.005")
    with pytest.raises(InvalidInput):
        price_line("x", None, None, Decimal(1), Decimal(1), 10.0, "S", Decimal(20))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        price_line("x", None, None, Decimal(1), Decimal(1), Decimal("10"), "S", 20.0)  # type: ignore[arg-type]


def test_document_totals_of_no_lines_are_zero():
    assert document_totals([]) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


pennies = st.integers(min_value=0, max_value=10_000_000).map(lambda p: Decimal(p) / 100)
rates = st.sampled_from([Decimal(0), Decimal(5), Decimal("17.5"), Decimal(20)])


@given(net=pennies, rate=rates)
def test_every_priced_line_adds_up_and_rounds_its_own_vat(net, rate):
    priced = price_line("Casework", None, None, Decimal(1), net, net, "S", rate)
    assert priced.vat == to_pence(net * rate / 100)
    assert priced.net + priced.vat == priced.total


@given(st.lists(st.tuples(pennies, rates), min_size=1, max_size=12))
def test_document_totals_are_the_sums_of_the_lines(items):
    lines = [price_line("Casework", None, None, Decimal(1), n, n, "S", r) for n, r in items]
    net, vat, total = document_totals(lines)
    assert net == sum(item.net for item in lines)
    assert vat == sum(item.vat for item in lines)
    assert total == net + vat
