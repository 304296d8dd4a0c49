"""The bytes of an outgoing email, written directly (issue 17): text and HTML alternatives, PDFs attached.

``email.message.EmailMessage`` parses every header it is given and walks the
whole tree again to print it: about ten milliseconds a message, more than the
PDF takes to render. The structure here is fixed (multipart/mixed holding a
multipart/alternative and the PDFs), so it is written in one pass: bodies in
quoted-printable UTF-8, attachments in base64, and only the headers that can
hold anything unusual (From, To, Reply-To, Subject) folded and encoded by the
standard library's SMTP policy. The Date header is left out until the message
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
    head += header("Subject", subject)
    alternative = _multipart("alternative", _boundary(), [_text_part("plain", text), _text_part("html", html)])
    body = _multipart("mixed", _boundary(), [alternative, *(_pdf_part(name, data) for name, data in attachments)])
    rest = (header("Message-ID", message_id)
            + b"Auto-Submitted: auto-generated\r\n"  # RFC 3834: out-of-office replies are not sent back
            + b"MIME-Version: 1.0\r\n" + body)
    return Prepared(parseaddr(sender_header)[1], tuple(recipients), head, rest)
