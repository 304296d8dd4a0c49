"""pricing.text: the one check on text people type (issue 14)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.errors import InvalidInput, TradedError
from pricing.text import (
    EMAIL_MAX,
    REASON_MAX,
    clean_email,
    clean_line,
    clean_lines,
    clean_optional_line,
    clean_phone,
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


@pytest.mark.parametrize(("typed", "kept"), [
    ("finance@stokenewington.example", "finance@stokenewington.example"),
    (" Ann.Smith@StokeNewington.Sch.UK ", "Ann.Smith@stokenewington.sch.uk"),  # the domain in lower case
    ("bursar+invoices@xn--bcher-kva.example", "bursar+invoices@xn--bcher-kva.example"),
    ("o'neill_j-2@school-1.example", "o'neill_j-2@school-1.example"),
    ("a@b.co", "a@b.co"),
])
def test_an_email_address_is_one_address_with_a_domain(typed: str, kept: str) -> None:
    assert clean_email(typed) == kept


@pytest.mark.parametrize(("typed", "why"), [
    ("finance@school", "the domain needs a dot"),
    ("finance.school.example", "exactly one @"),
    ("finance@@school.example", "exactly one @"),
    ("a@b@school.example", "exactly one @"),
    ("@school.example", "nothing before the @"),
    ("finance@school.example, head@school.example", "one address alone"),
    ("finance@school.example;head@school.example", "one address alone"),
    ("Ann Smith <ann@school.example>", "one address alone"),
    ("ann smith@school.example", "one address alone"),
    (".ann@school.example", "single dots"),
    ("ann.@school.example", "single dots"),
    ("ann..smith@school.example", "single dots"),
    ("\"ann\"@school.example", "single dots"),
    ("zoë@school.example", "only ASCII letters"),
    ("ann@schüle.example", "ASCII form (xn--...)"),
    ("ann@-school.example", "is not a domain name"),
    ("ann@school-.example", "is not a domain name"),
    ("ann@school..example", "is not a domain name"),
    ("ann@school.example.", "is not a domain name"),
    ("ann@school_1.example", "is not a domain name"),
    ("ann@192.168.0.1", "is not a domain name"),
    ("a" * 65 + "@school.example", "65 characters long: at most 64"),
    ("ann@" + "a" * 64 + ".example", "is not a domain name"),  # a label is at most 63
])
def test_anything_but_one_plain_address_is_refused_in_one_line(typed: str, why: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_email(typed, "email")
    assert refused.value.code == "bad_email"
    assert refused.value.message.startswith(f"email {typed.strip()!r} is not an email address: ")
    assert why in refused.value.message


def test_an_email_address_is_bounded_and_holds_no_control_character() -> None:
    longest = "a" * 64 + "@" + ".".join(["b" * 61, "b" * 61, "b" * 57]) + ".example"
    assert len(longest) == EMAIL_MAX == 254
    assert clean_email(longest) == longest
    with pytest.raises(InvalidInput, match="^email is 255 characters long: at most 254 are allowed$"):
        clean_email(longest + "s")
    for bad in ("ann@school.example\n", "ann\x1b[31m@school.example", "ann@school.example\u202e", "ann\t@b.example"):
        with pytest.raises(InvalidInput) as refused:
            clean_email(bad)
        assert refused.value.code == "bad_text" and escape_controls(refused.value.message) == refused.value.message
    with pytest.raises(InvalidInput, match="^contact email must not be empty$"):
        clean_email("  ", "contact email")


def test_a_telephone_number_is_digits_with_spaces_and_an_extension() -> None:
    for typed in ("020 7946 0000", "+44 (0)20 7946 0000", "+44 20 7946 0000 ext 204", "07700 900123x12",
                  "020-7946-0000", "0207946000"):
        assert clean_phone(f" {typed} ") == typed
    assert clean_phone(None) is None and clean_phone("  ") is None
    for bad in ("12345", "call the office", "020 7946 0000 or 0207 946 0001", "0" * 16, "ext 204", "+44 20 7946 abc"):
        with pytest.raises(InvalidInput) as refused:
            clean_phone(bad)
        assert refused.value.code == "bad_phone", bad
        assert refused.value.message.startswith(f"phone {bad!r} is not a telephone number: 7 to 15 digits")
    with pytest.raises(InvalidInput, match="at most 30"):
        clean_phone("0" * 31)
    with pytest.raises(InvalidInput, match=r"\\x07"):
        clean_phone("020 7946 0000\x07")


@given(st.text(max_size=80))
def test_whatever_email_is_accepted_is_one_ascii_address_with_a_dotted_domain(text: str) -> None:
    try:
        value = clean_email(text)
    except InvalidInput as exc:
        assert "\n" not in exc.message and escape_controls(exc.message) == exc.message
        return
    local, domain = value.split("@")
    assert value.isascii() and local and "." in domain and domain == domain.lower()
    assert not any(ch.isspace() or ch in ",;<>" for ch in value)
