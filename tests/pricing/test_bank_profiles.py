"""Bank CSV layouts as named profiles in the price book: data, not code (§8)."""

from __future__ import annotations

import pytest

from pricing.errors import NotFound
from pricing.pricebook import PriceBookError, council_from_json, council_to_json, parse_pricebook, sample_pricebook_text


def _with_profiles(toml: str) -> str:
    text = sample_pricebook_text()
    cut = text.index("[council.bank_profiles.lloyds]")
    end = text.index("# The UK standard rate of VAT")
    return text[:cut] + toml + "\n" + text[end:]


def test_the_sample_names_layouts_that_round_trip_through_storage() -> None:
    council = parse_pricebook(sample_pricebook_text()).council
    assert council.bank_profile("lloyds").columns() == {
        "date": "Transaction Date", "reference": "Transaction Description", "credit": "Credit Amount",
        "debit": "Debit Amount"}
    assert council.bank_profile("natwest").columns() == {"date": "Date", "reference": "Description",
                                                         "amount": "Value"}
    assert council_from_json(council_to_json(council)) == council
    with pytest.raises(NotFound, match='no bank profile "hsbc" \\(known: barclays, lloyds, natwest\\)'):
        council.bank_profile("hsbc")


def test_stored_settings_from_before_profiles_still_read() -> None:
    document = council_to_json(parse_pricebook(sample_pricebook_text()).council)
    del document["bank_profiles"]
    assert council_from_json(document).bank_profiles == {}


@pytest.mark.parametrize("toml, message", [
    ('[council.bank_profiles.x]\ndate = "D"\nreference = "R"\n', 'needs either "amount"'),
    ('[council.bank_profiles.x]\ndate = "D"\nreference = "R"\namount = "A"\ncredit = "C"\n', 'needs either'),
    ('[council.bank_profiles.x]\ndate = "D"\nreference = "R"\namount = "A"\ndebit = "C"\n',
     'bank_profiles.x.debit: goes with "credit"'),
    ('[council.bank_profiles.x]\ndate = "D"\namount = "A"\n', "bank_profiles.x.reference: is required"),
    ('[council.bank_profiles.x]\ndate = "D"\nreference = "R"\namount = "A"\nsign = "S"\n', "is not a known key"),
    ('[council.bank_profiles."Big Bank"]\ndate = "D"\nreference = "R"\namount = "A"\n', "a profile name is"),
])
def test_a_bad_profile_is_refused_naming_its_key(toml: str, message: str) -> None:
    with pytest.raises(PriceBookError, match=message):
        parse_pricebook(_with_profiles(toml))
