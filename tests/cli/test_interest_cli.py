"""`traded interest run|waive` against the CLI contract (§8)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import cli_json, cli_refused, service_context, table_dump


def test_interest_run_and_waive(db_url: str, engine: Engine) -> None:
    with service_context(engine, date(2019, 10, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "4500.00", date(2019, 10, 1), date(2019, 10, 31))
    cli_json(db_url, "payment", "add", "100001", "--amount", "4500.00", "--on", "2019-12-15", "--method", "bacs",
             as_of="2019-12-15")
    out = cli_json(db_url, "interest", "run", as_of="2019-12-31")
    assert [{k: c[k] for k in ("invoice", "days", "amount")} for c in out["charges"]] == [
        {"invoice": "INV-000001", "days": 45, "amount": "133.15"}]
    assert out["total"] == "133.15"
    assert cli_json(db_url, "interest", "run", as_of="2019-12-31")["charges"] == []
    charge_id = str(out["charges"][0]["id"])
    before = table_dump(engine)
    assert cli_refused(db_url, "interest", "waive", charge_id, "--reason", " ", as_of="2019-12-31")["code"] == \
        "invalid_input"
    assert cli_refused(db_url, "interest", "waive", "999", "--reason", "x", as_of="2019-12-31")["code"] == \
        "unknown_interest"
    assert table_dump(engine) == before
    waived = cli_json(db_url, "interest", "waive", charge_id, "--reason", "Goodwill", as_of="2019-12-31")
    assert (waived["outcome"], waived["amount"]) == ("waived", "133.15")
