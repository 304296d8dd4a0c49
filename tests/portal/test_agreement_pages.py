"""Entitlements, cases, subscription, notice, renewal and booking pages over HTTP, on both databases.

The portal's clock stands on 3 November 2025 (tests.portal.conftest.DAY). Ash
Primary (roll unset: the smallest band) holds a premium termly subscription from
1 September 2025 whose autumn instalment was invoiced.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select

from billing.cancellations import preview_subscription_cancellation
from billing.models import Charge, Order, Subscription
from billing.subscriptions import add_subscription, subscription_charges
from billing.views.subscription_previews import preview_renewal
from tests.billing.test_cancellations import invoice_due
from tests.portal.conftest import DAY, Portal, csrf_in, form
from tests.support import cli_json, service_context, table_dump

ASH, BEECH = "100001", "100002"


def _subscribed(engine: Engine) -> int:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        sub_id = add_subscription(ctx, ASH, "premium", date(2025, 9, 1), "termly").id
        add_subscription(ctx, BEECH, "initial", date(2025, 9, 1), "annual")
    with service_context(engine, date(2025, 9, 1)) as ctx:
        invoice_due(ctx, ASH, sub_id)
    return sub_id


def test_notice_is_previewed_without_writing_and_confirmed_as_the_same_record(portal: Portal) -> None:
    sub_id = _subscribed(portal.engine)
    browser = portal.signed_in("ann@ash.example", ASH, role="approver")
    before = table_dump(portal.engine)
    query = {"end-day": "31", "end-month": "12", "end-year": "2025"}
    page = browser.get(f"/schools/{ASH}/subscription/notice", params=query)
    assert page.status_code == 200
    assert table_dump(portal.engine) == before
    with service_context(portal.engine, DAY) as ctx:
        expected = preview_subscription_cancellation(ctx, sub_id, DAY, date(2025, 12, 31))
        end, kind, amount = expected.effective_end, expected.settlement.kind, expected.settlement.amount
    # Notice on 3 November: twelve weeks run to 26 January 2026, past the 31 December asked for.
    assert end == date(2026, 1, 26)
    assert "26 January 2026" in page.text
    # 10,500.00 x 148 days (1 Sep 2025 - 26 Jan 2026) / 365 = 4,257.53, less the 3,500.00 autumn invoice.
    assert (kind, amount) == ("invoice", Decimal("757.53")) and "£757.53 plus VAT" in page.text
    answer = form(browser, f"/schools/{ASH}/subscription/notice", {"end": "2025-12-31"},
                  token_from=f"/schools/{ASH}/subscription/notice?end-day=31&end-month=12&end-year=2025")
    assert answer.status_code == 200, answer.text
    assert "ends on 26 January 2026" in answer.text
    with service_context(portal.engine, DAY) as ctx:
        sub = ctx.session.get_one(Subscription, sub_id)
        assert (sub.status, sub.notice_on, sub.effective_end, sub.cancelled_by) == (
            "cancelled", DAY, date(2026, 1, 26), "school")
        [charge] = ctx.session.scalars(select(Charge).where(Charge.kind == "settlement")).all()
        assert (charge.amount, charge.due_on, charge.subscription_id) == (amount, DAY, sub_id)


def test_a_viewer_sees_the_preview_but_their_posts_are_refused_and_write_nothing(portal: Portal) -> None:
    _subscribed(portal.engine)
    viewer = portal.signed_in("vic@ash.example", ASH, role="viewer")
    page = viewer.get(f"/schools/{ASH}/subscription/notice?end-day=31&end-month=12&end-year=2025")
    assert page.status_code == 200 and "Only an approver" in page.text
    token = csrf_in(page.text)  # a valid token: the refusal is the role, not the form
    before = table_dump(portal.engine)
    for path, data in ((f"/schools/{ASH}/subscription/notice", {"end": "2025-12-31"}),
                       (f"/schools/{ASH}/subscription/renew", {}),
                       (f"/schools/{ASH}/book", {"item": "cpd_place", "quantity": "1"})):
        assert viewer.post(path, data={**data, "csrf_token": token}).status_code == 403
    assert table_dump(portal.engine) == before


def test_an_approver_post_without_the_csrf_token_is_refused(portal: Portal) -> None:
    _subscribed(portal.engine)
    browser = portal.signed_in("ann@ash.example", ASH, role="approver")
    before = table_dump(portal.engine)
    answer = browser.post(f"/schools/{ASH}/subscription/notice", data={"end": "2025-12-31"})
    assert answer.status_code == 403
    assert table_dump(portal.engine) == before


def test_renewal_is_previewed_without_writing_and_confirmed_as_the_same_term(portal: Portal) -> None:
    sub_id = _subscribed(portal.engine)
    browser = portal.signed_in("ann@ash.example", ASH, role="approver")
    before = table_dump(portal.engine)
    page = browser.get(f"/schools/{ASH}/subscription/renew")
    assert page.status_code == 200 and table_dump(portal.engine) == before
    with service_context(portal.engine, DAY) as ctx:
        preview = preview_renewal(ctx, sub_id)
    assert (preview.starts_on, preview.ends_on) == (date(2027, 9, 1), date(2029, 8, 31))
    assert "1 September 2027 to 31 August 2029" in page.text and f"£{preview.total:,}" in page.text
    answer = browser.post(f"/schools/{ASH}/subscription/renew", data={"csrf_token": csrf_in(page.text)})
    assert answer.status_code == 200 and "Subscription renewed from 1 September 2027" in answer.text
    with service_context(portal.engine, DAY) as ctx:
        [made] = ctx.session.scalars(select(Subscription).where(Subscription.renews_id == sub_id)).all()
        assert [(c.due_on, c.amount, c.description) for c in subscription_charges(ctx, made)] == [
            (i.due_on, i.amount, i.description) for i in preview.instalments]
    again = browser.get(f"/schools/{ASH}/subscription/renew")
    assert "already renewed" in again.text and "Confirm and renew" not in again.text


def test_booking_is_checked_then_made_as_order_add_makes_it(portal: Portal, db_url: str) -> None:
    _subscribed(portal.engine)
    browser = portal.signed_in("ann@ash.example", ASH, role="approver")
    listing = browser.get(f"/schools/{ASH}/book")
    assert listing.status_code == 200 and "CPD / training session place" in listing.text
    query = {"item": "cpd_place", "quantity": "8", "deliver-day": "12", "deliver-month": "1", "deliver-year": "2026",
             "po": "PO-9"}
    before = table_dump(portal.engine)
    check = browser.get(f"/schools/{ASH}/book", params=query)
    assert check.status_code == 200 and table_dump(portal.engine) == before
    # Premium covers six training places a year: two of eight are charged at 2025/26's £110.00.
    assert "6 of 8" in check.text and "£220.00 (2 × £110.00)" in check.text
    answer = browser.post(f"/schools/{ASH}/book", data={**query, "csrf_token": csrf_in(check.text)})
    assert answer.status_code == 200, answer.text
    with service_context(portal.engine, DAY) as ctx:
        [order] = ctx.session.scalars(select(Order)).all()
        assert (order.item_code, order.quantity, order.price, order.deliver_on, order.po_number) == (
            "cpd_place", 8, Decimal("220.00"), date(2026, 1, 12), "PO-9")
    shown = cli_json(db_url, "order", "show", str(order.id), as_of=DAY.isoformat())
    assert shown["price"] == "220.00"


def test_a_booking_with_mistakes_is_shown_again_with_an_error_summary(portal: Portal) -> None:
    _subscribed(portal.engine)
    browser = portal.signed_in("ann@ash.example", ASH, role="approver")
    page = browser.get(f"/schools/{ASH}/book", params={"quantity": "0", "deliver-day": "31", "deliver-month": "2",
                                                       "deliver-year": "2026"})
    assert page.status_code == 422
    assert 'href="#item"' in page.text and 'href="#quantity"' in page.text and 'href="#deliver-day"' in page.text


def test_entitlements_and_cases_in_plain_words_and_another_schools_case_is_404(portal: Portal, db_url: str) -> None:
    _subscribed(portal.engine)
    cli_json(db_url, "staff", "add", "--name", "Sam Patel", "--role", "Worker", "--cost-per-hour", "38.50",
             as_of="2025-09-01")
    ash_case = cli_json(db_url, "case", "open", ASH, "--referred", "2025-09-16", as_of="2025-09-20")
    beech_case = cli_json(db_url, "case", "open", BEECH, "--referred", "2025-09-17", as_of="2025-09-20")
    session = cli_json(db_url, "session", "add", str(ash_case["id"]), "--start", "2025-10-06 09:00", "--hours", "2.5",
                       "--staff", "Sam Patel", as_of="2025-09-20")
    cli_json(db_url, "session", "deliver", str(session["id"]), as_of="2025-10-06")
    late = cli_json(db_url, "session", "add", str(ash_case["id"]), "--start", "2025-10-20 09:00", "--hours", "2",
                    "--staff", "Sam Patel", as_of="2025-09-20")
    cli_json(db_url, "session", "change", str(late["id"]), "--notified", "2025-10-19 10:00", as_of="2025-10-19")

    browser = portal.signed_in("ann@ash.example", ASH, role="viewer")
    cases = browser.get(f"/schools/{ASH}/cases")
    assert cases.status_code == 200 and ash_case["ref"] in cases.text and beech_case["ref"] not in cases.text
    case = browser.get(f"/schools/{ASH}/cases/{ash_case['ref']}")
    assert case.status_code == 200
    assert "6 October 2025" in case.text and "Delivered" in case.text
    assert "Deemed delivered: changed or cancelled less than 48 hours before it started" in case.text
    assert "4.50" in case.text  # 2.5 delivered + 2 deemed delivered
    assert browser.get(f"/schools/{ASH}/cases/{beech_case['ref']}").status_code == 404
    assert browser.get(f"/schools/{BEECH}/cases/{beech_case['ref']}").status_code == 404
    assert browser.get(f"/schools/{ASH}/cases/{ash_case['id']}").status_code == 404

    page = browser.get(f"/schools/{ASH}/entitlements", params={"year": "2025/26"})
    assert page.status_code == 200
    assert "Direct casework (referrals)" in page.text and "Training places" in page.text
    assert "No limit" in page.text  # premium casework is unlimited
    assert browser.get(f"/schools/{BEECH}/entitlements").status_code == 404
