"""One file named for two outputs of one command is refused before any work, and nothing is written (issue 19).

Without the check the first output was written and the second refused (``output_exists``),
or the second replaced the first under ``--force``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from billing.outputs import check_outputs, write_outputs
from pricing.errors import InvalidInput
from tests.support import cli_refused


@pytest.mark.parametrize("argv", [
    ["report", "pack", "--pdf", "{z}", "--csv", "{z}"],
    ["report", "pack", "--pdf", "{z}", "--csv", "{z}", "--force"],
    ["report", "case-costs", "--pdf", "{z}", "--csv", "{z}"],
    ["report", "budget", "--pdf", "{z}", "--csv", "{z}"],
    ["report", "aged-debt", "--pdf", "{z}", "--csv", "{z}"],
], ids=["pack", "pack-force", "case-costs", "budget", "aged-debt"])
def test_a_report_naming_one_file_twice_is_refused_and_writes_nothing(db_url: str, tmp_path: Path,
                                                                       argv: list[str]) -> None:
    (tmp_path / "out").mkdir()
    z = tmp_path / "out" / "z.pdf"
    error = cli_refused(db_url, *[a.format(z=z) for a in argv], as_of="2026-01-31")
    assert error == {"code": "same_output", "message": f"{z} is named for two outputs: give each output its own file"}
    assert list((tmp_path / "out").iterdir()) == []


def test_two_names_for_one_file_are_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with pytest.raises(InvalidInput) as caught:
        check_outputs([Path("out/z.csv"), None, Path("out/../out/z.csv")], force=False, database_url=None)
    assert caught.value.message == "out/z.csv and out/../out/z.csv are the same file: give each output its own file"
    with pytest.raises(InvalidInput, match="same file"):
        write_outputs([(Path("out/a.csv"), b"1"), (tmp_path / "out" / "a.csv", b"2")], force=True, database_url=None)
    assert list((tmp_path / "out").iterdir()) == []
    assert check_outputs([Path("out/a.csv"), None, Path("out/b.csv")], force=False, database_url=None) == [
        Path("out/a.csv"), Path("out/b.csv")]
