"""The bytes of an outgoing email, written directly (issue 17): text and HTML alternatives, PDFs attached.

``email.message.EmailMessage`` parses every header it is given and walks the
whole tree again to print it: about ten milliseconds a message, more than the
PDF takes to render. The structure here is fixed (multipart/mixed holding a
multipart/alternative and the PDFs), so it is written in one pass: bodies in
quoted-printable UTF-8, attachments in base64, and only the headers that can
hold anything unusual folded and encoded: the addresses (From, To, Reply-To) by
the standard library's SMTP policy, the Subject here (:func:`subject_header`),
because the policy can fold a line just before a non-ASCII word and leave an
empty encoded word (``=?utf-8?q??=``) there, which some readers show. The Date header is left out until the message
is claimed (:meth:`Prepared.at`), so a message can be prepared ahead of sending.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from functools import lru_cache

_CRLF = b"\r\n"
_PLAIN_HEADER = re.compile(r"[\x20-\x7e]*")
_PLAIN_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LINE = 78  # RFC 5322's recommended line length, CRLF excluded
_WORD = 75  # RFC 2047's longest encoded word
_OPEN, _CLOSE = "=?utf-8?q?", "?="
_Q_LITERAL = re.compile(r"[A-Za-z0-9!*+/-]")  # what may stand for itself in a Q-encoded word in any header
_TOKEN = re.compile(r"[ \t]+|[^ \t]+")
_PLAIN_WORD = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class Outgoing:
    """A stored message as it leaves: envelope and the bytes the server receives."""

    envelope_from: str
    recipients: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class Prepared:
    """A message composed but not yet dated: ``head`` and ``rest`` are the bytes either side of its Date."""

    envelope_from: str
    recipients: tuple[str, ...]
    head: bytes
    rest: bytes

    def at(self, sent_at: datetime) -> Outgoing:
        """The message as it leaves at ``sent_at`` (its Date header)."""
        return Outgoing(self.envelope_from, self.recipients,
                        self.head + header("Date", format_datetime(sent_at)) + self.rest)


def header(name: str, value: str) -> bytes:
    """One header line, CRLF-terminated: folded and RFC 2047-encoded by the SMTP policy when it must be."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header may not contain a line break")
    if len(name) + 2 + len(value) <= 78 and _PLAIN_HEADER.fullmatch(value) and "=?" not in value:
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


@lru_cache(maxsize=64)  # the sender's From and Reply-To are the same on every message of a run
def _folded(name: str, value: str) -> bytes:
    folded: str = SMTP.header_factory(name, value).fold(policy=SMTP)
    return folded.encode("ascii")


def _q(char: str) -> str:
    if char == " ":
        return "_"
    if _Q_LITERAL.fullmatch(char):
        return char
    return "".join(f"={byte:02X}" for byte in char.encode("utf-8"))


class _Folder:
    """An unstructured header written line by line, folded before whitespace so unfolding gives it back."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines = [f"{name}:"]

    def _fold_unless_fits(self, space: str, width: int) -> None:
        # A line holding only the name takes its first word however long: folding there gains nothing.
        if len(self.lines[-1]) + len(space) + width > _LINE and self.lines[-1] != f"{self.name}:":
            self.lines.append("")

    def plain(self, space: str, word: str) -> None:
        self._fold_unless_fits(space, len(word))
        self.lines[-1] += space + word

    def encoded(self, space: str, text: str) -> None:
        """``text`` as Q-encoded words, each full before the next begins and none empty.

        Whitespace between two encoded words is dropped by readers, so one run
        of text may be split between words at any character.
        """
        whole = len(_OPEN) + sum(len(_q(char)) for char in text) + len(_CLOSE)
        if whole <= _WORD:  # one word on the next line reads better than a word split across two
            self._fold_unless_fits(space, whole)
        chunk, limit = "", 0
        for char in text:
            code = _q(char)
            if chunk and len(_OPEN) + len(chunk) + len(code) + len(_CLOSE) > limit:
                self.lines[-1] += space + _OPEN + chunk + _CLOSE
                chunk, space = "", " "
            if not chunk:
                self._fold_unless_fits(space, len(_OPEN) + len(code) + len(_CLOSE))
                limit = min(_WORD, _LINE - len(self.lines[-1]) - len(space))
            chunk += code
        if chunk:
            self.lines[-1] += space + _OPEN + chunk + _CLOSE

    def bytes(self) -> bytes:
        return "".join(line + "\r\n" for line in self.lines).encode("ascii")


def subject_header(subject: str) -> bytes:
    """The Subject line: plain words as they are, each run of other words as non-empty UTF-8 encoded words.

    A word is encoded when it holds anything but printable ASCII or looks like
    the start of an encoded word (``=?``); neighbouring such words are encoded
    together with the spaces between them, which encoded words would otherwise
    swallow. Lines are folded at 78 characters where the words allow.
    """
    if "\r" in subject or "\n" in subject:
        raise ValueError("the Subject header may not contain a line break")
    if len("Subject: ") + len(subject) <= _LINE and _PLAIN_HEADER.fullmatch(subject) and "=?" not in subject:
        return f"Subject: {subject}\r\n".encode("ascii")
    folder = _Folder("Subject")
    space, run_space, run = " ", "", ""  # the whitespace before the next word; the words waiting to be encoded
    for token in _TOKEN.findall(subject):
        if token[0] in " \t":
            space += token
        elif _plain_word(token):
            if run:
                folder.encoded(run_space, run)
                run = ""
            folder.plain(space, token)
            space = ""
        else:
            if run:
                run += space + token  # between two encoded words: readers would drop it unless encoded
            else:
                run_space, run = space, token
            space = ""
    if run:
        folder.encoded(run_space, run)
    folder.lines[-1] += space
    return folder.bytes()


def _plain_word(word: str) -> bool:
    return bool(_PLAIN_WORD.fullmatch(word)) and "=?" not in word


def _text_part(subtype: str, text: str) -> bytes:
    # Line ends as EmailMessage.set_content makes them: each line ended, CRLF on the wire.
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    encoded = binascii.b2a_qp(body, quotetabs=False, istext=True, header=False).replace(b"\n", _CRLF)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode("ascii") + encoded


def _disposition(filename: str) -> bytes:
    if _PLAIN_FILENAME.fullmatch(filename) and len(filename) <= 60:
        return f'Content-Disposition: attachment; filename="{filename}"\r\n'.encode("ascii")
    part = EmailMessage(policy=SMTP)  # an unusual name: RFC 2231 encoding, as the standard library does it
    part["Content-Disposition"] = "attachment"
    part.set_param("filename", filename, header="Content-Disposition")
    return header("Content-Disposition", str(part["Content-Disposition"]))


def _pdf_part(filename: str, data: bytes) -> bytes:
    return (b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n" + _disposition(filename)
            + _CRLF + base64.encodebytes(data).replace(b"\n", _CRLF))


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    # A delimiter's leading CRLF belongs to it, not to the part before (RFC 2046 §5.1.1).
    delimiter = f"--{boundary}".encode("ascii")
    body = b"".join(delimiter + _CRLF + part + _CRLF for part in parts) + delimiter + b"--" + _CRLF
    return f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'.encode("ascii") + body


def _boundary() -> str:
    # "=_" appears in neither quoted-printable ("=" is written =3D) nor base64, so it cannot occur in a part.
    return f"=_{secrets.token_hex(16)}"


def prepare_message(*, sender_header: str, reply_to: str | None, recipients: list[str], subject: str, text: str,
                    html: str, message_id: str, attachments: list[tuple[str, bytes]]) -> Prepared:
    """The MIME message: text and HTML alternatives, each PDF attached, headers of transactional mail."""
    head = header("From", sender_header) + header("To", ", ".join(recipients))
    if reply_to:
        head += header("Reply-To", reply_to)
    head += subject_header(subject)
    alternative = _multipart("alternative", _boundary(), [_text_part("plain", text), _text_part("html", html)])
    body = _multipart("mixed", _boundary(), [alternative, *(_pdf_part(name, data) for name, data in attachments)])
    rest = (header("Message-ID", message_id)
            + b"Auto-Submitted: auto-generated\r\n"  # RFC 3834: out-of-office replies are not sent back
            + b"MIME-Version: 1.0\r\n" + body)
    return Prepared(parseaddr(sender_header)[1], tuple(recipients), head, rest)
