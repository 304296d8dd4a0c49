"""The Subject line's raw bytes (billing.mail_mime.subject_header): non-empty encoded words, folded at 78."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from billing.mail_mime import prepare_message, subject_header

ENCODED_WORD = re.compile(rb"=\?utf-8\?q\?([^?]*)\?=")


def _subject_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith((b" ", b"\t")))
    return lines[start:end]


def test_a_pound_sign_is_one_non_empty_encoded_word_in_the_raw_message() -> None:
    subject = "Invoice INV-000123 from Borough of Eastbury Council: £4,500.00 due 2026-01-01"
    data = prepare_message(sender_header="Borough of Eastbury Council <traded@eastbury.example>", reply_to=None,
                           recipients=["finance@school.example"], subject=subject, text="Hello\n",
                           html="<p>Hello</p>", message_id="<x@eastbury.example>",
                           attachments=[]).at(datetime(2026, 1, 2, tzinfo=UTC)).data
    assert _subject_lines(data) == [b"Subject: Invoice INV-000123 from Borough of Eastbury Council:",
                                    b" =?utf-8?q?=C2=A34=2C500=2E00?= due 2026-01-01"]
    assert b"?q??=" not in data
    assert message_from_bytes(data, policy=default)["Subject"] == subject


@pytest.mark.parametrize("subject", [
    "Credit note CN-000012 from Cyngor Bwrdeistref Sirol Ynys Môn / Isle of Anglesey County Council: £4,500.00",
    "First reminder from Borough of Eastbury Council: £12,345.67 overdue",
    "Ŵ" * 120,
    "Statement £ ££ £££ " + "Ysgol Gymraeg Bro Ŵyr " * 8,
    "Looks encoded =?utf-8?q?x?= but is not",
    "Tab\tand  two spaces £1.00",
])
def test_every_subject_reads_back_from_lines_of_at_most_78_and_words_of_at_most_75(subject: str) -> None:
    raw = subject_header(subject)
    lines = raw.removesuffix(b"\r\n").split(b"\r\n")
    assert raw.isascii() and all(len(line) <= 78 for line in lines)
    words = ENCODED_WORD.findall(raw)
    assert words and all(words) and all(len(word) + 12 <= 75 for word in words)
    assert message_from_bytes(raw + b"\r\n", policy=default)["Subject"] == subject


def test_a_short_plain_subject_is_written_as_it_is() -> None:
    assert subject_header("Statement") == b"Subject: Statement\r\n"


def test_a_subject_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        subject_header("Invoice\r\nBcc: everyone@example.org")
