"""The bill run (domain-rules §7): everything due, once, one invoice per school per run."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from billing.bill_run import BillRunInterrupted, bill_run, run_bill_run
from billing.charges import NewCharge, raise_charge
from billing.context import Context
from billing.db import transaction
from billing.models import AuditEntry, BillRun, Charge, Invoice, InvoiceLine, NumberSequence
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school, get_school
from pricing.clock import FixedClock
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context, table_dump

SEP1 = date(2025, 9, 1)
JAN1 = date(2026, 1, 1)
MAINTAINED = "100279"  # the council's own (LA 204): VAT code O
ACADEMY = "141234"  # external: VAT code S at 20%

TERMS = [
    (date(2025, 9, 1), date(2025, 12, 31), "autumn"),
    (date(2026, 1, 1), date(2026, 3, 31), "spring"),
    (date(2026, 4, 1), date(2026, 8, 31), "summer"),
]


INVOICE_MAINTAINED = sample_pricebook_text().replace("settle_maintained_by_journal = true",
                                                     "settle_maintained_by_journal = false")
"""The sample price book with the council's own maintained schools invoiced, not settled by journal (issue 20):
these tests are about invoicing, numbering and runs, so the maintained school here gets invoices."""


def setup_council(engine: Engine, extra_schools: int = 0, journal: bool = False) -> None:
    """Price book, an own maintained school on an annual plan and an academy paying termly.

    ``journal``: the sample's default, the maintained school settled by journal (issue 20); else it is invoiced.
    """
    with service_context(engine, date(2025, 7, 15)) as ctx:
        load_pricebook(ctx, sample_pricebook_text() if journal else INVOICE_MAINTAINED)
        add_school(ctx, NewSchool(urn=MAINTAINED, name="Stoke Newington School", type="maintained",
                                  number_on_roll=1666, address="Clissold Road\nLondon", postcode="N16 9EX",
                                  la_code="204"))
        add_school(ctx, NewSchool(urn=ACADEMY, name="Mossbourne Community Academy", type="academy",
                                  number_on_roll=500, address="1 Downs Park Road\nLondon", postcode="E5 8JY"))
        annual(ctx, MAINTAINED, Decimal("12000.00"))
        termly(ctx, ACADEMY, [Decimal("1066.67"), Decimal("1066.67"), Decimal("1066.66")])
        for i in range(extra_schools):
            urn = f"{200000 + i}"
            add_school(ctx, NewSchool(urn=urn, name=f"Extra Academy {i}", type="academy", number_on_roll=300,
                                      address="1 High Street\nLondon"))
            annual(ctx, urn, Decimal("3200.00") + i)


def annual(ctx: Context, urn: str, fee: Decimal) -> Charge:
    school = get_school(ctx, urn)
    return raise_charge(ctx, NewCharge(
        school=school, kind="subscription_fee", source_key=f"sub/{urn}/2025/1", service_code="subscription",
        description="Premium subscription 2025/26", due_on=SEP1, amount=fee, item_vat_code="S",
        period_start=SEP1, period_end=date(2026, 8, 31)))


def termly(ctx: Context, urn: str, fees: list[Decimal]) -> list[Charge]:
    school = get_school(ctx, urn)
    return [
        raise_charge(ctx, NewCharge(
            school=school, kind="subscription_fee", source_key=f"sub/{urn}/2025/{n}", service_code="subscription",
            description=f"Initial subscription 2025/26, {name} term", due_on=start, amount=fee,
            item_vat_code="S", period_start=start, period_end=end))
        for n, ((start, end, name), fee) in enumerate(zip(TERMS, fees, strict=True), start=1)
    ]


def casework(ctx: Context, urn: str, key: str, days: Decimal, on: date, day_rate: Decimal = Decimal("540.00"),
             kind: str = "casework", start: date = date(2025, 9, 1)) -> Charge:
    school = get_school(ctx, urn)
    return raise_charge(ctx, NewCharge(
        school=school, kind=kind, source_key=key, service_code="casework",
        description=f"Extra casework, case {key}: {days} days", due_on=on, amount=days * day_rate,
        item_vat_code="S", quantity=days, unit_price=day_rate, period_start=min(start, on), period_end=on))


def run(engine: Engine, on: date, **kwargs: object):  # type: ignore[no-untyped-def]
    return run_bill_run(engine, FixedClock(on), "test", **kwargs)  # type: ignore[arg-type]


def invoices(engine: Engine) -> list[tuple[str, str, Decimal, Decimal, Decimal, bool]]:
    with transaction(engine) as s:
        return [(i.number, i.customer["urn"], i.net, i.vat, i.total, i.interest_only)  # type: ignore[misc]
                for i in s.scalars(select(Invoice).where(Invoice.kind == "invoice").order_by(Invoice.seq))]


# --- acceptance -----------------------------------------------------------------------------


def test_1_september_raises_the_annual_and_first_termly_instalments(engine: Engine) -> None:
    setup_council(engine)
    result = run(engine, SEP1)
    assert [(i.number, i.urn, i.total) for i in result.invoices] == [
        ("INV-000001", MAINTAINED, Decimal("12000.00")),
        ("INV-000002", ACADEMY, Decimal("1280.00")),  # 1066.67 + 20% VAT 213.33
    ]
    assert result.count == 2 and result.total == Decimal("13280.00")
    with transaction(engine) as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == "INV-000002"))
        assert inv is not None
        assert (inv.issued_on, inv.tax_point, inv.due_on) == (SEP1, SEP1, date(2025, 10, 1))
        assert [(ln.description, ln.period_start, ln.period_end, ln.net, ln.vat_code, ln.vat_rate, ln.vat)
                for ln in inv.lines] == [
            ("Initial subscription 2025/26, autumn term", SEP1, date(2025, 12, 31), Decimal("1066.67"), "S",
             Decimal("20.00"), Decimal("213.33"))]
        own = s.scalar(select(Invoice).where(Invoice.number == "INV-000001"))
        assert own is not None and own.vat == Decimal("0.00") and own.lines[0].vat_code == "O"
        assert inv.customer["name"] == "Mossbourne Community Academy"
        assert inv.supplier["vat_number"] == "GB 000 0000 00"
        # The spring and summer instalments are not due yet.
        uninvoiced = s.scalars(select(Charge.source_key).where(~Charge.id.in_(select(InvoiceLine.charge_id)
                                                                              .where(InvoiceLine.charge_id.is_not(None))))
                               .order_by(Charge.source_key)).all()
        assert uninvoiced == [f"sub/{ACADEMY}/2025/2", f"sub/{ACADEMY}/2025/3"]
        audits = s.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "invoice.issue")
                           .order_by(AuditEntry.id)).all()
        assert audits == ["INV-000001", "INV-000002"]


def test_1_january_raises_second_instalments_and_casework_delivered_since(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with service_context(engine, date(2025, 12, 19)) as ctx:
        casework(ctx, ACADEMY, "case/A1/autumn", Decimal("1.5"), date(2025, 12, 19))
        casework(ctx, MAINTAINED, "case/M1/autumn", Decimal("2"), date(2025, 12, 19))
        casework(ctx, ACADEMY, "case/A2/spring", Decimal("1"), date(2026, 1, 2))  # not yet due
    result = run(engine, JAN1)
    assert [(i.number, i.urn, i.net, i.vat, i.total, i.lines) for i in result.invoices] == [
        ("INV-000003", MAINTAINED, Decimal("1080.00"), Decimal("0.00"), Decimal("1080.00"), 1),
        # 810.00 casework + 1066.67 spring instalment, 20% VAT per line: 162.00 + 213.33
        ("INV-000004", ACADEMY, Decimal("1876.67"), Decimal("375.33"), Decimal("2252.00"), 2),
    ]
    with transaction(engine) as s:
        inv = s.scalar(select(Invoice).where(Invoice.number == "INV-000004"))
        assert inv is not None and inv.due_on == date(2026, 1, 31)
        assert [ln.description for ln in inv.lines] == [
            "Extra casework, case case/A1/autumn: 1.5 days", "Initial subscription 2025/26, spring term"]


def test_a_second_run_the_same_day_raises_nothing(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    before = invoices(engine)
    again = run(engine, SEP1)
    assert again.invoices == () and again.total == Decimal("0.00")
    assert invoices(engine) == before
    with transaction(engine) as s:
        assert s.scalar(select(NumberSequence.next_value).where(NumberSequence.series == "INV")) == 3
        runs = s.scalars(select(BillRun).order_by(BillRun.id)).all()
        assert [(r.status, r.invoice_count, r.total) for r in runs] == [
            ("done", 2, Decimal("13280.00")), ("done", 0, Decimal("0.00"))]


def test_a_dry_run_writes_nothing_and_predicts_the_real_run(engine: Engine) -> None:
    setup_council(engine)
    before = table_dump(engine)
    dry = run(engine, SEP1, dry_run=True)
    assert table_dump(engine) == before
    assert [(i.number, i.urn, i.total) for i in dry.invoices] == [
        (None, MAINTAINED, Decimal("12000.00")), (None, ACADEMY, Decimal("1280.00"))]
    real = run(engine, SEP1)
    assert [(i.urn, i.net, i.vat, i.total) for i in real.invoices] == [
        (i.urn, i.net, i.vat, i.total) for i in dry.invoices]


def test_the_in_transaction_dry_run_leaves_the_transaction_as_it_was(engine: Engine) -> None:
    setup_council(engine)
    before = table_dump(engine)
    with service_context(engine, SEP1) as ctx:
        result = bill_run(ctx, dry_run=True)
    assert result.count == 2 and result.total == Decimal("13280.00")
    assert table_dump(engine) == before


def test_a_crashed_run_leaves_whole_invoices_and_the_rerun_completes_to_the_penny(engine: Engine) -> None:
    setup_council(engine, extra_schools=5)
    with pytest.raises(BillRunInterrupted):
        run(engine, SEP1, fail_after=3)
    with transaction(engine) as s:
        issued = s.scalars(select(Invoice).order_by(Invoice.seq)).all()
        assert [i.number for i in issued] == ["INV-000001", "INV-000002", "INV-000003"]
        for inv in issued:  # whole invoices only: every invoice has its lines and adds up
            assert inv.lines and sum(ln.total for ln in inv.lines) == inv.total
        assert s.scalar(select(NumberSequence.next_value).where(NumberSequence.series == "INV")) == 4
        assert s.scalar(select(BillRun.status)) == "running"
    rest = run(engine, SEP1)
    assert [i.number for i in rest.invoices] == ["INV-000004", "INV-000005", "INV-000006", "INV-000007"]
    with transaction(engine) as s:
        # The crashed run is marked by the next one, with an audit record; the next one finished.
        assert s.execute(select(BillRun.id, BillRun.status).order_by(BillRun.id)).all() == [
            (1, "interrupted"), (2, "done")]
        assert s.scalar(select(AuditEntry.entity_id).where(AuditEntry.action == "bill_run.interrupted")) == "1"
        due = s.scalar(select(func.sum(Charge.amount)).where(Charge.due_on <= SEP1))
        nets = s.scalar(select(func.sum(Invoice.net)).where(Invoice.kind == "invoice"))
        lines = s.scalar(select(func.count(InvoiceLine.id)))
        charges_due = s.scalar(select(func.count(Charge.id)).where(Charge.due_on <= SEP1))
    # 12000 + 1066.67 + (3200 + 3201 + 3202 + 3203 + 3204)
    assert due == nets == Decimal("29076.67")
    assert lines == charges_due == 7


def test_the_database_refuses_to_invoice_a_charge_twice(engine: Engine) -> None:
    setup_council(engine)
    run(engine, SEP1)
    with pytest.raises(IntegrityError), transaction(engine) as s:
        line = s.scalars(select(InvoiceLine)).first()
        assert line is not None
        s.add(InvoiceLine(invoice_id=line.invoice_id, position=99, charge_id=line.charge_id,
                          service_code="x", description="again", quantity=Decimal("1"), unit_price=line.net,
                          net=line.net, vat_code=line.vat_code, vat_rate=line.vat_rate, vat=line.vat,
                          total=line.total))
        s.flush()


def test_withdrawn_charges_are_not_invoiced_and_interest_goes_on_its_own_invoice(engine: Engine) -> None:
    setup_council(engine)
    with service_context(engine, SEP1) as ctx:
        school = get_school(ctx, ACADEMY)
        raise_charge(ctx, NewCharge(school=school, kind="interest", source_key="interest/1/1",
                                    service_code="interest", description="Late-payment interest", due_on=SEP1,
                                    amount=Decimal("133.15"), item_vat_code="O"))
        withdrawn = casework(ctx, ACADEMY, "case/W", Decimal("1"), SEP1)
        withdrawn.status = "withdrawn"
    result = run(engine, SEP1)
    assert [(i.urn, i.total, i.interest_only) for i in result.invoices] == [
        (MAINTAINED, Decimal("12000.00"), False),
        (ACADEMY, Decimal("1280.00"), False),
        (ACADEMY, Decimal("133.15"), True),  # outside the scope of VAT, on its own invoice
    ]


def test_extra_casework_is_raised_before_gathering(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import billing.casework

    setup_council(engine)
    seen: list[date] = []

    def fake(ctx: Context, through: date, collect: bool = True) -> list[Charge]:
        seen.append(through)
        return [casework(ctx, ACADEMY, "case/hook", Decimal("0.5"), through)]

    monkeypatch.setattr(billing.casework, "raise_casework_charges", fake)
    result = run(engine, SEP1)
    assert seen == [SEP1]
    assert [(i.urn, i.total) for i in result.invoices][1] == (ACADEMY, Decimal("1604.00"))  # 1280 + 270 + 54


def test_progress_is_reported_per_school(engine: Engine) -> None:
    setup_council(engine, extra_schools=2)
    ticks: list[tuple[int, int]] = []
    run(engine, SEP1, progress=lambda done, total: ticks.append((done, total)))
    assert ticks == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_concurrent_bill_runs_and_credit_notes_on_postgresql(db_url: str, engine: Engine) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("row locking under real concurrency is tested on PostgreSQL")
    from billing.invoicing import issue_credit_note

    setup_council(engine, extra_schools=12)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def runner() -> None:
        try:
            barrier.wait()
            run(engine, SEP1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with transaction(engine) as s:
        numbers = s.scalars(select(Invoice.seq).where(Invoice.kind == "invoice").order_by(Invoice.seq)).all()
        assert numbers == list(range(1, 15))  # 14 schools, gap-free, no duplicates
        assert s.scalar(select(func.count(InvoiceLine.id))) == 14
        assert s.scalar(select(func.sum(Invoice.net)).where(Invoice.kind == "invoice")) == \
            s.scalar(select(func.sum(Charge.amount)).where(Charge.due_on <= SEP1))

    def credit(number: str) -> None:
        try:
            barrier2.wait()
            with service_context(engine, date(2025, 9, 10)) as ctx:
                issue_credit_note(ctx, number, Decimal("10.00"), "concurrent correction")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    barrier2 = threading.Barrier(8)
    targets = [f"INV-{n:06d}" for n in (3, 3, 3, 3, 4, 5, 6, 7)]
    threads = [threading.Thread(target=credit, args=(n,)) for n in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with transaction(engine) as s:
        cns = s.scalars(select(Invoice.number).where(Invoice.kind == "credit_note").order_by(Invoice.seq)).all()
        assert cns == [f"CN-{n:06d}" for n in range(1, 9)]


def test_an_overpayment_settles_the_next_bill_runs_invoice(engine: Engine) -> None:
    from billing.balances import invoice_outstanding
    from billing.models import Allocation
    from billing.payments import account_credit, record_payment

    setup_council(engine)
    first = run(engine, SEP1)
    owed = sum((i.total for i in first.invoices if i.urn == MAINTAINED), Decimal("0.00"))
    with service_context(engine, date(2025, 9, 20)) as ctx:
        # Everything owed and 300.00 more: the 300.00 stays on the account as credit.
        record_payment(ctx, MAINTAINED, owed + Decimal("300.00"), date(2025, 9, 20), "bacs")
        assert account_credit(ctx, MAINTAINED) == Decimal("300.00")
        casework(ctx, MAINTAINED, "case/1", Decimal("1"), date(2025, 12, 31))  # 540.00, O: no VAT
    result = run(engine, date(2026, 1, 1))
    with service_context(engine, date(2026, 1, 1)) as ctx:
        number = next(i.number for i in result.invoices if i.urn == MAINTAINED)
        invoice = ctx.session.scalars(select(Invoice).where(Invoice.number == number)).one()
        applied = ctx.session.scalars(select(Allocation).where(Allocation.invoice_id == invoice.id)).one()
        assert (applied.amount, applied.allocated_on) == (Decimal("300.00"), date(2026, 1, 1))
        assert invoice_outstanding(ctx.session, [invoice.id])[invoice.id] == invoice.total - Decimal("300.00")
        assert account_credit(ctx, MAINTAINED) == Decimal("0.00")


def test_account_credit_is_applied_with_the_invoices_even_if_the_run_stops_after_them(engine: Engine) -> None:
    from billing.payments import account_credit, record_payment

    setup_council(engine)
    first = run(engine, SEP1)
    owed = sum((i.total for i in first.invoices if i.urn == MAINTAINED), Decimal("0.00"))
    with service_context(engine, date(2025, 9, 20)) as ctx:
        record_payment(ctx, MAINTAINED, owed + Decimal("300.00"), date(2025, 9, 20), "bacs")
        casework(ctx, MAINTAINED, "case/1", Decimal("1"), date(2025, 12, 31))
    with pytest.raises(BillRunInterrupted):  # stops once the first invoice (the maintained school's) is committed
        run(engine, date(2026, 1, 1), fail_after=1)
    with service_context(engine, date(2026, 1, 1)) as ctx:
        assert account_credit(ctx, MAINTAINED) == Decimal("0.00")


def test_a_run_still_working_is_not_marked_interrupted_by_another(engine: Engine) -> None:
    from billing import run_lease
    from billing.bill_run import mark_interrupted

    setup_council(engine)
    with service_context(engine, SEP1) as ctx:
        ctx.session.add(BillRun(run_on=SEP1, started_at=ctx.now, status="running", actor="alice"))
        ctx.session.add(BillRun(run_on=SEP1, started_at=ctx.now, status="running", actor="bob"))
    with run_lease.held(engine, 1):  # alice's run is alive; bob's process is gone
        with service_context(engine, SEP1) as ctx:
            assert mark_interrupted(ctx, engine) == [2]
        with transaction(engine) as s:
            assert s.execute(select(BillRun.status).order_by(BillRun.id)).scalars().all() == [
                "running", "interrupted"]
    with service_context(engine, SEP1) as ctx:  # once alice's process is gone too
        assert mark_interrupted(ctx, engine) == [1]
