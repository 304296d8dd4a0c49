"""Documents queue their emails where they are issued (issue 17): bill runs, credit notes, reminders, statements.

Each message is recorded in the document's own transaction, once; `--no-email`
and dry runs queue none. Serve's background sender delivers them to a local
SMTP server.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import Engine, func, select

from billing.bill_run import run_bill_run
from billing.contacts import NewContact, add_contact
from billing.mail_background import BackgroundSender
from billing.mail_compose import MailSetup
from billing.mail_delivery import SmtpSettings
from billing.models import Invoice
from billing.models.mail import MailMessage
from billing.reminders import run_reminders
from pricing.clock import FixedClock, SystemClock
from tests.reliability.workload import build_council, urn_of
from tests.support import cli_json, service_context
from tests.support_smtp import smtp_server

RUN_ON = date(2026, 1, 1)
SCHOOLS = 5


def _messages(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [(kind, key, status) for kind, key, status in conn.execute(
            select(MailMessage.kind, MailMessage.key, MailMessage.status).order_by(MailMessage.id))]


def _invoice_numbers(engine: Engine, kind: str = "invoice") -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Invoice.number).where(Invoice.kind == kind).order_by(Invoice.seq)))


def _with_finance_contacts(engine: Engine, schools: int) -> None:
    with service_context(engine, date(2025, 8, 1)) as ctx:
        for i in range(schools):
            add_contact(ctx, NewContact(urn=urn_of(i), name=f"Finance {i}", role="finance",
                                        email=f"finance{i}@school{i}.example"))


def test_a_bill_run_queues_one_message_per_invoice_in_its_batches_and_never_twice(engine: Engine) -> None:
    build_council(engine, SCHOOLS)
    _with_finance_contacts(engine, SCHOOLS)
    dry = run_bill_run(engine, FixedClock(RUN_ON), "test", dry_run=True, mail=MailSetup())
    assert dry.count == SCHOOLS and _messages(engine) == []
    result = run_bill_run(engine, FixedClock(RUN_ON), "test", mail=MailSetup(), batch_size=2)
    numbers = _invoice_numbers(engine)
    assert result.count == SCHOOLS == len(numbers)
    assert _messages(engine) == [("invoice", f"invoice/{n}", "queued") for n in numbers]
    again = run_bill_run(engine, FixedClock(RUN_ON), "test", mail=MailSetup())
    assert again.count == 0 and len(_messages(engine)) == SCHOOLS


def test_a_bill_run_without_mail_queues_nothing(engine: Engine) -> None:
    build_council(engine, 2)
    assert run_bill_run(engine, FixedClock(RUN_ON), "test").count == 2
    assert _messages(engine) == []


def test_bill_run_command_queues_by_default_and_not_with_no_email(db_url: str, engine: Engine) -> None:
    build_council(engine, 3)
    cli_json(db_url, "bill", "run", "--dry-run", as_of="2025-09-01")
    assert _messages(engine) == []
    first = cli_json(db_url, "bill", "run", "--no-email", as_of="2025-09-01")
    assert first["count"] == 3 and _messages(engine) == []
    second = cli_json(db_url, "bill", "run", as_of=RUN_ON.isoformat())
    assert second["count"] == 3
    # build_council's schools have no email and no contact: recorded failed, for the team to see
    assert _messages(engine) == [("invoice", f"invoice/{inv['number']}", "failed") for inv in second["invoices"]]


def test_credit_note_add_queues_one_message_and_none_with_no_email(db_url: str, engine: Engine) -> None:
    build_council(engine, 1)
    _with_finance_contacts(engine, 1)
    run_bill_run(engine, FixedClock(RUN_ON), "test")
    invoice = _invoice_numbers(engine)[0]
    note = cli_json(db_url, "credit-note", "add", invoice, "--amount", "10.00", "--reason", "Charged twice",
                    as_of=RUN_ON.isoformat())
    assert _messages(engine) == [("credit_note", f"credit_note/{note['number']}", "queued")]
    cli_json(db_url, "credit-note", "add", invoice, "--amount", "5.00", "--reason", "Charged twice",
             "--no-email", as_of=RUN_ON.isoformat())
    assert len(_invoice_numbers(engine, "credit_note")) == 2 and len(_messages(engine)) == 1


def test_reminders_queue_one_message_per_letter_with_the_letter_attached(db_url: str, engine: Engine) -> None:
    build_council(engine, SCHOOLS)
    _with_finance_contacts(engine, SCHOOLS)
    run_bill_run(engine, FixedClock(date(2025, 9, 1)), "test")
    cli_json(db_url, "reminders", "run", "--no-email", as_of="2025-10-20")
    assert _messages(engine) == []
    run = cli_json(db_url, "reminders", "run", as_of="2025-11-20")
    letters = sorted({r["urn"] for r in run["reminders"]})
    assert len(letters) == SCHOOLS
    assert [(k, s) for k, _, s in _messages(engine)] == [("reminder", "queued")] * SCHOOLS
    with engine.connect() as conn:
        rows = conn.execute(select(MailMessage.key, MailMessage.pdf_name, func.length(MailMessage.pdf))
                            .where(MailMessage.kind == "reminder").order_by(MailMessage.key)).all()
    assert [key for key, _, _ in rows] == [f"reminder/{urn}/2025-11-20" for urn in letters]
    assert all(name.endswith(".pdf") and size > 1000 for _, name, size in rows)
    assert cli_json(db_url, "reminders", "run", as_of="2025-11-20")["count"] == 0
    assert len(_messages(engine)) == SCHOOLS


def test_reminders_queue_nothing_without_mail(engine: Engine) -> None:
    build_council(engine, 2)
    run_bill_run(engine, FixedClock(date(2025, 9, 1)), "test")
    with service_context(engine, date(2025, 11, 20)) as ctx:
        assert run_reminders(ctx).reminders
    assert _messages(engine) == []


def test_statement_email_queues_one_message_and_plain_statement_none(db_url: str, engine: Engine) -> None:
    build_council(engine, 1)
    _with_finance_contacts(engine, 1)
    run_bill_run(engine, FixedClock(date(2025, 9, 1)), "test")
    plain = cli_json(db_url, "statement", urn_of(0), as_of="2025-10-01")
    assert "email" not in plain and _messages(engine) == []
    sent = cli_json(db_url, "statement", urn_of(0), "--email", as_of="2025-10-01")
    assert sent["email"]["status"] == "queued" and sent["email"]["recipients"] == ["finance0@school0.example"]
    assert _messages(engine) == [("statement", f"statement/{urn_of(0)}/2025-09-01/2025-10-01/2025-10-01", "queued")]


def test_the_background_sender_delivers_the_queue_to_a_local_server(engine: Engine) -> None:
    build_council(engine, 3)
    _with_finance_contacts(engine, 3)
    run_bill_run(engine, FixedClock(RUN_ON), "test", mail=MailSetup())
    with smtp_server() as (recorder, port):
        sender = BackgroundSender(engine, SmtpSettings("127.0.0.1", port, starttls=False), SystemClock(), "test",
                                  interval=0.2)
        sender.start()
        try:
            deadline = time.monotonic() + 30
            while len(recorder.arrivals) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            rounds = sender.rounds
            while sender.rounds < rounds + 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # later rounds find nothing more to send
        finally:
            sender.stop(timeout=30)
    assert sorted(a.recipients[0] for a in recorder.arrivals) == [f"finance{i}@school{i}.example" for i in range(3)]
    assert {status for _, _, status in _messages(engine)} == {"sent"}


def test_the_background_sender_survives_a_server_that_is_down(engine: Engine) -> None:
    build_council(engine, 1)
    _with_finance_contacts(engine, 1)
    run_bill_run(engine, FixedClock(RUN_ON), "test", mail=MailSetup())
    with smtp_server() as (_, port):
        pass  # a port nobody answers on now
    sender = BackgroundSender(engine, SmtpSettings("127.0.0.1", port, starttls=False), SystemClock(), "test",
                              interval=60)
    report = sender.send_once()
    assert report is not None and report.server_error is not None
    assert [s for _, _, s in _messages(engine)] == ["queued"]
