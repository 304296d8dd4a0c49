"""National-scale benchmark: bill runs, interest, statements and PDFs over N schools.

    python bench/billrun.py --schools 2200 --backend sqlite
    python bench/billrun.py --schools 22000 --backend postgresql --repeat 3

Prints one JSON line per measurement. The workload (bench/workload.py) is loaded
in a child process, so the peak RSS reported (``resource.getrusage``, the
process's high-water mark so far) is the engine's own. SQLite uses a file in
/tmp; PostgreSQL a throwaway database on 127.0.0.1:5432 (user postgres), dropped
afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import selectinload, sessionmaker  # noqa: E402

from bench.workload import add_payments  # noqa: E402
from billing.bill_run import run_bill_run  # noqa: E402
from billing.context import Context  # noqa: E402
from billing.db import make_engine, transaction  # noqa: E402
from billing.models import Invoice, School  # noqa: E402
from pricing.clock import FixedClock  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def emit(base: dict[str, Any], **fields: Any) -> None:
    print(json.dumps({**base, **fields, "peak_rss_mb": peak_rss_mb()}), flush=True)


def _database(backend: str, schools: int) -> tuple[str, Any]:
    if backend == "sqlite":
        path = Path(f"/tmp/traded-bench-{schools}.db")
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: [Path(f"{path}{s}").unlink(missing_ok=True) for s in ("", "-wal", "-shm")]
    name = f"traded_bench_{schools}_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def bill(engine: Engine, base: dict[str, Any], on: date, label: str) -> None:
    started = time.perf_counter()
    result = run_bill_run(engine, FixedClock(on), "bench")
    wall = time.perf_counter() - started
    charges = sum(inv.lines for inv in result.invoices)
    emit(base, measurement=label, wall_s=round(wall, 2), invoices=result.count, charges=charges,
         invoices_per_s=round(result.count / wall, 1), charges_per_s=round(charges / wall, 1))


def interest(engine: Engine, base: dict[str, Any], on: date) -> None:
    from billing.interest_run import run_interest

    started = time.perf_counter()
    with transaction(engine) as session:
        raised = run_interest(Context(session=session, clock=FixedClock(on), actor="bench"))
    wall = time.perf_counter() - started
    emit(base, measurement=f"interest run {on.isoformat()}", wall_s=round(wall, 2), charges=len(raised.charges),
         charges_per_s=round(len(raised.charges) / wall, 1), total=str(raised.total))


def statements(engine: Engine, base: dict[str, Any], on: date, count: int, rng: random.Random) -> None:
    from billing.statements import school_statement

    with engine.connect() as conn:
        urns = list(conn.scalars(select(School.urn).order_by(School.urn)))
    picked = rng.sample(urns, min(count, len(urns)))
    factory = sessionmaker(engine, expire_on_commit=False)
    times: list[float] = []
    started = time.perf_counter()
    for urn in picked:
        t0 = time.perf_counter()
        with factory() as session:  # a fresh session per statement, as the command line has
            school_statement(Context(session=session, clock=FixedClock(on), actor="bench"), urn)
            session.rollback()
        times.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started
    times.sort()
    emit(base, measurement=f"statements x{len(picked)}", wall_s=round(wall, 2),
         p50_ms=round(statistics.median(times), 2), p95_ms=round(times[int(len(times) * 0.95) - 1], 2))


def pdfs(engine: Engine, base: dict[str, Any], count: int, rng: random.Random) -> None:
    from billing.documents import pdf_bytes

    with engine.connect() as conn:
        ids = list(conn.scalars(select(Invoice.id).where(Invoice.kind == "invoice").order_by(Invoice.id)))
    picked = sorted(rng.sample(ids, min(count, len(ids))))
    factory = sessionmaker(engine, expire_on_commit=False)
    render = 0.0
    pages = 0
    started = time.perf_counter()
    with factory() as session:
        for at in range(0, len(picked), 200):
            invoices = session.scalars(select(Invoice).where(Invoice.id.in_(picked[at:at + 200]))
                                       .options(selectinload(Invoice.lines), selectinload(Invoice.corrects))).all()
            for invoice in invoices:
                t0 = time.perf_counter()
                data = pdf_bytes(invoice)
                render += time.perf_counter() - t0
                pages += data.count(b"/Type /Page") - data.count(b"/Type /Pages")
        session.rollback()
    wall = time.perf_counter() - started
    emit(base, measurement=f"invoice pdfs x{len(picked)}", wall_s=round(wall, 2), pages=pages,
         ms_per_page=round(render * 1000 / max(pages, 1), 2), ms_per_invoice=round(render * 1000 / len(picked), 2))


def help_startup(base: dict[str, Any]) -> None:
    exe = shutil.which("traded", path=str(Path(sys.executable).parent)) or "traded"
    best = min(_timed([exe, "--help"]) for _ in range(5))
    emit(base, measurement="traded --help (best of 5)", wall_s=round(best, 3))


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=2200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the whole benchmark this many times, each in a fresh process and database, "
                             "then print the median of each figure")
    args = parser.parse_args()
    if args.repeat > 1:
        repeated(args)
        return
    base = {"schools": args.schools, "backend": args.backend}
    url, drop = _database(args.backend, args.schools)
    try:
        started = time.perf_counter()
        loaded = subprocess.run([sys.executable, str(ROOT / "bench" / "workload.py"), "--url", url, "--schools",
                                 str(args.schools), "--seed", str(args.seed)],
                                check=True, capture_output=True, text=True, cwd=ROOT)
        emit(base, measurement="load workload (child process)", wall_s=round(time.perf_counter() - started, 2),
             **json.loads(loaded.stdout.strip().splitlines()[-1]))
        engine = make_engine(url)
        bill(engine, base, date(2025, 9, 1), "bill run 2025-09-01")
        add_payments(engine, date(2025, 9, 1), date(2025, 12, 31))
        interest(engine, base, date(2025, 12, 31))
        bill(engine, base, date(2026, 1, 1), "bill run 2026-01-01")
        rng = random.Random(args.seed)
        statements(engine, base, date(2026, 1, 15), 1000, rng)
        pdfs(engine, base, 1000, rng)
        with engine.connect() as conn:
            n_inv = conn.scalar(select(func.count()).select_from(Invoice))
        engine.dispose()
        help_startup({**base, "invoices_in_db": n_inv})
    finally:
        if not args.keep:
            drop()


def repeated(args: argparse.Namespace) -> None:
    """Each repeat's lines as they come (with ``"repeat": i``), then one median line per measurement.

    Wall times on a shared two-core machine vary by a tenth from run to run; the
    median of a few fresh runs is the figure to compare. Each repeat is its own
    process, so its peak RSS is its own too.
    """
    runs: list[list[dict[str, Any]]] = []
    for i in range(1, args.repeat + 1):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--schools", str(args.schools),
               "--backend", args.backend, "--seed", str(args.seed)] + (["--keep"] if args.keep else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        for line in lines:
            print(json.dumps({**line, "repeat": i}), flush=True)
        runs.append(lines)
    for label in [line["measurement"] for line in runs[0]]:
        same = [line for run in runs for line in run if line["measurement"] == label]
        numeric = {key for line in same for key, value in line.items()
                   if isinstance(value, int | float) and not isinstance(value, bool) and key != "schools"}
        medians = {key: _median([line[key] for line in same if key in line]) for key in sorted(numeric)}
        print(json.dumps({"schools": args.schools, "backend": args.backend, "measurement": label,
                          "statistic": f"median of {len(same)}", **medians}), flush=True)


def _median(values: list[int | float]) -> int | float:
    middle = statistics.median(values)
    return int(middle) if all(isinstance(v, int) for v in values) and middle == int(middle) else round(middle, 3)


if __name__ == "__main__":
    main()
