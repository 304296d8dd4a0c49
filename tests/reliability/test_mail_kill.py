"""Kill test (issue 17): `traded mail send` SIGKILLed at random points, then run again until the outbox is done.

About 200 invoices are queued. A subprocess sends them to an SMTP server in this
process; a seeded schedule kills it (SIGKILL: no clean-up) a random time after
a random number more messages have arrived, so kills land before a claim,
between a claim and the server's answer, and between the answer and its
record. It is started again after every kill. When a run finally completes:
every message arrived at most once, each ``sent`` one exactly once, nothing is
left queued or sending, and the run reports as uncertain exactly the messages
that are uncertain. The worker processes a killed sender had started to compose
its messages stop with it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select, update

from billing.bill_run import run_bill_run
from billing.models import Invoice, School
from billing.models.mail import MailMessage
from billing.outbox import queue_document
from pricing.clock import FixedClock
from tests.reliability.workload import build_council
from tests.support import service_context
from tests.support_smtp import Recorder, smtp_server

REPO = Path(__file__).resolve().parents[2]
SCHOOLS = 200
KILLS = 8
RUN_ON = date(2026, 1, 1)
WORKER = b"billing.mail_workers import main"  # in the command line a sender starts its workers with


def _queue_everything(engine: Engine) -> int:
    build_council(engine, SCHOOLS)
    with service_context(engine, RUN_ON) as ctx:
        ctx.session.execute(update(School).values(email=School.urn + "@schools.example"))
    run_bill_run(engine, FixedClock(RUN_ON), "kill-test")
    with service_context(engine, RUN_ON) as ctx:
        invoices = list(ctx.session.scalars(select(Invoice).order_by(Invoice.id)))
        for invoice in invoices:
            queue_document(ctx, invoice)
        return len(invoices)


def _sender(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRADED_USER": "kill-test", "TRADED_SMTP_HOST": "127.0.0.1", "TRADED_SMTP_PORT": str(port),
           "TRADED_SMTP_STARTTLS": "0"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "--db", db_url, "--json", "mail", "send"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _workers_of(pid: int) -> list[int]:
    """The mail workers process ``pid`` has started and that are still running."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or WORKER not in (entry / "cmdline").read_bytes():
                continue
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            found.append(int(entry.name))
    return found


def _stopped(pids: list[int], within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}/cmdline").exists() and WORKER in Path(f"/proc/{pid}/cmdline").read_bytes()
                   for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _kill_after(proc: subprocess.Popen[bytes], recorder: Recorder, target: int, extra: float,
                orphans: list[int]) -> bool:
    """SIGKILL ``proc`` ``extra`` seconds after ``target`` messages have arrived; False if it finished first.

    The workers it had started are added to ``orphans``.
    """
    deadline = time.monotonic() + 60
    while proc.poll() is None and len(recorder.arrivals) < target and time.monotonic() < deadline:
        time.sleep(0.001)
    end = time.monotonic() + extra
    while proc.poll() is None and time.monotonic() < end:
        time.sleep(0.001)
    if proc.poll() is not None:
        return False
    orphans.extend(_workers_of(proc.pid))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def test_a_killed_sender_never_sends_a_message_twice(engine: Engine, db_url: str) -> None:
    total = _queue_everything(engine)
    assert total == SCHOOLS
    rng = random.Random(int(os.environ.get("TRADED_KILL_SEED", "20260101")))
    kills = 0
    reported: list[int] = []
    orphans: list[int] = []
    with smtp_server() as (recorder, port):
        while kills < KILLS:
            proc = _sender(db_url, port)
            target = len(recorder.arrivals) + rng.randint(0, 25)
            if _kill_after(proc, recorder, target, rng.uniform(0, 0.03), orphans):
                kills += 1
                continue
            out, err = proc.communicate()
            assert proc.returncode == 0, err.decode()
            break  # finished before the next kill landed
        for _ in range(5):  # finish the outbox
            proc = _sender(db_url, port)
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err.decode()
            report = json.loads(out)
            reported = report["all_uncertain"]
            if report["sent_count"] == 0:
                break
        arrived = Counter(recorder.message_ids())
    with service_context(engine, RUN_ON) as ctx:
        messages = list(ctx.session.scalars(select(MailMessage)))
    assert len(messages) == total and kills >= 1
    by_status = Counter(m.status for m in messages)
    assert set(by_status) <= {"sent", "uncertain"}, by_status
    assert all(n == 1 for n in arrived.values()), [i for i, n in arrived.items() if n > 1]
    for message in messages:
        if message.status == "sent":
            assert arrived[message.message_id] == 1, message.id
        else:
            assert arrived[message.message_id] <= 1, message.id
    assert sorted(m.id for m in messages if m.status == "uncertain") == reported
    assert len(reported) <= kills  # a kill leaves at most the one message it interrupted
    assert orphans and _stopped(orphans), "a killed sender's workers outlived it"
