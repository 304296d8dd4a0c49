"""Hostile deliveries to the webhook app (issue 14), in process on both backends.

Oversized bodies are refused (413) before they are read, a body that is not UTF-8
is refused (400) in one log line, and a signed but absurd event is answered 200 and
kept for a person with its reason — never a 500 that Stripe would retry for days.
Only a transient database failure asks Stripe to send an event again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from billing.gateway.app import MAX_WEBHOOK_BODY, WEBHOOK_PATH, create_app
from billing.gateway.inbox import MAX_JSON_DEPTH, nesting_depth, parse_event, unreadable_id
from billing.models import AuditEntry, GatewayEvent
from pricing.clock import FixedClock, utc_to_london
from tests.gateway.support import (
    SECRET,
    URN,
    add_schools,
    event,
    hostile_events,
    issue,
    ledger,
    link_customer,
    nested,
    payment_intent,
    sign,
)
from tests.support import service_context, table_dump

AS_OF = utc_to_london(datetime.now(UTC)).date()  # the signature check uses real time
LIMIT = 4096  # a small body limit keeps these tests quick; the served default is MAX_WEBHOOK_BODY


@pytest.fixture
def app(engine: Engine) -> Starlette:
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", AS_OF)
        link_customer(ctx, URN, "cus_snsc")
    return create_app(engine, SECRET, FixedClock(AS_OF), max_body=LIMIT)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def post(client: TestClient, body: bytes, signed: bool = True) -> tuple[int, dict[str, Any]]:
    headers = {"content-type": "application/json"}
    if signed:
        headers["stripe-signature"] = sign(body)
    response = client.post(WEBHOOK_PATH, content=body, headers=headers)
    return response.status_code, response.json()


def asgi_post(app: Starlette, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, int]:
    """POST straight through the ASGI interface, as a lenient server would pass it on.

    Returns the status and how many body chunks the app asked for.
    """
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    asked = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        return messages[asked - 1] if asked <= len(messages) else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": WEBHOOK_PATH, "raw_path": WEBHOOK_PATH.encode(), "root_path": "",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}

    async def run() -> None:
        await app(scope, receive, send)  # type: ignore[arg-type]

    anyio.run(run)
    return status, asked


# -- size ------------------------------------------------------------------------------------------

def test_the_default_limit_is_256_kib_and_serve_offers_the_same() -> None:
    from cli.serve import serve

    assert MAX_WEBHOOK_BODY == 256 * 1024
    option = next(p for p in serve.params if p.name == "max_body")
    assert option.default == MAX_WEBHOOK_BODY


def test_a_body_over_the_limit_is_refused_413_and_writes_nothing(client: TestClient, engine: Engine) -> None:
    body = event("evt_big", "payment_intent.succeeded", payment_intent("pi_big", 100, "INV-000001"))
    body = body[:-1] + b', "padding": "' + b"x" * LIMIT + b'"}'
    before = table_dump(engine)
    response = client.post(WEBHOOK_PATH, content=body, headers={"stripe-signature": sign(body)})
    assert response.status_code == 413
    assert response.headers["connection"] == "close"
    assert response.json() == {"error": {"code": "body_too_large",
                                         "message": f"webhook rejected: the body is larger than {LIMIT} bytes."}}
    assert table_dump(engine) == before


def test_a_body_of_exactly_the_limit_is_read(client: TestClient) -> None:
    body = event("evt_fit", "customer.updated", {"id": "cus_snsc", "object": "customer"})
    body = body[:-1] + b', "padding": "' + b"x" * (LIMIT - len(body) - 15) + b'"}'
    assert len(body) == LIMIT
    assert post(client, body)[1]["status"] == "ignored"


def test_a_streamed_body_is_cut_off_at_the_limit(client: TestClient, engine: Engine) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(100):
            yield b"x" * 1024

    before = table_dump(engine)
    response = client.post(WEBHOOK_PATH, content=chunks(), headers={"stripe-signature": "t=1,v1=00"})
    assert response.status_code == 413
    assert table_dump(engine) == before


def test_content_length_is_checked_before_any_of_the_body_is_read(app: Starlette) -> None:
    headers = [(b"content-length", str(50 * 1024 * 1024).encode())]
    assert asgi_post(app, headers, [b"x" * 1024] * 10) == (413, 0)


def test_a_body_longer_than_its_content_length_says_is_cut_off_too(app: Starlette) -> None:
    # A server that does not hold the client to its Content-Length passes more on: it is counted anyway.
    status, asked = asgi_post(app, [(b"content-length", b"10")], [b"x" * 1024] * 100)
    assert status == 413 and asked == LIMIT // 1024 + 1


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e9", b"12 34", b"9" * 30])
def test_a_content_length_that_is_not_a_number_is_refused(app: Starlette, value: bytes) -> None:
    assert asgi_post(app, [(b"content-length", value)], [b"{}"]) == (400, 0)


# -- text and signature ------------------------------------------------------------------------------

@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_a_body_that_is_not_utf8_is_refused_400_in_one_log_line(
        client: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture, signed: bool) -> None:
    body = b'{"id": "evt_\xff\xfe", "object": "event"}'
    before = table_dump(engine)
    with caplog.at_level(logging.INFO, logger="traded.gateway"):
        assert post(client, body, signed) == (400, {"error": {
            "code": "invalid_webhook", "message": "webhook rejected: the body is not UTF-8 text."}})
    assert table_dump(engine) == before
    records = [r for r in caplog.records if r.name.startswith("traded")]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("WARNING", "webhook refused (400): webhook rejected: the body is not UTF-8 text.")]
    assert records[0].exc_info is None


def test_deep_json_without_a_valid_signature_is_refused_400(client: TestClient, engine: Engine) -> None:
    before = table_dump(engine)
    assert post(client, nested(2000), signed=False)[0] == 400
    assert table_dump(engine) == before


# -- signed but absurd: kept for a person, answered 200 ----------------------------------------------

@pytest.mark.parametrize(("label", "body", "status", "words"), hostile_events(),
                         ids=[h[0] for h in hostile_events()])
def test_a_signed_absurd_event_is_kept_with_its_reason_and_answered_200(
        engine: Engine, label: str, body: bytes, status: str, words: str) -> None:
    with service_context(engine, AS_OF) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", AS_OF)
    app = create_app(engine, SECRET, FixedClock(AS_OF))  # the served limit: the deep bodies are 200 KB
    with TestClient(app) as client:
        code, answer = post(client, body)
        assert code == 200, answer
        assert answer["status"] == status and words in str(answer["note"]), answer
        assert post(client, body)[1]["status"] == "duplicate"  # Stripe's retry of the same bytes
    with service_context(engine, AS_OF) as ctx:
        rows = list(ctx.session.scalars(select(GatewayEvent)))
        assert [(r.event_id, r.status, r.note) for r in rows] == [(answer["event"], status, answer["note"])]
        assert ledger(ctx)["payments"] == []
        audit = ctx.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "gateway_event")).all()
        assert audit == [f"gateway.{status}"]
        if status == "parked" and rows[0].payload.keys() == {"raw_body"}:
            assert rows[0].payload == {"raw_body": body.decode()}  # the exact text Stripe signed


def test_an_unreadable_body_is_kept_under_a_stand_in_id_of_40_characters(client: TestClient) -> None:
    body = nested(1000)
    assert post(client, body)[1]["event"] == unreadable_id(body.decode())
    assert len(unreadable_id(body.decode())) == 40


def test_json_nesting_is_measured_without_recursion() -> None:
    assert nesting_depth('{"a": [1, {"b": "[[[[[[{{{{"}], "c": "\\"]]]"}', 99) == 3
    assert nesting_depth("[" * 1_000_000, 64) == 65  # stops counting just past the limit
    at_limit = event("evt_at", "customer.updated", {"id": "cus_1"})[:-1] + b', "x": ' + nested(MAX_JSON_DEPTH - 1) + b"}"
    assert parse_event(at_limit.decode())["id"] == "evt_at"


# -- what may still be retried by Stripe -------------------------------------------------------------

def test_a_duplicate_recorded_by_a_concurrent_delivery_is_seen_on_the_second_look(
        client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.payments

    real = billing.payments.record_payment
    calls: list[int] = []

    def once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO payments", {}, Exception("duplicate key value"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(billing.payments, "record_payment", once)
    body = event("evt_race", "payment_intent.succeeded", payment_intent("pi_race", 125000, "INV-000001"))
    assert post(client, body)[1]["status"] == "processed"
    assert len(calls) == 2


def test_an_integrity_error_that_persists_parks_the_event(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.payments

    def always(*args: object, **kwargs: object) -> object:
        raise IntegrityError("INSERT INTO payments", {}, Exception("duplicate key value"))

    monkeypatch.setattr(billing.payments, "record_payment", always)
    body = event("evt_int", "payment_intent.succeeded", payment_intent("pi_int", 125000, "INV-000001"))
    code, answer = post(client, body)
    assert (code, answer["status"]) == (200, "parked")
    assert answer["note"] == "the engine could not apply it (Exception: duplicate key value)"


def test_an_event_whose_own_row_cannot_be_written_is_parked_in_a_fresh_transaction(
        client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.gateway.inbox

    def fails(*args: object, **kwargs: object) -> object:
        raise ValueError("cannot store this")

    monkeypatch.setattr(billing.gateway.inbox, "apply_notice", fails)
    body = event("evt_row", "payment_intent.succeeded", payment_intent("pi_row", 125000, "INV-000001"))
    code, answer = post(client, body)
    assert (code, answer) == (200, {"event": "evt_row", "status": "parked", "note":
                                    "could not be recorded: the engine could not apply it (ValueError: cannot store this)"})
    with service_context(engine, AS_OF) as ctx:
        assert ledger(ctx)["events"] == [("evt_row", "payment_intent.succeeded", "parked")]


def test_a_database_that_cannot_even_park_the_event_answers_503(
        client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.gateway.inbox

    def locked(*args: object, **kwargs: object) -> object:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(billing.gateway.inbox, "parse_event", locked)
    before = table_dump(engine)
    assert post(client, b'{"id": "evt_x"}')[0] == 503
    assert table_dump(engine) == before
