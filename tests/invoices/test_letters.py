"""Reminder letters: a polite first reminder, a firmer second, a final notice; true to the letters sent (§8, §9)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from invoices.documents import ReminderLetter
from invoices.letters import reminder_wording, render_reminder
from pricing.errors import InvalidInput
from tests.invoices import academy, bank, council, pdf_pages, pdf_text

D = Decimal


def letter(level: int, **changes: object) -> ReminderLetter:
    later = level != 7  # a second reminder or final notice follows the letters sent before it
    fields: dict[str, object] = dict(
        supplier=council(), customer=academy(), sent_on=date(2019, 12, 2), level_days=level,
        invoices=(
            ("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 62,
             date(2019, 11, 1) if later else None),
            ("INV-000150", date(2019, 10, 1), date(2019, 10, 31), D("270.00"), D("270.00"), 32),
        ),
        total_outstanding=D("670.00"),
        interest_note="Interest is added at 2% per month, calculated daily, from each due date until paid.",
        payment=bank(),
        earlier=(date(2019, 10, 8), date(2019, 11, 1)) if level == 60 else (date(2019, 11, 1),) if later else (),
    )
    fields.update(changes)
    return ReminderLetter(**fields)  # type: ignore[arg-type]


ONE = (("INV-000123", date(2019, 9, 1), date(2019, 10, 1), D("5400.00"), D("400.00"), 62, date(2019, 11, 1)),)


def text_of(level: int, **changes: object) -> str:
    return re.sub(r"\s+", " ", pdf_text(render_reminder(letter(level, **changes))))


def test_every_letter_lists_the_invoices_outstanding_and_how_to_pay():
    for level in (7, 30, 60):
        data = render_reminder(letter(level))
        assert data.startswith(b"%PDF-") and len(pdf_pages(data)) == 1
        text = re.sub(r"\s+", " ", pdf_text(data))
        assert "2019-12-02" in text
        assert "Oakfield Academy" in text and "account 145678" in text
        if level == 7:
            assert "INV-000123 2019-09-01 2019-10-01 5,400.00 400.00 62" in text
            assert "INV-000150 2019-10-01 2019-10-31 270.00 270.00 32" in text
            assert "Total 5,670.00 670.00" in text
        else:  # a later letter shows when each invoice was last reminded, or that it is new
            assert "INV-000123 2019-09-01 2019-10-01 2019-11-01 5,400.00 400.00 62" in text
            assert "INV-000150 2019-10-01 2019-10-31 new 270.00 270.00 32" in text
            assert "Total 5,670.00 670.00" in text
        assert "sort code 30-00-00, account number 12345678" in text
        assert "2% per month, calculated daily" in text
        assert "Page 1 of 1" in text


def test_the_first_reminder_is_polite_and_claims_no_earlier_letter():
    text = text_of(7)
    assert "Payment reminder - account 145678" in text
    assert "Our records show that the 2 invoices below, for services from Northshire County Council Inclusion " \
           "Support Service, are now past their due dates." in text
    assert "We would be grateful if you could arrange payment of £670.00" in text
    assert "If you have already made this payment, thank you" in text
    for never in ("FINAL NOTICE", "debt recovery", "Second reminder", "Despite", "We wrote to you", "earlier"):
        assert never not in text


def test_the_second_reminder_names_the_earlier_letter_and_asks_for_payment_within_7_days():
    text = text_of(30)
    assert "Second reminder: payment overdue" in text
    assert "We wrote to you on 2019-11-01 about invoice INV-000123, which is still unpaid. Since then, invoice " \
           "INV-000150 has also fallen overdue. In all, £670.00 is outstanding on the 2 invoices below." in text
    assert "Please arrange payment in full by 2019-12-09" in text
    assert "FINAL NOTICE" not in text and "debt recovery" not in text


def test_the_final_notice_names_the_reminders_sent_and_gives_a_dated_deadline():
    text = text_of(60)
    assert "FINAL NOTICE: payment now seriously overdue" in text
    assert "Despite our reminders of 2019-10-08 and 2019-11-01, invoice INV-000123 remains unpaid. Since then, " \
           "invoice INV-000150 has also fallen overdue. In all, £670.00 is outstanding on the 2 invoices below." \
           in text
    assert "by 2019-12-16, we may refer this debt to the council's debt recovery team" in text


def test_one_invoice_and_one_earlier_letter_are_spoken_of_in_the_singular():
    subject, paragraphs = reminder_wording(letter(7, invoices=(ONE[0][:6],), total_outstanding=D("400.00"),
                                                  earlier=()))
    assert subject == "Payment reminder"
    assert paragraphs[0].startswith("Our records show that the invoice below")
    assert " is now past the due date" in paragraphs[0]
    _, second = reminder_wording(letter(30, invoices=ONE, total_outstanding=D("400.00")))
    assert second[0] == ("We wrote to you on 2019-11-01 about invoice INV-000123, which is still unpaid. "
                         "The amount outstanding is £400.00.")
    _, final = reminder_wording(letter(60, invoices=ONE, total_outstanding=D("400.00"), earlier=(date(2019, 11, 1),)))
    assert final[0] == ("Despite our reminder of 2019-11-01, invoice INV-000123 remains unpaid. "
                        "The amount outstanding is £400.00.")


def test_many_invoices_are_counted_rather_than_listed():
    many = tuple((f"INV-{n:06d}", date(2019, 9, 1), date(2019, 10, 1), D("10.00"), D("10.00"), 62, date(2019, 11, 1))
                 for n in range(1, 7))
    _, paragraphs = reminder_wording(letter(30, invoices=many, total_outstanding=D("60.00")))
    assert paragraphs[0].startswith("We wrote to you on 2019-11-01 about 6 invoices, which are still unpaid. "
                                    "In all, £60.00 is outstanding on the 6 invoices below.")


def test_a_letter_never_claims_reminders_that_were_not_sent():
    with pytest.raises(InvalidInput, match="must follow an earlier letter"):
        letter(60, earlier=(), invoices=tuple(inv[:6] for inv in letter(7).invoices))
    with pytest.raises(InvalidInput, match="must follow an earlier letter"):
        letter(30, invoices=tuple(inv[:6] for inv in letter(7).invoices))
    with pytest.raises(InvalidInput, match="first reminder but follows earlier letters"):
        letter(7, earlier=(date(2019, 11, 1),))
    with pytest.raises(InvalidInput, match="not one of the earlier letters"):
        letter(30, earlier=(date(2019, 10, 1),))


def test_a_letter_without_payment_details_or_interest_note_still_renders():
    text = text_of(7, payment=None, interest_note=None)
    assert "sort code" not in text and "per month" not in text
    assert "Yours faithfully" in text
