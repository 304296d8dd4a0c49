"""Portal load (issue 18): N signed-in schools read their statement page at once, for S seconds, on PostgreSQL.

    python bench/portal_load.py                                        # 2,200 schools, 20 clients, 20 s
    python bench/portal_load.py --schools 22000 --clients 50 --seconds 60   # the issue's national figure

A throwaway PostgreSQL database on 127.0.0.1:5432 gets the benchmark workload
(bench/workload.py), a bill run on 1 September 2025 and payments; one portal
person per chosen school is given a password and a session through the
services (billing.portal_sign_in, as the sign-in form does). Then `traded
--as-of 2025-10-15 serve` is started on a free port of 127.0.0.1 and each
client, one per school, asks for its own statement page again and again, one
request at a time (with --think seconds between), until the time is up (and never more than --max-requests in
all). Prints one JSON line: requests, errors, throughput and the statement
page's latency percentiles; the target is p95 <= 150 ms on the 2-core machine.
Only 127.0.0.1 is ever asked; the server is stopped and the database dropped
afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import Engine, select  # noqa: E402

from bench.billrun import _database  # noqa: E402
from bench.workload import add_payments  # noqa: E402
from billing.bill_run import run_bill_run  # noqa: E402
from billing.context import Context  # noqa: E402
from billing.db import make_engine, transaction  # noqa: E402
from billing.models import Invoice, School  # noqa: E402
from billing.portal_accounts import accept_invitation, invite  # noqa: E402
from billing.portal_sign_in import sign_in  # noqa: E402
from pricing.clock import FixedClock  # noqa: E402

BILLED_ON = date(2025, 9, 1)
SERVED_ON = date(2025, 10, 15)
PERIOD = {"from": "2025-09-01", "to": "2025-10-15"}
PASSWORD = "Load-Test-Lantern-2025"
TARGET_P95_MS = 150.0
SECRET_KEY = "portal-load-bench-secret-key-0123456789"


@dataclass(frozen=True)
class Visitor:
    urn: str
    token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load(url: str, schools: int, seed: int) -> dict[str, Any]:
    """The workload, loaded in a child process as bench/billrun.py does, then billed and partly paid."""
    started = time.perf_counter()
    loaded = subprocess.run([sys.executable, str(ROOT / "bench" / "workload.py"), "--url", url, "--schools",
                             str(schools), "--seed", str(seed)], check=True, capture_output=True, text=True, cwd=ROOT)
    engine = make_engine(url)
    try:
        billed = run_bill_run(engine, FixedClock(BILLED_ON), "bench")
        add_payments(engine, BILLED_ON, SERVED_ON)
    finally:
        engine.dispose()
    return {**json.loads(loaded.stdout.strip().splitlines()[-1]), "invoices": billed.count,
            "load_s": round(time.perf_counter() - started, 1)}


def visitors(engine: Engine, count: int, seed: int) -> list[Visitor]:
    """``count`` schools with an invoice, each with one signed-in portal person (a live session's token)."""
    with engine.connect() as conn:
        billed = sorted(conn.scalars(select(School.urn).join(Invoice, Invoice.school_id == School.id).distinct()))
    chosen = random.Random(seed).sample(billed, min(count, len(billed)))
    found: list[Visitor] = []
    for k, urn in enumerate(chosen):
        with transaction(engine) as session:
            # The server's clock is its --as-of day at the real time of day: a session opened at any other
            # instant would already have idled out when the first request comes.
            ctx = Context(session=session, clock=FixedClock(SERVED_ON, instant=datetime.now(UTC)), actor="bench")
            link = invite(ctx, urn, f"bursar{k}@load.example", "viewer", portal_url="http://127.0.0.1").link
            accept_invitation(ctx, link.rsplit("/", 1)[-1], PASSWORD)
            signed = sign_in(ctx, f"bursar{k}@load.example", PASSWORD, "127.0.0.1")
        assert signed.token is not None, signed.refusal
        found.append(Visitor(urn, signed.token))
    return found


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`traded serve` on 127.0.0.1:``port``, its log (one line per request) in a file, not a pipe left unread."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("STRIPE_", "TRADED_"))}
    env.update(TRADED_PORTAL_URL=f"http://127.0.0.1:{port}", TRADED_PORTAL_SECRET_KEY=SECRET_KEY)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "--db", url, "--as-of", SERVED_ON.isoformat(), "serve",
             "--host", "127.0.0.1", "--port", str(port), "--no-mail"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"traded serve exited {server.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("traded serve did not answer /health within 60 s")


async def _client(base: str, visitor: Visitor, until: float, think: float, budget: list[int],
                  times: list[float], errors: list[str], rng: random.Random) -> None:
    path = f"/schools/{visitor.urn}/statement"
    async with httpx.AsyncClient(base_url=base, cookies={"traded_session": visitor.token}, timeout=30) as client:
        if think:
            # People do not click in step: each starts somewhere within one pause, so the server sees
            # arrivals spread out as a school office's would be, not every client at the same instant.
            await asyncio.sleep(rng.uniform(0, think))
        while time.monotonic() < until and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            try:
                answer = await client.get(path, params=PERIOD)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code == 200 and visitor.urn in answer.text:
                times.append(elapsed)
            else:
                errors.append(str(answer.status_code))
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))  # a person reading the page: on average `think` s


async def hammer(base: str, visits: list[Visitor], seconds: float, think: float,
                 max_requests: int, seed: int = 2025) -> dict[str, Any]:
    # A first request each, untimed: connections opened and the server's caches warm before the clock starts.
    async with httpx.AsyncClient(base_url=base, timeout=30) as warm:
        for visitor in visits:
            await warm.get(f"/schools/{visitor.urn}/statement", params=PERIOD,
                           cookies={"traded_session": visitor.token})
    times: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    started = time.monotonic()
    rng = random.Random(seed)
    await asyncio.gather(*(_client(base, v, started + seconds, think, budget, times, errors, rng) for v in visits))
    wall = time.monotonic() - started
    times.sort()

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, int(len(times) * q))], 1) if times else float("nan")

    return {"requests": len(times) + len(errors), "ok": len(times), "errors": len(errors),
            "error_kinds": sorted(set(errors)), "wall_s": round(wall, 1),
            "per_s": round(len(times) / wall, 1) if wall else 0.0,
            "p50_ms": round(statistics.median(times), 1) if times else float("nan"), "p95_ms": pct(0.95),
            "p99_ms": pct(0.99), "max_ms": round(times[-1], 1) if times else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=2200, help="schools in the workload (22000: national)")
    parser.add_argument("--clients", type=int, default=20, help="signed-in schools asking at once (issue: 50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long they ask (issue: 60)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds each client waits between requests (0: back to back, the harshest)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="a bound on requests in all")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 0 < args.seconds <= 600:
        parser.error("--clients 1..500 and --seconds up to 600: a bounded test")
    url, drop = _database("postgresql", args.schools)
    server = None
    try:
        loaded = load(url, args.schools, args.seed)
        engine = make_engine(url)
        try:
            visits = visitors(engine, args.clients, args.seed)
        finally:
            engine.dispose()
        port = _free_port()
        server = start_server(url, port, Path(tempfile.gettempdir()) / f"traded-portal-load-{os.getpid()}.log")
        figures = asyncio.run(hammer(f"http://127.0.0.1:{port}", visits, args.seconds, args.think,
                                     args.max_requests, args.seed))
        print(json.dumps({"measurement": "portal statement page", "backend": "postgresql",
                          "schools": args.schools, "clients": len(visits), "seconds": args.seconds, "think_s": args.think,
                          "workload": loaded, **figures, "target_p95_ms": TARGET_P95_MS,
                          "meets_target": figures["p95_ms"] <= TARGET_P95_MS}), flush=True)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            drop()


if __name__ == "__main__":
    main()
