"""Issue 14's acceptance: hostile posts to a running `traded serve` on 127.0.0.1.

The server is a real subprocess over a temporary SQLite database. Oversized bodies
(declared, chunked, or longer than their Content-Length says) are refused without
being held in memory: the server's resident memory after twenty 50 MB posts stays
within 50 MB of what it was before. A body that is not UTF-8 gets 400 and one log
line; signed but absurd events get 200 and wait, with their reasons, in
`traded stripe events`, and `traded stripe retry` applies them once fixed.
Every request goes to 127.0.0.1 only, and every loop is bounded.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sql_select

from billing.db import make_engine
from billing.gateway.app import MAX_WEBHOOK_BODY, WEBHOOK_PATH
from billing.gateway.inbox import unreadable_id
from billing.models import GatewayEvent
from billing.schools import NewSchool, add_school
from pricing.clock import utc_to_london
from tests.gateway.support import (
    SECRET,
    URN,
    add_schools,
    event,
    hostile_events,
    issue,
    ledger,
    nested,
    payment_intent,
    sign,
)
from tests.support import service_context

TRADED = str(Path(sys.executable).parent / "traded")
MB = 1024 * 1024
BIG = 50 * MB
CHUNK = 64 * 1024
NEW_URN = "100998"


@dataclass
class Server:
    port: int
    pid: int
    db_url: str
    log: Path

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS for the server process")

    def traded(self, *args: str) -> Any:
        done = subprocess.run([TRADED, "--db", self.db_url, "--json", *args], capture_output=True, text=True,
                              timeout=120, env=_env())
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def _env() -> dict[str, str]:
    return {**os.environ, "STRIPE_WEBHOOK_SECRET": SECRET, "TRADED_USER": "test"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the server's memory from /proc")
    folder = tmp_path_factory.mktemp("serve")
    db = folder / "traded.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    today = utc_to_london(datetime.now(UTC)).date()
    with service_context(engine, today) as ctx:
        add_schools(ctx)
        issue(ctx, URN, 1, "1250.00", today)
    engine.dispose()
    port = _free_port()
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([TRADED, "--db", url, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        if proc.poll() is not None or time.monotonic() >= deadline:
            pytest.fail(f"traded serve did not start: {log.read_text()}")
        yield Server(port, proc.pid, url, log)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def raw_post(port: int, headers: dict[str, str], body: bytes = b"", stream: int = 0,
             chunked: bool = False) -> int | None:
    """POST to 127.0.0.1:``port`` on a bare socket and return the status code (None: no answer).

    ``body`` is sent as it is; then ``stream`` more bytes of filler, in 64 KiB pieces (chunked if
    asked), stopping as soon as the server answers or closes the connection.
    """
    head = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    piece = b"x" * CHUNK
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        try:
            sock.sendall(head + body)
            for _ in range(stream // CHUNK):  # bounded: at most 800 pieces for 50 MB
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered (or closed): stop sending
                sock.sendall(b"%x\r\n%s\r\n" % (CHUNK, piece) if chunked else piece)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # reset or closed by the server while we were still sending: read what it said
        answer = b""
        try:
            while b"\r\n" not in answer and len(answer) < 4096:
                got = sock.recv(4096)
                if not got:
                    break
                answer += got
        except OSError:
            pass
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def post_json(port: int, body: bytes, signed: bool = True) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
    if signed:
        headers["Stripe-Signature"] = sign(body)
    head = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        answer = b""
        for _ in range(10_000):  # Connection: close, so the server ends the answer by closing
            got = sock.recv(65536)
            if not got:
                break
            answer += got
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def _oversized(port: int, kind: str) -> int | None:
    if kind == "declared":  # Content-Length says 50 MB: refused before a byte of the body is read
        return raw_post(port, {"Content-Length": str(BIG), "Stripe-Signature": "t=1,v1=00"}, stream=BIG)
    if kind == "chunked":  # no length given: counted as it streams and cut off at the limit
        return raw_post(port, {"Transfer-Encoding": "chunked", "Stripe-Signature": "t=1,v1=00"},
                        stream=BIG, chunked=True)
    # a lying Content-Length: says 1,000 bytes, sends 50 MB
    return raw_post(port, {"Content-Length": "1000", "Stripe-Signature": "t=1,v1=00"}, stream=BIG)


@pytest.mark.parametrize(("kind", "status"), [("declared", 413), ("chunked", 413), ("lying", 400)])
def test_an_oversized_body_is_refused_unread(server: Server, kind: str, status: int) -> None:
    assert _oversized(server.port, kind) == status


def test_the_limit_is_the_named_setting(server: Server) -> None:
    just_over = b"x" * (MAX_WEBHOOK_BODY + 1)
    assert raw_post(server.port, {"Content-Length": str(len(just_over))}, just_over) == 413
    at_limit = b"x" * MAX_WEBHOOK_BODY
    assert raw_post(server.port, {"Content-Length": str(len(at_limit))}, at_limit) == 400  # read: no signature


def test_memory_stays_flat_through_twenty_50_mb_posts(server: Server) -> None:
    for kind in ("declared", "chunked", "lying"):  # warm up: threads, buffers and imports settle first
        _oversized(server.port, kind)
    before = server.rss_mb()
    kinds = ["declared", "chunked", "lying"] * 7
    answers = [_oversized(server.port, kind) for kind in kinds[:20]]
    after = server.rss_mb()
    assert answers == [413, 413, 400] * 6 + [413, 413]
    assert after - before < 50, f"RSS grew from {before:.0f} MB to {after:.0f} MB"


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_a_body_that_is_not_utf8_gets_400_and_one_log_line(server: Server, signed: bool) -> None:
    body = b'{"id": "evt_\xff", "object": "event"}'
    lines_before = server.log.read_text(errors="replace").count("the body is not UTF-8 text")
    assert post_json(server.port, body, signed) == (400, {"error": {
        "code": "invalid_webhook", "message": "webhook rejected: the body is not UTF-8 text."}})
    log = server.log.read_text(errors="replace")
    assert log.count("the body is not UTF-8 text") == lines_before + 1
    assert "Traceback" not in log


def test_deep_json_is_parked_when_signed_and_refused_when_not(server: Server) -> None:
    body = nested(100_000)
    assert post_json(server.port, body, signed=False)[0] == 400
    status, answer = post_json(server.port, body)
    assert (status, answer["status"]) == (200, "parked")
    assert answer["note"] == "the body is JSON nested more than 64 levels deep"


def test_signed_absurd_events_are_answered_200_and_kept_with_their_reasons(server: Server) -> None:
    kept = {}
    for label, body, status, words in hostile_events():
        body = body.replace(b'"evt_h_', b'"evt_srv_')  # this server's database is shared by the module
        code, answer = post_json(server.port, body)
        assert code == 200, (label, answer)
        if answer["status"] == "duplicate":  # the same bytes as an earlier test's delivery
            continue
        assert answer["status"] == status and words in answer["note"], (label, answer)
        kept[answer["event"]] = status
    listed = server.traded("stripe", "events", "--status", "all")
    statuses = {e["event"]: e["status"] for e in listed["events"]}
    assert all(statuses[event_id] == status for event_id, status in kept.items())
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_parked_events_are_listed_and_retried_by_the_command(server: Server) -> None:
    unknown = event("evt_srv_new", "payment_intent.succeeded", payment_intent("pi_srv_new", 40000, None,
                                                                               urn=NEW_URN))
    assert post_json(server.port, unknown)[1]["status"] == "unallocated"
    deep = event("evt_srv_deep", "customer.updated", {"id": "cus_1"})[:-1] + b', "x": ' + nested(5000) + b"}"
    stand_in = unreadable_id(deep.decode())  # too deep to read even its id: kept under its text's hash
    assert post_json(server.port, deep)[1] == {"event": stand_in, "status": "parked",
                                                "note": "the body is JSON nested more than 64 levels deep"}

    parked = server.traded("stripe", "events", "--status", "parked")
    assert {"event": stand_in, "type": "unreadable", "status": "parked",
            "note": "the body is JSON nested more than 64 levels deep"}.items() <= next(
        e for e in parked["events"] if e["event"] == stand_in).items()
    assert "evt_srv_new" in {e["event"] for e in server.traded("stripe", "events")["events"]}

    retried = server.traded("stripe", "retry", stand_in, "evt_srv_new")["retried"]
    assert [(r["event"], r["status"]) for r in retried] == [(stand_in, "parked"), ("evt_srv_new", "unallocated")]
    engine = make_engine(server.db_url)
    try:
        today = utc_to_london(datetime.now(UTC)).date()
        with service_context(engine, today) as ctx:  # the cause is fixed: the school is added
            add_school(ctx, NewSchool(urn=NEW_URN, name="Mossbourne Academy", type="academy"))
        retried = server.traded("stripe", "retry", "--all-unallocated")["retried"]
        assert [(r["event"], r["status"]) for r in retried if r["event"] == "evt_srv_new"] == [
            ("evt_srv_new", "processed")]
        assert post_json(server.port, unknown)[1]["status"] == "duplicate"  # Stripe sending it again
        with service_context(engine, today) as ctx:
            assert [p[:2] for p in ledger(ctx)["payments"] if p[0] == "pi_srv_new"] == [("pi_srv_new", "400.00")]
            row = ctx.session.scalar(sql_select(GatewayEvent).where(GatewayEvent.event_id == "evt_srv_new"))
            assert row is not None and row.status == "processed"
    finally:
        engine.dispose()
