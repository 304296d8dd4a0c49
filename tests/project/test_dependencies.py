"""Every machine runs the versions the tests passed with: requirements.lock pins what pyproject.toml allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def _locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = Version(version.strip())
    return pins


def test_every_dependency_is_pinned_to_a_version_pyproject_allows() -> None:
    locked = _locked()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is declared but not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock pins {requirement.name}=={locked[name]}, outside {requirement.specifier}")


def test_the_pydantic_floor_has_the_config_keys_the_price_book_uses() -> None:
    # validate_by_name / validate_by_alias (pricing.pricebook) arrived in pydantic 2.11: with 2.10 a stored
    # price book cannot be read back, so the declared floor must not admit it.
    pydantic = next(r for r in _declared() if r.name == "pydantic")
    assert not pydantic.specifier.contains("2.10.6") and pydantic.specifier.contains("2.11.0")
    source = (ROOT / "pricing" / "pricebook.py").read_text()
    assert "validate_by_name=True" in source
