"""One payment however it arrives through Stripe (issue 13, item 3; domain-rules §8).

A school pays £4,200.00 by bank transfer into its Stripe cash balance, and Stripe
spends the balance on the Checkout session / PaymentIntent for the invoice. Stripe
reports that one movement of money up to four times (the funding, the balance
applied to the payment, the PaymentIntent's success, the session's completion),
in any order, and may deliver any event twice. Every combination and order below
records £4,200.00 once, with the school's balance and allocations exact. Each
scenario has its own school, Stripe customer and ids in one database, so the
scenarios also show that one school's balance never counts another's money.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import combinations, permutations
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from billing.gateway.fake import FakeGateway, _Payment
from billing.gateway.port import GatewayNotice
from billing.gateway.webhooks import apply_notice, notice_from_event
from billing.models import AuditEntry, GatewayEvent, Payment, School
from billing.payments import account_credit
from billing.schools import NewSchool, add_school
from tests.gateway.support import (
    applied,
    at,
    checkout_session,
    event,
    funded,
    issue,
    link_customer,
    outstanding,
    payment_intent,
)
from tests.support import service_context

AS_OF = date(2025, 12, 1)
CREATED = int(at("2025-11-03 09:00").timestamp())
PENCE = 420000  # £4,200.00
Delivery = dict[str, Any] | GatewayNotice  # a Stripe event body, or a notice from the fake gateway


@dataclass(frozen=True)
class School_:
    """One scenario's school: its own URN, invoices, Stripe customer and Stripe ids."""

    n: int

    @property
    def urn(self) -> str:
        return f"{300000 + self.n}"

    @property
    def customer(self) -> str:
        return f"cus_s{self.n:04d}"

    @property
    def invoice(self) -> str:
        return f"INV-{2 * self.n + 2:06d}"  # the invoice being paid

    @property
    def older(self) -> str:
        return f"INV-{2 * self.n + 1:06d}"  # an older invoice, when the scenario has one

    def ids(self, prefix: str) -> str:
        return f"{prefix}_s{self.n:04d}"


def _setup(engine: Engine, count: int, older: str | None = None) -> list[School_]:
    schools = [School_(n) for n in range(count)]
    with service_context(engine, AS_OF) as ctx:
        for s in schools:
            add_school(ctx, NewSchool(urn=s.urn, name=f"School {s.n}", type="academy"))
            if older is not None:
                issue(ctx, s.urn, 2 * s.n + 1, older, date(2025, 8, 1))
            issue(ctx, s.urn, 2 * s.n + 2, "4200.00", date(2025, 9, 1))
            link_customer(ctx, s.urn, s.customer)
    return schools


def _deliver(engine: Engine, delivery: Delivery) -> tuple[str, str | None]:
    with service_context(engine, AS_OF) as ctx:
        notice = delivery if isinstance(delivery, GatewayNotice) else notice_from_event(delivery)
        outcome = apply_notice(ctx, notice)
    return outcome.status, outcome.note


def _orders(names: Iterable[str], smallest: int = 1) -> list[tuple[str, ...]]:
    """Every non-empty subset of ``names`` in every order, alone and with one event delivered twice."""
    names = tuple(names)
    found: set[tuple[str, ...]] = set()
    for k in range(smallest, len(names) + 1):
        for subset in combinations(names, k):
            found.update(permutations(subset))
            for again in subset:
                found.update(permutations((*subset, again)))
    return sorted(found)


def _event(type_: str, obj: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The event body Stripe would send, as the webhook has it after verifying the signature."""
    body: dict[str, Any] = json.loads(event(event_id, type_, obj, created=CREATED))
    return body


@dataclass(frozen=True)
class Result:
    payments: list[tuple[str | None, Decimal, str]]
    outstanding: str
    older_outstanding: str | None
    credit: Decimal


def _result(engine: Engine, s: School_, with_older: bool) -> Result:
    with service_context(engine, AS_OF) as ctx:
        school = ctx.session.scalar(select(School).where(School.urn == s.urn))
        assert school is not None
        payments = [(p.external_key, p.amount, p.method) for p in ctx.session.scalars(
            select(Payment).where(Payment.school_id == school.id).order_by(Payment.id))]
        return Result(payments, outstanding(ctx, s.invoice),
                      outstanding(ctx, s.older) if with_older else None, account_credit(ctx, s.urn))


def _run(engine: Engine, orders: list[tuple[str, ...]], events: Callable[[School_], dict[str, Delivery]],
         older: str | None = None) -> list[tuple[tuple[str, ...], School_, list[tuple[str, str | None]]]]:
    """Deliver each order to its own school; returns what each delivery answered."""
    schools = _setup(engine, len(orders), older)
    runs = []
    for order, s in zip(orders, schools, strict=True):
        made = events(s)
        runs.append((order, s, [_deliver(engine, made[name]) for name in order]))
    return runs


def _assert_first_processed_then_duplicate(order: tuple[str, ...], answers: list[tuple[str, str | None]]) -> None:
    seen: set[str] = set()
    for name, (status, note) in zip(order, answers, strict=True):
        assert status == ("duplicate" if name in seen else "processed"), (order, name, status, note)
        seen.add(name)


# -- the issue's scenario: funding, checkout.session.completed, payment_intent.succeeded, replays -------------

def _bank_transfer_checkout(s: School_) -> dict[str, Delivery]:
    """A session and PaymentIntent that offered only the cash balance (a bank-transfer checkout)."""
    pi = s.ids("pi")
    return {
        "funding": _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn"), PENCE, s.customer),
                          s.ids("evt_fund")),
        "checkout": _event("checkout.session.completed",
                           checkout_session(s.ids("cs"), pi, PENCE, s.invoice, s.customer,
                                            methods=("customer_balance",), urn=s.urn), s.ids("evt_cs")),
        "intent": _event("payment_intent.succeeded",
                         payment_intent(pi, PENCE, s.invoice, s.urn, s.customer, methods=("customer_balance",)),
                         s.ids("evt_pi")),
    }


def test_the_issue_scenario_records_4200_once_in_every_order_and_pairing(engine: Engine) -> None:
    orders = _orders(("funding", "checkout", "intent"))
    assert len(orders) == 72 and ("checkout", "funding", "intent", "funding") in orders
    for order, s, answers in _run(engine, orders, _bank_transfer_checkout):
        _assert_first_processed_then_duplicate(order, answers)
        result = _result(engine, s, with_older=False)
        assert len(result.payments) == 1, (order, result)
        assert result.payments[0][1:] == (Decimal("4200.00"), "bacs"), (order, result)
        assert (result.outstanding, result.credit) == ("0.00", Decimal("0.00")), (order, result)


def _legacy_checkout(s: School_) -> dict[str, Delivery]:
    """A session made before pay links were pinned to card: it offered card and the cash balance.

    The session cannot say which paid; the PaymentIntent's event carries its charge's method type.
    """
    pi = s.ids("pi")
    methods = ("card", "customer_balance")
    return {
        "funding": _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn"), PENCE, s.customer),
                          s.ids("evt_fund")),
        "checkout": _event("checkout.session.completed",
                           checkout_session(s.ids("cs"), pi, PENCE, s.invoice, s.customer, methods=methods,
                                            urn=s.urn), s.ids("evt_cs")),
        "intent": _event("payment_intent.succeeded",
                         payment_intent(pi, PENCE, s.invoice, s.urn, s.customer, methods=methods,
                                        charged_with="customer_balance"), s.ids("evt_pi")),
    }


def test_a_session_offering_card_and_balance_records_once_and_allocates_the_same_in_every_order(
        engine: Engine) -> None:
    # The school also owes an older £100.00. Balance money is allocated like the bank transfer it is (§8: the
    # invoice its reference quotes, else oldest first), so it lands the same whichever event records it.
    orders = _orders(("funding", "checkout", "intent"))
    for order, s, answers in _run(engine, orders, _legacy_checkout, older="100.00"):
        _assert_first_processed_then_duplicate(order, answers)
        result = _result(engine, s, with_older=True)
        if set(order) == {"checkout"}:
            # Only the session arrived, and it does not say how it was paid: its PaymentIntent's event will.
            assert result.payments == [], order
            assert answers[0][1] == f"the session does not say how it was paid; {s.ids('pi')}'s own event records it"
            continue
        assert [p[1] for p in result.payments] == [Decimal("4200.00")], (order, result)
        assert (result.older_outstanding, result.outstanding, result.credit) == (
            "0.00", "100.00", Decimal("0.00")), (order, result)


# -- the cash balance's own transactions: applied_to_payment, partial funding, funding never spent -------------

def _fake_flow(fake: FakeGateway) -> Callable[[School_], dict[str, Delivery]]:
    """The same money as the fake gateway reports it: funded, applied to the payment, and the payment's events."""

    def events(s: School_) -> dict[str, Delivery]:
        pi = s.ids("pi_fake")
        fake.payments[pi] = _Payment(pi, s.customer, s.urn, s.invoice, PENCE)
        when = at("2025-11-03 09:00")
        return {
            "funding": fake.bank_transfer(s.customer, s.ids("ccsbtxn"), PENCE, None, s.ids("evt_fund"), when),
            "applied": fake.applied(s.ids("ccsbtxn_applied"), pi, PENCE, s.ids("evt_applied"), when),
            "intent": fake.paid_from_balance(pi, s.ids("evt_pi"), when),
            "checkout": fake.paid_from_balance(pi, s.ids("evt_cs"), when, "checkout.session.completed"),
        }
    return events


def test_funding_applied_intent_and_checkout_from_the_fake_gateway_record_once_in_every_order(
        engine: Engine) -> None:
    # All four reports in every order, and each order again with its first event delivered twice, last.
    orders = list(permutations(("funding", "applied", "intent", "checkout")))
    orders += [(*order, order[0]) for order in orders]
    for order, s, answers in _run(engine, orders, _fake_flow(FakeGateway())):
        _assert_first_processed_then_duplicate(order, answers)
        result = _result(engine, s, with_older=False)
        assert [p[1] for p in result.payments] == [Decimal("4200.00")], (order, result)
        assert (result.outstanding, result.credit) == ("0.00", Decimal("0.00")), (order, result)


def test_applied_to_payment_with_no_funding_recorded_is_recorded_once_and_the_funding_adds_nothing(
        engine: Engine) -> None:
    [s] = _setup(engine, 1)
    pi = s.ids("pi")
    spend = _event("customer_cash_balance_transaction.created", applied(s.ids("ccsbtxn_a"), pi, PENCE, s.customer),
                   "evt_applied")
    assert _deliver(engine, spend) == ("processed", None)
    assert _result(engine, s, False).payments == [(s.ids("ccsbtxn_a"), Decimal("4200.00"), "bacs")]
    fund = _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn_f"), PENCE, s.customer),
                  "evt_funded")
    assert _deliver(engine, fund) == ("processed", "the money was already recorded from the school's Stripe balance")
    result = _result(engine, s, False)
    assert [p[1] for p in result.payments] == [Decimal("4200.00")]
    assert (result.outstanding, result.credit) == ("0.00", Decimal("0.00"))


@pytest.mark.parametrize("first", ["funding", "intent"])
def test_a_transfer_larger_than_the_payment_keeps_the_rest_as_credit_in_either_order(
        engine: Engine, first: str) -> None:
    [s] = _setup(engine, 1)
    pi = s.ids("pi")
    events = {
        "funding": _event("customer_cash_balance_transaction.created",
                          funded(s.ids("ccsbtxn"), 500000, s.customer), "evt_fund"),
        "intent": _event("payment_intent.succeeded", payment_intent(
            pi, PENCE, s.invoice, s.urn, s.customer, methods=("customer_balance",)), "evt_pi"),
    }
    second = "intent" if first == "funding" else "funding"
    _deliver(engine, events[first])
    status, note = _deliver(engine, events[second])
    result = _result(engine, s, False)
    assert sum(p[1] for p in result.payments) == Decimal("5000.00")
    assert (result.outstanding, result.credit) == ("0.00", Decimal("800.00"))
    if first == "intent":  # the transfer adds only what the payment had not already recorded
        assert (status, note) == ("processed", "£4200.00 of it was already recorded from the school's Stripe balance")


def test_two_transfers_for_one_payment_and_the_spend_record_the_transfers_once(engine: Engine) -> None:
    [s] = _setup(engine, 1)
    pi = s.ids("pi")
    deliveries = [
        _event("payment_intent.succeeded", payment_intent(
            pi, PENCE, s.invoice, s.urn, s.customer, methods=("customer_balance",)), "evt_pi"),
        _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn_1"), 200000, s.customer), "evt_f1"),
        _event("customer_cash_balance_transaction.created", applied(s.ids("ccsbtxn_a1"), pi, 200000, s.customer),
               "evt_a1"),
        _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn_2"), 220000, s.customer), "evt_f2"),
        _event("customer_cash_balance_transaction.created", applied(s.ids("ccsbtxn_a2"), pi, 220000, s.customer),
               "evt_a2"),
    ]
    for delivery in deliveries:
        assert _deliver(engine, delivery)[0] == "processed"
    result = _result(engine, s, False)
    assert sum(p[1] for p in result.payments) == Decimal("4200.00")
    assert (result.outstanding, result.credit) == ("0.00", Decimal("0.00"))


def test_a_funding_never_spent_is_still_recorded_against_the_invoice_its_reference_quotes(engine: Engine) -> None:
    schools = _setup(engine, 1, older="100.00")
    s = schools[0]
    fund = _event("customer_cash_balance_transaction.created",
                  funded(s.ids("ccsbtxn"), PENCE, s.customer, reference=s.invoice.lower()), "evt_fund")
    assert _deliver(engine, fund) == ("processed", None)
    result = _result(engine, s, True)
    assert result.payments == [(s.ids("ccsbtxn"), Decimal("4200.00"), "bacs")]
    assert (result.older_outstanding, result.outstanding) == ("100.00", "0.00")


def test_a_card_payment_and_an_unrelated_transfer_are_two_payments(engine: Engine) -> None:
    [s] = _setup(engine, 1)
    card = _event("payment_intent.succeeded", payment_intent(s.ids("pi"), PENCE, s.invoice, s.urn, s.customer),
                  "evt_card")
    fund = _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn"), 30000, s.customer),
                  "evt_fund")
    assert [_deliver(engine, d)[0] for d in (fund, card)] == ["processed", "processed"]
    result = _result(engine, s, False)
    assert [(p[1], p[2]) for p in result.payments] == [(Decimal("300.00"), "bacs"), (Decimal("4200.00"), "card")]
    assert (result.outstanding, result.credit) == ("0.00", Decimal("300.00"))


def test_a_funding_recorded_before_this_ledger_noted_movements_is_not_counted_again(engine: Engine) -> None:
    # Databases made before the cash balance was tracked hold the funding as a payment keyed on its transaction.
    from billing.payments import record_payment

    [s] = _setup(engine, 1)
    with service_context(engine, AS_OF) as ctx:
        record_payment(ctx, s.urn, Decimal("4200.00"), date(2025, 11, 3), "bacs", source="stripe",
                       external_key=s.ids("ccsbtxn"))
    spend = _event("payment_intent.succeeded", payment_intent(
        s.ids("pi"), PENCE, s.invoice, s.urn, s.customer, methods=("customer_balance",)), "evt_pi")
    assert _deliver(engine, spend) == ("processed", "the money was already recorded from the school's Stripe balance")
    assert [p[1] for p in _result(engine, s, False).payments] == [Decimal("4200.00")]


def test_a_payment_taken_as_card_then_shown_to_be_from_the_balance_is_flagged_for_a_person(engine: Engine) -> None:
    # A PaymentIntent that offered card and the cash balance, whose event does not say which paid, is taken as
    # card. If its funding was recorded too before Stripe's applied_to_payment says so, the money is held twice:
    # that is never silent — the event is kept for review and audited. (Pay links are pinned to card, so the
    # engine's own sessions cannot produce this.)
    [s] = _setup(engine, 1)
    pi = s.ids("pi")
    methods = ("card", "customer_balance")
    deliveries = [
        _event("payment_intent.succeeded", payment_intent(pi, PENCE, s.invoice, s.urn, s.customer, methods=methods),
               "evt_pi"),
        _event("customer_cash_balance_transaction.created", funded(s.ids("ccsbtxn"), PENCE, s.customer), "evt_f"),
        _event("customer_cash_balance_transaction.created", applied(s.ids("ccsbtxn_a"), pi, PENCE, s.customer),
               "evt_a"),
    ]
    answers = [_deliver(engine, d) for d in deliveries]
    assert [a[0] for a in answers] == ["processed", "processed", "review"]
    assert answers[2][1] == (f"{pi} was recorded as a card payment before Stripe showed it was paid from the "
                             "school's bank-transfer balance, so £4200.00 is now held twice: check and correct "
                             "it by hand")
    with service_context(engine, AS_OF) as ctx:
        audit = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "gateway.review"))
        assert audit is not None and audit.entity_id == "evt_a"


def test_applied_before_the_payment_event_makes_an_ambiguous_payment_the_same_money(engine: Engine) -> None:
    # Stripe applies the balance before the PaymentIntent succeeds, so in the usual order the ledger already
    # knows the PaymentIntent was paid from the balance when its own (silent) event arrives.
    def made(s: School_) -> dict[str, Delivery]:
        pi = s.ids("pi")
        return {
            "funding": _event("customer_cash_balance_transaction.created",
                              funded(s.ids("ccsbtxn"), PENCE, s.customer), s.ids("evt_f")),
            "applied": _event("customer_cash_balance_transaction.created",
                              applied(s.ids("ccsbtxn_a"), pi, PENCE, s.customer), s.ids("evt_a")),
            "intent": _event("payment_intent.succeeded", payment_intent(
                pi, PENCE, s.invoice, s.urn, s.customer, methods=("card", "customer_balance")), s.ids("evt_pi")),
        }

    flagged = [o for o in permutations(("funding", "applied", "intent"))  # the case above
               if o.index("intent") < o.index("applied") and o.index("funding") < o.index("applied")]
    orders = [o for o in permutations(("funding", "applied", "intent")) if o not in flagged]
    assert len(orders) == 4
    for order, s, answers in _run(engine, orders, made):
        assert [a[0] for a in answers] == ["processed"] * 3, (order, answers)
        result = _result(engine, s, False)
        assert sum(p[1] for p in result.payments) == Decimal("4200.00"), (order, result)
        assert (result.outstanding, result.credit) == ("0.00", Decimal("0.00")), (order, result)


def test_an_event_whose_fields_cannot_be_read_is_kept_for_a_person(engine: Engine) -> None:
    [s] = _setup(engine, 1)
    bad = funded(s.ids("ccsbtxn"), PENCE, s.customer) | {"net_amount": "4200.00"}
    body = _event("customer_cash_balance_transaction.created", bad, "evt_bad")
    assert _deliver(engine, body) == ("parked", "the event's net_amount could not be read "
                                                 "(input should be a valid integer)")
    assert _result(engine, s, False).payments == []


def test_each_movement_is_noted_once_in_the_gateway_events_table(engine: Engine) -> None:
    orders = [("intent", "funding", "checkout", "intent")]
    [(_, s, _)] = _run(engine, orders, _bank_transfer_checkout)
    with service_context(engine, AS_OF) as ctx:
        rows = ctx.session.execute(
            select(GatewayEvent.event_id, GatewayEvent.type, GatewayEvent.status).order_by(GatewayEvent.id)).all()
        assert [tuple(r) for r in rows] == [
            (f"cash-balance:spent:{s.ids('pi')}", "traded.cash_balance", "noted"),
            (s.ids("evt_pi"), "payment_intent.succeeded", "processed"),
            (f"cash-balance:funded:{s.ids('ccsbtxn')}", "traded.cash_balance", "noted"),
            (s.ids("evt_fund"), "customer_cash_balance_transaction.created", "processed"),
            (s.ids("evt_cs"), "checkout.session.completed", "processed"),
        ]
        assert ctx.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_funding_and_its_payment_delivered_at_the_same_moment_record_the_money_once(engine: Engine) -> None:
    # Stripe delivers events concurrently. Each school's deliveries take turns on its row (PostgreSQL's
    # FOR UPDATE; SQLite's writer lock), so the second always sees the first's money.
    import threading

    schools = _setup(engine, 6)
    errors: list[BaseException] = []
    start = threading.Barrier(2 * len(schools))

    def deliver(delivery: Delivery) -> None:
        try:
            start.wait(timeout=60)
            _deliver(engine, delivery)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = []
    for s in schools:
        made = _bank_transfer_checkout(s)
        threads += [threading.Thread(target=deliver, args=(made[name],)) for name in ("funding", "intent")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    for s in schools:
        result = _result(engine, s, False)
        assert [p[1] for p in result.payments] == [Decimal("4200.00")], (s, result)
        assert (result.outstanding, result.credit) == ("0.00", Decimal("0.00"))
