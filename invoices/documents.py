"""Issued documents as frozen values: the snapshot every PDF, JSON view and statement reads.

An invoice or credit note is copied into these dataclasses when it is issued
(domain-rules §7: "once issued an invoice never changes"), so a renderer never
looks anything up. Each constructor checks the arithmetic a finance officer
would check by hand: every line adds up, the document's totals are the sum of
its lines, and a credit note names the invoice it corrects.

Amounts on a credit note are positive: the document's kind says which way the
money moves, as on a printed credit note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

from invoices.numbering import validate_bacs_reference
from pricing.errors import InvalidInput
from pricing.money import ZERO, money

DocumentKind = Literal["invoice", "credit_note"]
DOCUMENT_KINDS: tuple[str, ...] = ("invoice", "credit_note")
STATEMENT_KINDS: tuple[str, ...] = ("invoice", "credit_note", "payment", "refund", "interest", "recharge", "journal",
                                    "write_off")
"""``recharge``: a maintained school's journal recharge; ``journal``: the transfer settling it, or reversing a credit."""
AGEING_BUCKETS: tuple[str, ...] = ("0-30", "31-60", "61-90", "90+")
REMINDER_LEVELS: tuple[int, ...] = (7, 30, 60)  # the stages: first reminder, second reminder, final notice
SERVICE_NAMES: dict[str, str] = {  # §2's services as a school reads them (the price book keys them by code)
    "casework": "Casework referrals",
    "whole_class": "Whole-class support",
    "training": "CPD / training sessions",
    "team_teach": "Team Teach training places",
    "ambassadors": "Ambassadors Programme places",
    "coaching": "Staff coaching sessions",
}
PAYMENT_TERMS_DAYS = 30  # §7: due 30 days after issue
DEFAULT_INTEREST_CLAUSE = (  # §8, as printed under the payment terms
    "Interest is charged on overdue balances at 2% per month, calculated daily, "
    "from the due date until payment is received."
)


def _exact(value: Decimal, what: str) -> Decimal:
    """Refuse anything but a pence-exact Decimal (floats and part-pennies alike)."""
    if not isinstance(value, Decimal):
        raise InvalidInput(f"{what} must be a Decimal amount, not {type(value).__name__}.")
    return money(value)


def _decimal(value: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(f"{what} must be a finite Decimal, not {value!r}.")
    return value


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must not be blank.")
    return value


def _set(obj: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise their own fields (lists → tuples, "10" → 10.00).
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Party:
    """A supplier or customer as printed: name, multi-line address and identifiers."""

    name: str
    address: str
    urn: str | None = None
    vat_number: str | None = None
    email: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        _text(self.name, "A party's name")
        _text(self.address, f'The address of "{self.name}"')

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.address.splitlines() if part.strip())


@dataclass(frozen=True)
class PaymentDetails:
    """How to pay: BACS details, cheque payee, terms and the late-payment clause (§7, §8)."""

    bank: str
    account_name: str
    sort_code: str
    account_number: str
    cheque_payee: str
    terms_days: int
    interest_clause: str
    pay_link: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.terms_days, bool) or not isinstance(self.terms_days, int) or self.terms_days < 1:
            raise InvalidInput(f"Payment terms of {self.terms_days!r} days are not a whole number of days.")


@dataclass(frozen=True)
class Line:
    """One line of an invoice or credit note: what was supplied, for which period, and its money.

    ``vat_rate`` is a percentage (``Decimal("20")``). ``unit_price`` may carry
    more than two places; ``net``, ``vat`` and ``total`` are fixed to the penny.
    """

    description: str
    period_start: date | None
    period_end: date | None
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat_code: str
    vat_rate: Decimal
    vat: Decimal
    total: Decimal

    def __post_init__(self) -> None:
        _text(self.description, "A line's description")
        what = f'Line "{self.description}"'
        _decimal(self.quantity, f"{what} quantity")
        _decimal(self.unit_price, f"{what} unit price")
        _decimal(self.vat_rate, f"{what} VAT rate")
        _text(self.vat_code, f"{what} VAT code")
        _set(self, "net", _exact(self.net, f"{what} net"))
        _set(self, "vat", _exact(self.vat, f"{what} VAT"))
        _set(self, "total", _exact(self.total, f"{what} total"))
        if self.net + self.vat != self.total:
            raise InvalidInput(
                f"{what} does not add up: net {self.net} + VAT {self.vat} is not {self.total}."
            )
        if self.vat_rate < 0:
            raise InvalidInput(f"{what} has a negative VAT rate {self.vat_rate}%.")
        if self.vat_rate == 0 and self.vat != 0:
            raise InvalidInput(f"{what} charges VAT {self.vat} at a 0% rate.")
        if (self.period_start is None) != (self.period_end is None):
            raise InvalidInput(f"{what} has only one end of its period.")
        if self.period_start is not None and self.period_end is not None and self.period_end < self.period_start:
            raise InvalidInput(f"{what} has a period ending {self.period_end} before it starts {self.period_start}.")


class VatSummaryRow(NamedTuple):
    code: str
    rate: Decimal
    net: Decimal
    vat: Decimal


def vat_summary(lines: Iterable[Line]) -> list[VatSummaryRow]:
    """Net and VAT per (VAT code, rate), in order of first appearance (§7 VAT invoice).

    The VAT is the sum of the lines' VAT, never recomputed, so the summary always
    agrees with the document's totals (VAT is rounded per line, see totals.py).
    """
    groups: dict[tuple[str, Decimal], tuple[Decimal, Decimal]] = {}
    for line in lines:
        key = (line.vat_code, line.vat_rate.normalize())
        net, vat = groups.get(key, (ZERO, ZERO))
        groups[key] = (net + line.net, vat + line.vat)
    return [VatSummaryRow(code, rate, net, vat) for (code, rate), (net, vat) in groups.items()]


@dataclass(frozen=True)
class Document:
    """An issued invoice or credit note, frozen at issue (§7)."""

    kind: DocumentKind
    number: str
    issued_on: date
    tax_point: date
    due_on: date | None
    supplier: Party
    customer: Party
    lines: tuple[Line, ...]
    net: Decimal
    vat: Decimal
    total: Decimal
    po_number: str | None = None
    corrects_number: str | None = None
    corrects_issued_on: date | None = None
    reason: str | None = None
    payment: PaymentDetails | None = None
    recharge: bool = False
    """An internal recharge to the council's own maintained school, settled by journal (issue 20), or a
    credit note against one: no due date and no payment details; the journal settles it."""
    write_off: bool = False
    """A credit document writing off a bad debt (issue 20, billing.write_offs): headed "Write-off"."""

    def __post_init__(self) -> None:
        if self.kind not in DOCUMENT_KINDS:
            raise InvalidInput(f"Document kind {self.kind!r} is not one of {', '.join(DOCUMENT_KINDS)}.")
        validate_bacs_reference(self.number)
        name = f'{self.label} "{self.number}"'
        _set(self, "lines", tuple(self.lines))
        if not self.lines:
            raise InvalidInput(f"{name} has no lines.")
        for line in self.lines:
            if not isinstance(line, Line):
                raise InvalidInput(f"{name} has a line that is not a Line: {line!r}.")
        for attr in ("net", "vat", "total"):
            _set(self, attr, _exact(getattr(self, attr), f"{name} {attr}"))
        net = sum((line.net for line in self.lines), ZERO)
        vat = sum((line.vat for line in self.lines), ZERO)
        total = sum((line.total for line in self.lines), ZERO)
        if (self.net, self.vat, self.total) != (net, vat, total):
            raise InvalidInput(
                f"{name} totals {self.net}/{self.vat}/{self.total} are not the sum of its lines "
                f"{net}/{vat}/{total}."
            )
        if self.vat != 0 and not self.supplier.vat_number:
            # A document carrying VAT must be a valid VAT invoice: supplier VAT number (§7).
            raise InvalidInput(f"{name} charges VAT but the supplier has no VAT registration number.")
        if self.kind == "credit_note":
            if not self.corrects_number or self.corrects_issued_on is None:
                raise InvalidInput(f"{name} must name the number and date of the invoice it corrects.")
            validate_bacs_reference(self.corrects_number)
            if self.corrects_issued_on > self.issued_on:
                raise InvalidInput(f"{name} is dated before the invoice {self.corrects_number} it corrects.")
        else:
            if self.corrects_number is not None or self.corrects_issued_on is not None:
                raise InvalidInput(f"{name} is an invoice and cannot correct another invoice.")
            if self.due_on is None and not self.recharge:
                raise InvalidInput(f"{name} has no due date.")
        if self.write_off and self.kind != "credit_note":
            raise InvalidInput(f"{name} is an invoice and cannot be a write-off.")
        if self.recharge and (self.due_on is not None or self.payment is not None):
            raise InvalidInput(f"{name} is settled by journal transfer: it has no due date or payment details.")
        if self.due_on is not None and self.due_on < self.issued_on:
            raise InvalidInput(f"{name} falls due {self.due_on} before it is issued {self.issued_on}.")

    @property
    def label(self) -> str:
        if self.kind == "credit_note":
            return "Write-off" if self.write_off else "Credit note"
        return "Internal recharge" if self.recharge else "Invoice"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"


# --- statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    """One transaction on a school's statement; ``balance`` is the running balance after it."""

    on: date
    kind: str
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    def __post_init__(self) -> None:
        if self.kind not in STATEMENT_KINDS:
            raise InvalidInput(f"Statement line {self.reference!r} has unknown kind {self.kind!r}.")
        for attr in ("debit", "credit", "balance"):
            _set(self, attr, _exact(getattr(self, attr), f"Statement line {self.reference!r} {attr}"))
        if self.debit < 0 or self.credit < 0:
            raise InvalidInput(f"Statement line {self.reference!r} has a negative debit or credit.")


@dataclass(frozen=True)
class EntitlementRow:
    """Included (``None`` = no cap), used and charged-beyond counts for one service (§9)."""

    service: str
    included: int | None
    used: int
    beyond: int

    def __post_init__(self) -> None:
        for attr in ("included", "used", "beyond"):
            value = getattr(self, attr)
            if value is None and attr == "included":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(f"Entitlement {self.service!r} {attr} must be a whole count, not {value!r}.")


@dataclass(frozen=True)
class StatementDoc:
    """A school's statement of account for a period (§9): every figure it prints, fixed.

    Balances are what the school owes: positive is a debt, negative is credit
    held on the account.
    """

    supplier: Party
    customer: Party
    period_start: date
    period_end: date
    as_of: date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    closing_balance: Decimal
    overdue: dict[str, Decimal]
    entitlements: tuple[EntitlementRow, ...]
    year_name: str
    payment: PaymentDetails | None = None
    interest_not_invoiced: Decimal = ZERO  # late-payment interest raised, to be invoiced separately

    def __post_init__(self) -> None:
        name = f'The statement for "{self.customer.name}"'
        _set(self, "interest_not_invoiced", _exact(self.interest_not_invoiced, f"{name} interest not invoiced"))
        if self.period_end < self.period_start:
            raise InvalidInput(f"{name} ends {self.period_end} before it starts {self.period_start}.")
        _set(self, "opening_balance", _exact(self.opening_balance, f"{name} opening balance"))
        _set(self, "closing_balance", _exact(self.closing_balance, f"{name} closing balance"))
        _set(self, "lines", tuple(self.lines))
        _set(self, "entitlements", tuple(self.entitlements))
        running = self.opening_balance
        for line in self.lines:
            running = running + line.debit - line.credit
            if line.balance != running:
                raise InvalidInput(
                    f"{name} shows balance {line.balance} after {line.reference!r}; the running balance is {running}."
                )
        if running != self.closing_balance:
            raise InvalidInput(f"{name} closes at {self.closing_balance}; its lines come to {running}.")
        if set(self.overdue) != set(AGEING_BUCKETS):
            raise InvalidInput(f"{name} must age its overdue amounts as exactly {', '.join(AGEING_BUCKETS)}.")
        _set(self, "overdue", {k: _exact(self.overdue[k], f"{name} overdue {k}") for k in AGEING_BUCKETS})

    @property
    def total_debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def total_overdue(self) -> Decimal:
        return sum(self.overdue.values(), ZERO)


# --- reminder letters -------------------------------------------------------------------


class OverdueInvoice(NamedTuple):
    number: str
    issued_on: date
    due_on: date
    total: Decimal
    outstanding: Decimal
    days_overdue: int
    reminded_on: date | None = None  # the last earlier letter that named it; None if this is its first


@dataclass(frozen=True)
class ReminderLetter:
    """A payment reminder listing what is outstanding: a first reminder (``level_days`` 7), a second
    reminder (30) or a final notice (60).

    ``earlier`` are the days earlier letters about these invoices were sent. A first
    reminder follows none; a second reminder or final notice follows at least one,
    which at least one of its invoices was named in: the letter never speaks of
    reminders that were not sent.
    """

    supplier: Party
    customer: Party
    sent_on: date
    level_days: Literal[7, 30, 60]
    invoices: tuple[OverdueInvoice, ...]
    total_outstanding: Decimal
    interest_note: str | None = None
    payment: PaymentDetails | None = None
    earlier: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        name = f'The {self.level_days}-day reminder to "{self.customer.name}"'
        if self.level_days not in REMINDER_LEVELS:
            raise InvalidInput(f"A reminder level of {self.level_days!r} days is not one of 7, 30 or 60.")
        invoices = tuple(OverdueInvoice(*item) for item in self.invoices)
        if not invoices:
            raise InvalidInput(f"{name} lists no invoices.")
        earlier = tuple(sorted(set(self.earlier)))
        _set(self, "earlier", earlier)
        if any(day >= self.sent_on for day in earlier):
            raise InvalidInput(f"{name} follows letters sent on or after its own date {self.sent_on}.")
        checked = []
        for inv in invoices:
            total = _exact(inv.total, f"Invoice {inv.number!r} total")
            outstanding = _exact(inv.outstanding, f"Invoice {inv.number!r} outstanding")
            if not 0 < outstanding <= total:
                raise InvalidInput(f"Invoice {inv.number!r} has {outstanding} outstanding of {total}.")
            if inv.days_overdue < 1:
                raise InvalidInput(f"Invoice {inv.number!r} is not overdue.")
            if inv.reminded_on is not None and inv.reminded_on not in earlier:
                raise InvalidInput(f"Invoice {inv.number!r} was reminded on {inv.reminded_on}, not one of the "
                                   "earlier letters.")
            checked.append(inv._replace(total=total, outstanding=outstanding))
        if self.level_days == REMINDER_LEVELS[0] and earlier:
            raise InvalidInput(f"{name} is a first reminder but follows earlier letters.")
        if self.level_days != REMINDER_LEVELS[0] and not any(inv.reminded_on for inv in checked):
            raise InvalidInput(f"{name} must follow an earlier letter about at least one of its invoices.")
        _set(self, "invoices", tuple(checked))
        _set(self, "total_outstanding", _exact(self.total_outstanding, f"{name} total outstanding"))
        owed = sum((inv.outstanding for inv in checked), ZERO)
        if owed != self.total_outstanding:
            raise InvalidInput(f"{name} totals {self.total_outstanding}; its invoices come to {owed}.")
