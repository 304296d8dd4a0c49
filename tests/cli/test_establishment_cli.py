"""`traded establishment …` (issue 19): posts, assignments, vacancies, funding budgets, CSV import and export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.models import AuditEntry
from tests.support import cli_json, cli_refused, run_cli, table_dump

POSTS = ("title,fte,grade,contract,annual_cost,on_cost_percent,starts_on,ends_on,delivery,funding\n"
         "Admin support,1,G4,permanent,24600,0,2026-04-01,,no,council 50%; schools-forum 50%\n"
         "Assistant EPs,2,,fixed term,60000,0,2026-04-01,2027-08-31,yes,schools-forum 60000\n")
PEOPLE = ("post,person,staff,fte,starts_on,ends_on\n"
          "Admin support,Jo Bloggs,,0.5,2026-04-16,\n"
          "Assistant EPs,Cat,Sam Patel,1,2026-04-01,\n")
BUDGETS = ("source,description,amount,starts_on,ends_on\n"
           "schools-forum,High needs block reserves,497300,2026-04-01,2027-08-31\n"
           "council,Council core budget 2026/27,89100,2026-04-01,2027-03-31\n")


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADED_USER", "service.manager")


def test_a_post_is_added_filled_and_its_vacancy_seen(db_url: str, engine: Engine) -> None:
    added = cli_json(db_url, "establishment", "post", "add", "--title", "Admin support", "--fte", "1",
                     "--annual-cost", "24600", "--from", "2026-04-01", "--funding", "council 12300; schools-forum 12300",
                     "--grade", "G4", "--no-delivery", as_of="2026-04-01")
    assert {k: added[k] for k in ("title", "fte", "cost_12_months", "delivery", "funding", "shares")} == {
        "title": "Admin support", "fte": "1.00", "cost_12_months": "24600.00", "delivery": False,
        "funding": "council budget 12300.00; schools forum / high-needs block 12300.00",
        "shares": [{"source": "council budget", "percent": None, "amount": "12300.00", "cost_12_months": "12300.00"},
                   {"source": "schools forum / high-needs block", "percent": None, "amount": "12300.00",
                    "cost_12_months": "12300.00"}]}
    assigned = cli_json(db_url, "establishment", "assign", "Admin support", "--person", "Jo Bloggs", "--fte", "0.5",
                        "--from", "2026-04-16", as_of="2026-04-01")
    assert assigned == {"id": 1, "post": "Admin support", "person": "Jo Bloggs", "staff_id": None, "staff": None,
                        "fte": "0.50", "starts_on": "2026-04-16", "ends_on": None, "cost_12_months": "12300.00",
                        "in_force": False}
    # The as-of date is the default day: before the 16th the post is all vacant, after it half.
    assert cli_json(db_url, "establishment", "vacancies", as_of="2026-04-15") == {
        "on": "2026-04-15", "vacancies": [{"post_id": 1, "post": "Admin support", "fte": "1.00", "filled": "0.00",
                                           "vacant": "1.00", "vacant_cost_12_months": "24600.00",
                                           "funding": added["funding"]}]}
    later = cli_json(db_url, "establishment", "vacancies", "--on", "2026-05-01", as_of="2026-04-15")
    assert [(v["filled"], v["vacant"], v["vacant_cost_12_months"]) for v in later["vacancies"]] == [
        ("0.50", "0.50", "12300.00")]
    [post] = cli_json(db_url, "establishment", "post", "list", as_of="2026-05-01")
    assert (post["filled"], post["vacant"], post["status"]) == ("0.50", "0.50", "in force")
    screen = run_cli(db_url, "establishment", "post", "list", as_of="2026-05-01", as_json=False).stdout
    assert "£24,600.00" in screen and "schools-forum" in screen and "high-needs" not in screen  # short source names
    ended = cli_json(db_url, "establishment", "end", "Admin support", "--person", "Jo Bloggs", "--on", "2026-08-31",
                     "--reason", "Moved to full time", as_of="2026-05-01")
    assert (ended["ends_on"], ended["in_force"]) == ("2026-08-31", True)
    with engine.connect() as conn:
        audit = conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.reason)
                             .where(AuditEntry.action.like("establishment.%")).order_by(AuditEntry.id)).all()
    assert [tuple(a) for a in audit] == [("service.manager", "establishment.post.add", None),
                                         ("service.manager", "establishment.assign", None),
                                         ("service.manager", "establishment.end", "Moved to full time")]


def test_refusals_are_one_line_and_write_nothing(db_url: str, engine: Engine) -> None:
    cli_json(db_url, "establishment", "post", "add", "--title", "Admin support", "--fte", "1", "--annual-cost",
             "24600", "--from", "2026-04-01", "--funding", "council 50%; schools-forum 50%", as_of="2026-04-01")
    before = table_dump(engine)
    assert cli_refused(db_url, "establishment", "post", "add", "--title", "Mentor", "--fte", "1", "--annual-cost",
                       "36500", "--from", "2026-04-01", "--funding", "council 50%; traded 40%",
                       as_of="2026-04-01") == {"code": "funding_total",
                                               "message": "funding percentages add up to 90%, not 100%"}
    assert cli_refused(db_url, "establishment", "assign", "Admin support", "--person", "Al", "--fte", "1.5",
                       "--from", "2026-04-01", as_of="2026-04-01")["message"] == (
        "Al's 1.5 FTE is more than the 1 FTE of post 'Admin support'")
    assert cli_refused(db_url, "establishment", "post", "add", "--title", "ADMIN SUPPORT", "--fte", "1",
                       "--annual-cost", "24600", "--from", "2026-04-01", "--funding", "council 100%",
                       as_of="2026-04-01")["message"] == (
        "there is already a post called 'Admin support' (titles are the same whatever their case): use "
        "'Admin support' or another title")
    assert cli_refused(db_url, "establishment", "post", "add", "--title", "Mentor", "--fte", "1",
                       "--annual-cost", "0", "--from", "2026-04-01", "--funding", "council 100%",
                       as_of="2026-04-01")["message"] == "post's annual cost '0' must be more than 0.00"
    assert cli_refused(db_url, "establishment", "end", "Admin support", "--person", "Al", "--on", "2026-04-30",
                       as_of="2026-04-01")["code"] == "unknown_assignment"
    assert table_dump(engine) == before


def test_a_budget_for_17_months_is_listed_by_financial_year_with_its_days(db_url: str, tmp_path: Path) -> None:
    budget = cli_json(db_url, "establishment", "budget", "set", "--source", "schools-forum", "--description",
                      "High needs block reserves", "--amount", "497300", "--from", "2019-04-01", "--to", "2020-08-31",
                      as_of="2020-08-31")
    assert (budget["days"], budget["parts"]) == (519, [
        {"fy": "FY2019/20", "days": 366, "of_days": 519, "amount": "350697.11"},
        {"fy": "FY2020/21", "days": 153, "of_days": 519, "amount": "146602.89"}])
    assert cli_json(db_url, "establishment", "budget", "list", as_of="2020-08-31") == [budget]
    out = tmp_path / "budgets.csv"
    run_cli(db_url, "establishment", "budget", "list", "--csv", str(out), as_of="2020-08-31")
    assert out.read_text().splitlines() == [
        "source,description,amount,starts_on,ends_on,days,fy,fy_days,fy_amount",
        "schools forum / high-needs block,High needs block reserves,497300.00,2019-04-01,2020-08-31,519,FY2019/20,366,"
        "350697.11",
        "schools forum / high-needs block,High needs block reserves,497300.00,2019-04-01,2020-08-31,519,FY2020/21,153,"
        "146602.89"]


def test_import_export_import_round_trip(db_url: str, engine: Engine, tmp_path: Path) -> None:
    cli_json(db_url, "staff", "add", "--name", "Sam Patel", "--role", "Assistant EP", "--cost-per-hour", "30.00",
             "--from", "2026-04-01", as_of="2026-04-01")
    posts, people, budgets = tmp_path / "posts.csv", tmp_path / "people.csv", tmp_path / "budgets.csv"
    posts.write_text(POSTS, encoding="utf-8")
    people.write_text(PEOPLE, encoding="utf-8")
    budgets.write_text(BUDGETS, encoding="utf-8")
    assert cli_json(db_url, "establishment", "import", str(posts), "--people", str(people), "--budgets", str(budgets),
                    as_of="2026-04-01") == {"posts_added": 2, "posts_unchanged": 0, "people_added": 2,
                                            "people_unchanged": 0, "budgets_added": 2, "budgets_unchanged": 0}
    posts_out, people_out = tmp_path / "posts-out.csv", tmp_path / "people-out.csv"
    budgets_out = tmp_path / "budgets-out.csv"
    assert cli_json(db_url, "establishment", "export", "--posts", str(posts_out), "--people", str(people_out),
                    "--budgets", str(budgets_out), as_of="2026-04-01") == {
        "posts_file": str(posts_out), "people_file": str(people_out), "budgets_file": str(budgets_out),
        "posts": 2, "people": 2, "budgets": 2}
    assert budgets_out.read_text().splitlines() == [
        "source,description,amount,starts_on,ends_on",
        "council budget,Council core budget 2026/27,89100.00,2026-04-01,2027-03-31",
        "schools forum / high-needs block,High needs block reserves,497300.00,2026-04-01,2027-08-31"]
    assert people_out.read_text().splitlines() == [
        "post,person,staff,fte,starts_on,ends_on", "Admin support,Jo Bloggs,,0.50,2026-04-16,",
        "Assistant EPs,Cat,Sam Patel,1.00,2026-04-01,2027-08-31"]
    before = table_dump(engine)
    assert cli_json(db_url, "establishment", "import", str(posts_out), "--people", str(people_out),
                    "--budgets", str(budgets_out), as_of="2026-04-01") == {
        "posts_added": 0, "posts_unchanged": 2, "people_added": 0, "people_unchanged": 2, "budgets_added": 0,
        "budgets_unchanged": 2}
    after = table_dump(engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    # An existing file is replaced only with --force; the three files must differ, and none is written if not.
    assert cli_refused(db_url, "establishment", "export", "--posts", str(posts_out), "--people", str(people_out),
                       "--budgets", str(budgets_out), as_of="2026-04-01")["code"] == "output_exists"
    assert cli_refused(db_url, "establishment", "export", "--posts", str(tmp_path / "a.csv"), "--people",
                       str(tmp_path / "b.csv"), "--budgets", str(tmp_path / "a.csv"), as_of="2026-04-01") == {
        "code": "same_output", "message": f"{tmp_path / 'a.csv'} is named for two outputs: give each output its own "
                                          "file"}
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()
    again = tmp_path / "posts-again.csv"
    cli_json(db_url, "establishment", "export", "--posts", str(again), "--people", str(people_out), "--budgets",
             str(budgets_out), "--force", as_of="2026-04-01")
    assert again.read_text() == posts_out.read_text()


def test_a_bad_import_names_the_file_and_row_and_writes_nothing(db_url: str, engine: Engine, tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(POSTS.replace("schools-forum 60000", "schools-forum 50000"), encoding="utf-8")
    before = table_dump(engine)
    assert cli_refused(db_url, "establishment", "import", str(posts), as_of="2026-04-01")["message"] == (
        f"{posts} row 3: funding amounts add up to £50,000.00, not the post's 12-month cost with on-costs of "
        "£60,000.00")
    posts.write_bytes(b"title,fte\n\xff\xfe\n")
    assert cli_refused(db_url, "establishment", "import", str(posts), as_of="2026-04-01")["message"] == (
        f"{posts} is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)")
    assert table_dump(engine) == before


def test_no_vacancies_is_one_line_not_an_empty_table(db_url: str) -> None:
    cli_json(db_url, "establishment", "post", "add", "--title", "Admin support", "--fte", "1", "--annual-cost",
             "24600", "--from", "2026-04-01", "--funding", "council 100%", as_of="2026-04-01")
    cli_json(db_url, "establishment", "assign", "Admin support", "--person", "Jo Bloggs", "--fte", "1", "--from",
             "2026-04-01", as_of="2026-04-01")
    screen = run_cli(db_url, "establishment", "vacancies", as_of="2026-05-01", as_json=False).stdout
    assert screen == "No vacancies on 2026-05-01: every post in force is filled.\n"
