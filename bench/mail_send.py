"""Mail benchmark (issue 17): messages per second to a local SMTP server for N invoices with their PDFs.

    python bench/mail_send.py --schools 2000 --backend sqlite

N schools are invoiced by a bill run and each invoice's email queued; then
billing.mail_delivery.send_queued delivers them to an aiosmtpd server on
127.0.0.1 in this process (each message claimed and recorded in its own
commits, its PDF rendered from the stored invoice). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from billing.bill_run import run_bill_run  # noqa: E402
from billing.db import make_engine, upgrade  # noqa: E402
from billing.mail_delivery import SmtpSettings, send_queued  # noqa: E402
from billing.models import Invoice, School  # noqa: E402
from billing.outbox import queue_document  # noqa: E402
from pricing.clock import FixedClock, SystemClock  # noqa: E402
from tests.reliability.workload import build_council  # noqa: E402
from tests.support import service_context  # noqa: E402
from tests.support_smtp import smtp_server  # noqa: E402

RUN_ON = date(2026, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "sqlite":
            url = f"sqlite:///{folder}/bench.db"
            drop = None
        else:
            from bench.billrun import _database

            url, drop = _database("postgresql", args.schools)
        engine = make_engine(url)
        upgrade(engine)
        from tests.conftest import _mark_sandbox

        _mark_sandbox(engine)
        build_council(engine, args.schools)
        with service_context(engine, RUN_ON) as ctx:
            ctx.session.execute(update(School).values(email=School.urn + "@schools.example"))
        run_bill_run(engine, FixedClock(RUN_ON), "bench")
        started = time.perf_counter()
        with service_context(engine, RUN_ON) as ctx:
            for invoice in ctx.session.scalars(select(Invoice).order_by(Invoice.id)):
                queue_document(ctx, invoice)
        queued_s = time.perf_counter() - started
        with smtp_server() as (recorder, port):
            started = time.perf_counter()
            report = send_queued(engine, SmtpSettings("127.0.0.1", port, starttls=False), SystemClock(), "bench")
            wall = time.perf_counter() - started
        engine.dispose()
        if drop is not None:
            drop()
    print(json.dumps({"measurement": "mail_send", "backend": args.backend, "messages": len(report.sent),
                      "arrived": len(recorder.arrivals), "wall_s": round(wall, 2),
                      "messages_per_s": round(len(report.sent) / wall, 1),
                      "queue_messages_per_s": round(args.schools / queued_s, 1)}), flush=True)


if __name__ == "__main__":
    main()
