from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.support import cli_json, cli_refused, run_cli, table_dump


def add(db_url: str, urn: str = "100279", type_: str = "maintained", *extra: str) -> dict:
    return cli_json(db_url, "school", "add", "--urn", urn, "--name", "Stoke Newington School",
                    "--type", type_, "--roll", "1666", *extra)


def test_a_school_is_added_listed_and_shown(db_url: str) -> None:
    assert add(db_url) == {
        "urn": "100279", "name": "Stoke Newington School", "type": "maintained", "roll": 1666,
        "laestab": None, "la_code": None, "email": None, "address": None, "postcode": None, "phase": None,
    }
    assert [s["urn"] for s in cli_json(db_url, "school", "list")] == ["100279"]
    assert cli_json(db_url, "school", "show", "100279")["name"] == "Stoke Newington School"


@pytest.mark.parametrize(
    "args, code",
    [
        (["school", "show", "999999"], "unknown_school"),
        (["school", "add", "--urn", "10027", "--name", "X", "--type", "academy"], "bad_urn"),
        (["school", "add", "--urn", "ABCDEF", "--name", "X", "--type", "academy"], "bad_urn"),
        (["school", "add", "--urn", "100279", "--name", "Again", "--type", "academy"], "duplicate_urn"),
        (["school", "add", "--urn", "100280", "--name", "X", "--type", "grammar"], "invalid_input"),
        (["school", "add", "--urn", "100280", "--name", "X", "--type", "academy", "--roll", "-5"], "invalid_input"),
        (["staff", "add", "--name", "Sam", "--role", "Worker", "--cost-per-hour", "-1.00"], "invalid_input"),
        (["staff", "add", "--name", "Sam", "--role", "Worker", "--cost-per-hour", "12.345"], "invalid_input"),
        (["staff", "add", "--name", "Sam", "--role", "Worker", "--cost-per-hour", "30", "--from", "2019-02-30"],
         "invalid_input"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_writes_nothing(
    db_url: str, engine: Engine, args: list[str], code: str
) -> None:
    add(db_url)
    before = table_dump(engine)
    err = cli_refused(db_url, *args)
    assert err["code"] == code
    assert table_dump(engine) == before


def test_a_bad_as_of_date_is_a_usage_error(db_url: str) -> None:
    result = run_cli(db_url, "school", "list", as_of="2019-13-01")
    assert result.exit_code == 2


def test_staff_are_added_with_an_hourly_cost(db_url: str) -> None:
    out = cli_json(db_url, "staff", "add", "--name", "Sam Patel", "--role", "Senior worker",
                   "--cost-per-hour", "38.50")
    assert out == {"id": 1, "name": "Sam Patel", "role": "Senior worker"}
    err = cli_refused(db_url, "staff", "add", "--name", "Sam Patel", "--role", "Worker", "--cost-per-hour", "1")
    assert err["code"] == "duplicate_staff"


def test_plain_text_refusal_is_one_line_on_stderr(db_url: str) -> None:
    result = run_cli(db_url, "school", "show", "123456", as_json=False)
    assert result.exit_code == 1
    assert result.stderr == "traded: no school with URN 123456\n"
    assert result.stdout == ""


def test_db_upgrade_reports_the_revision(tmp_path) -> None:
    from billing.db import head_revision

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert cli_json(url, "db", "upgrade") == {"revision": head_revision(), "sandbox": False}


def test_db_upgrade_then_school_add_on_a_fresh_postgresql_database() -> None:
    import uuid

    from billing.db import head_revision
    from tests.conftest import _PG_PROBLEM, _pg_admin, _pg_url

    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")
    name = f"traded_cli_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        url = _pg_url(name)
        assert url.startswith("postgresql+psycopg://")
        assert cli_json(url, "db", "upgrade") == {"revision": head_revision(), "sandbox": False}
        assert add(url)["urn"] == "100279"
        assert [s["name"] for s in cli_json(url, "school", "list")] == ["Stoke Newington School"]
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_names_with_control_characters_are_refused_and_never_echoed_raw(db_url: str, engine: Engine) -> None:
    add(db_url, "100280")
    before = table_dump(engine)
    result = run_cli(db_url, "school", "add", "--urn", "100279", "--name", "Evil\x1b[2J\x07 School", "--type",
                     "academy", as_json=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        r"traded: school name has an escape (terminal control) (\x1b) at character 5: "
        "only one line of plain text is allowed"]
    for args in (["--name", "Two\nLines"], ["--name", "Acme \u202eloohcS"], ["--name", "X", "--postcode", "E8\t1AA"],
                 ["--name", "X", "--address", "1 High St\x07\nLondon"], ["--name", "X" * 201]):
        error = cli_refused(db_url, "school", "add", "--urn", "100279", "--type", "academy", *args)
        assert not any(ord(ch) < 32 or 0x202A <= ord(ch) <= 0x202E for ch in error["message"])
    staff = cli_refused(db_url, "staff", "add", "--name", "Sam\x1b]0;pwned\x07", "--role", "Worker",
                        "--cost-per-hour", "30.00")
    assert staff == {"code": "bad_text", "message": r"staff name has an escape (terminal control) (\x1b) at "
                                                    "character 4: only one line of plain text is allowed"}
    assert table_dump(engine) == before


def test_an_address_keeps_its_line_breaks(db_url: str) -> None:
    out = cli_json(db_url, "school", "add", "--urn", "100279", "--name", "Stoke Newington School", "--type",
                   "maintained", "--address", "Clissold Road\r\nLondon\n", "--postcode", " N16 9EX ")
    assert (out["address"], out["postcode"]) == ("Clissold Road\nLondon", "N16 9EX")
