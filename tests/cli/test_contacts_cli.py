"""`traded school contact add|list|remove` and the contacts on `school show` (issue 15; issue 17's first bullet)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.models import AuditEntry
from tests.support import cli_json, cli_refused, run_cli, table_dump

URN, OTHER = "100279", "138522"


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADED_USER", "finance.officer")


@pytest.fixture
def schools(db_url: str) -> str:
    cli_json(db_url, "school", "add", "--urn", URN, "--name", "Stoke Newington School", "--type", "maintained",
             "--email", "office@stokenewington.example")
    cli_json(db_url, "school", "add", "--urn", OTHER, "--name", "Clapton Girls' Academy", "--type", "academy")
    return db_url


def ann(db: str) -> dict[str, object]:
    return cli_json(db, "school", "contact", "add", URN, "--name", "Ann Smith", "--role", "finance", "--email",
                    "Ann.Smith@StokeNewington.example", as_of="2025-09-01")


ANN = {"id": 1, "urn": URN, "school": "Stoke Newington School", "name": "Ann Smith", "role": "finance",
       "email": "Ann.Smith@stokenewington.example", "phone": None, "added_on": "2025-09-01", "removed_on": None}
TOM = {"id": 2, "urn": URN, "school": "Stoke Newington School", "name": "Tom Reid", "role": "business_manager",
       "email": "tom.reid@stokenewington.example", "phone": "020 7946 0000 ext 204", "added_on": "2025-09-02",
       "removed_on": None}
JO = {"id": 3, "urn": OTHER, "school": "Clapton Girls' Academy", "name": "Jo Bell", "role": "senco",
      "email": "senco@clapton.example", "phone": None, "added_on": "2025-09-02", "removed_on": None}


def three(db: str) -> None:
    assert ann(db) == ANN
    assert cli_json(db, "school", "contact", "add", URN, "--name", " Tom Reid ", "--role", "Business manager",
                    "--email", "tom.reid@stokenewington.example", "--phone", "020 7946 0000 ext 204",
                    as_of="2025-09-02") == TOM
    assert cli_json(db, "school", "contact", "add", OTHER, "--name", "Jo Bell", "--role", "SENCo", "--email",
                    "senco@clapton.example", as_of="2025-09-02") == JO


def audit(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_id, AuditEntry.reason, AuditEntry.detail)
            .where(AuditEntry.action.like("school.contact%")).order_by(AuditEntry.id))]


def test_contacts_are_added_listed_and_removed_with_their_history_kept(schools: str, engine: Engine) -> None:
    three(schools)
    # Every school's, by school name; one school's; one role.
    assert cli_json(schools, "school", "contact", "list", as_of="2025-09-02") == [JO, ANN, TOM]
    assert cli_json(schools, "school", "contact", "list", URN, as_of="2025-09-02") == [ANN, TOM]
    assert cli_json(schools, "school", "contact", "list", "--role", "finance", as_of="2025-09-02") == [ANN]
    assert cli_json(schools, "school", "contact", "list", OTHER, "--role", "head", as_of="2025-09-02") == []
    assert cli_json(schools, "school", "contact", "list", URN, as_of="2025-09-01") == [ANN]  # Tom from the 2nd
    removed = cli_json(schools, "school", "contact", "remove", "1", "--reason", "Left the school", as_of="2025-12-15")
    assert removed == {**ANN, "removed_on": "2025-12-15"}
    assert cli_json(schools, "school", "contact", "list", URN, as_of="2025-12-15") == [TOM]
    # The day before, Ann was still current (the record says when she was removed).
    assert cli_json(schools, "school", "contact", "list", URN, as_of="2025-12-14") == [removed, TOM]
    assert cli_json(schools, "school", "contact", "list", URN, "--all", as_of="2025-12-15") == [removed, TOM]
    record = {k: v for k, v in ANN.items() if k not in ("id", "urn", "school")}
    assert audit(engine) == [
        ("finance.officer", "school.contact_add", URN, None, {"contact": 1, "before": None, "after": record}),
        ("finance.officer", "school.contact_add", URN, None,
         {"contact": 2, "before": None, "after": {k: v for k, v in TOM.items() if k not in ("id", "urn", "school")}}),
        ("finance.officer", "school.contact_add", OTHER, None,
         {"contact": 3, "before": None, "after": {k: v for k, v in JO.items() if k not in ("id", "urn", "school")}}),
        ("finance.officer", "school.contact_remove", URN, "Left the school",
         {"contact": 1, "before": record, "after": {**record, "removed_on": "2025-12-15"}}),
    ]


def test_school_show_lists_the_current_contacts(schools: str, monkeypatch: pytest.MonkeyPatch) -> None:
    three(schools)
    shown = cli_json(schools, "school", "show", URN, as_of="2025-09-02")
    assert shown == {"urn": URN, "name": "Stoke Newington School", "type": "maintained", "roll": None,
                     "laestab": None, "la_code": None, "email": "office@stokenewington.example", "address": None,
                     "postcode": None, "phase": None, "journal_opt_out": False,
                     "settles_by_journal": None,  # no price book loaded
                     "contacts": [ANN, TOM]}
    cli_json(schools, "school", "contact", "remove", "2", as_of="2025-10-01")
    assert cli_json(schools, "school", "show", URN, as_of="2025-10-01")["contacts"] == [ANN]
    assert cli_json(schools, "school", "show", URN, as_of="2025-08-31")["contacts"] == []
    monkeypatch.setenv("COLUMNS", "140")
    text = run_cli(schools, "school", "show", URN, as_of="2025-09-02", as_json=False).stdout
    assert "Contacts" in text and "Ann.Smith@stokenewington.example" in text and "business manager" in text
    assert "020 7946 0000 ext 204" in text  # a number is never split


def test_the_screen_says_what_was_done_and_where_documents_go_now(schools: str) -> None:
    added = run_cli(schools, "school", "contact", "add", URN, "--name", "Ann Smith", "--role", "finance", "--email",
                    "ann@stokenewington.example", as_of="2025-09-01", as_json=False)
    assert added.stdout == ("Added Ann Smith (finance, ann@stokenewington.example) to Stoke Newington School "
                            "(URN 100279): contact 1.\n")
    cli_json(schools, "school", "contact", "add", OTHER, "--name", "Jo Bell", "--role", "finance", "--email",
             "jo@clapton.example", as_of="2025-09-01")
    removed = run_cli(schools, "school", "contact", "remove", "1", as_of="2025-10-01", as_json=False)
    assert removed.stdout == (
        "Removed contact 1 (Ann Smith, finance) from Stoke Newington School (URN 100279) on 2025-10-01; the record "
        "is kept.\nURN 100279 has no finance contact now: documents will go to the school's own email, "
        "office@stokenewington.example.\n")
    removed = run_cli(schools, "school", "contact", "remove", "2", as_of="2025-10-01", as_json=False)
    assert removed.stdout.splitlines()[1] == ("URN 138522 has no finance contact and no email now: add one with "
                                              "`traded school contact add 138522 --role finance ...`.")
    listed = run_cli(schools, "school", "contact", "list", "--all", as_of="2025-10-01", as_json=False).stdout
    assert listed.startswith("2 contacts") and "2025-10-01" in listed


def test_the_list_is_written_as_csv(schools: str, tmp_path: Path) -> None:
    three(schools)
    out = tmp_path / "contacts.csv"
    shown = run_cli(schools, "school", "contact", "list", "--role", "finance", "--csv", str(out), as_of="2025-09-02",
                    as_json=False)
    assert shown.exit_code == 0 and shown.stdout.endswith(f"CSV written to {out}.\n")
    with out.open(newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["id", "urn", "school", "name", "role", "email", "phone", "added_on", "removed_on"],
            ["1", URN, "Stoke Newington School", "Ann Smith", "finance", "Ann.Smith@stokenewington.example", "",
             "2025-09-01", ""]]
    assert cli_refused(schools, "school", "contact", "list", "--csv", str(out))["code"]  # exists: --force


@pytest.mark.parametrize(("args", "code"), [
    (["add", "999999", "--name", "Ann Smith", "--role", "finance", "--email", "a@school.example"], "unknown_school"),
    (["add", "10027", "--name", "Ann Smith", "--role", "finance", "--email", "a@school.example"], "bad_urn"),
    (["add", URN, "--name", " ", "--role", "finance", "--email", "a@school.example"], "invalid_input"),
    (["add", URN, "--name", "A" * 121, "--role", "finance", "--email", "a@school.example"], "invalid_input"),
    (["add", URN, "--name", "Ann\x1b[2JSmith", "--role", "finance", "--email", "a@school.example"], "bad_text"),
    (["add", URN, "--name", "Ann\u202eSmith", "--role", "finance", "--email", "a@school.example"], "bad_text"),
    (["add", URN, "--name", "Ann Smith", "--role", "pupil", "--email", "a@school.example"], "bad_role"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance\n", "--email", "a@school.example"], "bad_text"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "a@school"], "bad_email"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "a@b.example,c@b.example"], "bad_email"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "Ann <a@school.example>"], "bad_email"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "a@school.example\r\nBcc: x@y.example"],
     "bad_text"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "a" * 250 + "@school.example"],
     "invalid_input"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "a@school.example", "--phone", "12"],
     "bad_phone"),
    (["add", URN, "--name", "Ann Smith", "--role", "finance", "--email", "ann.smith@stokenewington.example"],
     "duplicate_contact"),
    (["list", "999999"], "unknown_school"),
    (["list", "--role", "pupil"], "bad_role"),
    (["remove", "9"], "unknown_contact"),
    (["remove", "1", "--reason", "Left\nJamie Smith, Year 4"], "bad_text"),
    (["remove", "1", "--reason", "x" * 501], "invalid_input"),
])
def test_bad_input_is_refused_in_one_line_and_writes_nothing(schools: str, engine: Engine, args: list[str],
                                                             code: str) -> None:
    ann(schools)
    before = table_dump(engine)
    assert cli_refused(schools, "school", "contact", *args, as_of="2025-09-02")["code"] == code
    assert table_dump(engine) == before


def test_a_removal_is_refused_twice_and_before_the_contact_was_added(schools: str, engine: Engine) -> None:
    ann(schools)
    before = table_dump(engine)
    assert cli_refused(schools, "school", "contact", "remove", "1", as_of="2025-08-31") == {
        "code": "before_added", "message": "contact 1 (Ann Smith) was added on 2025-09-01: it cannot be removed on "
                                           "2025-08-31, before it was added"}
    assert table_dump(engine) == before
    cli_json(schools, "school", "contact", "remove", "1", as_of="2025-09-02")
    before = table_dump(engine)
    assert cli_refused(schools, "school", "contact", "remove", "1", as_of="2025-09-03") == {
        "code": "contact_removed", "message": "contact 1 (Ann Smith) was already removed on 2025-09-02"}
    assert table_dump(engine) == before
    assert run_cli(schools, "school", "contact", "remove", "0").exit_code == 2  # not a record id
