"""Reminders driven by the letters sent: one letter per school per run, stages in order, true wording (§9)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.models import Reminder
from billing.payments import record_payment
from billing.reminders import level_due, next_stage, run_reminders
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import service_context

D = Decimal


@pytest.fixture
def overdue(engine: Engine) -> Engine:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000001
        make_invoice(ctx, "100002", "300.00", date(2019, 8, 1), date(2019, 8, 31))     # INV-000002
    return engine


def sent(engine: Engine, on: date, out: Path | None = None) -> list[tuple[str, int]]:
    with service_context(engine, on) as ctx:
        return [(r.invoice, r.level) for r in run_reminders(ctx, out).reminders]


@pytest.mark.parametrize("days, level", [(0, None), (6, None), (7, 7), (29, 7), (30, 30), (59, 30), (60, 60),
                                         (400, 60)])
def test_levels(days: int, level: int | None) -> None:
    assert level_due(days) == level


def test_stages_follow_each_other() -> None:
    assert [next_stage(None), next_stage(7), next_stage(30), next_stage(60)] == [7, 30, 60, 60]


def test_the_stage_follows_the_letters_sent_not_the_age_of_the_debt(overdue: Engine) -> None:
    # INV-000002 is found 67 days late: its school's first letter is still the first reminder.
    assert sent(overdue, date(2019, 11, 6)) == [("INV-000002", 7)]
    assert sent(overdue, date(2019, 11, 6)) == []  # a second run the same day sends nothing
    assert sent(overdue, date(2019, 11, 7)) == [("INV-000001", 7)]
    assert sent(overdue, date(2019, 11, 19)) == []  # 13 days after its first letter: too soon for the next
    assert sent(overdue, date(2019, 11, 20)) == [("INV-000002", 30)]
    assert sent(overdue, date(2019, 11, 29)) == []  # INV-000001 is 29 days late: not yet the second stage
    assert sent(overdue, date(2019, 11, 30)) == [("INV-000001", 30)]
    assert sent(overdue, date(2019, 12, 4)) == [("INV-000002", 60)]
    with service_context(overdue, date(2019, 12, 10)) as ctx:
        record_payment(ctx, "100001", D("4500.00"), date(2019, 12, 10), "bacs")
    assert sent(overdue, date(2019, 12, 30)) == []  # 100001 paid; 100002 has had its final notice
    with service_context(overdue, date(2019, 12, 30)) as ctx:
        rows = ctx.session.scalars(select(Reminder).order_by(Reminder.id)).all()
        assert [(r.level, r.sent_on, r.outstanding) for r in rows] == [
            (7, date(2019, 11, 6), D("300.00")), (7, date(2019, 11, 7), D("4500.00")),
            (30, date(2019, 11, 20), D("300.00")), (30, date(2019, 11, 30), D("4500.00")),
            (60, date(2019, 12, 4), D("300.00"))]
        # 100001 paid what it was chased for: its next overdue invoice starts again at a first reminder.
        make_invoice(ctx, "100001", "200.00", date(2019, 12, 1), date(2019, 12, 31))  # INV-000003
    assert sent(overdue, date(2020, 1, 7)) == [("INV-000003", 7)]


def test_a_school_gets_one_letter_listing_every_overdue_invoice_at_its_stage(overdue: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with service_context(overdue, date(2019, 10, 1)) as ctx:
        make_invoice(ctx, "100002", "120.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000003
    # One letter, the first reminder, for both of 100002's invoices (67 and 7 days late): never two stages at once.
    with service_context(overdue, date(2019, 11, 7)) as ctx:
        run = run_reminders(ctx, tmp_path)
    assert [(r.urn, r.invoice, r.level) for r in run.reminders] == [
        ("100001", "INV-000001", 7), ("100002", "INV-000002", 7), ("100002", "INV-000003", 7)]
    assert [p.name for p in run.letters] == ["reminder-100001-7d-2019-11-07.pdf", "reminder-100002-7d-2019-11-07.pdf"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(run.letters[1]).pages).split())
    assert "Payment reminder - account 100002" in text
    assert "Our records show that the 2 invoices below, for services from Borough of Eastbury Council, are now " \
           "past their due dates. We would be grateful if you could arrange payment of £420.00" in text
    assert "FINAL NOTICE" not in text and "Second reminder" not in text and "Despite" not in text


def test_later_letters_name_the_letters_sent_and_what_fell_overdue_since(overdue: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    def letter(on: date) -> str:
        with service_context(overdue, on) as ctx:
            run = run_reminders(ctx, tmp_path)
        [path] = [p for p in run.letters if "100002" in p.name]
        return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())

    first = letter(date(2019, 11, 6))
    assert "Payment reminder" in first and "the invoice below, for services from" in first
    assert "is now past the due date" in first
    with service_context(overdue, date(2019, 11, 6)) as ctx:
        make_invoice(ctx, "100002", "120.00", date(2019, 10, 1), date(2019, 10, 31))  # INV-000003
    second = letter(date(2019, 11, 20))
    assert "Second reminder: payment overdue - account 100002" in second
    assert "We wrote to you on 2019-11-06 about invoice INV-000002, which is still unpaid. Since then, invoice " \
           "INV-000003 has also fallen overdue. In all, £420.00 is outstanding on the 2 invoices below." in second
    assert "Please arrange payment in full by 2019-11-27" in second
    assert "INV-000002 2019-08-01 2019-08-31 2019-11-06 300.00 300.00 81" in second
    assert "INV-000003 2019-10-01 2019-10-31 new 120.00 120.00 20" in second
    final = letter(date(2019, 12, 4))
    assert "FINAL NOTICE: payment now seriously overdue - account 100002" in final
    assert "Despite our reminders of 2019-11-06 and 2019-11-20, invoices INV-000002 and INV-000003 remain " \
           "unpaid. In all, £420.00 is outstanding on the 2 invoices below." in final
    assert "by 2019-12-18, we may refer this debt" in final
    assert "remain unpaid" in final and "which remain" not in second


def test_the_own_maintained_schools_letters_threaten_no_interest(engine: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100003", "maintained"))
        make_invoice(ctx, "100001", "100.00", date(2019, 10, 1), date(2019, 10, 31))
        make_invoice(ctx, "100003", "100.00", date(2019, 10, 1), date(2019, 10, 31))
    with service_context(engine, date(2019, 11, 7)) as ctx:
        run = run_reminders(ctx, tmp_path)
    academy, maintained = (" ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
                           for path in run.letters)
    assert "Interest is charged on late payment at 2% per month" in academy
    assert "Interest" not in maintained and "per month" not in maintained


def test_reminder_letters_read_back(overdue: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with service_context(overdue, date(2019, 11, 7)) as ctx:
        run = run_reminders(ctx, tmp_path)
    assert [p.name for p in run.letters] == ["reminder-100001-7d-2019-11-07.pdf", "reminder-100002-7d-2019-11-07.pdf"]
    first = "".join(p.extract_text() for p in PdfReader(run.letters[0]).pages)
    assert "INV-000001" in first and "4,500.00" in first and "School 100001" in first
    assert "INV-000002" not in first
    other = "".join(p.extract_text() for p in PdfReader(run.letters[1]).pages)
    assert "Payment reminder" in other and "300.00" in other and "FINAL NOTICE" not in other


def test_letters_that_cannot_be_written_refuse_the_run_and_record_nothing(overdue: Engine, tmp_path: Path) -> None:
    from pricing.errors import InvalidInput

    blocked = tmp_path / "letters"
    blocked.write_text("a file where the letters' folder should be")
    with pytest.raises(InvalidInput, match="cannot write the reminder letters"), \
            service_context(overdue, date(2019, 11, 30)) as ctx:
        run_reminders(ctx, blocked)
    with service_context(overdue, date(2019, 11, 30)) as ctx:
        assert ctx.session.scalars(select(Reminder)).all() == []
    assert not list(tmp_path.glob("**/reminder-*.pdf"))
