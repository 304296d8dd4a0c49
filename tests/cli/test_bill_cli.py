"""`traded bill run [--dry-run]` (cli-contract.md)."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.billing.test_bill_run import ACADEMY, MAINTAINED, setup_council
from tests.support import cli_json, cli_refused, run_cli, table_dump


def test_bill_run_json_and_a_dry_run_that_writes_nothing(db_url: str, engine: Engine) -> None:
    setup_council(engine)
    before = table_dump(engine)
    dry = cli_json(db_url, "bill", "run", "--dry-run", as_of="2025-09-01")
    assert dry == {"invoices": [{"number": None, "urn": MAINTAINED, "total": "12000.00"},
                                {"number": None, "urn": ACADEMY, "total": "1280.00"}],
                   "count": 2, "total": "13280.00"}
    assert table_dump(engine) == before
    real = cli_json(db_url, "bill", "run", as_of="2025-09-01")
    assert real == {"invoices": [{"number": "INV-000001", "urn": MAINTAINED, "total": "12000.00"},
                                 {"number": "INV-000002", "urn": ACADEMY, "total": "1280.00"}],
                    "count": 2, "total": "13280.00"}
    assert cli_json(db_url, "bill", "run", as_of="2025-09-01") == {"invoices": [], "count": 0, "total": "0.00"}


def test_without_a_price_book_the_run_is_refused_and_writes_nothing(db_url: str, engine: Engine) -> None:
    cli_json(db_url, "school", "list")  # creates the schema
    before = table_dump(engine)
    assert cli_refused(db_url, "bill", "run", as_of="2025-09-01")["code"] == "no_pricebook"
    assert table_dump(engine) == before


def test_an_interrupted_run_is_finished_by_running_again(db_url: str, engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    setup_council(engine, extra_schools=3)
    monkeypatch.setenv("TRADED_FAIL_AFTER_INVOICES", "2")
    err = cli_refused(db_url, "bill", "run", as_of="2025-09-01")
    assert err["code"] == "bill_run_interrupted"
    monkeypatch.delenv("TRADED_FAIL_AFTER_INVOICES")
    rest = cli_json(db_url, "bill", "run", as_of="2025-09-01")
    assert [i["number"] for i in rest["invoices"]] == ["INV-000003", "INV-000004", "INV-000005"]


def test_plain_text_output_and_a_progress_bar_for_large_runs(db_url: str, engine: Engine) -> None:
    setup_council(engine, extra_schools=10)
    result = run_cli(db_url, "bill", "run", as_of="2025-09-01", as_json=False)
    assert result.exit_code == 0, result.output
    assert "12 invoices issued on 2025-09-01, total £" in result.stdout
    assert "INV-000012" in result.stdout


def test_help_has_an_example(db_url: str) -> None:
    result = run_cli(db_url, "bill", "run", "--help", as_json=False)
    assert result.exit_code == 0 and "Example:" in result.stdout
