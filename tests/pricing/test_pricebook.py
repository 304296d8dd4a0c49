"""The price book: its file format, its refusals, which version applies, and JSON storage (domain-rules §2)."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, NotFound
from pricing.pricebook import (
    CASEWORK_DAY,
    SERVICES,
    CaseRefs,
    Council,
    PriceBook,
    PriceBookError,
    PriceBookFile,
    Tier,
    TierBand,
    Version,
    council_from_json,
    council_to_json,
    parse_pricebook,
    sample_pricebook,
    sample_pricebook_text,
    vat_rates_from_json,
    vat_rates_to_json,
    version_from_json,
    version_to_json,
)

SAMPLE = sample_pricebook_text()


@pytest.fixture(scope="module")
def book() -> PriceBookFile:
    return sample_pricebook()


def edited(old: str, new: str, count: int = 1) -> str:
    """The sample with its first ``count`` occurrences of ``old`` replaced (``old`` must be there)."""
    assert old in SAMPLE, old
    return SAMPLE.replace(old, new, count)


def refused(text: str) -> str:
    with pytest.raises(PriceBookError) as caught:
        parse_pricebook(text)
    message = caught.value.message
    assert "\n" not in message
    return message


# --- the shipped sample -------------------------------------------------------------------


def test_sample_says_its_figures_are_illustrative() -> None:
    assert "ILLUSTRATIVE" in SAMPLE.splitlines()[2]


def test_sample_has_a_version_for_each_year_2019_20_to_2026_27(book: PriceBookFile) -> None:
    assert [v.year for v in book.versions] == [f"{y}/{(y + 1) % 100:02d}" for y in range(2019, 2027)]


def test_sample_council(book: PriceBookFile) -> None:
    council = book.council
    assert council.name == "Borough of Eastbury Council"
    assert council.la_code == "204"
    assert council.address.splitlines() == [
        "Inclusion Traded Services",
        "Eastbury Town Hall",
        "1 Civic Square",
        "Eastbury",
        "EB1 1AA",
    ]
    assert council.invoice_prefix == "INV-"
    assert council.credit_note_prefix == "CN-"
    assert council.payment_terms_days == 30
    assert council.bacs.sort_code == "00-00-00"
    assert council.bacs.account_number == "12345678"
    assert council.interest.annual_rate == Decimal("24.00")
    assert council.interest.basis_days == 365
    assert council.interest.charge_own_maintained is False


def test_sample_vat_rates_are_dated(book: PriceBookFile) -> None:
    assert [(r.from_, r.standard) for r in book.vat_rates] == [
        (date(2010, 1, 1), Decimal("17.50")),
        (date(2011, 1, 4), Decimal("20.00")),
    ]


def test_sample_2019_20_prices(book: PriceBookFile) -> None:
    v = book.versions[0]
    assert (v.day_rate, v.hours_per_day, v.day_increment) == (Decimal("540.00"), Decimal("6"), Decimal("0.5"))
    assert [(i.code, i.unit, i.price, i.vat_code, i.service) for i in v.items] == [
        ("casework_day", "day", Decimal("540.00"), "S", "casework"),
        ("whole_class_block", "block", Decimal("1350.00"), "S", "whole_class"),
        ("cpd_place", "place", Decimal("95.00"), "E", "training"),
        ("team_teach_place", "place", Decimal("180.00"), "E", "team_teach"),
        ("ambassadors_place", "place", Decimal("1200.00"), "S", "ambassadors"),
        ("coaching_session", "session", Decimal("150.00"), "S", "coaching"),
    ]
    premium, initial = v.tier("premium"), v.tier("initial")
    assert [(b.max_roll, b.fee) for b in premium.fees] == [
        (600, Decimal("9000.00")),
        (1200, Decimal("10500.00")),
        (None, Decimal("12000.00")),
    ]
    assert [(b.max_roll, b.fee) for b in initial.fees] == [
        (600, Decimal("3200.00")),
        (None, Decimal("3800.00")),
    ]


def test_a_typical_case_costs_between_4000_and_4500_at_the_day_rate(book: PriceBookFile) -> None:
    v = book.versions[0]
    days = Decimal(45) / v.hours_per_day  # eight sessions of ~2.5-3 h plus planning and reviews
    assert days == Decimal("7.5")
    assert days * v.day_rate == Decimal("4050.00")


def test_sample_entitlements_follow_the_tiers_in_the_rules(book: PriceBookFile) -> None:
    for v in book.versions:
        premium, initial = v.tier("premium"), v.tier("initial")
        # Premium: casework without a fixed cap, whole-class work, training, one Ambassadors place.
        assert premium.included("casework") is None
        assert premium.included("ambassadors") == 1
        assert premium.included("training") == 6
        assert premium.included("whole_class") == 3
        # Initial: one CPD opportunity, one whole-class support, one casework referral per year.
        assert [initial.included(s) for s in SERVICES] == [1, 1, 1, 0, 0, 0]


def test_sample_prices_rise_each_year_within_the_intended_ranges(book: PriceBookFile) -> None:
    versions = book.versions
    for earlier, later in zip(versions, versions[1:], strict=False):
        assert later.day_rate > earlier.day_rate
        for name in ("premium", "initial"):
            assert later.tier(name).fee_for_roll(None) > earlier.tier(name).fee_for_roll(None)
        for item in earlier.items:
            assert later.item(item.code).price >= item.price
    for v in versions:
        assert all(Decimal("9000") <= b.fee <= Decimal("14000") for b in v.tier("premium").fees)
        assert all(Decimal("3000") <= b.fee <= Decimal("5000") for b in v.tier("initial").fees)
        assert v.item(CASEWORK_DAY).price == v.day_rate
        assert {i.code: i.vat_code for i in v.items if i.vat_code == "E"} == {
            "cpd_place": "E",
            "team_teach_place": "E",
        }


# --- tiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roll", "fee"),
    [
        (0, "9000.00"),
        (1, "9000.00"),
        (600, "9000.00"),
        (601, "10500.00"),
        (1200, "10500.00"),
        (1201, "12000.00"),
        (5000, "12000.00"),
        (None, "9000.00"),
    ],
)
def test_premium_fee_by_number_on_roll_band(book: PriceBookFile, roll: int | None, fee: str) -> None:
    assert book.versions[0].tier("premium").fee_for_roll(roll) == Decimal(fee)


def test_negative_roll_is_refused(book: PriceBookFile) -> None:
    with pytest.raises(InvalidInput, match="number on roll -1"):
        book.versions[0].tier("premium").fee_for_roll(-1)


def test_a_service_missing_from_the_entitlements_is_not_included() -> None:
    tier = Tier(fees=[TierBand(fee=Decimal("100.00"))], entitlements={"training": 2})
    assert tier.included("coaching") == 0
    assert tier.included("training") == 2


def test_included_refuses_an_unknown_service(book: PriceBookFile) -> None:
    with pytest.raises(InvalidInput, match="unknown service 'mentoring'"):
        book.versions[0].tier("premium").included("mentoring")


def test_unknown_item_and_tier_are_not_found(book: PriceBookFile) -> None:
    v = book.versions[0]
    with pytest.raises(NotFound, match=r'Price book 2019/20 has no item "gold_star"\.'):
        v.item("gold_star")
    with pytest.raises(NotFound, match='no tier "gold"'):
        v.tier("gold")


def test_version_names_its_academic_year(book: PriceBookFile) -> None:
    assert book.versions[1].academic_year == AcademicYear(2020)


# --- which version applies ----------------------------------------------------------------


def test_a_version_applies_until_a_later_one_takes_over(book: PriceBookFile) -> None:
    versions = [v for v in book.versions if v.year in ("2019/20", "2022/23")]
    prices = PriceBook(reversed(versions))  # order in the file does not matter
    assert prices.version_for(AcademicYear(2019)).year == "2019/20"
    assert prices.version_for(AcademicYear(2021)).year == "2019/20"
    assert prices.version_for(AcademicYear(2022)).year == "2022/23"
    assert prices.version_for(AcademicYear(2040)).year == "2022/23"


def test_a_year_before_the_first_version_is_not_found(book: PriceBookFile) -> None:
    with pytest.raises(
        NotFound, match=r"No price book applies to 2018/19: the first version is for 2019/20\."
    ):
        book.pricebook().version_for(AcademicYear(2018))
    with pytest.raises(NotFound, match="No price book is loaded"):
        PriceBook([]).version_for(AcademicYear(2019))


def test_price_book_refuses_two_versions_for_one_year(book: PriceBookFile) -> None:
    with pytest.raises(PriceBookError, match="2019/20 has two versions"):
        PriceBook([book.versions[0], book.versions[0]])


SAMPLE_PRICES = sample_pricebook().pricebook()


@given(st.integers(min_value=2019, max_value=2100))
def test_version_for_is_the_latest_version_not_after_the_year(start_year: int) -> None:
    version = SAMPLE_PRICES.version_for(AcademicYear(start_year))
    assert version.academic_year == AcademicYear(min(start_year, 2026))


# --- refusals: one line naming the key path -----------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'fee = "9250.00"',
            "fee = 9250.0",
            'price book: version[1].tiers.premium.fees[0].fee: must be a decimal string like "540.00"',
        ),
        (
            'price = "95.00"',
            "price = 95",
            'price book: version[0].items[2].price: must be a decimal string like "540.00"',
        ),
        (
            'price = "95.00"',
            'price = "-95.00"',
            "price book: version[0].items[2].price: must not be negative, not '-95.00'",
        ),
        (
            'fee = "3200.00"',
            'fee = "-1.00"',
            "price book: version[0].tiers.initial.fees[0].fee: must not be negative",
        ),
        (
            'price = "95.00"',
            'price = "1e30"',
            "price book: version[0].items[2].price: is too large, not '1e30'",
        ),
        (
            'price = "95.00"',
            'price = "95.001"',
            "price book: version[0].items[2].price: '95.001' has fractions of a penny",
        ),
        (
            'price = "95.00"',
            'price = "ninety"',
            'price book: version[0].items[2].price: must be a decimal string like "540.00"',
        ),
        (
            'vat_code = "E"',
            'vat_code = "Z"',
            "price book: version[0].items[2].vat_code: unknown VAT code 'Z'",
        ),
        (
            'vat_code = "E"',
            'vat_code = "O"',
            "price book: version[0].items[2].vat_code: unknown VAT code 'O'",
        ),
        (
            'unit = "block"',
            'unit = "lesson"',
            "price book: version[0].items[1].unit: must be 'session', 'place', 'day' or 'block', not 'lesson'",
        ),
        (
            'service = "coaching"',
            'service = "mentoring"',
            "price book: version[0].items[5].service: must be ",
        ),
        (
            'year = "2020/21"',
            'year = "2019/20"',
            "price book: version[1].year: academic year 2019/20 has two versions",
        ),
        (
            'year = "2020/21"',
            'year = "2020/22"',
            "price book: version[1].year: academic year '2020/22' must name two consecutive years",
        ),
        (
            'year = "2020/21"',
            'year = "2020-21"',
            "price book: version[1].year: academic year '2020-21' must look like 2019/20",
        ),
        (
            'year = "2020/21"',
            "year = 2020",
            'price book: version[1].year: must be an academic year like "2019/20"',
        ),
        (
            'day_increment = "0.5"',
            'day_increment = "1.5"',
            "price book: version[0].day_increment: must be more than 0 and at most 1",
        ),
        (
            'day_increment = "0.5"',
            'day_increment = "0"',
            "price book: version[0].day_increment: must be more than 0 and at most 1",
        ),
        (
            'day_increment = "0.5"',
            "day_increment = 0.5",
            'price book: version[0].day_increment: must be a decimal string like "6"',
        ),
        (
            'hours_per_day = "6"',
            'hours_per_day = "0"',
            "price book: version[0].hours_per_day: must be more than 0",
        ),
        (
            'hours_per_day = "6"',
            'hours_per_day = "-6"',
            "price book: version[0].hours_per_day: must be more than 0",
        ),
        (
            'day_rate = "540.00"',
            'day_rate = "0.00"',
            "price book: version[0].day_rate: must be more than 0.00",
        ),
        (
            "max_roll = 1200",
            "max_roll = 500",
            "price book: version[0].tiers.premium.fees[1].max_roll: bands must rise: 500 is not above 600",
        ),
        (
            "max_roll = 1200",
            "max_roll = 600",
            "price book: version[0].tiers.premium.fees[1].max_roll: bands must rise: 600 is not above 600",
        ),
        (
            "max_roll = 600, ",
            "",
            "price book: version[0].tiers.premium.fees[0].max_roll: only the last band may be open-ended",
        ),
        (
            '{ fee = "12000.00" }',
            '{ max_roll = 2000, fee = "12000.00" }',
            "price book: version[0].tiers.premium.fees[2].max_roll: the last band must be open-ended",
        ),
        (
            "max_roll = 600",
            "max_roll = 0",
            "price book: version[0].tiers.premium.fees[0].max_roll: must be greater than or equal to 1",
        ),
        (
            "[version.tiers.initial]",
            "[version.tiers.basic]",
            "price book: version[0].tiers.basic: unknown tier (use premium and initial)",
        ),
        (
            'code = "coaching_session"',
            'code = "cpd_place"',
            'price book: version[0].items[5].code: duplicate item code "cpd_place"',
        ),
        (
            'code = "casework_day"',
            'code = "extra_day"',
            'price book: version[0].items: must include a "casework_day" item',
        ),
        (
            'price = "555.00"',
            'price = "550.00"',
            "price book: version[1].items[0].price: must equal day_rate 555.00",
        ),
        ('day_rate = "555.00"', 'day_rat = "555.00"', "price book: version[1].day_rat: is not a known key"),
        (
            "whole_class = 3",
            "whole_class = -3",
            'price book: version[0].tiers.premium.entitlements.whole_class: must be a whole number (0 or more) or "unlimited", not -3',
        ),
        (
            'casework = "unlimited"',
            'casework = "no cap"',
            "price book: version[0].tiers.premium.entitlements.casework: must be a whole number",
        ),
        (
            "coaching = 4",
            "mentoring = 4",
            "price book: version[0].tiers.premium.entitlements.mentoring: unknown service",
        ),
        (
            'standard = "20.00"',
            "standard = 20.0",
            'price book: vat_rates[1].standard: must be a decimal string like "20.00"',
        ),
        (
            'standard = "20.00"',
            'standard = "-20.00"',
            "price book: vat_rates[1].standard: must be a percentage from 0 to 100",
        ),
        (
            "from = 2011-01-04",
            "from = 2010-01-01",
            "price book: vat_rates[1].from: two rates start on 2010-01-01",
        ),
        (
            'annual_rate = "24.00"',
            "annual_rate = 24.0",
            'price book: council.interest.annual_rate: must be a decimal string like "20.00"',
        ),
        ('la_code = "204"', "la_code = 204", "price book: council.la_code: must be a string"),
        (
            'la_code = "204"',
            'la_code = "2040"',
            "price book: council.la_code: must be a 3-digit LA code like \"204\", not '2040'",
        ),
        (
            'sort_code = "00-00-00"',
            'sort_code = "000000"',
            'price book: council.bacs.sort_code: must look like "20-00-00"',
        ),
        (
            'account_number = "12345678"',
            'account_number = "1234"',
            "price book: council.bacs.account_number: must be 8 digits",
        ),
        (
            'vat_number = "GB 000 0000 00"',
            'vat_number = "12345"',
            "price book: council.vat_number: must be a UK VAT number",
        ),
        (
            'credit_note_prefix = "CN-"',
            'credit_note_prefix = "INV-"',
            "price book: council.credit_note_prefix: must differ from invoice_prefix",
        ),
        (
            'invoice_prefix = "INV-"',
            'invoice_prefix = "INVOICE-NO-"',
            "price book: council.invoice_prefix: must be 1 to 6 characters",
        ),
        (
            # Seven characters plus six digits would still fit 18, but numbering keeps 12 for digits.
            'invoice_prefix = "INV-"',
            'invoice_prefix = "INVOICE"',
            "price book: council.invoice_prefix: must be 1 to 6 characters",
        ),
        (
            "payment_terms_days = 30",
            "payment_terms_days = 0",
            "price book: council.payment_terms_days: must be greater than or equal to 1",
        ),
        ('prefix = "C"', 'prefix = "c"', "price book: council.case_refs.prefix: "),
        ('prefix = "C"', 'prefix = "CASES"', "price book: council.case_refs.prefix: "),
        ("serial_digits = 4", "serial_digits = 9", "price book: council.case_refs.serial_digits: "),
        ('name = "Borough of Eastbury Council"\n', "", "price book: council.name: is required"),
        ("[council.bacs]", "[council.bacs", "price book: not valid TOML: "),
    ],
)
def test_a_bad_price_book_is_refused_naming_the_key(old: str, new: str, expected: str) -> None:
    assert refused(edited(old, new)).startswith(expected)


def test_each_version_must_price_both_tiers() -> None:
    start = SAMPLE.index("[version.tiers.initial]")
    end = SAMPLE.index("[[version]]", start)
    text = SAMPLE[:start] + SAMPLE[end:]
    assert refused(text).startswith(
        "price book: version[0].tiers.initial: is required (every version prices both tiers)"
    )


def test_a_price_book_needs_versions_and_vat_rates() -> None:
    no_versions = SAMPLE[: SAMPLE.index("# Day rate and hours")]
    assert refused(no_versions) == "price book: version: is required"
    no_rates = re.sub(r"\[\[vat_rates\]\]\nfrom = [0-9-]+\nstandard = \"[0-9.]+\"\n", "", SAMPLE)
    assert refused(no_rates) == "price book: vat_rates: is required"
    empty = no_rates.replace("[council]\n", "vat_rates = []\n\n[council]\n", 1)
    assert refused(empty).startswith("price book: vat_rates: must list at least one dated rate")


def test_the_source_names_the_file_in_the_message() -> None:
    with pytest.raises(PriceBookError, match=r"^prices-2020\.toml: version\[1\]\.tiers"):
        parse_pricebook(edited('fee = "9250.00"', "fee = 9250.0"), source="prices-2020.toml")


def test_more_problems_are_counted_on_the_same_line() -> None:
    text = edited('price = "95.00"', "price = 95.0").replace('price = "150.00"', "price = 150.0", 1)
    assert refused(text) == (
        'price book: version[0].items[2].price: must be a decimal string like "540.00" (and 1 more)'
    )


def test_price_book_error_is_invalid_input() -> None:
    assert issubclass(PriceBookError, InvalidInput)
    assert PriceBookError("x").code == "invalid_input"


def test_money_is_normalised_to_pence(book: PriceBookFile) -> None:
    text = edited('price = "95.00"', 'price = "95"')
    assert parse_pricebook(text).versions[0].item("cpd_place").price == Decimal("95.00")
    assert str(parse_pricebook(text).versions[0].item("cpd_place").price) == "95.00"


def test_hours_per_day_may_be_a_toml_integer() -> None:
    text = edited('hours_per_day = "6"', "hours_per_day = 7")
    assert parse_pricebook(text).versions[0].hours_per_day == Decimal(7)


def test_models_are_frozen(book: PriceBookFile) -> None:
    with pytest.raises(ValueError, match="frozen"):
        book.versions[0].day_rate = Decimal("1.00")  # type: ignore[misc]


# --- JSON storage -------------------------------------------------------------------------


def test_version_round_trips_through_json_losslessly(book: PriceBookFile) -> None:
    for version in book.versions:
        document = version_to_json(version)
        assert version_from_json(json.loads(json.dumps(document))) == version


def test_version_json_keeps_money_as_strings_and_no_cap_as_null(book: PriceBookFile) -> None:
    document = version_to_json(book.versions[0])
    assert document["day_rate"] == "540.00"
    assert document["hours_per_day"] == "6"
    assert document["day_increment"] == "0.5"
    assert document["items"][0] == {
        "code": "casework_day",
        "name": "Direct casework: extra case (per day, at the day rate)",
        "unit": "day",
        "price": "540.00",
        "vat_code": "S",
        "service": "casework",
    }
    premium = document["tiers"]["premium"]
    assert premium["fees"] == [
        {"max_roll": 600, "fee": "9000.00"},
        {"max_roll": 1200, "fee": "10500.00"},
        {"max_roll": None, "fee": "12000.00"},
    ]
    assert premium["entitlements"]["casework"] is None
    assert "float" not in json.dumps(document)  # every number that is money is a string
    assert not any(isinstance(v, float) for v in _leaves(document))


def _leaves(node: object) -> list[object]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [node]


def test_a_stored_version_is_checked_again(book: PriceBookFile) -> None:
    document = version_to_json(book.versions[0])
    document["day_rate"] = 540.0
    with pytest.raises(
        PriceBookError,
        match=r'^stored price book version: day_rate: must be a decimal string like "540\.00"$',
    ):
        version_from_json(document)


def test_council_and_vat_rates_round_trip_through_json(book: PriceBookFile) -> None:
    stored = json.loads(json.dumps(council_to_json(book.council)))
    assert stored["interest"] == {"annual_rate": "24.00", "basis_days": 365, "charge_own_maintained": False}
    assert council_from_json(stored) == book.council
    rates = json.loads(json.dumps(vat_rates_to_json(book.vat_rates)))
    assert rates[1] == {"from": "2011-01-04", "standard": "20.00"}
    assert vat_rates_from_json(rates) == book.vat_rates


def test_case_references_follow_the_councils_pattern_default_c25_0001(book: PriceBookFile) -> None:
    refs = book.council.case_refs
    assert (refs.prefix, refs.serial_digits, refs.pattern) == ("C", 4, r"^C\d{2}-\d{4}$")
    assert refs.make(2025, 1) == "C25-0001"
    assert refs.make(2099, 123) == "C99-0123"


def test_a_council_stored_before_case_references_were_a_setting_reads_back_with_the_default(
        book: PriceBookFile) -> None:
    stored = json.loads(json.dumps(council_to_json(book.council)))
    del stored["case_refs"]
    assert council_from_json(stored).case_refs == CaseRefs()
    assert "[council.case_refs]" in sample_pricebook_text()


def test_models_can_be_built_in_code_with_decimals(book: PriceBookFile) -> None:
    council = Council.model_validate(council_to_json(book.council))
    assert council == book.council
    version = Version(
        year="2030/31",
        day_rate=Decimal("700"),
        hours_per_day=Decimal("6.5"),
        items=[book.versions[0].item(CASEWORK_DAY).model_copy(update={"price": Decimal("700.00")})],
        tiers={"premium": book.versions[0].tier("premium"), "initial": book.versions[0].tier("initial")},
    )
    assert version.day_rate == Decimal("700.00")
    assert version.day_increment == Decimal("0.5")  # the rules' default: half a day
    assert version.academic_year == AcademicYear(2030)
