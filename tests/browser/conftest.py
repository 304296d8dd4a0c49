"""A real `traded serve` on 127.0.0.1 over a seeded SQLite file, and Debian's Chromium driven by Playwright.

Chromium is the distribution's (/usr/bin/chromium, installed by .ci/ensure-chromium),
never a browser a test tool downloads: without it these tests skip, except in CI
(TRADED_REQUIRE_POSTGRES=1), where tests/conftest.py refuses to start instead.

Every wait is for something the page shows (a URL, a selector), never a sleep.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]  # ships no py.typed
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from billing.db import make_engine
from tests.browser.seed import AS_OF, Seeded, seed_portal
from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # This machine's network is closed: without these Chromium keeps trying Google's hosts.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_S = 60.0
TIMEOUT_MS = 20_000
"""Generous: two cores are shared by the whole suite, and a slow page must not read as a failure."""
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SECRET_KEY = "browser-tests-portal-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Portal:
    """A running portal: its address, its database and what was seeded there."""

    base_url: str
    seeded: Seeded
    env: dict[str, str]

    @property
    def db_url(self) -> str:
        return self.seeded.db_url

    def traded(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        """Run the `traded` command on the portal's database on its as-of day, as the team would."""
        argv = [sys.executable, "-m", "cli.main", "--db", self.db_url, "--as-of", AS_OF.isoformat(), *args]
        done = subprocess.run(argv, env=self.env, cwd=ROOT, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_env(base_url: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("STRIPE_", "TRADED_SMTP", "TRADED_PORTAL", "TRADED_DB"))}
    # No Stripe at all: no webhook is served and no pay-by-card button is shown.
    env.update(TRADED_PORTAL_URL=base_url, TRADED_PORTAL_SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1")
    return env


def _wait_healthy(server: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"traded serve exited {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a process that is starting, not waiting on a page
    raise AssertionError(f"traded serve did not answer /health in {SERVER_START_S:.0f}s:\n"
                         f"{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def portal(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """`traded --as-of 2025-10-01 serve` on a free port of 127.0.0.1 over the seeded council; stopped afterwards."""
    folder = tmp_path_factory.mktemp("portal")
    database = folder / "portal.db"
    shutil.copy(sqlite_template, database)
    db_url = f"sqlite:///{database}"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    engine = make_engine(db_url)
    try:
        seeded = seed_portal(engine, db_url, base_url)
    finally:
        engine.dispose()
    env = _server_env(base_url)
    log = folder / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "--db", db_url, "--as-of", AS_OF.isoformat(), "serve",
             "--host", "127.0.0.1", "--port", str(port), "--no-mail"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(server, base_url, log)
        yield Portal(base_url=base_url, seeded=seeded, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


# Module-scoped, not session: Playwright's sync API keeps an event loop running in the thread until it
# stops, and a test after it in the same worker that calls asyncio.run() would find that loop.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium package: .ci/ensure-chromium installs it)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Playwright gives every launch a fresh, empty profile (user data directory) of its own.
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser, portal: Portal) -> Iterator[Page]:
    """A new browser context (no cookies) on the portal, downloads allowed."""
    context = browser.new_context(base_url=portal.base_url, accept_downloads=True, java_script_enabled=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


_AXE = Axe()


def _describe(violation: dict[str, Any]) -> str:
    targets = [", ".join(node.get("target", [])) + ": " + (node.get("failureSummary") or "").replace("\n", " ")
               for node in violation.get("nodes", [])]
    return f"- {violation['id']} ({violation.get('impact')}): {violation['help']}\n    " + "\n    ".join(targets)


def assert_accessible(page: Page) -> None:
    """axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules pass on the page as it is now; each violation listed."""
    page.wait_for_load_state("load")
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    violations: list[dict[str, Any]] = results.response["violations"]
    assert not violations, f"axe on {page.url}: {len(violations)} WCAG 2.2 AA violation(s)\n" + "\n".join(
        _describe(v) for v in violations)
