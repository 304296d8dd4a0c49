"""End to end against localstripe on loopback: the engine charges a card, localstripe sends a
real signed payment_intent.succeeded to `traded serve`'s app under uvicorn, the invoice is paid."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from billing.gateway.errors import CardDeclined
from billing.gateway.service import charge_saved_card
from billing.gateway.stripe_adapter import StripeGateway, StripeSettings, make_client
from billing.models import GatewayEvent
from cli.runtime import Runtime
from pricing.clock import utc_to_london
from tests.gateway.support import SECRET, URN, add_schools, issue, ledger, outstanding
from tests.support import service_context

pytest.importorskip("localstripe")
uvicorn = pytest.importorskip("uvicorn")

# localstripe binds every interface and pickles its state to /tmp/localstripe.pickle by default:
# this wrapper serves it on loopback only, with persistence switched off.
WRAPPER = """
import sys
import localstripe.resources as res
res.Store.dump_to_disk = lambda self: None
from aiohttp import web
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    script = tmp_path_factory.mktemp("localstripe") / "serve_localstripe.py"
    script.write_text(WRAPPER)
    proc = subprocess.Popen([sys.executable, str(script), str(port)], cwd=script.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: _answers(port) or proc.poll() is not None, "localstripe to start")
        if proc.poll() is not None:
            pytest.fail(f"localstripe did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def served(db_url: str, localstripe: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`traded serve`'s app under uvicorn in a thread, registered as localstripe's webhook."""
    from cli.serve import build_app

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    app = build_app(Runtime(db_url=db_url, as_of_text=None, as_json=True))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "uvicorn to start")
    _post(f"{localstripe}/_config/data", b"", method="DELETE")
    _post(f"{localstripe}/_config/webhooks/traded",
          f"url=http://127.0.0.1:{port}/stripe/webhook&secret={SECRET}".encode())
    try:
        yield localstripe
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _post(url: str, data: bytes, method: str = "POST") -> None:
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _gateway(base: str) -> StripeGateway:
    settings = StripeSettings(api_key="sk_test_localstripe", api_base=base, max_network_retries=0)
    return StripeGateway(make_client(settings), settings)


def _today() -> datetime:
    return utc_to_london(datetime.now(UTC))


def _event_types(engine: Engine) -> list[tuple[str, str]]:
    with service_context(engine, _today().date()) as ctx:
        return [(e.type, e.status) for e in ctx.session.scalars(select(GatewayEvent).order_by(GatewayEvent.id))]


def test_a_card_payment_reaches_the_ledger_through_a_signed_webhook(served: str, engine: Engine) -> None:
    today = _today().date()
    with service_context(engine, today) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", today)
    with service_context(engine, today) as ctx:
        paid = charge_saved_card(ctx, _gateway(served), "INV-000001", "pm_card_visa")
    assert (paid.status, paid.amount_pence) == ("succeeded", 125000)

    def settled() -> bool:
        with service_context(engine, today) as ctx:
            return outstanding(ctx, "INV-000001") == "0.00"

    wait_until(settled, "the payment_intent.succeeded webhook")
    with service_context(engine, today) as ctx:
        assert ledger(ctx)["payments"] == [(paid.payment_id, "1250.00", today, "card", "stripe")]
    assert ("payment_intent.succeeded", "processed") in _event_types(engine)


def test_a_declined_card_leaves_the_invoice_unpaid(served: str, engine: Engine) -> None:
    today = _today().date()
    with service_context(engine, today) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", today)
    with pytest.raises(CardDeclined), service_context(engine, today) as ctx:
        charge_saved_card(ctx, _gateway(served), "INV-000001", "pm_card_chargeCustomerFail")
    wait_until(lambda: ("payment_intent.payment_failed", "ignored") in _event_types(engine),
               "the payment_intent.payment_failed webhook")
    with service_context(engine, today) as ctx:
        assert outstanding(ctx, "INV-000001") == "1250.00"
        assert ledger(ctx)["payments"] == []

