"""The rules live in the project's own docs/rules.md, and everything that cites them points there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
SECTION_REF = re.compile(r"§\s?(\d+)")


def rules_sections() -> set[int]:
    return {int(n) for n in re.findall(r"^## §(\d+) ", RULES.read_text(encoding="utf-8"), flags=re.M)}


def every_help() -> Iterator[tuple[str, str]]:
    """(command path, its --help text) for every command and group of `traded`."""
    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> Iterator[tuple[str, str]]:
        ctx = click.Context(command, info_name=path[-1], parent=parent)
        yield " ".join(path), command.get_help(ctx)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    yield from walk(sub, [*path, name], ctx)

    yield from walk(cli, ["traded"], None)


def test_the_rules_doc_covers_sections_1_to_9_and_what_was_built_since() -> None:
    text = RULES.read_text(encoding="utf-8")
    assert set(range(1, 10)) <= rules_sections()
    for topic in ("receipts worklist", "Subscribers only", "Money recorded late changes history",
                  "Income is recognised by the days of service", "sandbox", "--force"):
        assert topic in text, topic


def test_help_texts_cite_sections_of_docs_rules_md_that_exist() -> None:
    sections = rules_sections()
    helps = list(every_help())
    assert len(helps) > 40
    for path, text in helps:
        assert "domain-rules" not in text and "../shared" not in text, path
        flat = " ".join(text.split())
        for match in SECTION_REF.finditer(flat):
            assert int(match.group(1)) in sections, f"{path}: §{match.group(1)} is not a section of docs/rules.md"
            assert "docs/rules.md" in flat[max(0, match.start() - 40):match.start()], \
                f"{path}: {flat[max(0, match.start() - 40):match.end()]!r} should name docs/rules.md"


def test_the_readme_and_the_sample_price_book_point_to_docs_rules_md() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "domain-rules" not in readme
    assert "docs/rules.md" in readme
    sample = (ROOT / "pricing" / "data" / "pricebook-sample.toml").read_text(encoding="utf-8")
    assert "Domain rules" not in sample and "domain-rules" not in sample
    for line in sample.splitlines():
        for match in SECTION_REF.finditer(line):
            assert "docs/rules.md" in line and int(match.group(1)) in rules_sections(), line
