"""Ledger invariants under random sequences of operations (issue 9; domain-rules §3-§9).

A hypothesis state machine drives the engine's services on a fresh copy of the
migrated SQLite template: subscriptions added and cancelled, cases opened,
sessions scheduled, delivered and changed (48-hour rule), bill runs, payments,
credit notes and interest runs, at as-of dates that only move forward. A
refusal (TradedError) is a legitimate outcome and must write nothing; any other
exception is a failure. After every step:

- each school's statement closing balance = Σ invoices − Σ credit notes − Σ payments
  + Σ refunds, with the interest raised but not yet invoiced stated beside it (§9);
- no invoice has less than zero outstanding, no payment is over-allocated;
- no charge is on two invoices, and only charges due by then are invoiced;
- INV and CN numbers are gap-free;
- each document's net, VAT and total equal the sums of its lines (no pence appear or vanish).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, func, select

from billing.balances import invoice_outstanding
from billing.bill_run import bill_run
from billing.cancellations import cancel_subscription
from billing.cases import open_case
from billing.db import make_engine
from billing.interest_run import run_interest
from billing.invoicing import credited_so_far, issue_credit_note
from billing.models import Case, Charge, Invoice, InvoiceLine, Payment, Refund, School, Session, Subscription
from billing.payments import record_payment
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school, add_staff
from billing.sessions import add_session, change_session, deliver_session
from billing.statements import school_statement
from billing.subscriptions import add_subscription
from pricing.clock import parse_london
from pricing.errors import TradedError
from pricing.pricebook import sample_pricebook_text
from tests.reliability.ledger_checks import (
    assert_allocations_sound,
    assert_charges_invoiced_once,
    assert_documents_add_up,
    assert_gap_free,
)
from tests.support import service_context

ZERO = Decimal("0.00")
FIRST_DAY = date(2025, 7, 1)
SCHOOLS = ("100279", "141234", "141235")  # own maintained (VAT O), two academies (VAT S)
STAFF = "Sam Keyworker"


class Ledger(RuleBasedStateMachine):
    template: Path  # set by the test from the sqlite_template fixture

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        target = Path(self._tmp.name) / "traded.db"
        shutil.copy(self.template, target)
        self.engine: Engine = make_engine(f"sqlite:///{target}")
        self.day = FIRST_DAY
        self.cases = 0

    def teardown(self) -> None:
        self.engine.dispose()
        self._tmp.cleanup()

    def _do(self, op, *args, **kwargs) -> object:  # type: ignore[no-untyped-def]
        """Run one service in its own transaction; a refusal must leave every table as it was."""
        try:
            with service_context(self.engine, self.day) as ctx:
                return op(ctx, *args, **kwargs)
        except TradedError:
            return None

    def _ids(self, model, *where) -> list[int]:  # type: ignore[no-untyped-def]
        with self.engine.connect() as conn:
            return list(conn.scalars(select(model.id).where(*where).order_by(model.id)))

    @initialize()
    def council(self) -> None:
        with service_context(self.engine, FIRST_DAY) as ctx:
            load_pricebook(ctx, sample_pricebook_text())
            add_school(ctx, NewSchool(urn=SCHOOLS[0], name="Own Maintained", type="maintained", la_code="204",
                                      number_on_roll=600))
            add_school(ctx, NewSchool(urn=SCHOOLS[1], name="First Academy", type="academy", number_on_roll=900))
            add_school(ctx, NewSchool(urn=SCHOOLS[2], name="Second Academy", type="academy", number_on_roll=300))
            add_staff(ctx, STAFF, "Keyworker", "31.50", FIRST_DAY)
            # Two contracts from the start, so most sequences have invoices to pay, credit and charge interest on.
            add_subscription(ctx, SCHOOLS[0], "premium", date(2025, 9, 1), "annual")
            add_subscription(ctx, SCHOOLS[1], "initial", date(2025, 9, 1), "termly")
        self.day = date(2025, 9, 1)

    @rule(days=st.integers(0, 45))
    def advance(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule(school=st.sampled_from(SCHOOLS), tier=st.sampled_from(["premium", "initial"]),
          schedule=st.sampled_from(["annual", "termly"]), offset=st.integers(0, 60))
    def subscribe(self, school: str, tier: str, schedule: str, offset: int) -> None:
        self._do(add_subscription, school, tier, self.day + timedelta(days=offset), schedule)

    @rule(pick=st.integers(0, 5), weeks=st.integers(0, 40), by=st.sampled_from(["school", "service"]))
    def cancel(self, pick: int, weeks: int, by: str) -> None:
        subs = self._ids(Subscription, Subscription.status != "cancelled")
        if subs:
            self._do(cancel_subscription, subs[pick % len(subs)], self.day, self.day + timedelta(weeks=weeks), by)

    @rule(school=st.sampled_from(SCHOOLS))
    def refer(self, school: str) -> None:
        self.cases += 1
        self._do(open_case, school, f"C25-{self.cases:04d}", self.day)

    @rule(pick=st.integers(0, 9), ahead=st.integers(-10, 20), hours=st.sampled_from(["1.5", "3", "6", "7.5"]))
    def schedule(self, pick: int, ahead: int, hours: str) -> None:
        cases = self._ids(Case)
        if cases:
            start = parse_london(f"{(self.day + timedelta(days=ahead)).isoformat()} 10:00")
            self._do(lambda ctx: add_session(ctx, starts_at=start, hours=hours, staff=STAFF,
                                             case_id=cases[pick % len(cases)]))

    @rule(pick=st.integers(0, 19), hours=st.sampled_from([None, "2", "4.5"]))
    def deliver(self, pick: int, hours: str | None) -> None:
        sessions = self._ids(Session, Session.status == "scheduled")
        if sessions:
            self._do(deliver_session, sessions[pick % len(sessions)], hours)

    @rule(pick=st.integers(0, 19), hours_before=st.integers(-24, 96), move=st.booleans())
    def change(self, pick: int, hours_before: int, move: bool) -> None:
        sessions = self._ids(Session, Session.status == "scheduled")
        if not sessions:
            return
        sid = sessions[pick % len(sessions)]
        with self.engine.connect() as conn:
            starts = conn.scalar(select(Session.starts_at).where(Session.id == sid))
        assert starts is not None
        notified = starts - timedelta(hours=hours_before)
        self._do(change_session, sid, notified, starts + timedelta(days=7) if move else None)

    @rule()
    def run_bills(self) -> None:
        self._do(bill_run)

    @rule(days=st.integers(1, 100))
    def advance_and_bill(self, days: int) -> None:
        self.day += timedelta(days=days)
        self._do(bill_run)

    @rule(school=st.sampled_from(SCHOOLS), pence=st.integers(1, 900_000), name_one=st.booleans())
    def pay(self, school: str, pence: int, name_one: bool) -> None:
        named: list[str] = []
        if name_one:
            with self.engine.connect() as conn:
                named = list(conn.scalars(select(Invoice.number).join(School, School.id == Invoice.school_id)
                                          .where(School.urn == school, Invoice.kind == "invoice").limit(1)))
        self._do(record_payment, school, Decimal(pence) / 100, self.day, "bacs", named)

    @rule(pick=st.integers(0, 19), percent=st.integers(1, 100))
    def credit(self, pick: int, percent: int) -> None:
        invoices = self._ids(Invoice, Invoice.kind == "invoice")
        if not invoices:
            return

        def op(ctx):  # type: ignore[no-untyped-def]
            invoice = ctx.session.get(Invoice, invoices[pick % len(invoices)])
            left = invoice.total - credited_so_far(ctx, invoice)
            amount = (left * percent / 100).quantize(Decimal("0.01"))
            if amount > 0:
                issue_credit_note(ctx, invoice.number, amount, "Property test correction")
        self._do(op)

    @rule()
    def interest(self) -> None:
        self._do(run_interest)

    # -- invariants ------------------------------------------------------------
    @invariant()
    def statements_balance(self) -> None:
        with service_context(self.engine, self.day) as ctx:
            for urn in SCHOOLS:
                school_id = ctx.session.scalar(select(School.id).where(School.urn == urn))
                if school_id is None:
                    return

                def total(q):  # type: ignore[no-untyped-def]
                    return ctx.session.scalar(q) or ZERO
                invoiced = total(select(func.sum(Invoice.total)).where(Invoice.school_id == school_id,
                                                                        Invoice.kind == "invoice"))
                credited = total(select(func.sum(Invoice.total)).where(Invoice.school_id == school_id,
                                                                        Invoice.kind != "invoice"))
                paid = total(select(func.sum(Payment.amount)).where(Payment.school_id == school_id))
                refunded = total(select(func.sum(Refund.amount)).where(Refund.school_id == school_id))
                on_invoice = select(InvoiceLine.id).where(InvoiceLine.charge_id == Charge.id).exists()
                interest_pending = total(select(func.sum(Charge.amount)).where(
                    Charge.school_id == school_id, Charge.kind == "interest", Charge.status == "due", ~on_invoice))
                statement = school_statement(ctx, urn, date(2000, 1, 1), self.day)
                expected = invoiced - credited - paid + refunded
                assert statement.closing_balance == expected, (
                    f"school {urn} on {self.day}: statement closes at {statement.closing_balance}, ledger says "
                    f"{invoiced} - {credited} - {paid} + {refunded} = {expected}")
                assert statement.interest_not_invoiced == interest_pending, (
                    f"school {urn} on {self.day}: {statement.interest_not_invoiced} interest not invoiced, "
                    f"ledger says {interest_pending}")
            outstanding = invoice_outstanding(ctx.session)
            assert all(v >= 0 for v in outstanding.values()), f"invoice outstanding below zero: {outstanding}"

    @invariant()
    def documents_sound(self) -> None:
        assert_charges_invoiced_once(self.engine, self.day, all_due_invoiced=False)
        assert_gap_free(self.engine, "INV")
        assert_gap_free(self.engine, "CN")
        assert_documents_add_up(self.engine)
        assert_allocations_sound(self.engine)


def test_ledger_invariants_hold_at_every_step(sqlite_template: Path) -> None:
    Ledger.template = sqlite_template
    run_state_machine_as_test(Ledger, settings=settings(
        max_examples=20, stateful_step_count=20, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
