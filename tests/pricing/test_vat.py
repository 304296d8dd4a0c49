"""VAT codes by item and customer, dated rates, and per-line VAT (domain-rules §7, §8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import InvalidInput, NotFound
from pricing.money import to_pence
from pricing.pricebook import VatRate, sample_pricebook
from pricing.vat import (
    INTEREST_VAT_CODE,
    customer_vat_class,
    vat_code_for,
    vat_for_line,
    vat_rate_on,
)


def rate(start: date, standard: str) -> VatRate:
    return VatRate.model_validate({"from": start, "standard": standard})


RATES = [rate(date(2011, 1, 4), "20.00"), rate(date(2008, 12, 1), "15.00"), rate(date(2010, 1, 1), "17.50")]


# --- customer class -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("school_type", "la_code", "expected"),
    [
        ("maintained", "204", "own_maintained"),
        ("maintained", " 204 ", "own_maintained"),
        ("maintained", None, "own_maintained"),  # LA unknown: the council's own
        ("maintained", "", "own_maintained"),
        ("maintained", "202", "external"),  # another council's school
        ("academy", "204", "external"),
        ("free", "204", "external"),
        ("independent", "204", "external"),
        ("academy", None, "external"),
    ],
)
def test_customer_vat_class(school_type: str, la_code: str | None, expected: str) -> None:
    assert customer_vat_class(school_type, la_code, "204") == expected


def test_customer_vat_class_refuses_an_unknown_school_type() -> None:
    with pytest.raises(InvalidInput, match="school type 'nursery'"):
        customer_vat_class("nursery", "204", "204")


# --- line codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_code", "customer", "expected"),
    [
        ("S", "own_maintained", "O"),
        ("E", "own_maintained", "O"),
        ("S", "external", "S"),
        ("E", "external", "E"),
    ],
)
def test_vat_code_for_item_and_customer(item_code: str, customer: str, expected: str) -> None:
    assert vat_code_for(item_code, customer) == expected


def test_vat_code_for_refuses_unknown_codes_and_classes() -> None:
    with pytest.raises(InvalidInput, match="item VAT code 'O'"):
        vat_code_for("O", "external")
    with pytest.raises(InvalidInput, match="customer class 'academy'"):
        vat_code_for("S", "academy")


def test_interest_is_outside_the_scope_of_vat() -> None:
    assert INTEREST_VAT_CODE == "O"
    assert vat_rate_on(RATES, INTEREST_VAT_CODE, date(2019, 12, 15)) == Decimal("0")


def test_sample_casework_to_an_academy_is_standard_rated_and_to_own_school_outside_scope() -> None:
    book = sample_pricebook()
    item = book.versions[0].item("casework_day")
    academy = customer_vat_class("academy", "204", book.council.la_code)
    own = customer_vat_class("maintained", "204", book.council.la_code)
    assert vat_rate_on(book.vat_rates, vat_code_for(item.vat_code, academy), date(2019, 9, 1)) == Decimal(
        "20.00"
    )
    assert vat_rate_on(book.vat_rates, vat_code_for(item.vat_code, own), date(2019, 9, 1)) == Decimal("0")
    training = book.versions[0].item("cpd_place")
    assert vat_code_for(training.vat_code, academy) == "E"


# --- dated rates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "rate"),
    [
        (date(2008, 12, 1), "15.00"),
        (date(2009, 12, 31), "15.00"),
        (date(2010, 1, 1), "17.50"),
        (date(2011, 1, 3), "17.50"),
        (date(2011, 1, 4), "20.00"),
        (date(2019, 9, 1), "20.00"),
    ],
)
def test_standard_rate_in_force_on_a_date(on: date, rate: str) -> None:
    assert vat_rate_on(RATES, "S", on) == Decimal(rate)


def test_exempt_and_outside_scope_carry_no_vat() -> None:
    assert vat_rate_on(RATES, "E", date(2019, 9, 1)) == Decimal("0")
    assert vat_rate_on(RATES, "O", date(2019, 9, 1)) == Decimal("0")


def test_a_date_before_the_first_rate_is_refused() -> None:
    with pytest.raises(
        NotFound, match=r"No standard VAT rate is in force on 2008-11-30: the first starts 2008-12-01\."
    ):
        vat_rate_on(RATES, "S", date(2008, 11, 30))
    with pytest.raises(NotFound, match="none are recorded"):
        vat_rate_on([], "S", date(2019, 9, 1))


def test_unknown_code_is_refused() -> None:
    with pytest.raises(InvalidInput, match="VAT code 'Z'"):
        vat_rate_on(RATES, "Z", date(2019, 9, 1))


def test_two_different_rates_from_one_date_are_refused() -> None:
    clash = [*RATES, rate(date(2011, 1, 4), "21.00")]
    with pytest.raises(InvalidInput, match="Two standard VAT rates start on 2011-01-04"):
        vat_rate_on(clash, "S", date(2019, 9, 1))


# --- VAT on a line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "rate", "vat"),
    [
        ("4050.00", "20.00", "810.00"),
        ("540.00", "20.00", "108.00"),
        ("0.625", "20.00", "0.13"),  # 0.125 exactly: half up, not to even
        ("0.60", "17.50", "0.11"),  # 0.105: half up (banker's rounding would give 0.10)
        ("0.20", "17.50", "0.04"),  # 0.035
        ("0.10", "5.00", "0.01"),  # 0.005
        ("0.01", "20.00", "0.00"),  # 0.002
        ("0.03", "20.00", "0.01"),  # 0.006
        ("-0.60", "17.50", "-0.11"),  # a credit line mirrors its invoice line
        ("95.00", "0", "0.00"),
    ],
)
def test_vat_for_line_rounds_half_up_per_line(net: str, rate: str, vat: str) -> None:
    result = vat_for_line(Decimal(net), Decimal(rate))
    assert result == Decimal(vat)
    assert result.as_tuple().exponent == -2


def test_vat_is_rounded_per_line_not_on_the_total() -> None:
    lines = [Decimal("0.60"), Decimal("0.60")]
    per_line = sum(vat_for_line(n, Decimal("17.50")) for n in lines)
    assert per_line == Decimal("0.22")
    assert vat_for_line(sum(lines, Decimal(0)), Decimal("17.50")) == Decimal("0.21")


def test_vat_for_line_refuses_floats() -> None:
    with pytest.raises(InvalidInput, match="not float"):
        vat_for_line(100.0, Decimal("20"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="not float"):
        vat_for_line(Decimal("100"), 20.0)  # type: ignore[arg-type]


@given(st.integers(min_value=-10_000_000, max_value=10_000_000))
def test_vat_at_20_percent_is_a_fifth_of_net_to_the_penny(net_pence: int) -> None:
    net = Decimal(net_pence) / 100
    vat = vat_for_line(net, Decimal("20.00"))
    assert vat == to_pence(net / 5)
    assert abs(vat - net / 5) <= Decimal("0.005")
    assert vat_for_line(-net, Decimal("20.00")) == -vat
