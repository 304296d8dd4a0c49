"""Document number format and BACS references (domain-rules §7).

Numbers are handed out by billing/ from a locked sequence; this module only
says what a number looks like, and finds numbers again inside the free-text
reference a school types into its bank's payment screen.

A number must survive as a BACS payment reference: at most 18 characters of
A–Z, 0–9 and ``-``.
"""

from __future__ import annotations

import re

from pricing.errors import InvalidInput

BACS_REFERENCE_MAX = 18
PREFIX_MAX = 6
_BACS_CHARS = re.compile(r"[A-Z0-9-]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def validate_bacs_reference(text: str) -> str:
    """Return ``text`` if it fits a BACS reference (1–18 of A–Z, 0–9, ``-``), else refuse (§7)."""
    if not isinstance(text, str) or not text:
        raise InvalidInput(f"Reference {text!r} is empty; a BACS reference needs 1 to 18 characters.")
    if len(text) > BACS_REFERENCE_MAX:
        raise InvalidInput(f'Reference "{text}" is {len(text)} characters; a BACS reference allows 18.')
    if not _BACS_CHARS.fullmatch(text):
        raise InvalidInput(f'Reference "{text}" may use only capital letters A-Z, digits and "-".')
    return text


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is 1–6 of A–Z, 0–9, ``-`` (leaving 12 characters for digits), else refuse."""
    if not isinstance(prefix, str) or not 1 <= len(prefix) <= PREFIX_MAX or not _BACS_CHARS.fullmatch(prefix):
        raise InvalidInput(
            f"Number prefix {prefix!r} must be 1 to {PREFIX_MAX} characters of capital letters A-Z, digits and \"-\"."
        )
    if not re.search(r"[A-Z0-9]", prefix):
        raise InvalidInput(f'Number prefix "{prefix}" needs at least one letter or digit.')
    return prefix


def format_number(prefix: str, seq: int, width: int = 6) -> str:
    """``("INV-", 123)`` → ``"INV-000123"``: the prefix and the sequence zero-padded to ``width``.

    A sequence longer than ``width`` digits keeps all its digits; the result
    must still fit a BACS reference (§7), so it is refused beyond 18 characters.
    """
    validate_prefix(prefix)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidInput(f"Sequence number {seq!r} must be a whole number from 1.")
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= BACS_REFERENCE_MAX - len(prefix):
        raise InvalidInput(f'Number width {width!r} does not fit a BACS reference after prefix "{prefix}".')
    return validate_bacs_reference(f"{prefix}{seq:0{width}d}")


def normalise_reference(text: str) -> str:
    """Upper-case ``text`` and keep only A–Z and 0–9, as banks often do with a reference."""
    return _NOT_ALNUM.sub("", text.upper())


def _number_pattern(prefix: str) -> re.Pattern[str]:
    # Any run of punctuation or spaces may sit between the prefix's characters and
    # before the digits ("inv 000123", "I.N.V-000123"); the digits themselves are one run.
    gap = r"[^A-Za-z0-9]*"
    core = normalise_reference(prefix)
    body = gap.join(re.escape(ch) for ch in core)
    return re.compile(body + gap + r"(\d+)(?!\d)", re.IGNORECASE)


def find_numbers(text: str, prefix: str, width: int = 6) -> list[str]:
    """Document numbers (as :func:`format_number` writes them) found in a free-text bank reference.

    Case, spaces and punctuation are ignored and dropped leading zeros restored:
    ``"inv 000123 thanks"``, ``"INV-000123/ACME"`` and ``"Inv 123"`` all find
    ``"INV-000123"``. Each number is listed once, in order of appearance.
    Used for matching payments to invoices (§7: numbers fit a BACS reference so
    that payments can be matched back).
    """
    validate_prefix(prefix)
    found: list[str] = []
    for match in _number_pattern(prefix).finditer(text):
        seq = int(match.group(1))
        if seq < 1:
            continue
        try:
            number = format_number(prefix, seq, width)
        except InvalidInput:
            continue  # too many digits to be one of ours (a phone or account number)
        if number not in found:
            found.append(number)
    return found
