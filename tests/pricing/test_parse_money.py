"""The one money parser for amounts typed by people or read from files (issue 13, item 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import InvalidInput
from pricing.money import MAX_AMOUNT, MONEY_PRECISION, MONEY_SCALE, MoneyError, parse_money

COMMA = ("has a comma out of place: pence follow a point (12.50) "
         "and commas only separate groups of three digits (1,234.50)")


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.50", "1234.50"),
    ("1234.5", "1234.50"),
    ("1234", "1234.00"),
    ("0", "0.00"),
    ("0.01", "0.01"),
    ("1,234.50", "1234.50"),
    ("12,345,678.00", "12345678.00"),
    ("123,456", "123456.00"),
    ("£1,234.50", "1234.50"),
    ("£12", "12.00"),
    ("  4500.00\t", "4500.00"),
    ("9,999,999,999.99", "9999999999.99"),
    ("9999999999.99", "9999999999.99"),
])
def test_parse_money_reads_plain_and_grouped_amounts(text: str, expected: str) -> None:
    value = parse_money(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # always two places


@pytest.mark.parametrize(("text", "message"), [
    ("12,50", f"payment amount '12,50' {COMMA}"),
    ("1,2,3", f"payment amount '1,2,3' {COMMA}"),
    ("1234,567.00", f"payment amount '1234,567.00' {COMMA}"),
    ("1,23.00", f"payment amount '1,23.00' {COMMA}"),
    ("1,2345.00", f"payment amount '1,2345.00' {COMMA}"),
    ("0,123.00", f"payment amount '0,123.00' {COMMA}"),
    ("1,234,", f"payment amount '1,234,' {COMMA}"),
    ("1e3", "payment amount '1e3' has an exponent: write the amount out, like 1000.00"),
    ("1E+3", "payment amount '1E+3' has an exponent: write the amount out, like 1000.00"),
    ("2.5e-1", "payment amount '2.5e-1' has an exponent: write the amount out, like 1000.00"),
    ("+12.00", "payment amount '+12.00' must not have a sign: give an amount like 1234.50"),
    ("-12.00", "payment amount '-12.00' must not be negative"),
    ("-£12.00", "payment amount '-£12.00' must not be negative"),
    ("\uff11\uff12", "payment amount '\uff11\uff12' has digits other than 0-9"),  # full-width 12
    ("\u0661\u0662.00", "payment amount '\u0661\u0662.00' has digits other than 0-9"),  # Arabic-Indic 12
    ("1\u0662", "payment amount '1\u0662' has digits other than 0-9"),
    ("12.345", "payment amount '12.345' has more than two decimal places"),
    ("1,234.567", "payment amount '1,234.567' has more than two decimal places"),
    ("NaN", "payment amount 'NaN' is not a number"),
    ("sNaN", "payment amount 'sNaN' is not a number"),
    ("Infinity", "payment amount 'Infinity' is not a number"),
    ("£inf", "payment amount '£inf' is not a number"),
    ("", "payment amount is empty: give an amount like 1234.50"),
    ("   ", "payment amount is empty: give an amount like 1234.50"),
    ("10000000000.00",
     "payment amount '10000000000.00' is more than the largest amount the ledger holds (9,999,999,999.99)"),
    ("10,000,000,000",
     "payment amount '10,000,000,000' is more than the largest amount the ledger holds (9,999,999,999.99)"),
    ("1" + "0" * 17,
     f"payment amount '1{'0' * 17}' is more than the largest amount the ledger holds (9,999,999,999.99)"),
    ("abc", "payment amount 'abc' is not an amount like 1234.50"),
    (".50", "payment amount '.50' is not an amount like 1234.50"),
    ("12.", "payment amount '12.' is not an amount like 1234.50"),
    ("1_000", "payment amount '1_000' is not an amount like 1234.50"),
    ("1 000", "payment amount '1 000' is not an amount like 1234.50"),
    ("£-12", "payment amount '£-12' is not an amount like 1234.50"),
    ("$12", "payment amount '$12' is not an amount like 1234.50"),
    ("12.00 GBP", "payment amount '12.00 GBP' is not an amount like 1234.50"),
])
def test_parse_money_refuses_with_one_line_naming_the_value(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_money(text, "payment amount")
    assert caught.value.message == message
    assert "\n" not in caught.value.message
    assert caught.value.code == "invalid_input"


def test_python_itself_would_accept_non_ascii_digits() -> None:
    # Why the parser checks ASCII explicitly: Decimal() and str.isdigit take these.
    assert Decimal("\uff11\uff12") == 12 and "\u0661\u0662".isdigit()


@pytest.mark.parametrize(("text", "expected"), [
    ("-12.50", "-12.50"),
    ("-£1,234.56", "-1234.56"),
    ("-0.00", "0.00"),
    ("12.50", "12.50"),
    ("-9,999,999,999.99", "-9999999999.99"),
])
def test_allow_negative_reads_debits(text: str, expected: str) -> None:
    assert str(parse_money(text, allow_negative=True)) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("+12.50", "amount '+12.50' must not have a sign: give an amount like 1234.50"),
    ("--12.50", "amount '--12.50' is not an amount like 1234.50"),
    ("-10000000000.00", "amount '-10000000000.00' is more than the largest amount the ledger holds (9,999,999,999.99)"),
    ("-12,50", f"amount '-12,50' {COMMA}"),
])
def test_allow_negative_still_refuses_the_rest(text: str, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(text, allow_negative=True)
    assert caught.value.message == message


@pytest.mark.parametrize(("value", "message"), [
    (Decimal("1.005"), "refund amount 1.005 has more than two decimal places"),
    (Decimal("-1.00"), "refund amount -1.00 must not be negative"),
    (Decimal("NaN"), "refund amount NaN is not a number"),
    (Decimal("Infinity"), "refund amount Infinity is not a number"),
    (Decimal("10000000000.00"),
     "refund amount 10000000000.00 is more than the largest amount the ledger holds (9,999,999,999.99)"),
    (10**17, f"refund amount {10**17} is more than the largest amount the ledger holds (9,999,999,999.99)"),
    (12.5, "refund amount 12.5 must be a decimal string, not a float"),
    (True, "refund amount True must be a decimal string, not a bool"),
])
def test_values_already_numbers_get_the_same_checks(value: object, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(value, "refund amount")  # type: ignore[arg-type]
    assert caught.value.message == message


def test_max_amount_is_what_numeric_12_2_holds() -> None:
    assert (MONEY_PRECISION, MONEY_SCALE) == (12, 2)
    assert MAX_AMOUNT == Decimal("9999999999.99")
    assert parse_money(MAX_AMOUNT) == MAX_AMOUNT


amounts = st.decimals(min_value=Decimal("0.00"), max_value=MAX_AMOUNT, places=2,
                      allow_nan=False, allow_infinity=False)


@given(amounts)
def test_any_amount_formatted_with_or_without_grouping_reads_back_to_itself(value: Decimal) -> None:
    for text in (f"{value:.2f}", f"{value:,.2f}", f"£{value:,.2f}", f"  {value:,.2f} "):
        assert parse_money(text) == value
    assert parse_money(f"-{value:,.2f}", allow_negative=True) == -value


@pytest.mark.parametrize(("price", "message"), [
    ("1e3", "amount '1e3' has an exponent: write the amount out, like 1000.00"),
    ("\uff19\uff15.00", "amount '\uff19\uff15.00' has digits other than 0-9"),
    ("\u0669\u0665", "amount '\u0669\u0665' has digits other than 0-9"),
])
def test_a_price_book_amount_is_read_as_strictly(price: str, message: str) -> None:
    from pricing.pricebook import PriceBookError, parse_pricebook, sample_pricebook_text

    sample = sample_pricebook_text()
    assert 'price = "95.00"' in sample
    with pytest.raises(PriceBookError) as caught:
        parse_pricebook(sample.replace('price = "95.00"', f'price = "{price}"', 1))
    assert caught.value.message == f"price book: version[0].items[2].price: {message}"
