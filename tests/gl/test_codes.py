"""The chart of codes in the price book ([council.ledger], issue 20): defaults, fallbacks, refusals."""

from __future__ import annotations

import re

import pytest

from pricing.errors import NotFound
from pricing.pricebook import (
    LedgerCodes,
    PriceBookError,
    council_from_json,
    council_to_json,
    parse_pricebook,
    sample_pricebook_text,
)


def _with(ledger: str) -> str:
    """The sample price book with its whole ``[council.ledger]`` chart replaced."""
    text = sample_pricebook_text()
    start, end = text.index("[council.ledger]\n"), text.index("# Bank CSV layouts")
    return text[:start] + "[council.ledger]\n" + ledger + "\n\n" + text[end:]


def test_the_samples_chart_codes_items_and_tiers_with_a_default() -> None:
    codes = parse_pricebook(sample_pricebook_text()).council.ledger
    assert codes.tier_income("premium") == ("R4110", "TS100")
    assert codes.item_income("cpd_place") == ("R4140", "TS120")
    assert codes.item_income("coaching_session") == ("R4100", "TS100")  # not listed: the default
    assert (codes.vat_output, codes.debtors_control, codes.bank, codes.interest_income, codes.write_off_expense,
            codes.journal_clearing, codes.control_cost_centre) == (
        "B8200", "B5100", "B6100", "R4900", "E4950", "B9100", None)


def test_a_council_stored_before_the_chart_reads_back_with_placeholders() -> None:
    document = council_to_json(parse_pricebook(sample_pricebook_text()).council)
    del document["ledger"]
    assert council_from_json(document).ledger == LedgerCodes()
    assert LedgerCodes().default_income() == ("INCOME", "TRADED")


def test_profiles_are_named_layouts_and_an_unknown_one_is_refused() -> None:
    book = parse_pricebook(_with('[council.ledger.profiles.ours]\ndate_format = "uk"\ncolumns = [\n'
                                 '  { field = "date", header = "Posting Date" },\n'
                                 '  { field = "account", header = "Account" },\n'
                                 '  { field = "amount", header = "Value" },\n]\n'))
    profile = book.council.ledger.profile("ours")
    assert [(c.field, c.header) for c in profile.columns] == [
        ("date", "Posting Date"), ("account", "Account"), ("amount", "Value")]
    with pytest.raises(NotFound, match=r'^no ledger profile "sage" \(known: ours\)$'):
        book.council.ledger.profile("sage")


@pytest.mark.parametrize(("ledger", "message"), [
    ('bank = ""', 'council.ledger.bank: must be a code of 1 to 24 letters, digits, ".", "/", "_" or "-", '
                  "like \"R4100\", not ''"),
    ('bank = "=SUM(A1)"', "council.ledger.bank: must be a code of 1 to 24"),
    ('bank = "B6100 B6200"', "council.ledger.bank: must be a code of 1 to 24"),
    (f'bank = "{"9" * 25}"', "council.ledger.bank: must be a code of 1 to 24"),
    ("bank = 6100", "council.ledger.bank: must be a code of 1 to 24"),
    ('colour = "red"', "council.ledger.colour: is not a known key"),
    ('[council.ledger.tiers.gold]\nincome = "R1"', "council.ledger.tiers.gold: unknown tier"),
    ('[council.ledger.items.lunch]\nincome = "R1"',
     "council.ledger.items.lunch: is not an item of any version's catalogue"),
    ('[council.ledger.profiles.x]\ncolumns = [{ field = "account", header = "A" }]',
     'council.ledger.profiles.x.columns: must include "date" and "account"'),
    ('[council.ledger.profiles.x]\ncolumns = [{ field = "date", header = "D" }, { field = "account", header = "A" }]',
     'council.ledger.profiles.x.columns: must include "amount" (signed) or both "debit" and "credit"'),
])
def test_bad_charts_are_refused_naming_the_key(ledger: str, message: str) -> None:
    with pytest.raises(PriceBookError, match="^" + re.escape("price book: " + message)):
        parse_pricebook(_with(ledger))


def test_a_schools_cost_centre_is_its_pattern_over_laestab_estab_or_urn() -> None:
    assert parse_pricebook(sample_pricebook_text()).council.ledger.school_cost_centre == "{laestab}"
    codes = LedgerCodes(school_cost_centre="S{estab}-{urn}")
    assert codes.school_centre("100279", "2044321") == "S4321-100279"
    assert codes.school_centre("100279", None) is None  # no LAESTAB recorded: none to make
    assert LedgerCodes(school_cost_centre="CC/{urn}").school_centre("100279", None) == "CC/100279"
    assert LedgerCodes().school_centre("100279", "2044321") is None  # no pattern (a book stored before it)


@pytest.mark.parametrize(("pattern", "message"), [
    ('"{lea}"', 'council.ledger.school_cost_centre: names {lea}: a pattern names {laestab}, {estab} or {urn}'),
    ('"S100"', "council.ledger.school_cost_centre: must name {laestab}, {estab} or {urn} (one cost centre per school)"),
    ('"S {laestab}"', 'council.ledger.school_cost_centre: must make a code of 1 to 24 letters'),
    ('"-{laestab}"', 'council.ledger.school_cost_centre: must make a code of 1 to 24 letters'),
    ('"SCHOOLBUDGET-{laestab}-XXXX"', 'council.ledger.school_cost_centre: must make a code of 1 to 24 letters'),
    ('"{laestab"', "council.ledger.school_cost_centre: must name {laestab}, {estab} or {urn}"),
    ("7", 'council.ledger.school_cost_centre: must be a pattern like "{laestab}"'),
])
def test_a_bad_school_cost_centre_pattern_is_refused(pattern: str, message: str) -> None:
    text = sample_pricebook_text().replace('school_cost_centre = "{laestab}"', f"school_cost_centre = {pattern}")
    with pytest.raises(PriceBookError, match="^" + re.escape("price book: " + message)):
        parse_pricebook(text)
