"""Numbers fit a BACS reference (at most 18 of A-Z, 0-9, '-') and can be found in bank text (§7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.numbering import (
    find_numbers,
    format_number,
    normalise_reference,
    validate_bacs_reference,
    validate_prefix,
)
from pricing.errors import InvalidInput


class TestFormatNumber:
    def test_the_sequence_is_zero_padded_after_the_prefix(self):
        assert format_number("INV-", 123) == "INV-000123"
        assert format_number("CRN-", 1) == "CRN-000001"
        assert format_number("INV19-", 123, width=6) == "INV19-000123"
        assert format_number("INV-", 42, width=3) == "INV-042"

    def test_a_sequence_longer_than_the_width_keeps_every_digit(self):
        assert format_number("INV-", 1234567) == "INV-1234567"

    def test_a_number_that_would_pass_18_characters_is_refused(self):
        assert format_number("INV-", 10**13 + 1, width=14) == "INV-10000000000001"  # 18 exactly
        with pytest.raises(InvalidInput):
            format_number("INV-", 10**14, width=14)
        with pytest.raises(InvalidInput):
            format_number("INV-", 1, width=15)

    def test_sequences_start_at_one_and_are_whole(self):
        for bad in (0, -1, True, "7"):
            with pytest.raises(InvalidInput):
                format_number("INV-", bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("prefix", ["", "inv-", "INV_", "INV 1", "INVOICE", "--", "INV/"])
    def test_bad_prefixes_are_refused(self, prefix):
        with pytest.raises(InvalidInput):
            validate_prefix(prefix)

    @pytest.mark.parametrize("prefix", ["I", "INV-", "CRN-", "INV201", "A1-B2-"])
    def test_good_prefixes_are_accepted(self, prefix):
        assert validate_prefix(prefix) == prefix


class TestBacsReference:
    def test_eighteen_characters_fit_and_nineteen_do_not(self):
        assert validate_bacs_reference("A" * 18) == "A" * 18
        with pytest.raises(InvalidInput, match="19 characters"):
            validate_bacs_reference("A" * 19)

    @pytest.mark.parametrize("text", ["", "inv-000123", "INV 000123", "INV/000123", "INV.000123", "ÉCOLE1"])
    def test_anything_but_capitals_digits_and_hyphens_is_refused(self, text):
        with pytest.raises(InvalidInput):
            validate_bacs_reference(text)

    def test_normalising_keeps_only_capitals_and_digits(self):
        assert normalise_reference(" inv-000123 / Oak field ") == "INV000123OAKFIELD"


class TestFindNumbers:
    @pytest.mark.parametrize(
        "text",
        [
            "inv 000123 thanks",
            "INV-000123/ACME",
            "INV000123",
            "Oakfield Acad inv-000123",
            "i.n.v. 000123",
            "INV 123",
            "PAYMENT REF:INV--000123.",
        ],
    )
    def test_the_invoice_number_is_found_whatever_the_payer_typed(self, text):
        assert find_numbers(text, "INV-") == ["INV-000123"]

    def test_several_numbers_are_found_once_each_in_order(self):
        text = "INV-000124 INV000123 and inv 124 again"
        assert find_numbers(text, "INV-") == ["INV-000124", "INV-000123"]

    def test_text_without_a_number_finds_nothing(self):
        assert find_numbers("Oakfield Academy September", "INV-") == []
        assert find_numbers("INVOICE 000123", "INV-") == []  # the prefix must be followed by digits
        assert find_numbers("INV-000000", "INV-") == []

    def test_digit_runs_too_long_to_be_ours_are_ignored(self):
        assert find_numbers("INV 01234567890123456789", "INV-") == []

    def test_a_digit_run_is_not_cut_short(self):
        # "INV-0001234" is invoice 1234, not invoice 123 followed by a 4.
        assert find_numbers("INV-0001234", "INV-") == ["INV-001234"]

    def test_credit_note_numbers_are_not_mistaken_for_invoice_numbers(self):
        assert find_numbers("CRN-000123", "INV-") == []
        assert find_numbers("CRN-000123", "CRN-") == ["CRN-000123"]


prefixes = st.from_regex(r"[A-Z]{1,4}-?", fullmatch=True)
sequences = st.integers(min_value=1, max_value=999_999)


@given(prefix=prefixes, seq=sequences)
def test_every_formatted_number_is_a_valid_bacs_reference(prefix, seq):
    number = format_number(prefix, seq)
    assert validate_bacs_reference(number) == number
    assert len(number) <= 18


@given(prefix=prefixes, seq=sequences, noise=st.sampled_from([" ", "-", "/", ". ", ""]),
       before=st.sampled_from(["", "Oakfield ", "PAY "]), after=st.sampled_from(["", " thanks", "/ACME"]))
def test_a_number_survives_the_way_payers_mangle_it(prefix, seq, noise, before, after):
    number = format_number(prefix, seq)
    mangled = before + normalise_reference(prefix).lower() + noise + f"{seq:06d}" + after
    assert number in find_numbers(mangled, prefix)
