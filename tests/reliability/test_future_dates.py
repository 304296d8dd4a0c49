"""A live ledger never writes documents dated after the real today (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, text

from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, run_cli, service_context, table_dump

TODAY = date.today()  # the real today is the subject of this rule
FUTURE = (TODAY + timedelta(days=365 * 5)).isoformat()


def _live(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_settings"))


def _ledger(engine: Engine) -> None:
    with service_context(engine, TODAY - timedelta(days=60)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "4500.00", TODAY - timedelta(days=60), TODAY - timedelta(days=30))


def test_writing_commands_refuse_a_future_as_of_on_a_live_ledger(db_url: str, engine: Engine) -> None:
    _ledger(engine)
    _live(engine)
    before = table_dump(engine)
    for args in (("bill", "run"), ("interest", "run"), ("reminders", "run"),
                 ("payment", "add", "100001", "--amount", "10.00", "--on", TODAY.isoformat(), "--method", "bacs"),
                 ("credit-note", "add", "INV-000001", "--amount", "10.00", "--reason", "Session not delivered"),
                 ("school", "add", "--urn", "100002", "--name", "Another School", "--type", "academy")):
        err = cli_refused(db_url, *args, as_of=FUTURE)
        assert err["code"] == "future_as_of", (args, err)
        assert f"--as-of {FUTURE} is after today ({TODAY})" in err["message"]
    assert table_dump(engine) == before


def test_previews_and_reads_at_a_future_date_are_allowed(db_url: str, engine: Engine) -> None:
    _ledger(engine)
    _live(engine)
    before = table_dump(engine)
    cli_json(db_url, "bill", "run", "--dry-run", as_of=FUTURE)
    cli_json(db_url, "statement", "100001", as_of=FUTURE)
    cli_json(db_url, "invoice", "list", as_of=FUTURE)
    assert table_dump(engine) == before


def test_allow_future_and_sandboxes_may_write_in_the_future(db_url: str, engine: Engine) -> None:
    _ledger(engine)
    _live(engine)
    result = run_cli(db_url, "--allow-future", "interest", "run", as_of=FUTURE)
    assert result.exit_code == 0, result.output
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger_settings (key, value, set_at, set_by) "
                          "VALUES ('sandbox', 'yes', '2026-01-01 00:00:00', 'test')"))
    assert cli_json(db_url, "school", "add", "--urn", "100002", "--name", "Another School", "--type", "academy",
                    as_of=FUTURE)["urn"] == "100002"


def test_only_an_empty_database_becomes_a_sandbox(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'training.db'}"
    assert cli_json(url, "db", "upgrade", "--sandbox")["sandbox"] is True
    cli_json(url, "school", "add", "--urn", "100001", "--name", "A School", "--type", "academy", as_of=FUTURE)
    live = f"sqlite:///{tmp_path / 'live.db'}"
    cli_json(live, "db", "upgrade")
    cli_json(live, "school", "add", "--urn", "100001", "--name", "A School", "--type", "academy")
    assert cli_refused(live, "db", "upgrade", "--sandbox")["code"] == "not_empty"


def test_documents_record_the_real_instant_beside_their_as_of_date(db_url: str, engine: Engine) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from billing.models import Invoice

    _ledger(engine)
    started = datetime.now(UTC)
    as_of = TODAY - timedelta(days=10)
    cli_json(db_url, "credit-note", "add", "INV-000001", "--amount", "10.00", "--reason", "Session not delivered",
             as_of=as_of.isoformat())
    with service_context(engine, TODAY) as ctx:
        note = ctx.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).one()
        made = note.created_at if note.created_at.tzinfo else note.created_at.replace(tzinfo=UTC)
        assert note.issued_on == as_of
        assert started - timedelta(seconds=1) <= made <= datetime.now(UTC)
