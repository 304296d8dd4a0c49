"""No bank line is ever lost (§8): a property over random files, re-imports and as-of dates.

For any sequence of imports (of new files, of files again, of the same lines
re-exported with their references in other case or spacing), automatic
re-matching, and a person's matches and rejections, on any as-of dates:

- each import accounts for every line of its file exactly once:
  read = matched + unmatched + future + already imported + rejected;
- a line is new exactly when its identity (date, amount, reference folded for
  case and spacing, occurrence in its file) was never imported before, and the
  import sorts the new ones as the rules say (debits and zero rejected, lines
  after the as-of date future, the rest matched or unmatched);
- the bank lines stored are exactly the distinct identities imported;
- payments recorded = distinct lines matched, each with the line's date and amount;
- importing every file again at the end adds nothing.

Runs on SQLite and PostgreSQL, each example on a fresh database.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from billing.bank_import import run_bank_import
from billing.db import make_engine
from billing.models import BankLine, Payment
from billing.receipts import match_by_hand, reject_line, run_rematch
from pricing.clock import FixedClock
from tests.billing.test_payments import make_invoice, setup_ledger
from tests.support import service_context

D = Decimal
START = date(2019, 12, 1)

REFERENCES = ["INV-000001", "INV-000002 GARDEN", "SCHOOL 100002", "DONATION", "INV-000001 INV-000002",
              "100001 AUTUMN", ""]
AMOUNTS = [D("10.00"), D("25.50"), D("300.00"), D("-5.00"), D("0.00")]


def _variant(reference: str, how: int) -> str:
    """The same reference as another export might write it: other case, other spacing."""
    if how == 1:
        return reference.lower()
    if how == 2:
        return reference.replace(" ", "   ").replace("-", "-")
    if how == 3:
        return f"  {reference.title()} "
    return reference


line = st.tuples(st.integers(0, 20), st.sampled_from(AMOUNTS), st.sampled_from(REFERENCES), st.integers(0, 3))
a_file = st.lists(line, min_size=0, max_size=7)
step = st.one_of(
    st.tuples(st.just("import"), st.integers(0, 5), st.integers(0, 3)),    # file index, export variant
    st.tuples(st.just("rematch"), st.integers(0, 0), st.integers(0, 0)),
    st.tuples(st.just("match"), st.integers(0, 1), st.integers(0, 0)),     # school 100001 or 100002
    st.tuples(st.just("reject"), st.integers(0, 0), st.integers(0, 0)),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest) -> Callable[[], Iterator[Engine]]:
    """A factory of empty migrated databases, one per hypothesis example."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")

        @contextmanager
        def make() -> Iterator[Engine]:
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / "traded.db"
                shutil.copy(template, target)
                engine = make_engine(f"sqlite:///{target}")
                try:
                    yield engine
                finally:
                    engine.dispose()
        return make  # type: ignore[return-value]

    from tests.conftest import _truncate_all

    url = request.getfixturevalue("pg_database")

    @contextmanager
    def make_pg() -> Iterator[Engine]:
        _truncate_all(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
    return make_pg  # type: ignore[return-value]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(a_file, min_size=1, max_size=4),
       steps=st.lists(st.tuples(step, st.integers(0, 6)), min_size=1, max_size=10),
       chunk=st.sampled_from([1, 3, 500]))
def test_no_bank_line_is_ever_lost(fresh_database: Callable[[], Iterator[Engine]],  # type: ignore[misc]
                                   files: list, steps: list, chunk: int) -> None:
    with fresh_database() as engine, tempfile.TemporaryDirectory() as tmp:  # type: ignore[attr-defined]
        _check(engine, Path(tmp), files, steps, chunk)


def _identities(rows: list[tuple[date, Decimal, str]]) -> list[tuple[object, ...]]:
    seen: dict[tuple[object, ...], int] = {}
    out = []
    for day, amount, reference in rows:
        key = (day, amount, " ".join(reference.split()).casefold())
        seen[key] = seen.get(key, 0) + 1
        out.append((*key, seen[key]))
    return out


def _write(folder: Path, name: str, rows: list[tuple[date, Decimal, str]]) -> Path:
    path = folder / name
    body = "".join(f'{day.strftime("%d/%m/%Y")},{amount},"{reference}"\n' for day, amount, reference in rows)
    path.write_text("date,amount,reference\n" + body)
    return path


def _check(engine: Engine, folder: Path, files: list, steps: list, chunk: int) -> None:  # type: ignore[type-arg]
    with service_context(engine, START) as ctx:
        setup_ledger(ctx, ("100001", "academy"), ("100002", "academy"))
        make_invoice(ctx, "100001", "4500.00", START, START + timedelta(days=30))  # INV-000001
        make_invoice(ctx, "100002", "300.00", START, START + timedelta(days=30))   # INV-000002
    imported: set[tuple[object, ...]] = set()
    written: list[Path] = []
    today = START
    for (kind, x, y), gap in steps:
        today += timedelta(days=gap)
        clock = FixedClock(today)
        if kind == "import":
            raw = files[x % len(files)]
            rows = [(START + timedelta(days=d), amount, _variant(ref, (how + y) % 4)) for d, amount, ref, how in raw]
            path = _write(folder, f"file-{len(written)}.csv", rows)
            written.append(path)
            result = run_bank_import(engine, clock, "test", path, chunk_size=chunk)
            counts = result.counts()
            assert counts["read"] == len(rows)
            assert counts["read"] == (counts["matched"] + counts["unmatched"] + counts["future"]
                                      + counts["already_imported"] + counts["rejected"])
            identities = _identities(rows)
            new = [(row, ident) for row, ident in zip(rows, identities, strict=True) if ident not in imported]
            assert counts["already_imported"] == len(rows) - len(new)
            assert counts["rejected"] == sum(1 for (_, amount, _), _ in new if amount <= 0)
            assert counts["future"] == sum(1 for (day, amount, _), _ in new if amount > 0 and day > today)
            imported.update(identities)
        elif kind == "rematch":
            run_rematch(engine, clock, "test", chunk_size=chunk)
        else:
            with service_context(engine, today) as ctx:
                waiting = ctx.session.scalars(select(BankLine).where(
                    BankLine.status == "unmatched", BankLine.posted_on <= today).order_by(BankLine.id)).first()
                if waiting is not None:
                    if kind == "match":
                        match_by_hand(ctx, waiting.id, ("100001", "100002")[x])
                    else:
                        reject_line(ctx, waiting.id, "not a school's money")
        _check_ledger(engine, len(imported))

    def snapshot() -> tuple[object, ...]:
        with service_context(engine, today) as ctx:
            return (list(ctx.session.execute(select(BankLine.id, BankLine.status, BankLine.payment_id)
                                             .order_by(BankLine.id))),
                    ctx.session.scalar(select(func.count(Payment.id))))

    before = snapshot()
    for path in written:  # every file again, nothing new: each line already imported
        again = run_bank_import(engine, FixedClock(today), "test", path, rematch=False, chunk_size=chunk)
        assert again.already_imported == again.read
    assert snapshot() == before
    run_rematch(engine, FixedClock(START + timedelta(days=60)), "test")
    _check_ledger(engine, len(imported))
    with service_context(engine, START + timedelta(days=60)) as ctx:
        assert ctx.session.scalar(select(func.count(BankLine.id)).where(BankLine.status == "future")) == 0


def _check_ledger(engine: Engine, lines: int) -> None:
    with service_context(engine, START) as ctx:
        assert ctx.session.scalar(select(func.count(BankLine.id))) == lines
        matched = list(ctx.session.execute(
            select(BankLine.payment_id, BankLine.amount, BankLine.posted_on, Payment.amount, Payment.received_on)
            .join(Payment, Payment.id == BankLine.payment_id).where(BankLine.status == "matched")))
        assert ctx.session.scalar(select(func.count(BankLine.id)).where(BankLine.status == "matched")) == len(matched)
        assert len({pid for pid, *_ in matched}) == len(matched)
        assert ctx.session.scalar(select(func.count(Payment.id))) == len(matched)
        assert all(la == pa and lo == po for _, la, lo, pa, po in matched)
        assert ctx.session.scalar(select(func.count(BankLine.id)).where(
            BankLine.status != "matched", BankLine.payment_id.is_not(None))) == 0
