"""Writing files people asked for (PDFs, CSV, letters) without ever destroying one they did not.

A file is written whole or not at all: to a temporary file beside it, then
renamed over the target (atomic on one filesystem), so a kill half-way leaves the
old file or none, never half a PDF. An existing file is replaced only when the
user said ``--force``; the database in use (and its ``-wal``/``-shm``/``-journal``
files) and any other SQLite database are never a valid output, forced or not. A command
writing several files names each once (:func:`check_outputs`): the second write would
otherwise replace the first, or refuse after the first was written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from pricing.errors import InvalidInput

_SQLITE_HEADER = b"SQLite format 3\x00"
_DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _usual_mode() -> int:
    """What ``open()`` would give a new file: 0666 less the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def database_files(database_url: str | URL | None) -> set[Path]:
    """The files of a SQLite database in use (nothing for a server database)."""
    if database_url is None:
        return set()
    url = make_url(database_url) if isinstance(database_url, str) else database_url
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return set()
    base = Path(url.database).expanduser().resolve()
    return {base.with_name(base.name + suffix) for suffix in _DATABASE_SUFFIXES}


def check_output(target: Path, *, force: bool, database_url: str | URL | None) -> Path:
    """Refuse an output path that names a database, a folder, or (without ``force``) an existing file."""
    where = target.expanduser()
    resolved = where.resolve()
    if resolved in database_files(database_url):
        raise InvalidInput(f"{target} is the database in use (or one of its files): choose another output file",
                           code="output_is_database")
    if where.is_dir():
        raise InvalidInput(f"{target} is a folder: give a file name", code="output_is_folder")
    if where.exists():
        try:
            with where.open("rb") as existing:
                head = existing.read(len(_SQLITE_HEADER))
        except OSError:
            head = b""
        if head == _SQLITE_HEADER:
            raise InvalidInput(f"{target} is a SQLite database: traded never writes a document over one",
                               code="output_is_database")
        if not force:
            raise InvalidInput(f"{target} already exists: add --force to replace it", code="output_exists")
    return where


def check_outputs(targets: Iterable[Path | str | None], *, force: bool,
                  database_url: str | URL | None) -> list[Path]:
    """Several outputs of one command, before any work: no file named twice, then each as :func:`check_output`.

    ``None`` is an output not asked for. Two names for one file (``z.pdf`` and ``./z.pdf``,
    or a link to it) are the same file.
    """
    given = [Path(t) for t in targets if t is not None and str(t) != ""]
    seen: dict[Path, Path] = {}
    for target in given:
        resolved = target.expanduser().resolve()
        if resolved in seen:
            first = seen[resolved]
            which = (f"{target} is named for two outputs" if str(first) == str(target)
                     else f"{first} and {target} are the same file")
            raise InvalidInput(f"{which}: give each output its own file", code="same_output")
        seen[resolved] = target
    return [check_output(target, force=force, database_url=database_url) for target in given]


def write_output(target: Path, data: bytes, *, force: bool = False, database_url: str | URL | None = None) -> Path:
    """Write ``data`` to ``target`` whole (temporary file, then rename), after :func:`check_output`."""
    where = check_output(target, force=force, database_url=database_url)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where.parent, prefix=f".{where.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            # mkstemp makes the file private (0600); a document is for the team: the usual mode.
            os.chmod(temporary, _usual_mode())
            os.replace(temporary, where)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InvalidInput(f"cannot write {target}: {exc.strerror or exc}", code="output_unwritable") from None
    return where


def write_outputs(files: Iterable[tuple[Path, bytes]], *, force: bool = False,
                  database_url: str | URL | None = None) -> list[Path]:
    """Several files: every path checked (none named twice) before any is written."""
    pending = list(files)
    check_outputs([path for path, _ in pending], force=force, database_url=database_url)
    return [write_output(path, data, force=force, database_url=database_url) for path, data in pending]
