"""Shared fixtures: every database test runs on SQLite, and again on PostgreSQL.

PostgreSQL is used when TRADED_TEST_POSTGRES_URL is set or a server answers on
127.0.0.1:5432. With TRADED_REQUIRE_POSTGRES=1 (CI) an unreachable server fails
the run instead of skipping those tests.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from billing.db import make_engine, upgrade
from billing.models import Base

PG_ADMIN_URL = os.environ.get("TRADED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("TRADED_REQUIRE_POSTGRES") == "1"


def _pg_reachable() -> str | None:
    try:
        import psycopg

        dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


_PG_PROBLEM = _pg_reachable()


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
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _mark_sandbox(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


def _mark_sandbox(engine: Engine) -> None:
    """Test databases replay any date, so they are sandboxes (billing.ledger); a test of the live rule unmarks."""
    from datetime import UTC, datetime

    from billing.models import LedgerSetting

    with engine.begin() as conn:
        conn.execute(LedgerSetting.__table__.insert().values(
            key="sandbox", value="yes", set_at=datetime(2019, 1, 1, tzinfo=UTC), set_by="tests"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"traded_test_{worker}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "traded.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    _truncate_all(url)
    engine = make_engine(url)
    _mark_sandbox(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
