"""The README's tour runs as written: every command of it, in order, on a fresh database.

The commands are read from the fenced ``sh`` blocks of the README's "A short tour"
section and run one by one through the installed ``traded`` entry point, each in
its own shell in an empty folder, on SQLite and on PostgreSQL. The tour's
``export TRADED_DATABASE_URL=…`` line is followed by pointing the variable at this
test's database; every other command runs exactly as the README prints it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TOUR_HEADING = "## A short tour"
TRADED = Path(sys.executable).with_name("traded")
TIMEOUT_S = 300


def tour_section(text: str) -> str:
    start = text.index(TOUR_HEADING)
    following = text.find("\n## ", start + len(TOUR_HEADING))
    return text[start:following if following != -1 else len(text)]


def sh_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.M | re.S)


def commands(block: str) -> list[str]:
    """A block's commands: comment lines dropped, ``\\`` continuations joined, a heredoc kept whole."""
    out: list[str] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = line
        while command.endswith("\\") and i < len(lines):
            command = command[:-1] + " " + lines[i].strip()
            i += 1
        heredoc = re.search(r"<<-?\s*'?\"?(\w+)'?\"?", command)
        if heredoc:
            end = heredoc.group(1)
            body = []
            while i < len(lines) and lines[i].strip() != end:
                body.append(lines[i])
                i += 1
            assert i < len(lines), f"heredoc {end!r} of {command!r} is never closed"
            i += 1
            command = "\n".join([command, *body, end])
        out.append(command)
    return out


def tour_commands() -> list[str]:
    return [c for block in sh_blocks(tour_section(README.read_text(encoding="utf-8"))) for c in commands(block)]


def test_the_tour_is_read_whole_from_the_readme() -> None:
    """The extraction itself: blocks found, continuation and heredoc kept as one command each."""
    tour = tour_commands()
    assert len(tour) >= 30
    assert tour[0].startswith("export TRADED_DATABASE_URL=")
    assert any(c.startswith("cat > statement.csv <<") and c.endswith("\nEOF") for c in tour)
    assert all("\\\n" not in c and not c.rstrip().endswith("\\") for c in tour)
    for c in tour:
        if not c.startswith(("export ", "cat ")):
            assert c.startswith("traded "), c


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database that nobody has migrated: the tour starts from nothing."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tour.db'}"
        return
    from tests.conftest import _PG_PROBLEM, _pg_admin, _pg_url

    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")
    name = f"traded_tour_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_command_of_the_readme_tour_succeeds_in_order(fresh_url: str, tmp_path: Path,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    assert TRADED.exists(), f"the traded entry point is not installed beside {sys.executable}: run `make install`"
    folder = tmp_path / "tour"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADED_", "STRIPE_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # ~40 processes: compile the code once, in a folder of the test's own
    env.update(PATH=f"{TRADED.parent}{os.pathsep}{env.get('PATH', '')}", TRADED_DATABASE_URL=fresh_url,
               TRADED_USER="readme-tour", COLUMNS="100",
               PYTHONPYCACHEPREFIX=str(tmp_path_factory.getbasetemp() / "pycache"))
    ran = 0
    for command in tour_commands():
        if command.startswith("export "):
            name, _, value = shlex.split(command, comments=True)[1].partition("=")
            env[name] = fresh_url if name == "TRADED_DATABASE_URL" else value
            continue
        result = subprocess.run(command, shell=True, executable="/bin/bash", cwd=folder, env=env,
                                capture_output=True, text=True, timeout=TIMEOUT_S)
        if result.returncode != 0:
            pytest.fail(f"README tour command {ran + 1} failed (exit {result.returncode}):\n  {command}\n"
                        f"--- stderr ---\n{result.stderr}\n--- stdout (last 20 lines) ---\n"
                        + "\n".join(result.stdout.splitlines()[-20:]), pytrace=False)
        assert "Traceback" not in result.stderr, f"{command}\n{result.stderr}"
        ran += 1
    assert ran >= 30
    for written in ("prices.toml", "statement.csv", "INV-000002.pdf", "cases.csv", "statement.pdf", "pack.pdf",
                    "headlines.csv"):
        assert (folder / written).is_file(), written
    assert list((folder / "letters").glob("*.pdf"))
    assert not (folder / "traded.db").exists() and not (folder / "training.db").exists()
