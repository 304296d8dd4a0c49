from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.billing.test_cases import INITIAL, NONE, PREMIUM, build_world
from tests.support import cli_json, cli_refused, run_cli, table_dump


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


def test_case_open_says_whether_it_is_covered(db_url: str, world: Engine) -> None:
    args = ["case", "open", INITIAL, "--referred", "2019-09-16", "--planning", "2019-09-20"]
    first = cli_json(db_url, *args, "--ref", "C19-0001", as_of="2019-09-20")
    second = cli_json(db_url, *args, "--ref", "c19-0002", as_of="2019-09-20")
    assert {k: first[k] for k in ("id", "ref", "covered")} == {"id": 1, "ref": "C19-0001", "covered": True}
    assert {k: second[k] for k in ("id", "ref", "covered")} == {"id": 2, "ref": "C19-0002", "covered": False}
    assert cli_json(db_url, "case", "close", "2", "--on", "2019-11-15", as_of="2019-11-15")["closed"] == "2019-11-15"


def test_acknowledgements_and_the_late_report(db_url: str, world: Engine) -> None:
    for ref in ("P19-0001", "P19-0002"):
        cli_json(db_url, "case", "open", PREMIUM, "--ref", ref, "--referred", "2019-09-13", as_of="2019-09-13")
    # Friday referral: 48 hours from midnight run to Monday 00:00, so Monday morning is late.
    assert cli_json(db_url, "case", "ack", "1", "--at", "2019-09-15 23:59", as_of="2019-09-16")["late"] is False
    assert cli_json(db_url, "case", "ack", "2", "--at", "2019-09-16 09:00", as_of="2019-09-16")["late"] is True
    rows = cli_json(db_url, "case", "late-acks", "--year", "2019/20", as_of="2019-09-30")
    assert [(r["ref"], r["acknowledged"], r["hours"], r["working_days"]) for r in rows] == [
        ("P19-0002", "2019-09-16 09:00", 57, 1)]


@pytest.mark.parametrize(
    "args, code",
    [
        (["case", "open", INITIAL, "--ref", "Jane Smith", "--referred", "2019-09-16"], "invalid_input"),
        (["case", "open", INITIAL, "--ref", "jsmith", "--referred", "2019-09-16"], "invalid_input"),
        (["case", "open", INITIAL, "--ref", "C19-0001", "--referred", "2019-09-16"], "duplicate_case"),
        (["case", "open", "999999", "--ref", "C19-0009", "--referred", "2019-09-16"], "unknown_school"),
        (["case", "open", INITIAL, "--ref", "C19-0009", "--referred", "2019-09-31"], "invalid_input"),
        (["case", "open", NONE, "--ref", "N19-0001", "--referred", "2019-09-16"], "no_subscription"),
        (["case", "open", INITIAL, "--ref", "C19-0009", "--referred", "2019-08-31"], "no_subscription"),
        (["case", "close", "1", "--on", "2019-09-01"], "rule_violation"),
        (["case", "close", "99", "--on", "2019-10-01"], "unknown_case"),
        (["case", "ack", "1", "--at", "2019-09-15 09:00"], "invalid_input"),
    ],
)
def test_bad_case_input_is_refused_and_writes_nothing(db_url: str, world: Engine, args: list[str], code: str) -> None:
    cli_json(db_url, "case", "open", INITIAL, "--ref", "C19-0001", "--referred", "2019-09-16", as_of="2019-09-20")
    before = table_dump(world)
    assert cli_refused(db_url, *args, as_of="2019-10-01")["code"] == code
    assert table_dump(world) == before


def test_a_refused_name_is_not_echoed(db_url: str, world: Engine) -> None:
    result = run_cli(db_url, "case", "open", INITIAL, "--ref", "Jane Smith", "--referred", "2019-09-16",
                     as_of="2019-09-20", as_json=False)
    assert result.exit_code == 1 and "Jane" not in result.stderr


def test_a_school_without_a_subscription_is_told_why_in_one_line(db_url: str, world: Engine) -> None:
    before = table_dump(world)
    result = run_cli(db_url, "case", "open", NONE, "--ref", "N19-0001", "--referred", "2019-09-16",
                     as_of="2019-09-20", as_json=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "traded: School 100003 has no subscription in force on 2019-09-16: only subscribing schools can refer a case."]
    assert table_dump(world) == before


def test_with_pay_as_you_go_on_a_school_without_a_subscription_refers_at_the_day_rate(
        db_url: str, engine: Engine) -> None:
    build_world(engine, pay_as_you_go=True)
    out = cli_json(db_url, "case", "open", NONE, "--ref", "N19-0001", "--referred", "2019-09-16", as_of="2019-09-20")
    assert {k: out[k] for k in ("ref", "covered")} == {"ref": "N19-0001", "covered": False}
