"""Everyday commands: how long `traded` takes to answer, as a whole process.

    python bench/everyday.py                      # SQLite demo database, 7 runs each
    python bench/everyday.py --backend postgresql --runs 9

Builds the demo database once (`traded demo`), then runs each command --runs times
through the installed `traded` entry point and prints one JSON line per command:
the median and the fastest wall time of the whole process (start-up, imports, the
schema check, the query and the printing) and the median CPU time it used. The
target is a median of at most 0.4 s each. Two more lines give this machine's floor:
Python starting and stopping, and the imports every command that reads the database
pays (SQLAlchemy's ORM and the model graph), so figures from different machines can be
compared.

Python's compiled bytecode is kept between runs, as on any installed machine (in
a folder of its own, so the work tree stays clean), and one untimed run of each
command warms it first. Tables are printed for a 100-column terminal into
/dev/null. Wall times on a shared machine move from run to run: the median of
several runs is the figure to quote, with the date and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRADED = Path(sys.executable).with_name("traded")
PG_ADMIN = os.environ.get("TRADED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGET_S = 0.4


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    walls: list[float] = []
    cpus: list[float] = []
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)  # warm the bytecode cache
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
    median = statistics.median(walls)
    return {"median_s": round(median, 3), "fastest_s": round(min(walls), 3),
            "cpu_median_s": round(statistics.median(cpus), 3), "runs": runs,
            "target_s": TARGET_S, "within_target": median <= TARGET_S}


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (at least 5)")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5: the figure is a median")
    if not TRADED.exists():
        sys.exit(f"no traded entry point beside {sys.executable}: run `make install`")

    work = Path(tempfile.mkdtemp(prefix="traded-everyday-"))
    pg_name = None
    if args.backend == "sqlite":
        url = f"sqlite:///{work / 'demo.db'}"
    else:
        pg_name = f"traded_everyday_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADED_", "STRIPE_", "PYTHONDONTWRITEBYTECODE"))}
    env.update(TRADED_DATABASE_URL=url, COLUMNS="100", PYTHONPYCACHEPREFIX=str(work / "pycache"))
    try:
        started = time.perf_counter()
        subprocess.run([str(TRADED), "demo", "--out", str(work / "pdfs")], env=env, cwd=work,
                       stdout=subprocess.DEVNULL, check=True)
        demo_s = round(time.perf_counter() - started, 1)
        invoices = json.loads(subprocess.run([str(TRADED), "--json", "invoice", "list"], env=env, check=True,
                                             capture_output=True, text=True).stdout)
        urn = max({row["urn"] for row in invoices}, key=lambda u: sum(row["urn"] == u for row in invoices))
        base = {"bench": "everyday", "backend": args.backend, "demo_build_s": demo_s,
                "invoices": len(invoices), "python": sys.version.split()[0], "cores": os.cpu_count()}
        for label, argv in (("traded --help", ["--help"]), ("traded school list", ["school", "list"]),
                            ("traded invoice list", ["invoice", "list"]),
                            (f"traded statement {urn}", ["statement", urn])):
            print(json.dumps({**base, "measurement": label, **timed([str(TRADED), *argv], env, args.runs)}),
                  flush=True)
        # The floor on this machine, for reading the figures above: the interpreter alone, and the
        # imports every command that reads the database pays (SQLAlchemy's ORM and the model graph).
        for label, code in (("floor: python start-up", "pass"),
                            ("floor: import sqlalchemy.orm and billing.models",
                             "import sqlalchemy.orm, billing.models; sqlalchemy.orm.configure_mappers()")):
            measured = timed([sys.executable, "-c", code], {**env, "PYTHONPATH": str(ROOT)}, args.runs)
            measured.pop("target_s"), measured.pop("within_target")
            print(json.dumps({**base, "measurement": label, **measured}), flush=True)
    finally:
        if pg_name is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
