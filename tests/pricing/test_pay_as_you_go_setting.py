"""The price book's pay-as-you-go casework setting (§6): off by default, readable from older stored books."""

from __future__ import annotations

import pytest

from pricing.pricebook import (
    PriceBookError,
    council_from_json,
    council_to_json,
    parse_pricebook,
    sample_pricebook,
    sample_pricebook_text,
)

SETTING = "pay_as_you_go_casework = false"


def test_the_sample_has_it_off() -> None:
    assert SETTING in sample_pricebook_text()
    assert sample_pricebook().council.pay_as_you_go_casework is False


def test_a_price_book_can_turn_it_on() -> None:
    text = sample_pricebook_text().replace(SETTING, "pay_as_you_go_casework = true")
    assert parse_pricebook(text).council.pay_as_you_go_casework is True


def test_left_out_it_is_off() -> None:
    assert parse_pricebook(sample_pricebook_text().replace(SETTING, "")).council.pay_as_you_go_casework is False


def test_council_settings_stored_before_the_setting_read_as_off() -> None:
    stored = council_to_json(sample_pricebook().council)
    assert stored.pop("pay_as_you_go_casework") is False
    assert council_from_json(stored).pay_as_you_go_casework is False


def test_it_must_be_true_or_false() -> None:
    with pytest.raises(PriceBookError) as caught:
        parse_pricebook(sample_pricebook_text().replace(SETTING, 'pay_as_you_go_casework = "yes"'))
    assert caught.value.message.startswith("price book: council.pay_as_you_go_casework:")
