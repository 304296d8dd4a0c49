"""A school's statement of account as a PDF (domain-rules §9).

Laid out the way a school business manager expects a supplier statement:
account summary, every transaction in the period with a running balance,
overdue amounts by age, the year's entitlements (included / used / charged
beyond) and how to pay. Balances are what the school owes; a negative balance
is credit held on its account.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from invoices.documents import EntitlementRow, StatementDoc, StatementLine
from invoices.formats import doc_amount, doc_date, doc_pounds
from invoices.pdf import Column, PdfCanvas
from pricing.calendars import AcademicYear

KIND_NAMES = {
    "invoice": "Invoice",
    "credit_note": "Credit note",
    "payment": "Payment",
    "refund": "Refund",
    "interest": "Interest",
    "recharge": "Recharge",
    "journal": "Journal",
    "write_off": "Write-off",
}

AGEING_LABELS = (
    ("0-30", "Up to 30 days overdue"),
    ("31-60", "31 to 60 days"),
    ("61-90", "61 to 90 days"),
    ("90+", "Over 90 days"),
)


def balance_text(value: Decimal) -> str:
    """A balance for people: what is owed, or how much credit is held."""
    return f"{doc_pounds(-value)} in credit" if value < 0 else doc_pounds(value)


class StatementRenderer(PdfCanvas):
    """One school's statement on A4, continuing over as many pages as its transactions need."""

    HEAD_LEFT_W: ClassVar[float] = 100.0
    HEAD_RIGHT_X: ClassVar[float] = 115.0
    HEAD_RIGHT_W: ClassVar[float] = 80.0
    META_LABEL_W: ClassVar[float] = 34.0
    TITLE_SIZE: ClassVar[float] = 15.0
    BOX_H: ClassVar[float] = 15.0
    BOX_GAP: ClassVar[float] = 3.0
    TRANSACTION_COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Date", 21.0),
        Column("Type", 21.0),
        Column("Reference", 27.0),
        Column("Description", 51.0),
        Column("Debit £", 20.0, "R"),
        Column("Credit £", 20.0, "R"),
        Column("Balance £", 20.0, "R"),
    )
    ENTITLEMENT_COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Service", 96.0),
        Column("Included", 28.0, "R"),
        Column("Used", 28.0, "R"),
        Column("Charged beyond", 28.0, "R"),
    )

    def __init__(self, st: StatementDoc) -> None:
        super().__init__(
            title=f"Statement for {st.customer.name} to {doc_date(st.period_end)}",
            author=st.supplier.name,
            created_on=st.as_of,
            footer_left=f"Statement {st.customer.urn or st.customer.name} - {doc_date(st.as_of)}",
        )
        self.st = st

    def scratch(self) -> StatementRenderer:
        return StatementRenderer(self.st)

    def render(self) -> bytes:
        self.add_page()
        self._draw_heading()
        self._draw_customer()
        self._draw_summary()
        self._draw_transactions()
        # How to pay never sits on a page of its own: it keeps the last entitlement row
        # (or, with none, the overdue figures) with it.
        closing = self.measure(lambda pdf: pdf._draw_closing())
        self._draw_ageing(keep_with=0.0 if self.st.entitlements else closing)
        self._draw_entitlements(keep_with=closing)
        self._draw_closing()
        return self.finish()

    def _draw_closing(self) -> None:
        if self.st.entitlements:
            self.gap(1.5)
            self.paragraph("Used includes sessions deemed delivered because a change was notified less than "
                           "48 hours before they were due. Anything beyond what is included is charged separately.",
                           size=self.SMALL_SIZE, colour=self.MUTED, after=5)
            self.gap(1)
        self._draw_payment()

    def _draw_heading(self) -> None:
        st = self.st
        top = self.MARGIN_TOP
        left = self.party_block(self.MARGIN_LEFT, top, self.HEAD_LEFT_W, st.supplier, name_size=13,
                                show_vat=True, show_contact=True)
        self.font("B", self.TITLE_SIZE)
        self.ink(self.ACCENT)
        self.put(self.HEAD_RIGHT_X, top, self.HEAD_RIGHT_W, "STATEMENT OF ACCOUNT", "R",
                 line_h=self.TITLE_SIZE * 0.4)
        self.ink()
        first, last = AcademicYear.of(st.period_start), AcademicYear.of(st.period_end)
        years = ("Academic year", first.name) if first == last else ("Academic years", f"{first.name} to {last.name}")
        rows = [("Statement date", doc_date(st.as_of)),
                ("Period", f"{doc_date(st.period_start)} to {doc_date(st.period_end)}"),
                years]
        if st.customer.urn:
            rows.append(("Customer URN", st.customer.urn))
        right = self.pairs(self.HEAD_RIGHT_X, top + self.TITLE_SIZE * 0.45 + 3, self.META_LABEL_W,
                           self.HEAD_RIGHT_W - self.META_LABEL_W, rows)
        self.set_y(max(left, right) + 6)

    def _draw_customer(self) -> None:
        bottom = self.party_block(self.MARGIN_LEFT, self.get_y(), self.HEAD_LEFT_W, self.st.customer, label="ACCOUNT")
        self.set_y(bottom + 6)

    def _boxes(self, boxes: Sequence[tuple[str, str]], strong_last: bool = True) -> None:
        """A row of labelled figures in shaded boxes across the page."""
        self.ensure_space(self.BOX_H + 4)
        count = len(boxes)
        width = (self.content_width - self.BOX_GAP * (count - 1)) / count
        y = self.get_y()
        self.set_fill_color(*self.SHADE)
        for i, (label, value) in enumerate(boxes):
            x = self.MARGIN_LEFT + i * (width + self.BOX_GAP)
            self.rect(x, y, width, self.BOX_H, "F")
            self.text_block(x + 2, y + 1.8, width - 4, label, "", self.SMALL_SIZE, self.MUTED)
            self.font("B", 10.5 if strong_last and i == count - 1 else 10)
            self.put(x + 2, y + self.BOX_H - 7, width - 4, value, "R", line_h=5)
        self.font()
        self.set_y(y + self.BOX_H + 5)

    def _draw_summary(self) -> None:
        st = self.st
        self.heading("Account summary", keep_with=self.BOX_H)
        closing = "Balance due" if st.closing_balance >= 0 else "Closing balance"
        self._boxes([
            (f"Opening balance at {doc_date(st.period_start)}", balance_text(st.opening_balance)),
            ("Invoices and charges", doc_pounds(st.total_debits)),
            ("Payments and credits", doc_pounds(st.total_credits)),
            (f"{closing} at {doc_date(st.period_end)}", balance_text(st.closing_balance)),
        ])
        if st.interest_not_invoiced:
            self.paragraph(f"Late-payment interest of {doc_pounds(st.interest_not_invoiced)} has been charged on overdue "
                           "invoices and is not in this balance: it will be sent to you on an interest invoice.",
                           size=self.SMALL_SIZE + 0.5, colour=self.MUTED, after=4)

    def _transaction_row(self, line: StatementLine) -> list[str]:
        return [
            doc_date(line.on),
            KIND_NAMES[line.kind],
            line.reference,
            line.description,
            doc_amount(line.debit) if line.debit else "",
            doc_amount(line.credit) if line.credit else "",
            doc_amount(line.balance),
        ]

    def _draw_transactions(self) -> None:
        st = self.st
        self.heading("Transactions")
        rows = [[doc_date(st.period_start), "", "", "Opening balance", "", "", doc_amount(st.opening_balance)]]
        rows += [self._transaction_row(line) for line in st.lines]
        rows.append([doc_date(st.period_end), "", "", "Closing balance", doc_amount(st.total_debits),
                     doc_amount(st.total_credits), doc_amount(st.closing_balance)])
        self.draw_table(self.TRANSACTION_COLUMNS, rows, size=self.SMALL_SIZE + 0.5,
                   bold_rows=frozenset({0, len(rows) - 1}))
        if not st.lines:
            self.paragraph("No transactions in this period.", size=self.SMALL_SIZE + 0.5, colour=self.MUTED)
        self.gap(5)

    def _draw_ageing(self, keep_with: float = 0.0) -> None:
        st = self.st
        self.heading("Amounts overdue", keep_with=self.BOX_H + 5 + keep_with)
        boxes = [(label, doc_pounds(st.overdue[key])) for key, label in AGEING_LABELS]
        boxes.append(("Total overdue", doc_pounds(st.total_overdue)))
        self._boxes(boxes)

    def _entitlement_row(self, row: EntitlementRow) -> list[str]:
        included = {None: "Unlimited", 0: "Not included"}.get(row.included, str(row.included))
        return [row.service, included, str(row.used), str(row.beyond)]

    def _draw_entitlements(self, keep_with: float = 0.0) -> None:
        st = self.st
        if not st.entitlements:
            return
        self.heading(f"Your entitlements for {st.year_name}")
        self.draw_table(self.ENTITLEMENT_COLUMNS, [self._entitlement_row(r) for r in st.entitlements],
                        size=self.SMALL_SIZE + 0.5, keep_last_with=keep_with)

    def _draw_payment(self) -> None:
        pay = self.st.payment
        if pay is None:
            return
        self.heading("How to pay", keep_with=36)
        self.paragraph("Please quote the invoice number as your payment reference, so that we can match your "
                       "payment to the right invoice.")
        rows = [("Bank", pay.bank), ("Account name", pay.account_name), ("Sort code", pay.sort_code),
                ("Account number", pay.account_number)]
        self.ensure_space(len(rows) * (self.LINE_H + 0.6))
        self.set_y(self.pairs(self.MARGIN_LEFT, self.get_y(), 38, 90, rows, value_align="L") + 2)
        self.paragraph(f"Cheques should be made payable to {pay.cheque_payee}.")
        if pay.pay_link:
            self.paragraph(f"Pay online by card: {pay.pay_link}")
        self.paragraph(f"Invoices are due within {pay.terms_days} days of issue. {pay.interest_clause}".strip(),
                       size=self.SMALL_SIZE + 0.5, colour=self.MUTED, after=0)


def render_statement(st: StatementDoc) -> bytes:
    """The PDF of a school's statement of account (§9): one call, reproducible bytes."""
    return StatementRenderer(st).render()
