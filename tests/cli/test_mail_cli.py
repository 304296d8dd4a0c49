"""`traded mail send|list|resend` (issue 17) against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.bill_run import run_bill_run
from billing.contacts import NewContact, add_contact
from billing.models import Invoice
from billing.outbox import queue_document
from pricing.clock import FixedClock
from tests.reliability.workload import build_council, urn_of
from tests.support import cli_json, cli_refused, run_cli, service_context
from tests.support_smtp import free_port, smtp_server

RUN_ON = date(2026, 1, 1)


@pytest.fixture
def outbox(engine: Engine, db_url: str) -> str:
    """Two invoices queued: school 0 has a finance contact, school 1 has nowhere to send (failed)."""
    build_council(engine, 2)
    with service_context(engine, date(2025, 12, 1)) as ctx:
        add_contact(ctx, NewContact(urn=urn_of(0), name="Ann Smith", role="finance", email="ann@school0.example"))
    run_bill_run(engine, FixedClock(RUN_ON), "test")
    with service_context(engine, RUN_ON) as ctx:
        for invoice in ctx.session.scalars(select(Invoice).order_by(Invoice.id)):
            queue_document(ctx, invoice)
    return db_url


def _server_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("TRADED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRADED_SMTP_PORT", str(port))
    monkeypatch.setenv("TRADED_SMTP_STARTTLS", "0")


def test_mail_list_shows_the_outbox_with_filters(outbox: str, tmp_path: Path) -> None:
    rows = cli_json(outbox, "mail", "list")
    assert [(r["id"], r["urn"], r["status"]) for r in rows] == [(1, urn_of(0), "queued"), (2, urn_of(1), "failed")]
    assert rows[0]["recipients"] == ["ann@school0.example"] and rows[1]["reply"] == "no finance contact or school email"
    assert [r["id"] for r in cli_json(outbox, "mail", "list", "--status", "failed")] == [2]
    assert [r["id"] for r in cli_json(outbox, "mail", "list", "--urn", urn_of(0))] == [1]
    number = rows[1]["attachments"][0]
    assert [r["id"] for r in cli_json(outbox, "mail", "list", "--document", number, "--kind", "invoice")] == [2]
    screen = run_cli(outbox, "mail", "list", as_json=False)
    assert screen.exit_code == 0 and "2 messages" in screen.stdout and "(none)" in screen.stdout
    out = tmp_path / "mail.csv"
    written = run_cli(outbox, "mail", "list", "--csv", str(out), as_json=False)
    assert written.exit_code == 0 and f"CSV written to {out}." in written.stdout
    assert [r["status"] for r in csv.DictReader(out.open(encoding="utf-8"))] == ["queued", "failed"]
    assert cli_refused(outbox, "mail", "list", "--urn", "999999")["code"] == "unknown_school"


def test_mail_send_delivers_and_reports(outbox: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server() as (recorder, port):
        _server_env(monkeypatch, port)
        report = cli_json(outbox, "mail", "send")
        assert (report["sent"], report["uncertain"], report["server_error"]) == ([1], [], None)
        assert [a.recipients for a in recorder.arrivals] == [["ann@school0.example"]]
        screen = run_cli(outbox, "mail", "send", as_json=False)
    assert screen.exit_code == 0 and screen.stdout.strip() == "0 messages sent."
    assert [r["status"] for r in cli_json(outbox, "mail", "list")] == ["sent", "failed"]


def test_mail_send_without_a_server_refuses_and_leaves_the_queue(outbox: str, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.delenv("TRADED_SMTP_HOST", raising=False)
    assert cli_refused(outbox, "mail", "send")["code"] == "mail_not_configured"
    _server_env(monkeypatch, free_port())
    result = run_cli(outbox, "mail", "send")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["server_error"].startswith("cannot reach the mail server 127.0.0.1:")
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "mail_server_unreachable" and error["message"].endswith("the messages stay queued")
    assert [r["status"] for r in cli_json(outbox, "mail", "list")] == ["queued", "failed"]


def test_mail_resend_queues_again_to_the_contacts_of_now(outbox: str) -> None:
    assert cli_refused(outbox, "mail", "resend", "1", "--reason", "Again")["code"] == "mail_already_queued"
    assert cli_refused(outbox, "mail", "resend", "2", "--reason", "Again")["code"] == "no_mail_recipient"
    assert cli_refused(outbox, "mail", "resend", "99", "--reason", "Again")["code"] == "unknown_mail_message"
    cli_json(outbox, "school", "contact", "add", urn_of(1), "--name", "Dan Lee", "--role", "finance",
             "--email", "dan@school1.example", as_of="2026-01-02")
    resent = cli_json(outbox, "mail", "resend", "2", "--reason", "Finance contact added", as_of="2026-01-02")
    assert (resent["status"], resent["recipients"]) == ("queued", ["dan@school1.example"])
    screen = run_cli(outbox, "mail", "resend", "2", "--reason", "Again", as_json=False)
    assert screen.exit_code == 1 and "is queued already" in screen.stderr
