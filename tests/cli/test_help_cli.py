"""Every command's --help, walked from cli.main.COMMANDS: the shared options are spelled the same everywhere.

The conventions (docs/cli.md):
- every command and group says what it does with an Example;
- every option that takes a value shows a metavar in capitals or as its choices
  (``FILE``, ``DATE``, ``income|cost``), never click's type name (``TEXT``, ``INTEGER``);
- a file written beside the screen output is ``--csv FILE`` or ``--pdf FILE``, the file a
  command exists to write is ``--out FILE`` (or ``--out DIR`` for a folder), and each goes
  with ``--force`` (the demo writes into its own fresh folder and has none);
- every list command has ``--csv FILE`` and ``--force``;
- days are ``DATE`` (YYYY-MM-DD), instants ``TIME``; academic years ``--year YEAR``,
  financial years ``--fy FY``, schools ``--urn URN``, amounts ``AMOUNT``, reasons ``TEXT``.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from cli.listing import FORCE_HELP
from cli.main import COMMANDS, cli

WHEN = {"--on", "--from", "--to", "--notice", "--end", "--start", "--referred", "--planning", "--deliver-on",
        "--at", "--notified", "--moved-to"}
SAME_METAVAR = {"--year": "YEAR", "--fy": "FY", "--urn": "URN", "--amount": "AMOUNT", "--costs": "AMOUNT",
                "--cost-per-hour": "AMOUNT", "--reason": "TEXT", "--csv": "FILE", "--pdf": "FILE",
                "--invoice": "NUMBER"}
LISTS = {"list", "late-acks", "aged-debt", "events"}
NO_FORCE = {("demo",)}  # writes its PDFs into its own fresh output folder


def _walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, path + (name,)
            yield from _walk(sub, path + (name,))


def _commands() -> list[tuple[tuple[str, ...], click.Command]]:
    root = click.Context(cli)
    found = []
    for name in COMMANDS:
        command = cli.get_command(root, name)
        assert command is not None, name
        found += list(_walk(command, (name,)))
    return found


ALL = _commands()


def _options(command: click.Command) -> dict[str, click.Option]:
    return {name: p for p in command.params if isinstance(p, click.Option) for name in p.opts}


def test_the_walk_finds_every_command() -> None:
    paths = {" ".join(p) for p, _ in ALL}
    assert {"invoice list", "report aged-debt", "statement", "bill run", "school list"} <= paths


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) for p, _ in ALL])
def test_help_says_what_it_does_with_an_example(path: tuple[str, ...], command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout, " ".join(path)
    assert "traded " in result.stdout.split("Example:", 1)[1], " ".join(path)


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) for p, _ in ALL])
def test_shared_options_are_spelled_the_same(path: tuple[str, ...], command: click.Command) -> None:
    where = " ".join(path)
    options = _options(command)
    for name, option in options.items():
        if option.is_flag or not name.startswith("--"):
            continue
        metavar = option.metavar
        assert metavar, f"{where} {name} shows click's type name: give it a metavar"
        assert metavar == metavar.upper() or "|" in metavar, f"{where} {name} {metavar}"
        if name in WHEN:
            assert metavar in ("DATE", "TIME"), f"{where} {name} {metavar}"
        if name in SAME_METAVAR:
            assert metavar == SAME_METAVAR[name], f"{where} {name} {metavar}"
        if name == "--out":
            assert metavar in ("FILE", "DIR"), f"{where} {name} {metavar}"
        if name in ("--out", "--pdf", "--csv") and path not in NO_FORCE:
            assert "--force" in options, f"{where} writes {name} without --force"
    if "--force" in options:
        assert options["--force"].is_flag and options["--force"].help == FORCE_HELP, where
    if path[-1] in LISTS and len(path) > 1 or path == ("report", "aged-debt"):
        assert "--csv" in options and "--force" in options, f"{where} is a list without --csv FILE"


def test_global_options_are_named_in_the_root_help() -> None:
    shown = CliRunner().invoke(cli, ["--help"]).stdout
    for option in ("--db URL", "--as-of DATE", "--json", "--allow-future"):
        assert option in shown
    assert "also accepted after it" in " ".join(shown.split())
