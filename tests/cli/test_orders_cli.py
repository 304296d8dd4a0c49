"""`traded order add|cancel|list` (cli-contract.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.test_subscriptions_cli import setup
from tests.support import cli_json, cli_refused, table_dump


def test_add_and_late_cancel(db_url: str, tmp_path: Path) -> None:
    setup(db_url, tmp_path)
    cli_json(db_url, "subscription", "add", "100279", "--tier", "initial", "--start", "2019-09-01")
    covered = cli_json(db_url, "order", "add", "100279", "--item", "whole_class_block", "--deliver-on",
                       "2019-11-04", as_of="2019-09-10")
    assert {k: covered[k] for k in ("id", "item", "covered", "price")} == {
        "id": 1, "item": "whole_class_block", "covered": True, "price": "0.00"}
    bought = cli_json(db_url, "order", "add", "100279", "--item", "whole_class_block", "--deliver-on",
                      "2020-03-02", as_of="2019-09-10")
    assert {k: bought[k] for k in ("id", "item", "covered", "price")} == {
        "id": 2, "item": "whole_class_block", "covered": False, "price": "1350.00"}
    out = cli_json(db_url, "order", "cancel", "2", "--notice", "2020-01-20", "--costs", "400.00",
                   as_of="2020-01-20")
    assert (out["id"], out["charge"], out["key"]) == (2, "400.00", "order/2/cancel")
    assert [o["status"] for o in cli_json(db_url, "order", "list")] == ["open", "cancelled"]


@pytest.mark.parametrize("args, code", [
    (["order", "add", "100279", "--item", "gold_star"], "unknown_item"),
    (["order", "add", "100279", "--item", "cpd_place", "--qty", "0"], "bad_quantity"),
    (["order", "add", "100279", "--item", "cpd_place", "--qty", "two"], "bad_quantity"),
    (["order", "cancel", "1", "--notice", "2019-01-01"], "notice_before_order"),
    (["order", "cancel", "1", "--notice", "2019-10-01", "--costs", "1.001"], "invalid_input"),
    (["order", "cancel", "7", "--notice", "2019-10-01"], "unknown_order"),
])
def test_bad_order_commands_are_refused_and_write_nothing(db_url: str, engine: Engine, tmp_path: Path,
                                                         args: list[str], code: str) -> None:
    setup(db_url, tmp_path)
    cli_json(db_url, "order", "add", "100279", "--item", "cpd_place", "--deliver-on", "2019-11-01",
             as_of="2019-09-10")
    before = table_dump(engine)
    assert cli_refused(db_url, *args, as_of="2019-10-01")["code"] == code
    assert table_dump(engine) == before
