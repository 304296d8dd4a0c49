"""The bytes an outgoing email is written as (billing.mail_mime), read back by the standard library's parser."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from billing.mail_mime import prepare_message

AT = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
PDF = bytes(range(256)) * 30


def _read(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=default)
    assert isinstance(parsed, EmailMessage)
    for part in parsed.walk():
        assert not part.defects, part.defects
    return parsed


def test_a_message_in_welsh_to_many_schools_reads_back_as_written() -> None:
    recipients = [f"finance{i}@a-rather-long-school-domain-name-{i}.example" for i in range(6)]
    subject = ("Anfoneb INV-000001 gan Gyngor Sir Ynys Môn: £1,234.50 erbyn 2026-01-31 i Ysgol Gymraeg Bro Ŵyr "
               "a Ysgol Gynradd Llanfairpwllgwyngyll, Ynys Môn")
    text = "Annwyl Ysgol Bro Ŵyr,\r\n\nTalwch £1,234.50 = heddiw.  \n" + "x" * 200 + "\n.\nFrom here\n"
    html = "<p>Annwyl &amp; £</p>\n<p>tab\there </p>\n"
    prepared = prepare_message(sender_header="Cyngor Sir Ynys Môn <traded@ynysmon.example>",
                               reply_to="traded@ynysmon.example", recipients=recipients, subject=subject,
                               text=text, html=html, message_id="<abc@ynysmon.example>",
                               attachments=[("INV-000001.pdf", PDF), ("llythyr atgoffa ŵ.pdf", PDF[:99])])
    data = prepared.at(AT).data
    assert prepared.envelope_from == "traded@ynysmon.example" and prepared.recipients == tuple(recipients)
    assert max(len(line) for line in data.split(b"\r\n")) <= 78 and data.isascii()
    assert b"\n" not in data.replace(b"\r\n", b"")
    email = _read(data)
    assert email["From"] == "Cyngor Sir Ynys Môn <traded@ynysmon.example>"
    assert email["To"] == ", ".join(recipients) and email["Reply-To"] == "traded@ynysmon.example"
    assert email["Subject"] == subject and email["Message-ID"] == "<abc@ynysmon.example>"
    assert email["Date"] == "Fri, 02 Jan 2026 09:00:00 +0000" and email["Auto-Submitted"] == "auto-generated"
    plain, rich = email.get_body(("plain",)), email.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n") == "Annwyl Ysgol Bro Ŵyr,\n\nTalwch £1,234.50 = heddiw.  \n" + "x" * 200 + "\n.\nFrom here\n"
    assert rich.get_content().replace("\r\n", "\n") == html
    assert [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in email.iter_attachments()] == [
        ("INV-000001.pdf", "application/pdf", PDF), ("llythyr atgoffa ŵ.pdf", "application/pdf", PDF[:99])]


def test_a_message_without_a_reply_to_or_attachments_has_neither() -> None:
    email = _read(prepare_message(sender_header="Council <c@council.example>", reply_to=None,
                                  recipients=["a@school.example"], subject="Statement", text="Hello\n", html="<p>Hi</p>",
                                  message_id="<x@council.example>", attachments=[]).at(AT).data)
    assert email["Reply-To"] is None and list(email.iter_attachments()) == []
    assert email["Subject"] == "Statement" and email["To"] == "a@school.example"
