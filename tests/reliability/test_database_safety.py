"""Databases traded must not touch: another application's, a newer version's, an unknown backend (issue 14)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, text

from tests.support import cli_refused, run_cli, table_dump


def test_a_sqlite_file_with_other_tables_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "accounts.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount TEXT)")
        conn.execute("INSERT INTO ledger (amount) VALUES ('12.50')")
    for args in (("school", "list"), ("db", "upgrade"), ("bill", "run")):
        err = cli_refused(f"sqlite:///{path}", *args)
        assert err["code"] == "not_a_traded_database"
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables == ["ledger"]
        assert conn.execute("SELECT amount FROM ledger").fetchall() == [("12.50",)]


def test_a_database_from_a_newer_version_gets_one_line_naming_both_versions(db_url: str, engine: Engine) -> None:
    from billing.db import head_revision

    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        before = table_dump(engine)
        for args in (("school", "list"), ("db", "upgrade")):
            err = cli_refused(db_url, *args)
            assert err["code"] == "schema_too_new"
            assert "9999" in err["message"] and head_revision() in err["message"]
        assert table_dump(engine) == before
    finally:  # the PostgreSQL test database is shared by the worker's later tests
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})


def test_an_unknown_database_url_scheme_is_one_line(tmp_path: Path) -> None:
    for url in ("mysql://root@127.0.0.1/traded", "oracle://x", "::nonsense"):
        result = run_cli(url, "school", "list", as_json=False)
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "sqlite:///FILE" in result.stderr
