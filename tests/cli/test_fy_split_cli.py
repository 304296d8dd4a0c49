"""`traded subscription add --schedule fy-split` (issue 20, docs/rules.md §3)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.cli.test_pricebook_cli import load
from tests.support import cli_json, cli_refused, table_dump


def setup(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    cli_json(db_url, "school", "add", "--urn", "100282", "--name", "Maintained", "--type", "maintained",
             "--roll", "700", "--laestab", "2044641")


def test_add_fy_split_bills_a_part_in_each_financial_year(db_url: str, tmp_path: Path) -> None:
    setup(db_url, tmp_path)
    out = cli_json(db_url, "subscription", "add", "100282", "--tier", "premium", "--start", "2019-09-01",
                   "--schedule", "fy-split", as_of="2019-08-01")
    assert out["schedule"] == "fy-split"
    # 10500 × 7/12 = 6125.00 and 4375.00; 10750 × 7/12 = 6270.833… → 6270.83 and 4479.17
    assert [(c["date"], c["amount"]) for c in out["charges"]] == [
        ("2019-09-01", "6125.00"), ("2020-04-01", "4375.00"), ("2020-09-01", "6270.83"), ("2021-04-01", "4479.17")]
    assert out["charges"][3]["description"] == (
        "Premium subscription 2020/21, FY2021/22 part (2021-04-01 to 2021-08-31)")


def test_without_schedule_it_is_annual(db_url: str, tmp_path: Path) -> None:
    setup(db_url, tmp_path)
    out = cli_json(db_url, "subscription", "add", "100282", "--tier", "premium", "--start", "2019-09-01",
                   as_of="2019-08-01")
    assert out["schedule"] == "annual"


def test_an_unknown_schedule_is_refused_naming_fy_split(db_url: str, tmp_path: Path, engine: Engine) -> None:
    setup(db_url, tmp_path)
    before = table_dump(engine)
    err = cli_refused(db_url, "subscription", "add", "100282", "--tier", "premium", "--start", "2019-09-01",
                      "--schedule", "fy_split", as_of="2019-08-01")
    assert err["code"] == "unknown_schedule"
    assert err["message"] == 'billing schedule "fy_split" must be annual, termly or fy-split'
    assert table_dump(engine) == before
