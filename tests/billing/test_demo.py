"""The demo database: what a new user sees first must follow the rules too (domain-rules §8)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from billing.demo import run_demo
from billing.models import Allocation, AllocationRelease, Charge, Invoice, School


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Engine:
    import shutil

    from billing.db import make_engine

    target = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    run_demo(engine, tmp_path_factory.mktemp("demo-out"))
    return engine


def test_no_interest_on_any_invoice_paid_by_its_due_date(demo: Engine) -> None:
    with Session(demo) as s:
        charged = s.execute(select(Invoice, func.sum(Charge.amount)).join(Charge, Charge.late_invoice_id == Invoice.id)
                            .where(Charge.kind == "interest", Charge.status != "withdrawn")
                            .group_by(Invoice.id)).all()
        assert charged, "the demo shows late payers being charged interest"
        for invoice, _ in charged:
            assert invoice.due_on is not None
            settled = sum((
                s.scalar(select(func.sum(Allocation.amount)).where(
                    Allocation.invoice_id == invoice.id, Allocation.allocated_on <= invoice.due_on)) or 0,
                s.scalar(select(func.sum(AllocationRelease.amount)).where(
                    AllocationRelease.invoice_id == invoice.id, AllocationRelease.applied_on <= invoice.due_on)) or 0,
                s.scalar(select(func.sum(Invoice.total)).where(
                    Invoice.corrects_id == invoice.id, Invoice.issued_on <= invoice.due_on)) or 0,
            ))
            assert settled < invoice.total, f"{invoice.number} was settled by its due date but charged interest"


def test_the_bridge_academy_paid_invoice_later_credited_earns_no_interest(demo: Engine) -> None:
    with Session(demo) as s:
        bridge = s.scalars(select(School).where(School.name.like("%Bridge%"))).one()
        credited = s.scalars(select(Invoice).where(Invoice.school_id == bridge.id, Invoice.kind == "credit_note")).all()
        assert credited, "the demo credits one of The Bridge Academy's paid invoices"
        late = s.scalars(select(Charge).where(Charge.school_id == bridge.id, Charge.kind == "interest")).all()
        assert late == []


def test_the_demo_figures_are_those_before_the_engine_was_reshaped(demo: Engine) -> None:
    """Issue 16 moved the rules into contracts/ without changing a figure: every invoice and credit
    note the demo issues (number, kind, date, total) hashes as it did before, and so do the totals."""
    import hashlib

    with Session(demo) as s:
        rows = s.execute(select(Invoice.number, Invoice.kind, Invoice.issued_on, Invoice.total)
                         .order_by(Invoice.number)).all()
        text = "\n".join(f"{n}|{k}|{d.isoformat()}|{t}" for n, k, d, t in rows)
        assert len(rows) == 69
        assert sum(t for _, k, _, t in rows if k == "invoice") == Decimal("301481.32")
        assert sum(t for _, k, _, t in rows if k == "credit_note") == Decimal("7200.00")
        assert hashlib.sha256(text.encode()).hexdigest()[:16] == "4697b000a2420dc5"
