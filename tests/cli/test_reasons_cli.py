"""Reasons a school reads (issue 14): every such --reason says so and that it must not name a pupil."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.mark.parametrize("command", [["credit-note", "add"], ["interest", "waive"], ["payment", "refund"]])
def test_every_reason_shown_to_schools_says_so_in_its_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    reason = text.split("--reason TEXT", 1)[1]
    assert "Printed on documents the school sees" in reason
    assert "at most 500 characters" in reason
    assert "Never name a pupil" in reason
