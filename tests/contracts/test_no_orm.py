"""contracts/ stays a pure domain: importing every module in it loads neither SQLAlchemy nor billing/.

Run in a fresh interpreter, since this test process has long since imported both.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import contracts

PACKAGE = Path(contracts.__file__).parent
ROOT = PACKAGE.parent

CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "billing"))
print(" ".join(loaded))
"""


def contract_modules() -> list[str]:
    return sorted(f"contracts.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__")


def test_the_domain_modules_are_all_checked() -> None:
    assert {"contracts.subscription", "contracts.orders", "contracts.entitlements"} <= set(contract_modules())


def test_importing_every_contracts_module_loads_no_orm_and_no_billing() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK, *contract_modules()], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
