"""Shared fixtures: every database test runs on SQLite, and again on PostgreSQL.

PostgreSQL is used when TRADED_TEST_POSTGRES_URL is set or a server answers on
127.0.0.1:5432. With TRADED_REQUIRE_POSTGRES=1 (CI) an unreachable server fails
the run instead of skipping those tests.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, insert
from sqlalchemy.pool import Pool

from billing.db import make_engine, upgrade
from billing.models import Base, LedgerSetting

PG_ADMIN_URL = os.environ.get("TRADED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("TRADED_REQUIRE_POSTGRES") == "1"
CHROMIUM = os.environ.get("TRADED_TEST_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium, which tests/browser drives (never a browser a test tool downloads)."""


def _pg_reachable() -> str | None:
    try:
        dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


_PG_PROBLEM = _pg_reachable()


@event.listens_for(Pool, "connect")
def _sqlite_without_fsync(dbapi_conn: Any, _record: Any) -> None:
    """Test databases are thrown away: SQLite need not wait for the disk at every commit (about 3 ms each).

    Only a power cut could lose a commit; other connections and processes still see every write.
    Processes a test starts (`traded` in a subprocess) keep the shipped setting.
    """
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.execute("PRAGMA synchronous=OFF")


@pytest.fixture(autouse=True)
def _no_terminal_width_from_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are sized by COLUMNS (cli/tables.py); pytest-xdist's workers set it to 80, plain pytest does not.

    Every test starts without it, so a table is 100 columns wide (not a terminal) whoever runs
    the suite; tests of other widths set COLUMNS themselves.
    """
    monkeypatch.delenv("COLUMNS", raising=False)


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_PROBLEM is None:
        return f"traded: PostgreSQL pass enabled ({PG_ADMIN_URL.rsplit('@', 1)[-1]})"
    return f"traded: PostgreSQL pass DISABLED ({_PG_PROBLEM})"


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_PG and _PG_PROBLEM is not None:
        raise pytest.UsageError(f"TRADED_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {_PG_PROBLEM}")
    # CI requires the browser tests' Chromium as it requires PostgreSQL (.ci/ensure-chromium installs it).
    if REQUIRE_PG and not os.access(CHROMIUM, os.X_OK):
        raise pytest.UsageError(f"TRADED_REQUIRE_POSTGRES=1 but {CHROMIUM} is missing: run .ci/ensure-chromium")
    # ... and pdftotext, which reads report PDFs back as printed (.ci/ensure-poppler installs it).
    if REQUIRE_PG and shutil.which("pdftotext") is None:
        raise pytest.UsageError("TRADED_REQUIRE_POSTGRES=1 but pdftotext is missing: run .ci/ensure-poppler")


TESTS = Path(__file__).resolve().parent
_PURE_FOLDERS = frozenset({"pricing", "contracts", "invoices"})
_DATABASE_FIXTURES = frozenset({"db_url", "engine", "pg_database", "sqlite_template"})
_ON_A_BACKEND = re.compile(r"\[(?:[^\]]*-)?(?:sqlite|postgresql)(?:-[^\]]*)?\]$")  # fixtures of their own per backend
_SLOW_MODULES = (  # ten seconds and more each (real processes, kills, exhaustive orders), slowest first
    "project/test_readme_tour.py", "reliability/test_mail_kill.py", "reliability/test_kill_bill_run.py",
    "browser/test_portal_journeys.py", "reliability/test_kill_bill_run_mail.py", "reliability/test_ledger_invariants.py",
    "gateway/test_cash_balance.py", "gateway/test_webhook_server.py", "reliability/test_readers_and_writers.py",
    "reliability/test_race_postgres.py", "gateway/test_localstripe_e2e.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Layers to select by (`make test-fast`, `pytest -m database`): marked here, not in every file.

    ``database``: uses a database fixture, or is run once per backend; ``pure``: a pricing, contracts or invoices test
    that needs none; ``reliability``: tests/reliability/; ``slow``: the modules above.
    """
    for item in items:
        where = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        folder = where.partition("/")[0]
        if where in _SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())) or _ON_A_BACKEND.search(item.nodeid):
            item.add_marker(pytest.mark.database)
        elif folder in _PURE_FOLDERS:
            item.add_marker(pytest.mark.pure)
        if folder == "reliability":
            item.add_marker(pytest.mark.reliability)
        if folder == "browser":
            item.add_marker(pytest.mark.browser)
    # The slow modules first, slowest first, each whole and in its own order: with two workers
    # a two-minute test started last would run alone at the end.
    items.sort(key=lambda item: _slow_rank(item.path))


def _slow_rank(path: Path) -> int:
    where = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else ""
    return _SLOW_MODULES.index(where) if where in _SLOW_MODULES else len(_SLOW_MODULES)


_ON_POSTGRES = re.compile(r"\[(?:[^\]]*-)?postgresql(?:-[^\]]*)?\]$")


_PG_SUMMARY: list[tuple[str, bool]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Whether the PostgreSQL pass ran, counted from the PostgreSQL-parametrised tests' reports."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        counts[outcome] = sum(1 for report in terminalreporter.stats.get(outcome, [])
                              if getattr(report, "when", "call") in ("call", "setup")
                              and _ON_POSTGRES.search(getattr(report, "nodeid", "")))
    if not any(counts.values()):
        return
    where = PG_ADMIN_URL.rsplit("@", 1)[-1]
    figures = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
    if _PG_PROBLEM is None and counts["passed"] + counts["failed"] + counts["error"]:
        _PG_SUMMARY.append((f"traded: the PostgreSQL pass ran on {where}: {figures}", False))
    else:
        _PG_SUMMARY.append((f"traded: the PostgreSQL pass DID NOT RUN ({_PG_PROBLEM or 'skipped'}): "
                            f"{figures}; only SQLite was tested", True))


def pytest_unconfigure(config: pytest.Config) -> None:
    """The very last line of `make test`, even under -q (which hides the header)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line, warn in _PG_SUMMARY:
        if reporter is not None:
            reporter.write_line(line, yellow=warn, bold=warn, green=not warn)


def _pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


def _pg_admin(sql: str) -> None:
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _mark_sandbox(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


# Test databases replay any date, so they are sandboxes (billing.ledger); a test of the live rule unmarks.
_SANDBOX = insert(LedgerSetting).values(key="sandbox", value="yes", set_at=datetime(2019, 1, 1, tzinfo=UTC),
                                        set_by="tests")


def _mark_sandbox(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_SANDBOX)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """This worker's migrated PostgreSQL database, emptied before each test that uses it (:func:`_truncate_all`)."""
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"traded_test_{worker}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    # A throwaway database need not wait for the disk at every commit; a server crash is the only loss.
    _pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    url = _pg_url(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    for resetter in _PG_RESETTERS.values():
        resetter.dispose()
    _PG_RESETTERS.clear()
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Emptying by DELETE, children first: TRUNCATE makes new files for every table and index,
# hundreds of milliseconds a test, while DELETE of the few rows a test wrote costs almost
# nothing. Sequences a test used start again, as TRUNCATE ... RESTART IDENTITY did.
_PG_EMPTY = "DO $empty$ BEGIN\n" + "".join(
    f'DELETE FROM "{table.name}";\n' for table in reversed(Base.metadata.sorted_tables)) + (
    "PERFORM setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL;\n"
    "END $empty$")

_PG_RESETTERS: dict[str, Engine] = {}
"""One pooled engine per database for emptying it: no new connection per test."""


def _pg_empty(url: str, *, sandbox: bool) -> None:
    engine = _PG_RESETTERS.get(url)
    if engine is None:
        engine = _PG_RESETTERS[url] = make_engine(url, pool_size=1)
    with engine.begin() as conn:
        conn.exec_driver_sql(_PG_EMPTY)
        if sandbox:
            conn.execute(_SANDBOX)


def _truncate_all(url: str) -> None:
    """Every table of the PostgreSQL database at ``url`` emptied, its ids starting again from 1."""
    _pg_empty(url, sandbox=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "traded.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")
    _pg_empty(url, sandbox=True)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
