"""`traded pricebook sample|load|show` (cli-contract.md), and bad price books refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pricing.pricebook import parse_pricebook, sample_pricebook_text
from tests.support import cli_json, cli_refused, run_cli, table_dump


def write_sample(tmp_path: Path, text: str | None = None) -> str:
    path = tmp_path / "pricebook.toml"
    path.write_text(sample_pricebook_text() if text is None else text, encoding="utf-8")
    return str(path)


def load(db_url: str, tmp_path: Path) -> dict:
    return cli_json(db_url, "pricebook", "load", write_sample(tmp_path))


def test_sample_prints_a_price_book_that_loads(tmp_path: Path) -> None:
    result = run_cli("sqlite://", "pricebook", "sample", as_json=False)
    assert result.exit_code == 0
    assert "ILLUSTRATIVE" in result.stdout
    assert [v.year for v in parse_pricebook(result.stdout).versions][:2] == ["2019/20", "2020/21"]


def test_load_then_show_a_year(db_url: str, tmp_path: Path) -> None:
    assert load(db_url, tmp_path)["versions"][:3] == ["2019/20", "2020/21", "2021/22"]
    shown = cli_json(db_url, "pricebook", "show", "--year", "2019/20")
    [version] = shown["versions"]
    assert (version["year"], version["day_rate"], version["hours_per_day"], version["day_increment"]) == (
        "2019/20", "540.00", "6", "0.5")
    assert version["tiers"]["premium"]["fees"][0] == {"max_roll": 600, "fee": "9000.00"}
    assert version["tiers"]["premium"]["entitlements"]["casework"] is None
    assert version["tiers"]["initial"]["entitlements"] == {"casework": 1, "whole_class": 1, "training": 1}
    cpd = next(i for i in version["items"] if i["code"] == "cpd_place")
    assert (cpd["price"], cpd["vat_code"]) == ("95.00", "E")
    # A version applies until a later one takes over: 2030/31 is priced by the last version loaded.
    assert cli_json(db_url, "pricebook", "show", "--year", "2030/31")["versions"][0]["year"] == "2026/27"


def _bad(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


SAMPLE = sample_pricebook_text()
FIRST_INITIAL = '[version.tiers.initial]\n# Yearly fee by number on roll: up to 600, over 600.\nfees = [\n  { max_roll = 600, fee = "3200.00" },\n  { fee = "3800.00" },\n]\n'


@pytest.mark.parametrize("text, needle", [
    (_bad(SAMPLE, FIRST_INITIAL, ""), "initial"),                                        # missing tier
    (_bad(SAMPLE, 'fee = "9000.00"', 'fee = "-9000.00"'), "must not be negative"),       # negative fee
    (_bad(SAMPLE, 'price = "95.00"\nvat_code = "E"', 'price = "95.00"\nvat_code = "Z"'), "unknown VAT code"),
    (_bad(SAMPLE, 'year = "2020/21"', 'year = "2019/20"'), "two versions"),             # overlapping versions
    (_bad(SAMPLE, 'day_rate = "540.00"', "day_rate = 540.0"), "decimal string"),
    ("not [ toml", "not valid TOML"),
])
def test_bad_price_books_are_refused_naming_the_problem_and_write_nothing(
    db_url: str, engine: Engine, tmp_path: Path, text: str, needle: str
) -> None:
    load(db_url, tmp_path)
    before = table_dump(engine)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    err = cli_refused(db_url, "pricebook", "load", str(bad))
    assert needle in err["message"]
    assert table_dump(engine) == before


def test_a_missing_file_is_refused(db_url: str, tmp_path: Path) -> None:
    err = cli_refused(db_url, "pricebook", "load", str(tmp_path / "nope.toml"))
    assert err["code"] == "unreadable_file"


def test_show_before_loading_is_refused(db_url: str) -> None:
    assert cli_refused(db_url, "pricebook", "show")["code"] == "no_pricebook"
