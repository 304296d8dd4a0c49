"""The demo database: what a new user sees first must follow the rules too (domain-rules §8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from billing.context import Context
from billing.demo import DemoState, run_demo
from billing.demo.portal_users import PASSWORD, PEOPLE, how_to_sign_in
from billing.models import Allocation, AllocationRelease, Charge, Invoice, School
from billing.models.mail import MailMessage
from billing.portal_accounts import list_users
from billing.portal_sign_in import current_session, sign_in
from pricing.clock import FixedClock


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
        # Issue 20 renumbered the maintained schools' documents as journal recharges (JNL-, their own
        # series): the same documents, dates and totals, so only the hash of the numbers moved.
        assert hashlib.sha256(text.encode()).hexdigest()[:16] == "73343dd2b855961d"


def test_the_demo_settles_its_maintained_schools_by_journal(demo: Engine) -> None:
    """Issue 20: every maintained school's document is a recharge settled in full by journal on its issue day."""
    from billing.balances import invoice_outstanding
    from billing.models import Payment

    with Session(demo) as s:
        recharges = s.scalars(select(Invoice).where(Invoice.purpose == "recharge").order_by(Invoice.seq)).all()
        assert [r.number for r in recharges] == [f"JNL-{n:06d}" for n in range(1, 20)]
        assert {r.customer.type for r in recharges} == {"maintained"}
        assert all(r.due_on is None and r.vat == 0 for r in recharges)
        owing = invoice_outstanding(s, [r.id for r in recharges])
        assert set(owing.values()) == {Decimal("0.00")}
        journals = s.scalars(select(Payment).where(Payment.method == "journal")).all()
        assert sorted((p.reference, p.received_on, p.amount) for p in journals) == sorted(
            (r.number, r.issued_on, r.total) for r in recharges)
        invoiced_maintained = s.scalar(select(func.count()).select_from(Invoice).join(School).where(
            School.type == "maintained", Invoice.purpose == "standard", Invoice.kind == "invoice"))
        assert invoiced_maintained == 0


def test_the_demo_portal_users_have_their_roles_and_sign_in_with_the_demo_password(demo: Engine) -> None:
    """Issue 18: `make demo` leaves a school's approver, another school's viewer and a trust's officer
    at two schools, each signed up through an invitation (queued in the outbox) with the demo password."""
    with Session(demo) as s:  # never committed: the module's demo stays as built
        ctx = Context(session=s, clock=FixedClock(date(2026, 8, 31)), actor="test")
        users = {u.email: u for u in list_users(ctx)}
        assert {email: (u.status, [(urn, role) for urn, _, role in u.schools]) for email, u in users.items()} == {
            "grace.adeyemi@stokenewington.example": ("active", [("100279", "approver")]),
            "helen.clarke@urswick.example": ("active", [("100284", "viewer")]),
            "sam.patel@cityacademies.example": ("active", [("135835", "approver"), ("143756", "approver")]),
        }
        assert [p.kind for p in PEOPLE] == ["school", "school", "trust"]
        invitations = s.scalars(select(MailMessage.recipients).where(MailMessage.kind == "portal_invitation")).all()
        assert sorted(r[0] for r in invitations) == sorted([*users, "sam.patel@cityacademies.example"])
        for email in users:
            done = sign_in(ctx, email, PASSWORD, "127.0.0.1")
            assert done.ok and done.token is not None, (email, done.refusal)
            who = current_session(ctx, done.token)
            assert who is not None and who.email == email
            assert [a.urn for a in who.schools] == [urn for urn, _, _ in users[email].schools]
        assert not sign_in(ctx, "sam.patel@cityacademies.example", "not-the-demo-password", "127.0.0.1").ok
        s.rollback()


def test_the_demo_summary_ends_with_how_to_serve_and_sign_in_to_the_portal(tmp_path: Path) -> None:
    lines = how_to_sign_in(DemoState(engine=create_engine("sqlite://"), out_dir=tmp_path),
                           ".venv/bin/traded --db sqlite:///demo.db")
    assert lines[1] == ("  TRADED_PORTAL_SECRET_KEY=demo-only-secret .venv/bin/traded --db sqlite:///demo.db "
                        "--as-of 2026-08-31 serve")
    assert f"http://127.0.0.1:8000/sign-in with the password {PASSWORD}" in lines[2]
    assert [line.split()[:4] for line in lines[3:]] == [
        ["as", "a", "school", "grace.adeyemi@stokenewington.example"],
        ["as", "a", "school", "helen.clarke@urswick.example"],
        ["as", "a", "trust", "sam.patel@cityacademies.example"],
    ]


def test_the_demo_establishment_is_a_team_shaped_like_walsall_and_hackney(demo: Engine) -> None:
    """Issue 19: posts with FTE, contract and funding; people by date; a vacancy; a 17-month funding budget."""
    from billing.establishment import funding_budgets
    from billing.reports.establishment_cost import posts, vacancies

    with Session(demo) as s:
        ctx = Context(session=s, clock=FixedClock(date(2026, 1, 31)), actor="test")
        found = {p.title: p for p in posts(ctx)}
        assert len(found) == 7
        assert {a.person for p in found.values() for a in p.assignments} == {
            "Morgan Ellis", "Priya Shah", "Dan Okafor", "Ruth Baker", "Tom Hughes", "Dr Amara Osei", "Leah Marsh",
            "Jo Finch", "Kerry Lowe"}
        linked = {a.person for p in found.values() for a in p.assignments if a.staff_id is not None}
        assert linked == {"Morgan Ellis", "Priya Shah", "Dan Okafor", "Ruth Baker", "Tom Hughes", "Dr Amara Osei"}
        admin = found["Admin support"]
        assert (admin.fte, admin.delivery, {f.source: f.percent for f in admin.funding}) == (
            Decimal("0.50"), False, {"council budget": Decimal("50.00"),
                                     "schools forum / high-needs block": Decimal("50.00")})
        assert (found["CAMHS clinician"].fte, found["CAMHS clinician"].annual_cost) == (Decimal("0.60"),
                                                                                         Decimal("44700.00"))
        assert found["CAMHS clinician"].ends_on == date(2026, 3, 31)
        assert found["Assistant educational psychologist"].ends_on == date(2026, 2, 28)
        assert [(v.post, v.vacant) for v in vacancies(ctx, date(2026, 1, 31))] == [("Admin support", Decimal("0.50"))]
        assert vacancies(ctx, date(2026, 3, 2)) == []
        periods = {(b.source, b.starts_on, b.ends_on) for b in funding_budgets(ctx)}
        assert ("schools forum / high-needs block", date(2025, 4, 1), date(2026, 8, 31)) in periods


def test_the_demo_budget_staff_lines_read_the_establishments_pay_near_their_budget(demo: Engine) -> None:
    """With pay from the establishment every post's line reads its budget to date on the pack's day within
    half a per cent (the budget is rounded to £100), once the admin post's January vacancy is added back:
    the vacancy is a saving, the one honest gap. A post that ends in the year (the assistant educational
    psychologist, to 28 February) is budgeted over its own days, so it reads on budget, not adverse."""
    from billing.demo.budgets import PACK_AS_OF
    from billing.reports.budget import budget_report
    from pricing.calendars import FinancialYear

    # Admin support: 0.5 FTE at £13,500 + 30% = £17,550.00 a year, vacant 31 days in January:
    # 17,550 x 31 / 365 = £1,490.55, split 50/50 between its two funders' lines.
    vacancy = {"Admin support (council budget)": Decimal("745.28"),
               "Admin support (schools forum / high-needs block)": Decimal("745.27")}
    with Session(demo) as s:
        report = budget_report(Context(session=s, clock=FixedClock(PACK_AS_OF), actor="test"), FinancialYear(2025))
        assert report.staff_basis == "establishment"
        posts = [r for r in report.rows if r.kind == "cost" and r.fte is not None]
        assert len(posts) == 9
        assert all(r.basis == "actual" and r.budget_to_date for r in posts)
        for r in posts:
            assert r.budget_to_date is not None
            at_strength = r.actual + vacancy.get(r.line, Decimal(0))
            assert abs(at_strength - r.budget_to_date) <= r.budget_to_date * Decimal("0.005"), r.line
        psychologist = next(r for r in posts if r.line == "Assistant educational psychologist")
        # £39,300 over its 334 days to 28 February: 306 of them to 31 January.
        assert (psychologist.budget, psychologist.budget_to_date) == (Decimal("39300.00"), Decimal("36005.39"))
        assert not [r.line for r in report.rows if r.basis == "unbudgeted"]
        income, cost = report.totals("income"), report.totals("cost")
        assert abs(income["budget"] - cost["budget"]) < 100  # the budget balances, to the £100 a paper rounds to


def test_no_demo_post_delivers_more_than_its_fte_can(demo: Engine) -> None:
    """Issue 19: the CAMHS clinician's consultations fit her 0.6 FTE post (89.9% from September), and no
    delivery post's holder is over capacity in the year or the academic year to the pack's day."""
    from billing.demo.budgets import PACK_AS_OF
    from billing.reports.utilisation import utilisation_report

    with Session(demo) as s:
        ctx = Context(session=s, clock=FixedClock(PACK_AS_OF), actor="test")
        for first in (date(2025, 4, 1), date(2025, 9, 1)):
            report = utilisation_report(ctx, first, PACK_AS_OF)
            assert [r.person for r in report.rows if r.over_capacity] == []
        camhs = next(r for r in utilisation_report(ctx, date(2025, 9, 1), PACK_AS_OF).rows
                     if r.post == "CAMHS clinician")
        assert (camhs.fte, camhs.capacity, camhs.delivered) == (Decimal("0.60"), Decimal("415.52"),
                                                               Decimal("373.50"))


def test_the_demo_managers_pack_page_one_shows_the_headline_csvs_figures(demo: Engine, tmp_path: Path) -> None:
    """Page 1 read back by pdftotext shows cost recovery, the variance of each funding source and the
    average full cost per case, each exactly as the headline CSV has it."""
    import re
    import shutil
    import subprocess

    from billing.demo.budgets import PACK_AS_OF
    from billing.reports.manager_pack import manager_pack
    from pricing.calendars import FinancialYear

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    with Session(demo) as s:
        pdf, rows = manager_pack(Context(session=s, clock=FixedClock(PACK_AS_OF), actor="test"), FinancialYear(2025))
    (tmp_path / "pack.pdf").write_bytes(pdf)
    page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(tmp_path / "pack.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    figures = {row[0]: row[1] for row in rows}  # figure, value, detail, period (and any columns after)
    wanted = ["Cost recovery", "Average full cost per case", "Variance: council budget",
              "Variance: schools forum / high-needs block", "Variance: traded income"]
    assert set(wanted) <= set(figures)
    for figure in wanted:  # a long label wraps in its grid cell, and -layout sets the next cell's text beside it
        assert re.search(r"[\s\S]{1,200}?".join(map(re.escape, figure.split())), page), figure
        assert figures[figure] in page, (figure, figures[figure])
    assert figures["Cost recovery"].endswith("%")
    assert figures["Average full cost per case"].startswith("£")


def test_the_demo_exports_september_to_the_ledger_balanced_and_reconciled(demo: Engine) -> None:
    """Issue 20: the demo's batch 1 is September 2025, every money event of the month in it once, debits equal
    to credits, each journal transfer from its school's own cost centre, and reconcile at zero for the month."""
    from billing.gl.codes import chart
    from billing.gl.events import unexported_events
    from billing.gl.reconcile import reconcile
    from billing.models import GlBatch, GlBatchEvent, GlBatchLine, Payment

    with Session(demo) as s:
        [batch] = s.scalars(select(GlBatch)).all()
        assert (batch.number, batch.from_on, batch.to_on, batch.late_count) == (
            1, date(2025, 9, 1), date(2025, 9, 30), 0)
        debits, credits = s.execute(select(func.sum(GlBatchLine.debit), func.sum(GlBatchLine.credit))).one()
        assert debits == credits == batch.debits == batch.credits and batch.debits > 0
        assert s.scalar(select(func.max(GlBatchEvent.event_on))) <= date(2025, 9, 30)
        september = Context(session=s, clock=FixedClock(date(2025, 9, 30)), actor="test")
        assert unexported_events(september, chart(september), date(2025, 9, 30)) == []  # nothing of it left out
        checked = reconcile(september)
        assert checked.balanced and checked.unexported == ()
        assert [f.name for f in checked.figures if f.difference != 0] == []
        # Each journal transfer takes the recharge out of the maintained school's own budget: its LAESTAB.
        laestab = {f"payment {pid}": code for pid, code in s.execute(
            select(Payment.id, School.laestab).join(School, School.id == Payment.school_id)
            .where(Payment.method == "journal", Payment.received_on <= date(2025, 9, 30)))}
        journals = s.execute(select(GlBatchLine.document, GlBatchLine.cost_centre)
                             .where(GlBatchLine.role == "clearing")).all()
        assert len(journals) == len(laestab) > 0
        assert all(centre == laestab[document] and centre for document, centre in journals)
        s.rollback()
