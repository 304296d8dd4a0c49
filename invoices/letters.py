"""Payment reminder letters: a first reminder, a second reminder, a final notice (domain-rules §8, §9).

The tone steps up with the stage: a polite first reminder, a firmer second
reminder asking for payment within 7 days, and a final notice giving a dated
deadline 14 days on. A letter says only what is true of what was sent: the
second reminder and the final notice name the days of the earlier letters and
the invoices they were about, and invoices that fell overdue since are said to
be new; every phrase agrees in number with the invoices it speaks of. Every
date printed comes from the letter itself (``sent_on``), never the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import ClassVar

from invoices.documents import OverdueInvoice, ReminderLetter
from invoices.formats import doc_amount, doc_date, doc_pounds
from invoices.pdf import Column, PdfCanvas
from pricing.money import ZERO

__all__ = ["ReminderLetter", "ReminderRenderer", "render_reminder", "reminder_wording"]

SECOND_REMINDER_DAYS = 7
FINAL_NOTICE_DAYS = 14
SUBJECTS = {7: "Payment reminder", 30: "Second reminder: payment overdue",
            60: "FINAL NOTICE: payment now seriously overdue"}


def _and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _invoices_phrase(invoices: Sequence[OverdueInvoice]) -> str:
    return "the invoice below" if len(invoices) == 1 else f"the {len(invoices)} invoices below"


def _named(invoices: Sequence[OverdueInvoice]) -> str:
    """``invoice INV-000001``, ``invoices INV-000001 and INV-000002``; more than four by count."""
    if len(invoices) == 1:
        return f"invoice {invoices[0].number}"
    if len(invoices) > 4:
        return f"{len(invoices)} invoices"
    return f"invoices {_and([inv.number for inv in invoices])}"


def _contact(letter: ReminderLetter) -> str:
    ways = [w for w in (letter.supplier.phone, letter.supplier.email) if w]
    return f" on {' or '.join(ways)}" if ways else ""


def _on(days: Sequence[date]) -> str:
    return _and([doc_date(d) for d in days])


def reminder_wording(letter: ReminderLetter) -> tuple[str, list[str]]:
    """(subject, body paragraphs) for the letter's stage: polite, then firmer, then final."""
    owed = doc_pounds(letter.total_outstanding)
    invoices = letter.invoices
    one = len(invoices) == 1
    contact = _contact(letter)
    if letter.level_days == 7:
        return SUBJECTS[7], [
            f"Our records show that {_invoices_phrase(invoices)}, for services from {letter.supplier.name}, "
            f"{'is now past the due date' if one else 'are now past their due dates'}. "
            f"We would be grateful if you could arrange payment of {owed} at your earliest convenience.",
            "If you have already made this payment, thank you, and please disregard this letter. "
            f"If you have a query about an invoice, please contact us{contact} so that we can help.",
        ]
    reminded = [inv for inv in invoices if inv.reminded_on is not None]
    new = [inv for inv in invoices if inv.reminded_on is None]
    days = sorted({inv.reminded_on for inv in reminded if inv.reminded_on is not None})
    still = "is still unpaid" if len(reminded) == 1 else "are still unpaid"
    since = (f" Since then, {_named(new)} {'has' if len(new) == 1 else 'have'} also fallen overdue." if new else "")
    total = (f"The amount outstanding is {owed}." if one
             else f"In all, {owed} is outstanding on {_invoices_phrase(invoices)}.")
    if letter.level_days == 30:
        by = doc_date(letter.sent_on + timedelta(days=SECOND_REMINDER_DAYS))
        return SUBJECTS[30], [
            f"We wrote to you on {_on(days)} about {_named(reminded)}, which {still}.{since} {total}",
            f"Please arrange payment in full by {by}. If there is a reason why payment cannot be made, "
            f"such as a query about an invoice, please contact us{contact} straight away so that we can resolve it.",
        ]
    by = doc_date(letter.sent_on + timedelta(days=FINAL_NOTICE_DAYS))
    ours = "our reminder" if len(letter.earlier) == 1 else "our reminders"
    return SUBJECTS[60], [
        f"Despite {ours} of {_on(letter.earlier)}, {_named(reminded)} "
        f"{'remains' if len(reminded) == 1 else 'remain'} unpaid.{since} {total}",
        f"Unless we receive payment in full, or hear from you, by {by}, we may refer this debt to the "
        "council's debt recovery team without further notice and may suspend further bookings of our services.",
        f"If you are unable to pay, please contact us{contact} before that date to discuss it.",
    ]


class ReminderRenderer(PdfCanvas):
    """A reminder letter on A4: letterhead, addressee, dated subject line, body, invoice table, how to pay."""

    ADDRESS_W: ClassVar[float] = 95.0
    LETTERHEAD_W: ClassVar[float] = 80.0
    INVOICE_COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Invoice", 34.0),
        Column("Issued", 26.0),
        Column("Due", 26.0),
        Column("Amount £", 32.0, "R"),
        Column("Outstanding £", 32.0, "R"),
        Column("Days overdue", 30.0, "R"),
    )

    def __init__(self, letter: ReminderLetter) -> None:
        super().__init__(
            title=f"{SUBJECTS[letter.level_days].split(':')[0]} to {letter.customer.name}",
            author=letter.supplier.name,
            created_on=letter.sent_on,
            footer_left=f"Reminder {letter.customer.urn or ''} {doc_date(letter.sent_on)}".replace("  ", " "),
        )
        self.letter = letter

    def render(self) -> bytes:
        self.add_page()
        self._draw_letterhead()
        subject, paragraphs = reminder_wording(self.letter)
        self._draw_subject(subject)
        self.paragraph("Dear Sir or Madam,", after=3)
        for text in paragraphs:
            self.paragraph(text, after=3)
        self._draw_invoices()
        if self.letter.interest_note:
            self.paragraph(self.letter.interest_note, after=3)
        self._draw_payment()
        self._draw_signature()
        return self.finish()

    def _draw_letterhead(self) -> None:
        letter = self.letter
        top = self.MARGIN_TOP
        x = self.right_edge - self.LETTERHEAD_W
        right = self.party_block(x, top, self.LETTERHEAD_W, letter.supplier, name_size=11, show_contact=True)
        right = self.text_block(x, right + 3, self.LETTERHEAD_W, doc_date(letter.sent_on), "B")
        left = self.party_block(self.MARGIN_LEFT, top + 22, self.ADDRESS_W, letter.customer,
                                label="FOR THE ATTENTION OF THE SCHOOL BUSINESS MANAGER", name_size=10)
        self.set_y(max(left, right) + 8)

    def _draw_subject(self, subject: str) -> None:
        urn = f" - account {self.letter.customer.urn}" if self.letter.customer.urn else ""
        colour = self.ACCENT if self.letter.level_days < 60 else (160, 20, 20)
        self.paragraph(f"{subject}{urn}", "B", 12, after=4, colour=colour)

    CHASED_COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Invoice", 30.0),
        Column("Issued", 23.0),
        Column("Due", 23.0),
        Column("Reminded", 23.0),
        Column("Amount £", 28.0, "R"),
        Column("Outstanding £", 28.0, "R"),
        Column("Days overdue", 25.0, "R"),
    )

    def _row(self, inv: OverdueInvoice) -> list[str]:
        row = [inv.number, doc_date(inv.issued_on), doc_date(inv.due_on), doc_amount(inv.total),
               doc_amount(inv.outstanding), str(inv.days_overdue)]
        if self.letter.earlier:  # a later letter shows when each invoice was last reminded
            row.insert(3, doc_date(inv.reminded_on) if inv.reminded_on else "new")
        return row

    def _draw_invoices(self) -> None:
        letter = self.letter
        rows = [self._row(inv) for inv in letter.invoices]
        total = sum((inv.total for inv in letter.invoices), ZERO)
        rows.append(["Total", "", "", *([""] if letter.earlier else []), doc_amount(total),
                     doc_amount(letter.total_outstanding), ""])
        columns = self.CHASED_COLUMNS if letter.earlier else self.INVOICE_COLUMNS
        self.gap(1)
        self.draw_table(columns, rows, size=self.SMALL_SIZE + 1, bold_rows=frozenset({len(rows) - 1}))
        self.gap(5)

    def _draw_payment(self) -> None:
        pay = self.letter.payment
        if pay is None:
            return
        self.paragraph(
            f"You can pay by BACS to {pay.account_name}, {pay.bank}, sort code {pay.sort_code}, account number "
            f"{pay.account_number}, quoting the invoice number as the reference; or by cheque payable to "
            f"{pay.cheque_payee}." + (f" You can also pay online by card: {pay.pay_link}" if pay.pay_link else ""),
            after=3,
        )

    def _draw_signature(self) -> None:
        self.ensure_space(22)
        self.gap(2)
        self.paragraph("Yours faithfully,", after=10)
        self.paragraph("Finance Team", "B", after=0)
        self.paragraph(self.letter.supplier.name, after=0)


def render_reminder(letter: ReminderLetter) -> bytes:
    """The PDF of a payment reminder letter: first reminder, second reminder or final notice."""
    return ReminderRenderer(letter).render()
