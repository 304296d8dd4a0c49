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
    for ref in ("C19-1001", "C19-1002"):
        cli_json(db_url, "case", "open", PREMIUM, "--ref", ref, "--referred", "2019-09-13", as_of="2019-09-13")
    # Friday referral: 48 hours from midnight run to Monday 00:00, so Monday morning is late.
    assert cli_json(db_url, "case", "ack", "1", "--at", "2019-09-15 23:59", as_of="2019-09-16")["late"] is False
    assert cli_json(db_url, "case", "ack", "2", "--at", "2019-09-16 09:00", as_of="2019-09-16")["late"] is True
    rows = cli_json(db_url, "case", "late-acks", "--year", "2019/20", as_of="2019-09-30")
    assert [(r["ref"], r["acknowledged"], r["hours"], r["working_days"]) for r in rows] == [
        ("C19-1002", "2019-09-16 09:00", 57, 1)]


@pytest.mark.parametrize(
    "args, code",
    [
        (["case", "open", INITIAL, "--ref", "Jane Smith", "--referred", "2019-09-16"], "invalid_input"),
        (["case", "open", INITIAL, "--ref", "jsmith", "--referred", "2019-09-16"], "invalid_input"),
        (["case", "open", INITIAL, "--ref", "JAMIE-SMITH-2014", "--referred", "2019-09-16"], "invalid_input"),
        (["case", "open", INITIAL, "--ref", "C19-0002\x1b[2J", "--referred", "2019-09-16"], "bad_text"),
        (["case", "open", INITIAL, "--ref", "", "--referred", "2019-09-16"], "invalid_input"),
        (["case", "open", INITIAL, "--ref", "C19-0001", "--referred", "2019-09-16"], "duplicate_case"),
        (["case", "open", "999999", "--ref", "C19-0009", "--referred", "2019-09-16"], "unknown_school"),
        (["case", "open", INITIAL, "--ref", "C19-0009", "--referred", "2019-09-31"], "invalid_input"),
        (["case", "open", NONE, "--ref", "C19-9001", "--referred", "2019-09-16"], "no_subscription"),
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
    result = run_cli(db_url, "case", "open", NONE, "--ref", "C19-9001", "--referred", "2019-09-16",
                     as_of="2019-09-20", as_json=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "traded: School 100003 has no subscription in force on 2019-09-16: only subscribing schools can refer a case."]
    assert table_dump(world) == before


def test_with_pay_as_you_go_on_a_school_without_a_subscription_refers_at_the_day_rate(
        db_url: str, engine: Engine) -> None:
    build_world(engine, pay_as_you_go=True)
    out = cli_json(db_url, "case", "open", NONE, "--ref", "C19-9001", "--referred", "2019-09-16", as_of="2019-09-20")
    assert {k: out[k] for k in ("ref", "covered")} == {"ref": "C19-9001", "covered": False}


def test_case_open_without_a_ref_assigns_the_next_one(db_url: str, world: Engine) -> None:
    args = ["case", "open", PREMIUM, "--referred", "2019-09-16"]
    first = cli_json(db_url, *args, as_of="2019-09-20")
    second = cli_json(db_url, *args, as_of="2019-09-20")
    typed = cli_json(db_url, *args, "--ref", "C19-0010", as_of="2019-09-20")
    third = cli_json(db_url, *args, as_of="2019-09-20")
    assert [o["ref"] for o in (first, second, typed, third)] == ["C19-0001", "C19-0002", "C19-0010", "C19-0011"]
    result = run_cli(db_url, *args, as_of="2019-09-20", as_json=False)
    assert result.exit_code == 0 and result.stdout.startswith("Opened case C19-0012 (id 5)")


def test_a_ref_outside_the_pattern_is_refused_in_one_line_that_gives_the_pattern(db_url: str, world: Engine) -> None:
    before = table_dump(world)
    result = run_cli(db_url, "case", "open", INITIAL, "--ref", "JAMIE-SMITH-2014", "--referred", "2019-09-16",
                     as_of="2019-09-20", as_json=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        'traded: A case reference must look like C19-0001 (pattern ^C\\d{2}-\\d{4}$: "C", the academic year\'s two '
        'digits, "-" and 4 digits); leave it out and the next one is assigned.']
    assert "JAMIE" not in result.stderr and "SMITH" not in result.stderr
    assert table_dump(world) == before


def test_case_open_help_says_the_ref_is_optional_and_never_a_name() -> None:
    from click.testing import CliRunner

    from cli.main import cli

    text = " ".join(CliRunner().invoke(cli, ["case", "open", "--help"]).output.split())
    assert "never a name" in text and "leave it out and the next one is assigned" in text
    assert "[required]" not in text.split("--ref", 1)[1].split("--referred", 1)[0]
