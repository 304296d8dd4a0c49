"""The portal's previews write nothing, and say exactly what confirming then records (§3, §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from billing.cancellations import cancel_subscription, preview_subscription_cancellation
from billing.models import Subscription
from billing.subscriptions import add_subscription, renew_subscription, subscription_charges
from billing.views.subscription_previews import preview_renewal, subscription_page
from pricing.errors import RuleViolation
from tests.billing.test_cancellations import invoice_due
from tests.billing.test_subscriptions import ACADEMY, MAINTAINED, SETUP, setup_book
from tests.support import service_context, table_dump


def _termly(engine: Engine, urn: str, tier: str) -> int:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        return add_subscription(ctx, urn, tier, date(2019, 9, 1), "termly").id


def test_a_shortfall_previewed_is_the_settlement_charge_recorded(engine: Engine) -> None:
    sub_id = _termly(engine, ACADEMY, "premium")
    with service_context(engine, date(2019, 9, 1)) as ctx:
        invoice_due(ctx, ACADEMY, sub_id)  # autumn: 3000.00 net
    before = table_dump(engine)
    with service_context(engine, date(2020, 1, 7)) as ctx:
        preview = preview_subscription_cancellation(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28))
        seen = (preview.effective_end, preview.accrued, preview.invoiced, preview.settlement.kind,
                preview.settlement.amount, preview.settlement_due, [c.source_key for c in preview.withdraw],
                preview.withdrawn_total, preview.plan.description)
    assert table_dump(engine) == before
    assert seen[:6] == (date(2020, 3, 30), Decimal("5213.11"), Decimal("3000.00"), "invoice", Decimal("2213.11"),
                        date(2020, 1, 7))
    with service_context(engine, date(2020, 1, 7)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28), "school")
        charge = done.settlement_charge
        assert charge is not None
        assert seen == (done.effective_end, done.accrued, done.invoiced, done.settlement.kind,
                        done.settlement.amount, charge.due_on, [c.source_key for c in done.withdrawn],
                        done.withdrawn_total, charge.description)
        assert charge.amount == seen[4]


def test_an_excess_previewed_is_the_credit_notes_issued_to_the_penny(engine: Engine) -> None:
    sub_id = _termly(engine, MAINTAINED, "initial")
    for day in (date(2019, 9, 1), date(2020, 1, 1)):
        with service_context(engine, day) as ctx:
            invoice_due(ctx, MAINTAINED, sub_id)
    before = table_dump(engine)
    with service_context(engine, date(2020, 1, 6)) as ctx:
        preview = preview_subscription_cancellation(ctx, sub_id, date(2019, 9, 2), date(2019, 9, 2))
        credits = [(c.invoice.number, c.gross) for c in preview.credits]
        figures = (preview.effective_end, preview.settlement.kind, preview.settlement.amount, preview.settlement_due)
    assert table_dump(engine) == before
    assert figures == (date(2019, 11, 25), "credit_note", Decimal("1640.42"), None)
    assert [gross for _, gross in credits] == [Decimal("1266.66"), Decimal("373.76")]
    with service_context(engine, date(2020, 1, 6)) as ctx:
        done = cancel_subscription(ctx, sub_id, date(2019, 9, 2), date(2019, 9, 2), "school")
        assert [(n.corrects.number, n.total) for n in done.credit_notes] == credits  # type: ignore[union-attr]


def test_a_preview_refuses_what_the_cancellation_refuses_and_writes_nothing(engine: Engine) -> None:
    sub_id = _termly(engine, ACADEMY, "premium")
    with service_context(engine, date(2020, 1, 6)) as ctx:
        cancel_subscription(ctx, sub_id, date(2020, 1, 6), date(2020, 2, 28), "school")
    before = table_dump(engine)
    with service_context(engine, date(2020, 1, 7)) as ctx, pytest.raises(RuleViolation, match="already cancelled"):
        preview_subscription_cancellation(ctx, sub_id, date(2020, 1, 7), date(2020, 6, 1))
    assert table_dump(engine) == before


def test_a_renewal_previewed_is_the_term_and_instalments_renewing_raises(engine: Engine) -> None:
    setup_book(engine)
    with service_context(engine, SETUP) as ctx:
        sub_id = add_subscription(ctx, ACADEMY, "premium", date(2019, 9, 1), "annual").id
    before = table_dump(engine)
    with service_context(engine, SETUP) as ctx:
        preview = preview_renewal(ctx, sub_id)
    assert table_dump(engine) == before
    assert (preview.starts_on, preview.ends_on, preview.total) == (date(2021, 9, 1), date(2023, 8, 31),
                                                                   Decimal("19250.00"))
    with service_context(engine, SETUP) as ctx:
        made = renew_subscription(ctx, sub_id)
        assert (made.tier, made.schedule, made.starts_on, made.ends_on) == (
            preview.tier, preview.schedule, preview.starts_on, preview.ends_on)
        assert [(c.due_on, c.amount, c.description, c.period_start, c.period_end)
                for c in subscription_charges(ctx, made)] == [
            (i.due_on, i.amount, i.description, i.period_start, i.period_end) for i in preview.instalments]
    with service_context(engine, SETUP) as ctx, pytest.raises(RuleViolation, match="already renewed"):
        preview_renewal(ctx, sub_id)


def test_the_subscription_page_says_what_notice_today_would_mean(engine: Engine) -> None:
    sub_id = _termly(engine, ACADEMY, "premium")
    with service_context(engine, date(2019, 9, 1)) as ctx:
        invoice_due(ctx, ACADEMY, sub_id)
    with service_context(engine, date(2020, 1, 6)) as ctx:
        page = subscription_page(ctx, ctx.session.get_one(Subscription, sub_id))
    assert page.earliest_end == date(2020, 3, 30)
    assert [i.state for i in page.instalments] == ["invoiced"] + ["to be invoiced"] * 5
    assert page.renewal_refused is None and not page.cancelled
