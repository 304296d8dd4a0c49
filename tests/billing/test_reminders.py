"""Reminders at 7, 30 and 60 days past due, each level once per invoice, with PDF letters (§9)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.models import Reminder
from billing.payments import record_payment
from billing.reminders import level_due, run_reminders
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


def test_each_level_is_sent_once_and_a_late_find_gets_only_the_latest(overdue: Engine) -> None:
    assert sent(overdue, date(2019, 11, 6)) == [("INV-000002", 60)]  # 67 days: only the final notice
    assert sent(overdue, date(2019, 11, 7)) == [("INV-000001", 7)]
    assert sent(overdue, date(2019, 11, 7)) == []
    assert sent(overdue, date(2019, 11, 20)) == []
    assert sent(overdue, date(2019, 11, 30)) == [("INV-000001", 30)]
    with service_context(overdue, date(2019, 12, 10)) as ctx:
        record_payment(ctx, "100001", D("4500.00"), date(2019, 12, 10), "bacs")
    assert sent(overdue, date(2019, 12, 30)) == []  # paid: no 60-day notice
    with service_context(overdue, date(2019, 12, 30)) as ctx:
        rows = ctx.session.scalars(select(Reminder).order_by(Reminder.id)).all()
        assert [(r.level, r.sent_on, r.outstanding) for r in rows] == [
            (60, date(2019, 11, 6), D("300.00")), (7, date(2019, 11, 7), D("4500.00")),
            (30, date(2019, 11, 30), D("4500.00"))]


def test_reminder_letters_read_back(overdue: Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with service_context(overdue, date(2019, 11, 7)) as ctx:
        run = run_reminders(ctx, tmp_path)
    assert [p.name for p in run.letters] == ["reminder-100001-7d-2019-11-07.pdf", "reminder-100002-60d-2019-11-07.pdf"]
    first = "".join(p.extract_text() for p in PdfReader(run.letters[0]).pages)
    assert "INV-000001" in first and "4,500.00" in first and "School 100001" in first
    assert "INV-000002" not in first
    final = "".join(p.extract_text() for p in PdfReader(run.letters[1]).pages)
    assert "FINAL NOTICE" in final and "300.00" in final


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
