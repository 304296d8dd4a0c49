"""Cancellation on twelve weeks' notice: accrual, withdrawal and settlement (domain-rules §4)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from billing.cancellations import cancel_subscription
from billing.context import Context
from billing.invoicing import issue_invoice
from billing.models import AuditEntry, Charge, Invoice
from billing.schools import NewSchool, add_school, get_school
from billing.subscriptions import add_subscription, get_subscription, live_subscription, subscription_charges
from pricing.errors import InvalidInput, RuleViolation
from tests.billing.test_subscriptions import ACADEMY, MAINTAINED, SETUP, hyp_engine, setup_book  # noqa: F401
from tests.support import service_context, table_dump


def invoice_due(ctx: Context, urn: str, sub_id: int) -> Invoice:
    """Invoice the subscription's charges due by today (what a bill run would do)."""
    sub = get_subscription(ctx, sub_id)
    charges = [c for c in subscription_charges(ctx, sub) if c.status == "due" and c.due_on <= ctx.today
               and not _on_invoice(ctx, c)]
    return issue_invoice(ctx, get_school(ctx, urn), charges)


def _on_invoice(ctx: Context, charge: Charge) -> bool:
    from billing.charges import is_invoiced

    return is_invoiced(ctx, charge)


def test_the_rules_example_less_than_twelve_weeks_notice_runs_to_notice_plus_84_days(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1), "termly").id
    with service_context(engine, date(2020, 1, 6)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28), "school")
        assert done.effective_end == date(2020, 3, 30)
        # 9000.00 x 212 days (1 Sep 2019 - 30 Mar 2020) / 366 = 5213.114... -> 5213.11
        assert done.accrued == Decimal("5213.11")
        assert done.invoiced == Decimal("0.00")
        # Nothing was invoiced: every instalment is withdrawn, the accrued fee is one settlement charge.
        assert [c.source_key for c in done.withdrawn] == [
            f"sub/{sub_id}/2019/1", f"sub/{sub_id}/2019/2", f"sub/{sub_id}/2019/3",
            f"sub/{sub_id}/2020/1", f"sub/{sub_id}/2020/2", f"sub/{sub_id}/2020/3"]
        assert (done.settlement.kind, done.settlement.amount) == ("invoice", Decimal("5213.11"))
        charge = done.settlement_charge
        assert charge is not None
        assert (charge.source_key, charge.kind, charge.amount, charge.due_on, charge.vat_code, charge.period_end) == (
            f"settle/sub/{sub_id}", "settlement", Decimal("5213.11"), date(2020, 1, 6), "S", date(2020, 3, 30))
        # Nothing invoiced before: no "less 0.00 invoiced".
        assert charge.description == (
            "Premium subscription fee, 2019-09-01 to 2020-03-30 (cancelled: the fee to its effective end)")
        sub = get_subscription(ctx, sub_id)
        assert (sub.status, sub.notice_on, sub.requested_end, sub.effective_end, sub.cancelled_by) == (
            "cancelled", date(2020, 1, 6), date(2020, 2, 28), date(2020, 3, 30), "school")
        assert live_subscription(ctx, sub.school_id, date(2020, 3, 30)) is sub
        assert live_subscription(ctx, sub.school_id, date(2020, 3, 31)) is None
        entry = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "subscription.cancel"))
        assert entry is not None and entry.reason and "cancelled by the school" in entry.reason


def test_shortfall_after_invoiced_instalments_is_a_settlement_charge(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1), "termly").id
    with service_context(engine, date(2019, 9, 1)) as ctx:
        invoice_due(ctx, ACADEMY, sub_id)  # autumn: 3000.00
    with service_context(engine, date(2020, 1, 6)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28), "school")
        # Accrued 5213.11 less 3000.00 invoiced: the spring instalment (not invoiced) is withdrawn.
        assert done.invoiced == Decimal("3000.00")
        assert [c.source_key for c in done.withdrawn][0] == f"sub/{sub_id}/2019/2"
        assert len(done.withdrawn) == 5
        assert (done.settlement.kind, done.settlement.amount) == ("invoice", Decimal("2213.11"))
        assert done.settlement_charge is not None and done.settlement_charge.amount == Decimal("2213.11")
        assert done.settlement_charge.description == (
            "Premium subscription fee, 2019-09-01 to 2020-03-30 (cancelled: £5,213.11 accrued to its effective "
            "end, less £3,000.00 already invoiced)")


def test_more_than_twelve_weeks_notice_ends_on_the_requested_date_and_credits_the_excess(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, MAINTAINED, "premium", date(2019, 9, 1)).id
    with service_context(engine, date(2019, 9, 1)) as ctx:
        invoice = invoice_due(ctx, MAINTAINED, sub_id)
        assert invoice.total == Decimal("10500.00")  # own maintained school: outside the scope of VAT
        number = invoice.number
    with service_context(engine, date(2020, 1, 6)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 6, 30), "school")
        assert done.effective_end == date(2020, 6, 30)
        # 10500.00 x 304 days (1 Sep 2019 - 30 Jun 2020) / 366 = 8721.311... -> 8721.31
        assert done.accrued == Decimal("8721.31")
        # The 2020/21 instalment (after the end) is withdrawn and never raised.
        assert [c.source_key for c in done.withdrawn] == [f"sub/{sub_id}/2020/1"]
        assert (done.settlement.kind, done.settlement.amount) == ("credit_note", Decimal("1778.69"))
        assert done.settlement_charge is None
        [note] = done.credit_notes
        assert (note.kind, note.total, note.corrects.number) == ("credit_note", Decimal("1778.69"), number)  # type: ignore[union-attr]
        # The invoice itself is untouched.
        assert ctx.session.scalar(select(Invoice).where(Invoice.number == number)).total == Decimal("10500.00")  # type: ignore[union-attr]


def test_an_excess_is_credited_gross_at_the_invoiced_vat_newest_invoice_first(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1), "termly").id
    with service_context(engine, date(2019, 9, 1)) as ctx:
        first = invoice_due(ctx, ACADEMY, sub_id).number
    with service_context(engine, date(2020, 1, 1)) as ctx:
        second = invoice_due(ctx, ACADEMY, sub_id)
        assert second.total == Decimal("3600.00")  # 3000.00 + 20% VAT
        second_number = second.number
    with service_context(engine, date(2020, 1, 6)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28), "service")
        # Invoiced 6000.00 net, accrued 5213.11: 786.89 net excess = 944.27 gross at 20%, on the newer invoice.
        assert (done.settlement.kind, done.settlement.amount) == ("credit_note", Decimal("786.89"))
        [note] = done.credit_notes
        assert note.corrects.number == second_number != first  # type: ignore[union-attr]
        assert (note.net, note.vat, note.total) == (Decimal("786.89"), Decimal("157.38"), Decimal("944.27"))
        assert get_subscription(ctx, sub_id).cancelled_by == "service"


def test_an_excess_larger_than_one_invoice_spreads_over_older_invoices(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, MAINTAINED, "initial", date(2019, 9, 1), "termly").id
    for day in (date(2019, 9, 1), date(2020, 1, 1)):
        with service_context(engine, day) as ctx:
            invoice_due(ctx, MAINTAINED, sub_id)  # 1266.66 each (3800.00 / 3, roll 700)
    with service_context(engine, date(2020, 1, 6)) as ctx:
        # Notice (recorded later) on day two, asking to end at once: 12 weeks -> 25 Nov 2019, 86 days accrued.
        done = cancel_subscription(ctx, sub_id, date(2019, 9, 2), date(2019, 9, 2), "school")
        assert done.effective_end == date(2019, 11, 25)
        assert done.accrued == Decimal("892.90")  # 3800.00 x 86 / 366 = 892.896...
        assert done.settlement.amount == Decimal("1640.42")  # 2533.32 - 892.90
        assert [n.total for n in done.credit_notes] == [Decimal("1266.66"), Decimal("373.76")]


def test_effective_end_never_runs_past_the_contract_end(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "initial", date(2019, 9, 1)).id
    with service_context(engine, date(2021, 7, 1)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2021, 7, 1), date(2021, 7, 31))
        assert done.effective_end == date(2021, 8, 31)
        assert done.accrued == Decimal("6550.00")  # the whole contract: 3200.00 + 3350.00


@pytest.mark.parametrize("notice, end, by, exc, match", [
    (date(2019, 8, 31), date(2019, 12, 31), "school", RuleViolation, "before the contract starts"),
    (date(2019, 10, 1), date(2019, 9, 30), "school", InvalidInput, "before the notice"),
    (date(2019, 10, 1), date(2019, 12, 31), "parent", InvalidInput, "school or the service"),
])
def test_bad_notices_are_refused_and_write_nothing(engine: Engine, notice: date, end: date, by: str,
                                                   exc: type, match: str) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "initial", date(2019, 9, 1)).id
    before = table_dump(engine)
    with pytest.raises(exc, match=match), service_context(engine, date(2019, 10, 1)) as ctx:
        cancel_subscription(ctx, sub_id, notice, end, by)
    assert table_dump(engine) == before


def test_a_subscription_is_cancelled_once(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "initial", date(2019, 9, 1)).id
        cancel_subscription(ctx, sub_id, date(2019, 10, 1), date(2019, 12, 31))
        with pytest.raises(RuleViolation, match="already cancelled"):
            cancel_subscription(ctx, sub_id, date(2019, 10, 2), date(2019, 12, 31))


def test_after_cancelling_the_school_can_subscribe_again_from_the_day_after_the_effective_end(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1)).id
        cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28))
        with pytest.raises(RuleViolation):
            add_subscription(ctx, ACADEMY, "initial", date(2020, 3, 30))
        assert add_subscription(ctx, ACADEMY, "initial", date(2020, 3, 31)).starts_on == date(2020, 3, 31)


_urns = itertools.count(300000)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(date(2019, 9, 1), date(2025, 8, 31)), schedule=st.sampled_from(["annual", "termly"]),
       notice_after=st.integers(0, 800), extra=st.integers(0, 200))
def test_accrued_plus_withdrawn_is_the_contract_value(hyp_engine: Engine, start: date, schedule: str,  # noqa: F811
                                                      notice_after: int, extra: int) -> None:
    """For any notice inside the term, with every instalment due by the notice date already invoiced:

    "withdrawn" = the fee the cancellation takes off the school's account =
    (instalments withdrawn before being invoiced) − (the settlement charge raised) + (net of the
    credit notes issued). Then accrued + withdrawn = the contract value (every instalment raised).
    The school is the council's own (VAT O), so a credit note's gross is its net.
    """
    urn = str(next(_urns))
    with service_context(hyp_engine, SETUP) as ctx:
        add_school(ctx, NewSchool(urn=urn, name=f"School {urn}", type="maintained", number_on_roll=300,
                                  laestab="2040001"))
        sub = add_subscription(ctx, urn, "premium", start, schedule)
        sub_id, ends_on = sub.id, sub.ends_on
        contract = sum((c.amount for c in subscription_charges(ctx, sub)), Decimal(0))
    notice = min(start + timedelta(days=notice_after), ends_on)
    requested = notice + timedelta(days=extra)
    with service_context(hyp_engine, notice) as ctx:
        if any(c.due_on <= notice for c in subscription_charges(ctx, get_subscription(ctx, sub_id))):
            invoice_due(ctx, urn, sub_id)
        done = cancel_subscription(ctx, sub_id, notice, requested)
        settlement = done.settlement_charge.amount if done.settlement_charge else Decimal(0)
        credited = sum((n.net for n in done.credit_notes), Decimal(0))
        withdrawn = done.withdrawn_total - settlement + credited
        assert done.accrued + withdrawn == contract
        assert start <= done.effective_end <= ends_on
        # Nothing due after the effective end is left to bill.
        assert all(c.status == "withdrawn" or c.due_on <= notice
                   for c in subscription_charges(ctx, get_subscription(ctx, sub_id)))
