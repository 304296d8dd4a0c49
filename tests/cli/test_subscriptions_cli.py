"""`traded subscription add|cancel|renew|show|list` (cli-contract.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.test_pricebook_cli import load
from tests.support import cli_json, cli_refused, table_dump


def setup(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    cli_json(db_url, "school", "add", "--urn", "100279", "--name", "Academy", "--type", "academy", "--roll", "500")


def test_add_returns_the_contract_and_its_dated_charges(db_url: str, tmp_path: Path) -> None:
    setup(db_url, tmp_path)
    out = cli_json(db_url, "subscription", "add", "100279", "--tier", "initial", "--start", "2020-01-06",
                   "--schedule", "termly", as_of="2019-12-01")
    assert {k: out[k] for k in ("id", "urn", "tier", "start", "end", "schedule")} == {
        "id": 1, "urn": "100279", "tier": "initial", "start": "2020-01-06", "end": "2021-08-31",
        "schedule": "termly"}
    assert [(c["date"], c["amount"]) for c in out["charges"]] == [
        ("2020-01-06", "1044.81"), ("2020-04-01", "1044.81"),
        ("2020-09-01", "1116.66"), ("2021-01-01", "1116.66"), ("2021-04-01", "1116.68")]
    assert out["charges"][0]["description"] == "Initial subscription 2019/20, spring term (2020-01-06 to 2020-03-31)"
    assert cli_json(db_url, "subscription", "show", "1")["charges"] == out["charges"]
    assert [s["id"] for s in cli_json(db_url, "subscription", "list", "--urn", "100279")] == [1]


def test_cancel_follows_the_rules_example(db_url: str, tmp_path: Path) -> None:
    setup(db_url, tmp_path)
    cli_json(db_url, "subscription", "add", "100279", "--tier", "premium", "--start", "2019-09-01",
             as_of="2019-08-01")
    out = cli_json(db_url, "subscription", "cancel", "1", "--notice", "2020-01-06", "--end", "2020-02-28",
                   as_of="2020-01-06")
    assert (out["id"], out["effective_end"], out["settlement"]) == (
        1, "2020-03-30", {"kind": "invoice", "amount": "5213.11"})
    assert out["charge"] == "settle/sub/1"


def test_renew_starts_the_day_after_the_end(db_url: str, tmp_path: Path) -> None:
    setup(db_url, tmp_path)
    cli_json(db_url, "subscription", "add", "100279", "--tier", "premium", "--start", "2019-09-01")
    out = cli_json(db_url, "subscription", "renew", "1")
    assert (out["start"], out["end"], out["renews"]) == ("2021-09-01", "2023-08-31", 1)


@pytest.mark.parametrize("args, code", [
    (["subscription", "add", "100279", "--tier", "premium", "--start", "2020-06-01"], "live_subscription"),
    (["subscription", "add", "100279", "--tier", "gold", "--start", "2022-09-01"], "unknown_tier"),
    (["subscription", "add", "100279", "--tier", "premium", "--start", "2022-02-30"], "invalid_input"),
    (["subscription", "add", "999999", "--tier", "premium", "--start", "2022-09-01"], "unknown_school"),
    (["subscription", "cancel", "1", "--notice", "2019-08-01", "--end", "2019-12-31"], "rule_violation"),
    (["subscription", "cancel", "1", "--notice", "2019-10-01", "--end", "2019-12-31", "--by", "x"], "bad_party"),
    (["subscription", "cancel", "9", "--notice", "2019-10-01", "--end", "2019-12-31"], "unknown_subscription"),
])
def test_bad_commands_are_refused_and_write_nothing(db_url: str, engine: Engine, tmp_path: Path,
                                                   args: list[str], code: str) -> None:
    setup(db_url, tmp_path)
    cli_json(db_url, "subscription", "add", "100279", "--tier", "premium", "--start", "2019-09-01")
    before = table_dump(engine)
    assert cli_refused(db_url, *args, as_of="2019-10-01")["code"] == code
    assert table_dump(engine) == before
