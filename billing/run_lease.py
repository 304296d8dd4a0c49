"""Whether a bill run marked "running" still has a live process behind it.

A run killed part-way (SIGKILL, a lost machine) cannot record that it stopped.
While it runs it holds a lease the operating system or the database server
releases when its process dies: a PostgreSQL session-level advisory lock on
(namespace, run id), or on SQLite an exclusive ``flock`` on a small file beside
the database. The next run finds every "running" row whose lease can be taken
and marks it ``interrupted`` (billing.bill_run).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text

_NAMESPACE = 7301  # advisory-lock namespace of bill runs (any constant unique to traded)


def _lease_file(engine: Engine, run_id: int) -> Path:
    database = Path(str(engine.url.database)).expanduser().resolve()
    return database.with_name(f"{database.name}.bill-run-{run_id}.lease")


class Lease:
    """A held lease on one run; :meth:`release` (or the process dying) lets it go."""

    def __init__(self, run_id: int, connection: Connection | None = None, handle: IO[bytes] | None = None,
                 path: Path | None = None) -> None:
        self._run_id, self._connection, self._handle, self._path = run_id, connection, handle, path

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                # A pooled connection outlives close(): unlock explicitly (a dead process's session ends anyway).
                self._connection.execute(text("SELECT pg_advisory_unlock(:ns, :id)"),
                                         {"ns": _NAMESPACE, "id": self._run_id})
                self._connection.commit()
            with contextlib.suppress(Exception):
                self._connection.close()
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            if self._path is not None:
                self._path.unlink(missing_ok=True)


def take(engine: Engine, run_id: int) -> Lease:
    """Hold the lease of a run that has just started."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        conn.execute(text("SELECT pg_advisory_lock(:ns, :id)"), {"ns": _NAMESPACE, "id": run_id})
        conn.commit()
        return Lease(run_id, connection=conn)
    path = _lease_file(engine, run_id)
    handle = path.open("wb")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    return Lease(run_id, handle=handle, path=path)


def is_alive(engine: Engine, run_id: int) -> bool:
    """True while the process of run ``run_id`` still holds its lease."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                               {"ns": _NAMESPACE, "id": run_id}).scalar()
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:ns, :id)"), {"ns": _NAMESPACE, "id": run_id})
            conn.commit()
            return not got
    path = _lease_file(engine, run_id)
    if not path.exists():
        return False
    try:
        with path.open("rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    path.unlink(missing_ok=True)  # a dead run's file: nobody holds it
    return False


@contextlib.contextmanager
def held(engine: Engine, run_id: int) -> Iterator[Lease]:
    lease = take(engine, run_id)
    try:
        yield lease
    finally:
        lease.release()
