"""Engines, schema migrations and the one-transaction-per-command session scope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from billing.models import BillRun
from pricing.clock import format_london
from pricing.errors import TradedError

READ_ONLY = "traded_read_only"
"""Execution option of a connection that only reads (see :func:`transaction`)."""
SQLITE_LOCK_WAIT_S = 60
"""How long a writer waits for another writer on SQLite before it is refused."""
MIGRATIONS = Path(__file__).with_name("migrations")


SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


def check_url(url: str) -> str:
    """``url`` if it names a backend traded runs on (SQLite, PostgreSQL through psycopg 3), else one line why not."""

    try:
        scheme = make_url(url).drivername
    except ArgumentError:
        raise TradedError(f"database URL {url!r} is not a URL: use sqlite:///FILE or "
                          "postgresql+psycopg://USER@HOST/NAME", code="bad_database_url") from None
    if scheme not in SUPPORTED_SCHEMES:
        raise TradedError(f"database URL scheme {scheme!r} is not supported: use sqlite:///FILE or "
                          "postgresql+psycopg://USER@HOST/NAME", code="bad_database_url")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets foreign keys, WAL and immediate write locks."""
    check_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_LOCK_WAIT_S}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_S * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: two commands that read then write (a bill
        # run taking invoice numbers) queue instead of failing with SQLITE_BUSY
        # half-way, so numbering stays gap-free. A read-only unit of work takes
        # no lock: in WAL mode it reads its snapshot while a writer works.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN DEFERRED")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config  # noqa: PLC0415 - Alembic loads only when a command migrates

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


_REVISION_LINE = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:['"]([^'"]+)['"]|None)""", re.M)


@lru_cache(maxsize=1)
def shipped_revisions() -> dict[str, str | None]:
    """Every migration shipped with this code: revision -> the revision it follows (None for the first).

    Read from the version files' ``revision =`` and ``down_revision =`` lines,
    without importing Alembic or the migrations, so that a command that only
    reads pays nothing for the schema check (a test compares this with Alembic's
    own reading of the folder).
    """
    found: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        fields = {m.group(1): m.group(2) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        if "revision" in fields and fields["revision"]:
            found[fields["revision"]] = fields.get("down_revision")
    return found


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration shipped with this version of the code."""
    revisions = shipped_revisions()
    heads = sorted(set(revisions) - {down for down in revisions.values() if down})
    if len(heads) != 1:
        found = f"heads {', '.join(heads)}" if heads else "no migrations"
        raise TradedError(f"{found} in {MIGRATIONS}: the installation is incomplete or broken")
    return heads[0]


def reader(engine: Engine) -> Engine:
    """The same database for looking only: no write lock taken on SQLite."""
    return engine.execution_options(**{READ_ONLY: True})


def _history(engine: Engine) -> tuple[bool, str | None, list[str]]:
    """Whether the database has a migration history, its revision, and (without one) its tables: one connection."""
    with reader(engine).connect() as conn:
        inspector = inspect(conn)
        if not inspector.has_table("alembic_version"):
            return False, None, inspector.get_table_names()
        versions = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if len(versions) > 1:
        raise TradedError(f"the database has {len(versions)} schema revisions ({', '.join(sorted(versions))}); "
                          "traded keeps one: it was changed by hand", code="schema_history_broken")
    return True, (versions[0] if versions else None), []


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: no history yet)."""
    return _history(engine)[1]


def known_revision(revision: str) -> bool:
    """Whether this version of the code ships migration ``revision``."""
    return revision in shipped_revisions()


def _checked(engine: Engine, history: tuple[bool, str | None, list[str]]) -> str | None:
    has_history, current, tables = history
    if not has_history:
        if tables:
            raise TradedError(
                f"the database has {len(tables)} tables but no traded schema history: it is not a traded "
                f"database ({engine.url.render_as_string(hide_password=True)}); use an empty or a traded database",
                code="not_a_traded_database")
        return None
    if current is not None and not known_revision(current):
        raise TradedError(
            f"the database is at schema revision {current}, newer than this version of traded knows "
            f"(its newest is {head_revision()}): install the newer traded that made it",
            code="schema_too_new")
    return current


def check_schema_history(engine: Engine) -> str | None:
    """The database's revision, refusing one this code cannot safely use or migrate.

    Refused: a database with tables but no migration history (not a traded
    database: adding our schema to it would mix two applications' data), and one
    at a revision newer than this code knows (made by a later version of traded).
    """
    return _checked(engine, _history(engine))


def upgrade(engine: Engine) -> str:
    """Create or migrate the schema to the latest revision; returns it."""
    from alembic import command  # noqa: PLC0415 - Alembic loads only when a command migrates

    check_schema_history(engine)
    command.upgrade(alembic_config(engine), "head")
    revision = current_revision(engine)
    assert revision is not None
    return revision


def ensure_schema(engine: Engine) -> None:
    """Migrate an empty database; refuse one that is behind (a shared install upgrades on purpose).

    On a database already at the head this is one cheap look at ``alembic_version``
    and no Alembic at all: every command runs it, so it must cost nothing.
    """
    history = _history(engine)
    if not history[0]:
        upgrade(engine)
        return
    current, head = _checked(engine, history), head_revision()
    if current != head:
        raise TradedError(
            f"the database is at schema revision {current}, this version needs {head}: run `traded db upgrade`",
            code="schema_out_of_date",
        )


@contextmanager
def transaction(engine: Engine, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: everything commits together or nothing is written.

    ``read_only`` (statements, lists, reports) takes no write lock on SQLite and
    is a READ ONLY transaction on PostgreSQL, so readers never queue behind a
    long write and cannot write by mistake.
    """
    bind = reader(engine) if read_only else engine
    factory = sessionmaker(bind, expire_on_commit=False, autoflush=True)
    session = factory()
    try:
        if read_only and engine.dialect.name == "postgresql":
            session.execute(text("SET TRANSACTION READ ONLY"))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def busy_message(engine: Engine) -> str:
    """Why a write waited too long, naming the bill run that holds the database where there is one."""


    holder = ""
    try:
        with transaction(engine, read_only=True) as session:
            run = session.scalars(select(BillRun).where(BillRun.status == "running")
                                  .order_by(BillRun.id.desc())).first()
            if run is not None:
                holder = (f" (bill run {run.id} for {run.run_on}, started {format_london(run.started_at)} "
                          f"by {run.actor}, is running)")
    except Exception:  # noqa: BLE001 - the message must come out even if the database cannot say
        holder = ""
    return (f"the database is busy: another command held it for over {SQLITE_LOCK_WAIT_S} seconds{holder}; "
            "nothing was written, try again when it has finished")
