"""Payment reminder letters at 7, 30 and 60 days overdue (domain-rules §8, §9: chasing debt).

The tone steps up with the level: a polite reminder at 7 days, a firmer
second reminder at 30 asking for payment within 7 days, and a final notice at
60 giving a dated deadline 14 days on. Every date printed comes from the
letter itself (``sent_on``), never the clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from invoices.dates import doc_date
from invoices.documents import OverdueInvoice, ReminderLetter
from invoices.pdf import Column, PdfCanvas, amount
from pricing.money import ZERO, as_pounds

__all__ = ["ReminderLetter", "ReminderRenderer", "render_reminder", "reminder_wording"]

SECOND_REMINDER_DAYS = 7
FINAL_NOTICE_DAYS = 14


def _invoices_phrase(letter: ReminderLetter) -> str:
    return "the invoice below" if len(letter.invoices) == 1 else f"the {len(letter.invoices)} invoices below"


def _contact(letter: ReminderLetter) -> str:
    ways = [w for w in (letter.supplier.phone, letter.supplier.email) if w]
    return f" on {' or '.join(ways)}" if ways else ""


def reminder_wording(letter: ReminderLetter) -> tuple[str, list[str]]:
    """(subject, body paragraphs) for the letter's level: polite at 7, firmer at 30, final at 60."""
    owed = as_pounds(letter.total_outstanding)
    which = _invoices_phrase(letter)
    contact = _contact(letter)
    if letter.level_days == 7:
        return "Payment reminder", [
            f"Our records show that {which}, for services from {letter.supplier.name}, "
            f"{'is' if len(letter.invoices) == 1 else 'are'} now past the due date. "
            f"We would be grateful if you could arrange payment of {owed} at your earliest convenience.",
            "If you have already made this payment, thank you, and please disregard this letter. "
            f"If you have a query about an invoice, please contact us{contact} so that we can help.",
        ]
    if letter.level_days == 30:
        by = doc_date(letter.sent_on + timedelta(days=SECOND_REMINDER_DAYS))
        return "Second reminder: payment overdue", [
            f"We wrote to you recently about {which}, which remain unpaid more than 30 days after "
            f"they fell due. The amount outstanding is {owed}.",
            f"Please arrange payment in full by {by}. If there is a reason why payment cannot be made, "
            f"such as a query about an invoice, please contact us{contact} straight away so that we can resolve it.",
        ]
    by = doc_date(letter.sent_on + timedelta(days=FINAL_NOTICE_DAYS))
    return "FINAL NOTICE: payment now seriously overdue", [
        f"Despite our earlier reminders, {owed} on {which} remains unpaid more than 60 days after it fell due.",
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
            title=f"{letter.level_days}-day payment reminder to {letter.customer.name}",
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

    def _row(self, inv: OverdueInvoice) -> list[str]:
        return [inv.number, doc_date(inv.issued_on), doc_date(inv.due_on), amount(inv.total),
                amount(inv.outstanding), str(inv.days_overdue)]

    def _draw_invoices(self) -> None:
        letter = self.letter
        rows = [self._row(inv) for inv in letter.invoices]
        total = sum((inv.total for inv in letter.invoices), ZERO)
        rows.append(["Total", "", "", amount(total), amount(letter.total_outstanding), ""])
        self.gap(1)
        self.draw_table(self.INVOICE_COLUMNS, rows, size=self.SMALL_SIZE + 1, bold_rows=frozenset({len(rows) - 1}))
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
    """The PDF of a payment reminder letter (7, 30 or 60 days overdue)."""
    return ReminderRenderer(letter).render()
