from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.billing.test_cases import INITIAL, build_world
from tests.support import cli_json, cli_refused, run_cli, table_dump


@pytest.fixture
def world(db_url: str, engine: Engine) -> Engine:
    """INITIAL's case 1 (covered) and case 2 (charged), planned 2019-09-20, with one session on case 2."""
    build_world(engine)
    for ref in ("C19-0001", "C19-0002"):
        cli_json(db_url, "case", "open", INITIAL, "--ref", ref, "--referred", "2019-09-16", "--planning",
                 "2019-09-20", as_of="2019-09-20")
    cli_json(db_url, "session", "add", "2", "--start", "2019-10-28 09:00", "--hours", "3", "--staff", "Priya Shah",
             as_of="2019-09-20")
    return engine


def add(db_url: str, start: str, case: str = "2") -> int:
    return int(cli_json(db_url, "session", "add", case, "--start", start, "--hours", "2.5", "--staff", "Priya Shah",
                        as_of="2019-09-20")["id"])


@pytest.mark.parametrize(
    "notified, moved_to, outcome, charged",
    [
        ("2019-10-26 09:00", "2019-11-04 09:00", "moved", False),   # 49 hours of elapsed time before
        ("2019-10-26 10:00", None, "dropped", False),               # exactly 48 h: 10:00 BST, clocks went back
        ("2019-10-26 11:00", None, "deemed_delivered", True),       # 47 hours
        (None, None, "deemed_delivered", True),                     # no notice
    ],
)
def test_session_change_applies_the_48_hour_rule_across_the_october_clock_change(
    db_url: str, world: Engine, notified: str | None, moved_to: str | None, outcome: str, charged: bool
) -> None:
    args = ["--notified", notified] if notified else ["--no-notice"]
    args += ["--moved-to", moved_to] if moved_to else []
    out = cli_json(db_url, "session", "change", "1", *args, as_of="2019-10-28")
    assert {k: out[k] for k in ("id", "outcome", "charged")} == {"id": 1, "outcome": outcome, "charged": charged}


def test_march_clock_change(db_url: str, world: Engine) -> None:
    a, b = add(db_url, "2020-03-30 09:00"), add(db_url, "2020-03-30 09:00")
    assert cli_json(db_url, "session", "change", str(a), "--notified", "2020-03-28 08:00",
                    as_of="2020-03-28")["outcome"] == "dropped"
    assert cli_json(db_url, "session", "change", str(b), "--notified", "2020-03-28 08:01",
                    as_of="2020-03-28")["outcome"] == "deemed_delivered"


def test_late_notice_on_a_covered_case_is_not_charged(db_url: str, world: Engine) -> None:
    sid = add(db_url, "2019-10-28 09:00", case="1")
    out = cli_json(db_url, "session", "change", str(sid), "--notified", "2019-10-27 09:00", as_of="2019-10-27")
    assert (out["outcome"], out["charged"]) == ("deemed_delivered", False)


def test_a_session_past_the_plan_warns_on_stderr_and_succeeds(db_url: str, world: Engine) -> None:
    result = run_cli(db_url, "session", "add", "2", "--start", "2019-11-16 09:00", "--hours", "2",
                     "--staff", "Priya Shah", as_of="2019-09-20")
    assert result.exit_code == 0
    assert result.stderr.startswith("WARNING: session on 2019-11-16 falls after case C19-0002")
    ok = run_cli(db_url, "session", "add", "2", "--start", "2019-11-15 09:00", "--hours", "2",
                 "--staff", "Priya Shah", as_of="2019-09-20")
    assert ok.exit_code == 0 and ok.stderr == ""


def test_deliver_records_hours(db_url: str, world: Engine) -> None:
    out = cli_json(db_url, "session", "deliver", "1", "--hours", "2.75", as_of="2019-10-28")
    assert out == {"id": 1, "status": "delivered", "hours": "2.75"}


@pytest.mark.parametrize(
    "setup, args, code",
    [
        ("close", ["session", "add", "3", "--start", "2019-10-30 09:00", "--hours", "2", "--staff", "Priya Shah"],
         "case_closed"),
        (None, ["session", "add", "2", "--start", "2019-10-30 09:00", "--hours", "-2", "--staff", "Priya Shah"],
         "invalid_input"),
        (None, ["session", "add", "2", "--start", "2019-10-30 09:00", "--hours", "2", "--staff", "Nobody"],
         "unknown_staff"),
        (None, ["session", "add", "2", "--start", "2019-03-31 01:30", "--hours", "2", "--staff", "Priya Shah"],
         "invalid_input"),
        ("deliver", ["session", "change", "1", "--notified", "2019-10-28 10:00"], "session_settled"),
        (None, ["session", "change", "1", "--notified", "2019-10-28 10:00"], "rule_violation"),
        (None, ["session", "change", "1"], "invalid_input"),
        (None, ["session", "deliver", "1", "--hours", "-1"], "invalid_input"),
        (None, ["session", "deliver", "99"], "unknown_session"),
    ],
)
def test_bad_session_input_is_refused_and_writes_nothing(
    db_url: str, world: Engine, setup: str | None, args: list[str], code: str
) -> None:
    if setup == "close":
        cli_json(db_url, "case", "open", INITIAL, "--ref", "C19-0003", "--referred", "2019-09-16",
                 as_of="2019-09-20")
        cli_json(db_url, "case", "close", "3", "--on", "2019-09-20", as_of="2019-09-20")
    if setup == "deliver":
        cli_json(db_url, "session", "deliver", "1", as_of="2019-10-28")
    before = table_dump(world)
    assert cli_refused(db_url, *args, as_of="2019-10-28")["code"] == code
    assert table_dump(world) == before
