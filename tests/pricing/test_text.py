"""pricing.text: the one check on text people type (issue 14)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import InvalidInput, TradedError
from pricing.text import (
    REASON_MAX,
    clean_line,
    clean_lines,
    clean_optional_line,
    clean_reason,
    escape_controls,
)

CONTROLS = ["\x00", "\x07", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x85",
            "\x9b", "\x9f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
            "\u2069", "\u2028", "\u2029", "\udcff"]


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_control_character_anywhere_in_a_line_is_refused_and_shown_escaped(ch: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_line(f"St Mary{ch}s", "school name", 200)
    message = refused.value.message
    assert message.startswith("school name has ") and "at character 8" in message
    assert refused.value.code == "bad_text"
    assert ch not in message and "\n" not in message
    assert escape_controls(ch) in message


def test_the_message_names_the_character() -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_line("Acme\x1b[31m Academy", "school name", 200)
    assert refused.value.message == (r"school name has an escape (terminal control) (\x1b) at character 5: "
                                     "only one line of plain text is allowed")
    with pytest.raises(InvalidInput, match=r"a bidirectional-text override \(\\u202e\)"):
        clean_line("Invoice \u202efdp.exe", "reason", 500)
    with pytest.raises(InvalidInput, match=r"a line break \(\\n\) at character 10"):
        clean_line("Sam Patel\n", "staff name", 120)  # a trailing line break is refused, not trimmed


def test_plain_text_is_trimmed_and_kept() -> None:
    assert clean_line("  St Mary's C of E (VA) – Hackney  ", "school name", 200) == "St Mary's C of E (VA) – Hackney"
    assert clean_line("Ysgol Gymraeg Llundain — Ŵ", "school name", 200) == "Ysgol Gymraeg Llundain — Ŵ"
    assert clean_line("=HYPERLINK(\"http://x\",\"y\")", "school name", 200).startswith("=")  # CSV's concern


def test_lengths_are_bounded_and_empty_is_refused() -> None:
    assert clean_line("x" * 200, "school name", 200) == "x" * 200
    with pytest.raises(InvalidInput, match="^school name is 201 characters long: at most 200 are allowed$"):
        clean_line("x" * 201, "school name", 200)
    with pytest.raises(InvalidInput, match="^school name must not be empty$"):
        clean_line("   ", "school name", 200)
    assert clean_optional_line(None, "postcode", 10) is None
    assert clean_optional_line("  ", "postcode", 10) is None
    with pytest.raises(InvalidInput, match="must be text"):
        clean_line(12, "school name", 200)  # type: ignore[arg-type]


def test_an_address_may_break_lines_but_hold_no_other_control() -> None:
    assert clean_lines("1 Civic Square\r\n Eastbury \n\nEB1 1AA", "address", 400) == "1 Civic Square\nEastbury\nEB1 1AA"
    assert clean_lines("1 Civic Square, Eastbury", "address", 400) == "1 Civic Square, Eastbury"
    assert clean_lines(None, "address", 400) is None
    for bad in ("1 Civic Square\rEastbury", "1 Civic Square\tEastbury", "Eastbury\x1b[2J", "Eastbury\u2028EB1"):
        with pytest.raises(InvalidInput, match="only plain text, with line breaks between lines, is allowed"):
            clean_lines(bad, "address", 400)
    with pytest.raises(InvalidInput, match="at most 400"):
        clean_lines("x" * 401, "address", 400)
    with pytest.raises(InvalidInput, match="^address has 9 lines: at most 8 are allowed$"):
        clean_lines("\n".join("abcdefghi"), "address", 400)


def test_a_reason_is_one_line_of_at_most_500_characters() -> None:
    assert REASON_MAX == 500
    assert clean_reason(" One day charged twice ") == "One day charged twice"
    with pytest.raises(InvalidInput, match="^credit note reason is 501 characters long: at most 500 are allowed$"):
        clean_reason("x" * 501, "credit note reason")
    with pytest.raises(InvalidInput, match="required"):
        clean_reason("  ")
    with pytest.raises(InvalidInput, match="line break"):
        clean_reason("Raised in error\nJamie Smith, DOB 02/03/2014")


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_one_printable_line(text: str) -> None:
    try:
        value = clean_line(text, "name", 60)
    except InvalidInput as exc:
        assert "\n" not in exc.message
        return
    assert value == value.strip() and value
    assert escape_controls(value) == value


def test_every_refusal_message_shows_control_characters_escaped() -> None:
    assert TradedError('no invoice numbered "INV\x1b[2J\n"').message == r'no invoice numbered "INV\x1b[2J\n"'
