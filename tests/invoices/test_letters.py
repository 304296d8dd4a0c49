"""Reminder letters: polite at 7 days, firmer at 30, final notice at 60 (§8, §9 chasing debt)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from invoices.documents import ReminderLetter
from invoices.letters import reminder_wording, render_reminder
from tests.invoices import academy, bank, council, pdf_pages, pdf_text

D = Decimal


def letter(level: int, **changes: object) -> ReminderLetter:
    fields: dict[str, object] = dict(
        supplier=council(), customer=academy(), sent_on=date(2019, 12, 2), level_days=level,
        invoices=(
            ("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 62),
            ("INV-000150", date(2019, 10, 1), date(2019, 10, 31), D("270.00"), D("270.00"), 32),
        ),
        total_outstanding=D("670.00"),
        interest_note="Interest is added at 2% per month, calculated daily, from each due date until paid.",
        payment=bank(),
    )
    fields.update(changes)
    return ReminderLetter(**fields)  # type: ignore[arg-type]


def text_of(level: int, **changes: object) -> str:
    return re.sub(r"\s+", " ", pdf_text(render_reminder(letter(level, **changes))))


def test_every_letter_lists_the_invoices_outstanding_and_how_to_pay():
    for level in (7, 30, 60):
        data = render_reminder(letter(level))
        assert data.startswith(b"%PDF-") and len(pdf_pages(data)) == 1
        text = re.sub(r"\s+", " ", pdf_text(data))
        assert "2019-12-02" in text
        assert "Oakfield Academy" in text and "account 145678" in text
        assert "INV-000123 2019-09-01 2019-10-01 5,400.00 400.00 62" in text
        assert "INV-000150 2019-10-01 2019-10-31 270.00 270.00 32" in text
        assert "Total 5,670.00 670.00" in text
        assert "sort code 30-00-00, account number 12345678" in text
        assert "2% per month, calculated daily" in text
        assert "Page 1 of 1" in text


def test_the_7_day_letter_is_a_polite_reminder():
    text = text_of(7)
    assert "Payment reminder - account 145678" in text
    assert "We would be grateful if you could arrange payment of £670.00" in text
    assert "If you have already made this payment, thank you" in text
    assert "FINAL NOTICE" not in text and "debt recovery" not in text and "Second reminder" not in text


def test_the_30_day_letter_asks_firmly_for_payment_within_7_days():
    text = text_of(30)
    assert "Second reminder: payment overdue" in text
    assert "remain unpaid more than 30 days after they fell due" in text
    assert "Please arrange payment in full by 2019-12-09" in text
    assert "FINAL NOTICE" not in text and "debt recovery" not in text


def test_the_60_day_letter_is_a_final_notice_with_a_dated_deadline():
    text = text_of(60)
    assert "FINAL NOTICE: payment now seriously overdue" in text
    assert "£670.00 on the 2 invoices below remains unpaid more than 60 days after it fell due" in text
    assert "by 2019-12-16, we may refer this debt to the council's debt recovery team" in text


def test_a_single_invoice_is_spoken_of_in_the_singular():
    one = (("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 62),)
    subject, paragraphs = reminder_wording(letter(7, invoices=one, total_outstanding=D("400.00")))
    assert subject == "Payment reminder"
    assert paragraphs[0].startswith("Our records show that the invoice below")
    assert " is now past the due date" in paragraphs[0]


def test_a_letter_without_payment_details_or_interest_note_still_renders():
    text = text_of(7, payment=None, interest_note=None)
    assert "sort code" not in text and "per month" not in text
    assert "Yours faithfully" in text
