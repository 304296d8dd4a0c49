"""The one check on text people type: printable, on one line (or a few, for an address), bounded.

Names, addresses, references, purchase-order numbers and reasons end up in terminal
output, PDFs, CSV files and the audit trail. A control character there can move the
cursor or recolour a terminal (ESC, ANSI escapes), ring its bell (BEL), split one
record into two lines, or (Unicode bidi overrides) make text read differently from
what is stored. So every such field is refused, in one line that names the field and
shows the offending character escaped (``\\x1b``), never raw:

- C0 controls U+0000–U+001F (tab, newline and carriage return included), DEL U+007F
  and C1 controls U+0080–U+009F;
- the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069;
- the line and paragraph separators U+2028 and U+2029 (line breaks in disguise);
- lone surrogates (what undecodable bytes on a command line become): not text.

An address may hold line breaks between its lines (``\\r\\n`` is read as ``\\n``); no
other field may. Lengths are bounded by the width of the column that stores them.
Surrounding spaces are trimmed; nothing else is changed.

An email address a document will be sent to (:func:`clean_email`) and a telephone
number (:func:`clean_phone`) are checked for their shape as well.
"""

from __future__ import annotations

import re

from pricing.errors import InvalidInput

REASON_MAX = 500
"""Free-text reasons (credit notes, waivers, refunds) are printed on documents schools see."""
REASON_HELP = (f"Printed on documents the school sees (credit note, statement): one line, at most {REASON_MAX} "
               "characters. Never name a pupil or give a pupil's details; quote a case reference instead.")
"""The help of every ``--reason`` option."""

_NAMES = {
    "\n": "a line break", "\r": "a carriage return", "\t": "a tab", "\x1b": "an escape (terminal control)",
    "\x07": "a bell", "\x00": "a NUL", "\x7f": "a delete", "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


def _forbidden(ch: str) -> bool:
    code = ord(ch)
    return (code < 0x20 or 0x7F <= code <= 0x9F or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069
            or code in (0x2028, 0x2029) or 0xD800 <= code <= 0xDFFF)


def escaped(ch: str) -> str:
    """How a forbidden character is shown in a message: ``\\n``, ``\\x1b``, ``\\u202e``."""
    code = ord(ch)
    if ch in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every forbidden character shown escaped: safe to print on one line."""
    return "".join(escaped(ch) if _forbidden(ch) else ch for ch in text)


def _kind(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMES:
        return _NAMES[ch]
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "a bidirectional-text override"
    if 0xD800 <= code <= 0xDFFF:
        return "bytes that are not UTF-8 text"
    return "a control character"


def _refuse_controls(text: str, what: str, allowed: str, rule: str) -> None:
    for at, ch in enumerate(text, start=1):
        if ch not in allowed and _forbidden(ch):
            raise InvalidInput(f"{what} has {_kind(ch)} ({escaped(ch)}) at character {at}: {rule}",
                               code="bad_text")


def _bounded(text: str, what: str, max_len: int) -> str:
    if len(text) > max_len:
        raise InvalidInput(f"{what} is {len(text)} characters long: at most {max_len} are allowed")
    return text


def _is_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    return value


def clean_line(text: str, what: str, max_len: int) -> str:
    """``text`` as one trimmed line of plain text, at most ``max_len`` characters, not empty.

    ``what`` names the field in the refusal ("school name"). Control characters,
    bidi overrides and line breaks are refused, not silently removed.
    """
    value = clean_optional_line(text, what, max_len)
    if value is None:
        raise InvalidInput(f"{what} must not be empty")
    return value


def clean_optional_line(text: str | None, what: str, max_len: int) -> str | None:
    """As :func:`clean_line`, but ``None`` or blank text means "not given" (``None``)."""
    if text is None:
        return None
    _refuse_controls(_is_text(text, what), what, "", "only one line of plain text is allowed")
    return _bounded(text.strip(), what, max_len) or None


def clean_lines(text: str | None, what: str, max_len: int, max_lines: int = 8) -> str | None:
    """A few lines of plain text (an address): line breaks only between lines, nothing else.

    ``\\r\\n`` is read as ``\\n``; each line is trimmed and blank lines are dropped.
    ``None`` or blank text means "not given" (``None``).
    """
    if text is None:
        return None
    value = _is_text(text, what).replace("\r\n", "\n")
    _refuse_controls(value, what, "\n", "only plain text, with line breaks between lines, is allowed")
    lines = [line.strip() for line in value.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) > max_lines:
        raise InvalidInput(f"{what} has {len(lines)} lines: at most {max_lines} are allowed")
    return _bounded("\n".join(lines), what, max_len) or None


def clean_reason(text: str, what: str = "reason", max_len: int = REASON_MAX) -> str:
    """A reason given for a credit, a waiver or a refund: one line, at most ``max_len`` characters.

    Reasons are printed on statements and credit notes that schools see, so they
    must never name a pupil; the engine cannot recognise a name, so the commands'
    help says so, and the bound keeps a pasted case note out.
    """
    if text is None or not _is_text(text, what).strip():
        raise InvalidInput(f"{what} is required: say briefly why")
    return clean_line(text, what, max_len)


EMAIL_MAX = 254
"""The longest address SMTP carries (RFC 5321: a 256-octet path less its angle brackets)."""
_LOCAL_MAX = 64
_DOMAIN_MAX = 253
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*", re.ASCII)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)


def clean_email(text: str, what: str = "email", max_len: int = EMAIL_MAX) -> str:
    """One email address a document can be sent to: ``name@school.example``, its domain in lower case.

    Refused (one line, code ``bad_email``): anything but one address (no spaces,
    commas, semicolons, a second ``@``, or a display name with ``<...>``); a part
    before the ``@`` that is not plain ASCII (letters, digits, ``.`` between
    them, and ``!#$%&'*+/=?^_`{|}~-``), or longer than 64 characters; a domain
    without a dot, with an empty or malformed label, or not in ASCII (a domain
    in another script is given in its ``xn--`` form); all of it at most
    ``max_len`` characters. Control characters are refused as in every other field.
    """
    value = clean_line(text, what, max_len)

    def refuse(why: str) -> InvalidInput:
        return InvalidInput(f"{what} {value!r} is not an email address: {why}", code="bad_email")

    if any(ch.isspace() for ch in value) or any(ch in value for ch in ",;<>"):
        raise refuse("give one address alone, e.g. finance@school.example (no spaces, names or lists)")
    if value.count("@") != 1:
        raise refuse("it needs exactly one @, between the mailbox and the domain")
    local, domain = value.split("@")
    if not local:
        raise refuse("there is nothing before the @")
    if len(local) > _LOCAL_MAX:
        raise refuse(f"the part before the @ is {len(local)} characters long: at most {_LOCAL_MAX} are allowed")
    if not _LOCAL.fullmatch(local):
        raise refuse("before the @ only ASCII letters, digits and !#$%&'*+/=?^_`{|}~- are allowed, "
                     "with single dots between them")
    if not domain.isascii():
        raise refuse("give the domain in its ASCII form (xn--...)")
    domain = domain.lower()
    labels = domain.split(".")
    if len(labels) < 2:
        raise refuse("the domain needs a dot, e.g. school.example")
    if len(domain) > _DOMAIN_MAX or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise refuse(f"{domain!r} is not a domain name (letters, digits and hyphens, with dots between)")
    return f"{local}@{domain}"


PHONE_MAX = 30
_PHONE = re.compile(r"(?P<number>\+?[0-9(][0-9 ()\-.]*?)(?:\s*(?:ext\.?|x)\s*(?P<ext>[0-9]{1,6}))?",
                    re.ASCII | re.IGNORECASE)


def clean_phone(text: str | None, what: str = "phone", max_len: int = PHONE_MAX) -> str | None:
    """A telephone number as typed (``020 7946 0000``, ``+44 20 7946 0000 ext 204``), or ``None`` if blank.

    Digits, spaces, ``+`` at the start, ``( ) - .``, and an extension after
    ``ext`` or ``x``; 7 to 15 digits before the extension (E.164 has at most 15).
    """
    value = clean_optional_line(text, what, max_len)
    if value is None:
        return None
    match = _PHONE.fullmatch(value)
    digits = sum(ch.isdigit() for ch in match.group("number")) if match else 0
    if not 7 <= digits <= 15:
        raise InvalidInput(f"{what} {value!r} is not a telephone number: 7 to 15 digits, with spaces, + ( ) - "
                           "and an extension (ext 204) if need be", code="bad_phone")
    return value
