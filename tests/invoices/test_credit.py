"""A gross credit is split over the invoice's lines, at each line's VAT rate, exactly (§4, §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from invoices.credit import credit_lines
from invoices.totals import price_line
from pricing.errors import InvalidInput, RuleViolation
from pricing.money import to_pence

D = Decimal


def item(description: str, net: str, code: str = "S", rate: str = "20"):
    return price_line(description, None, None, D(2), D(net) / 2, D(net), code, D(rate))


def test_a_credit_is_shared_by_gross_and_credits_vat_at_each_lines_rate():
    original = [item("Premium subscription", "1000.00"), item("CPD session", "300.00", "E", "0")]
    credit = credit_lines(original, D("500.00"))
    # 500 × 1200/1500 = 400.00 at 20%: VAT = 400 × 20/120 = 66.666… → 66.67; 500 × 300/1500 = 100.00 exempt.
    assert [(c.net, c.vat, c.total) for c in credit] == [
        (D("333.33"), D("66.67"), D("400.00")),
        (D("100.00"), D("0.00"), D("100.00")),
    ]
    assert [(c.vat_code, c.vat_rate) for c in credit] == [("S", D(20)), ("E", D(0))]
    assert [c.description for c in credit] == ["Credit: Premium subscription", "Credit: CPD session"]


def test_leftover_pennies_go_to_the_lines_with_the_largest_remainders():
    original = [item("A", "1.00", "O", "0"), item("B", "2.00", "O", "0")]
    assert [c.total for c in credit_lines(original, D("1.00"))] == [D("0.33"), D("0.67")]


def test_an_even_three_way_split_puts_the_odd_penny_on_the_last_line():
    original = [item(name, "100.00", "O", "0") for name in "ABC"]
    assert [c.total for c in credit_lines(original, D("100.00"))] == [D("33.33"), D("33.33"), D("33.34")]


def test_crediting_the_whole_invoice_reproduces_every_line():
    original = [item("Premium subscription", "4500.00"), item("Extra casework", "10.03"),
                item("CPD", "180.00", "E", "0")]
    credit = credit_lines(original, sum(line.total for line in original), description_prefix="Refund: ")
    for before, after in zip(original, credit, strict=True):
        assert (after.net, after.vat, after.total) == (before.net, before.vat, before.total)
        assert (after.quantity, after.unit_price) == (before.quantity, before.unit_price)
        assert after.description == "Refund: " + before.description


def test_a_part_credit_of_a_line_is_shown_as_one_unit_at_its_net():
    [credit] = credit_lines([item("Whole-class block", "600.00")], D("120.00"))
    assert (credit.quantity, credit.unit_price, credit.net, credit.vat) == (D(1), D("100.00"), D("100.00"),
                                                                           D("20.00"))


def test_lines_that_would_be_credited_nothing_are_left_out():
    original = [item("Big", "10000.00", "O", "0"), item("Tiny", "0.01", "O", "0")]
    credit = credit_lines(original, D("1.00"))
    assert [(c.description, c.total) for c in credit] == [("Credit: Big", D("1.00"))]


def test_lines_with_no_positive_total_take_no_share():
    original = [item("Subscription", "1000.00", "O", "0"), item("Discount", "-100.00", "O", "0")]
    credit = credit_lines(original, D("900.00"))
    assert [(c.description, c.total) for c in credit] == [("Credit: Subscription", D("900.00"))]


def test_zero_negative_or_excessive_credits_are_refused():
    original = [item("Subscription", "100.00")]  # total 120.00
    with pytest.raises(InvalidInput, match="more than zero"):
        credit_lines(original, D("0.00"))
    with pytest.raises(InvalidInput):
        credit_lines(original, D("-5.00"))
    with pytest.raises(RuleViolation, match="more than the invoice total of 120.00"):
        credit_lines(original, D("120.01"))
    assert credit_lines(original, D("120.00"))[0].total == D("120.00")


def test_floats_part_pennies_and_empty_invoices_are_refused():
    original = [item("Subscription", "100.00")]
    with pytest.raises(InvalidInput):
        credit_lines(original, 10.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        credit_lines(original, D("10.005"))
    with pytest.raises(InvalidInput):
        credit_lines([], D("10.00"))


nets = st.integers(min_value=1, max_value=5_000_000).map(lambda p: D(p) / 100)
codes = st.sampled_from([("S", D(20)), ("R", D(5)), ("E", D(0)), ("O", D(0)), ("S", D("17.5"))])


@st.composite
def invoices_and_credits(draw):
    specs = draw(st.lists(st.tuples(nets, codes), min_size=1, max_size=8))
    lines = [price_line(f"Line {i}", None, None, D(1), net, net, code, rate)
             for i, (net, (code, rate)) in enumerate(specs)]
    total_pence = int(sum(line.total for line in lines) * 100)
    gross = D(draw(st.integers(min_value=1, max_value=total_pence))) / 100
    return lines, gross


@given(invoices_and_credits())
def test_credit_parts_add_up_exactly_and_never_exceed_their_lines(case):
    original, gross = case
    credit = credit_lines(original, gross)
    by_description = {line.description: line for line in original}
    assert sum(c.total for c in credit) == gross
    assert len({c.description for c in credit}) == len(credit)
    for c in credit:
        source = by_description[c.description.removeprefix("Credit: ")]
        assert c.net + c.vat == c.total
        assert 0 < c.total <= source.total
        assert c.net <= source.net and c.vat <= source.vat
        assert (c.vat_code, c.vat_rate) == (source.vat_code, source.vat_rate)
        if c.total != source.total:
            assert c.vat == to_pence(c.total * c.vat_rate / (100 + c.vat_rate))


@given(invoices_and_credits())
def test_each_lines_share_is_within_a_penny_of_its_proportion(case):
    original, gross = case
    total = sum(line.total for line in original)
    credited = {c.description: c.total for c in credit_lines(original, gross)}
    for line in original:
        share = credited.get("Credit: " + line.description, D("0.00"))
        assert abs(share - gross * line.total / total) < D("0.01")


@given(st.lists(st.tuples(nets, codes), min_size=1, max_size=8))
def test_a_full_credit_returns_each_lines_own_net_and_vat(specs):
    lines = [price_line(f"Line {i}", None, None, D(1), net, net, code, rate)
             for i, (net, (code, rate)) in enumerate(specs)]
    assume(lines)
    credit = credit_lines(lines, sum(line.total for line in lines))
    assert [(c.net, c.vat) for c in credit] == [(line.net, line.vat) for line in lines]
