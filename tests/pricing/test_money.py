"""Money: exact Decimal pounds, never float; rounding only half up to the penny (domain-rules preamble)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import InvalidInput
from pricing.money import ZERO, MoneyError, as_pounds, format_money, from_pence, money, pence, to_pence

pennies = st.integers(min_value=-(10**12), max_value=10**12)


def exponent(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    assert isinstance(exp, int)
    return exp


# --- money(): parse exactly ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("4500", "4500.00"),
        ("4500.5", "4500.50"),
        (" 133.15 ", "133.15"),
        ("1.000", "1.00"),  # trailing zeros are not fractions of a penny
        ("-12.00", "-12.00"),
        ("1e3", "1000.00"),
        (4500, "4500.00"),
        (Decimal("0.1"), "0.10"),
        ("-0", "0.00"),
    ],
)
def test_money_parses_exactly_to_two_places(given_value: str | int | Decimal, expected: str) -> None:
    amount = money(given_value)
    assert amount == Decimal(expected)
    assert str(amount) == expected
    assert exponent(amount) == -2


@pytest.mark.parametrize("value", [0.1, 4500.0, 1e-9])
def test_money_refuses_floats(value: float) -> None:
    with pytest.raises(MoneyError, match="must be a decimal string, not a float"):
        money(value)  # type: ignore[arg-type]


def test_money_refuses_booleans() -> None:
    with pytest.raises(MoneyError, match="not a bool"):
        money(True)


@pytest.mark.parametrize("value", ["1.005", "0.001", "1.0050", "-0.015", Decimal("4500.001")])
def test_money_refuses_fractions_of_a_penny(value: str | Decimal) -> None:
    with pytest.raises(MoneyError, match="fractions of a penny"):
        money(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "not a number"),
        ("", "not a number"),
        ("£4,500", "not a number"),
        ("1,000.00", "not a number"),
        ("NaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("-inf", "not a finite number"),
        ("1e30", "too large"),
    ],
)
def test_money_refuses_what_is_not_an_amount(value: str, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason):
        money(value)


def test_money_error_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        money("abc")
    assert MoneyError("x").code == "invalid_input"


@given(pennies)
def test_money_round_trips_any_whole_number_of_pence(p: int) -> None:
    text = f"{'-' if p < 0 else ''}{abs(p) // 100}.{abs(p) % 100:02d}"
    assert money(text) == Decimal(p) / 100
    assert format_money(money(text)) == (text if p else "0.00")


# --- to_pence(): the only rounding, half up -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),
        ("133.1506849", "133.15"),  # 4500 × 0.24 × 45 / 365, the interest example
        ("0.0049999", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero, so a credit mirrors its invoice
        ("-0.025", "-0.03"),
        ("-0.004", "0.00"),
        ("7", "7.00"),
    ],
)
def test_to_pence_rounds_half_up(value: str, expected: str) -> None:
    fixed = to_pence(Decimal(value))
    assert fixed == Decimal(expected)
    assert str(fixed) == expected
    assert exponent(fixed) == -2


def test_interest_example_is_133_15() -> None:
    assert to_pence(Decimal("4500.00") * Decimal("0.24") * 45 / 365) == Decimal("133.15")


def test_to_pence_refuses_floats() -> None:
    with pytest.raises(MoneyError, match="not a float"):
        to_pence(0.125)  # type: ignore[arg-type]


def test_zero_is_two_places() -> None:
    assert str(ZERO) == "0.00"


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=6))
def test_to_pence_is_within_half_a_penny_and_halves_go_away_from_zero(value: Decimal) -> None:
    fixed = to_pence(value)
    assert exponent(fixed) == -2
    assert abs(fixed - value) <= Decimal("0.005")
    if abs(fixed - value) == Decimal("0.005"):
        assert abs(fixed) > abs(value)
    assert to_pence(-value) == -fixed


# --- formatting and pence -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4500", "4500.00"),
        ("-12.5", "-12.50"),
        ("0.125", "0.13"),
        ("1234567.891", "1234567.89"),
        ("-0.001", "0.00"),
    ],
)
def test_format_money_is_two_places_without_separators(value: str, expected: str) -> None:
    assert format_money(Decimal(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4500", "£4,500.00"),
        ("-12", "-£12.00"),
        ("1234567.891", "£1,234,567.89"),
        ("0", "£0.00"),
        ("-0.001", "£0.00"),
        ("0.005", "£0.01"),
    ],
)
def test_as_pounds_for_people(value: str, expected: str) -> None:
    assert as_pounds(Decimal(value)) == expected


def test_pence_and_back() -> None:
    assert pence(Decimal("4500.00")) == 450000
    assert pence(Decimal("-45.67")) == -4567
    assert from_pence(4567) == Decimal("45.67")
    assert str(from_pence(-5)) == "-0.05"
    assert str(from_pence(0)) == "0.00"
    with pytest.raises(MoneyError, match="fractions of a penny"):
        pence(Decimal("0.005"))


@given(pennies)
def test_from_pence_and_pence_are_inverse(p: int) -> None:
    assert pence(from_pence(p)) == p
    assert exponent(from_pence(p)) == -2
