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


def test_a_backdated_payment_is_previewed_then_taken_back(db_url: str, engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        make_invoice(ctx, "100001", "4920.00", date(2025, 9, 1), date(2025, 10, 1))
    assert cli_json(db_url, "interest", "run", as_of="2026-02-01")["total"] == "397.91"
    cli_json(db_url, "payment", "add", "100001", "--amount", "4920.00", "--on", "2025-10-15", "--method", "bacs",
             as_of="2026-02-15")
    before = table_dump(engine)
    preview = cli_json(db_url, "interest", "run", "--dry-run", as_of="2026-02-15")
    assert (preview["dry_run"], preview["raised"], preview["reduced"], preview["total"]) == (
        True, "45.29", "397.91", "-352.62")
    assert table_dump(engine) == before
    done = cli_json(db_url, "interest", "run", as_of="2026-02-15")
    assert [(c["how"], c["amount"], c["due_now"]) for c in done["charges"]] == [
        ("withdrawn", "-397.91", "45.29"), ("raised", "45.29", "45.29")]
    assert cli_json(db_url, "interest", "run", as_of="2026-02-15")["charges"] == []


def test_recompute_repairs_interest_raised_before_the_rule_without_charging_new_days(
        db_url: str, engine: Engine) -> None:
    from decimal import Decimal

    from billing.charges import NewCharge, raise_charge
    from pricing.vat import INTEREST_VAT_CODE
    from tests.billing.test_payments import school_of

    with service_context(engine, date(2025, 9, 1)) as ctx:
        setup_ledger(ctx, ("100001", "academy"))
        invoice = make_invoice(ctx, "100001", "4920.00", date(2025, 9, 1), date(2025, 10, 1))
    cli_json(db_url, "payment", "add", "100001", "--amount", "4920.00", "--on", "2025-10-15", "--method", "bacs",
             as_of="2025-10-15")
    # What an older version left: 123 days charged though the invoice was paid after 14.
    with service_context(engine, date(2026, 2, 1)) as ctx:
        raise_charge(ctx, NewCharge(
            school=school_of(ctx, "100001"), kind="interest", source_key="interest/INV-000001/2025-10-02/2026-02-01",
            service_code="interest", description="Late-payment interest on INV-000001", due_on=date(2026, 2, 1),
            amount=Decimal("397.91"), item_vat_code=INTEREST_VAT_CODE, period_start=date(2025, 10, 2),
            period_end=date(2026, 2, 1), late_invoice_id=invoice.id))
    before = table_dump(engine)
    preview = cli_json(db_url, "interest", "recompute", "--dry-run", as_of="2026-03-01")
    assert (preview["reduced"], preview["raised"]) == ("397.91", "45.29")
    assert table_dump(engine) == before
    done = cli_json(db_url, "interest", "recompute", as_of="2026-03-01")
    assert done["total"] == "-352.62"
    assert [c["to"] for c in done["charges"]] == ["2026-02-01", "2026-02-01"]  # no day after the last charged
    assert cli_json(db_url, "interest", "recompute", as_of="2026-03-01")["charges"] == []
