"""The GL export (issue 20): balanced batches, each money event in exactly one, late events in the next."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from billing.gl.batches import export_batch, list_batches
from billing.gl.reconcile import reconcile
from billing.models import AuditEntry, GlBatchEvent, GlBatchLine, NumberSequence
from billing.payments import record_payment
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.gl import world
from tests.gl.world import ACADEMY, BUYER, OCT1, D
from tests.support import service_context, table_dump

NOV1 = date(2025, 11, 1)
HEADER = "batch,line,date,account,cost_centre,debit,credit,description,document,urn"


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    world.council(engine)
    world.september(engine)
    world.october(engine)
    return engine


def _export(engine: Engine, start: date, end: date, out: Path, on: date = NOV1, **kwargs: object):  # type: ignore[no-untyped-def]
    with service_context(engine, on) as ctx:
        return export_batch(ctx, start, end, out, **kwargs)  # type: ignore[arg-type]


def test_september_is_one_balanced_batch_in_the_documented_layout(ledger: Engine, tmp_path: Path) -> None:
    result = _export(ledger, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    assert result.batch is not None and result.late == ()
    # Debits: 4,100.00 recharge + 12,600.00 invoice + 4,100.00 journal + 220.00 invoice = 21,020.00
    assert (result.batch.number, result.batch.events, result.batch.lines, result.batch.debits,
            result.batch.credits) == (1, 4, 9, D("21020.00"), D("21020.00"))
    assert (tmp_path / "sep.csv").read_text(encoding="utf-8").splitlines() == [
        HEADER,
        "1,1,2025-09-01,B5100,,4100.00,0.00,Recharge JNL-000001 to 100279,JNL-000001,100279",
        "1,2,2025-09-01,R4120,TS100,0.00,4100.00,"
        "JNL-000001: Initial subscription 2025/26 (2025-09-01 to 2026-08-31),JNL-000001,100279",
        "1,3,2025-09-01,B5100,,12600.00,0.00,Invoice INV-000001 to 141234,INV-000001,141234",
        "1,4,2025-09-01,R4110,TS100,0.00,10500.00,"
        "INV-000001: Premium subscription 2025/26 (2025-09-01 to 2026-08-31),INV-000001,141234",
        "1,5,2025-09-01,B8200,,0.00,2100.00,Invoice INV-000001 to 141234: VAT,INV-000001,141234",
        # The journal transfer moves the recharge out of the school's own budget: its cost centre (its LAESTAB).
        "1,6,2025-09-01,B9100,2044321,4100.00,0.00,"
        "Journal transfer from 100279's budget settling JNL-000001,payment 1,100279",
        "1,7,2025-09-01,B5100,,0.00,4100.00,Journal transfer from 100279's budget settling JNL-000001,payment 1,100279",
        "1,8,2025-09-10,B5100,,220.00,0.00,Invoice INV-000002 to 141999,INV-000002,141999",
        '1,9,2025-09-10,R4140,TS120,0.00,220.00,"INV-000002: CPD / training session place × 2, delivery 2025-09-10"'
        ",INV-000002,141999",
    ]
    with service_context(ledger, NOV1) as ctx:
        entry = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.export")).one()
        assert (entry.entity_id, entry.detail["events"], entry.detail["debits"]) == ("1", 4, "21020.00")  # type: ignore[index]


def test_october_reverses_the_credit_at_the_invoices_codes_and_moves_cash(ledger: Engine, tmp_path: Path) -> None:
    _export(ledger, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    result = _export(ledger, OCT1, date(2025, 10, 31), tmp_path / "oct.csv")
    assert result.batch is not None
    assert (result.batch.number, result.batch.events, result.batch.debits) == (2, 3, D("12800.00"))
    rows = [line.split(",") for line in (tmp_path / "oct.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert [(r[2], r[3], r[4], r[5], r[6], r[8]) for r in rows] == [
        ("2025-10-01", "B5100", "", "0.00", "1200.00", "CN-000001"),   # credit note: Cr debtors (gross)
        ("2025-10-01", "R4110", "TS100", "1000.00", "0.00", "CN-000001"),  # Dr the premium tier's income
        ("2025-10-01", "B8200", "", "200.00", "0.00", "CN-000001"),    # Dr VAT output
        ("2025-10-01", "B6100", "", "11500.00", "0.00", "payment 2"),  # Dr bank
        ("2025-10-01", "B5100", "", "0.00", "11500.00", "payment 2"),  # Cr debtors
        ("2025-10-15", "B5100", "", "100.00", "0.00", "refund 1"),     # refund: Dr debtors, Cr bank
        ("2025-10-15", "B6100", "", "0.00", "100.00", "refund 1"),
    ]


def test_exporting_the_same_range_again_exports_nothing_and_writes_nothing(ledger: Engine, tmp_path: Path) -> None:
    _export(ledger, date(2025, 9, 1), date(2025, 10, 31), tmp_path / "first.csv")
    before = table_dump(ledger)
    again = _export(ledger, date(2025, 9, 1), date(2025, 10, 31), tmp_path / "again.csv")
    assert (again.batch, again.file, again.late) == (None, None, ())
    assert not (tmp_path / "again.csv").exists()
    assert table_dump(ledger) == before


def test_events_after_the_range_wait_and_a_late_payment_goes_into_the_next_batch(ledger: Engine,
                                                                                  tmp_path: Path) -> None:
    first = _export(ledger, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    assert first.batch is not None and first.batch.events == 4  # October's credit, payment and refund wait
    # Recorded on 20 October, received on 20 September: September is already exported.
    with service_context(ledger, date(2025, 10, 20)) as ctx:
        record_payment(ctx, "141999", D("220.00"), date(2025, 9, 20), "cheque")
    second = _export(ledger, OCT1, date(2025, 10, 31), tmp_path / "oct.csv")
    assert second.batch is not None
    assert (second.batch.number, second.batch.events, second.batch.late) == (2, 4, 1)
    assert [(e.kind, e.on, e.document, e.urn, e.amount) for e in second.late] == [
        ("payment", date(2025, 9, 20), "payment 3", "141999", D("220.00"))]
    assert "2,1,2025-09-20,B6100,,220.00,0.00,Payment 3 from 141999 (cheque),payment 3,141999" in (
        tmp_path / "oct.csv").read_text(encoding="utf-8")
    with service_context(ledger, NOV1) as ctx:
        assert [b.number for b in list_batches(ctx)] == [1, 2]
        assert ctx.session.get(NumberSequence, "GL").next_value == 3  # type: ignore[union-attr]
        assert ctx.session.scalar(select(func.count()).select_from(GlBatchEvent)) == 8  # 4 + 4
        # each batch's lines balance to the penny
        for batch_id, debit, credit in ctx.session.execute(
                select(GlBatchLine.batch_id, func.sum(GlBatchLine.debit), func.sum(GlBatchLine.credit))
                .group_by(GlBatchLine.batch_id)):
            assert debit == credit, batch_id


def test_reconcile_is_zero_once_everything_is_exported_and_names_what_is_not(ledger: Engine,
                                                                               tmp_path: Path) -> None:
    _export(ledger, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    with service_context(ledger, NOV1) as ctx:
        half = reconcile(ctx)
    assert not half.balanced
    assert [(e.kind, e.document) for e in half.unexported] == [
        ("credit_note", "CN-000001"), ("payment", "payment 2"), ("refund", "refund 1")]
    assert {f.name: f.difference for f in half.figures}["debtors control = school balances outstanding"] == D(
        "12600.00")  # 1,200.00 credited + 11,500.00 paid − 100.00 refunded, not yet exported
    _export(ledger, OCT1, date(2025, 10, 31), tmp_path / "oct.csv")
    with service_context(ledger, NOV1) as ctx:
        whole = reconcile(ctx)
    assert whole.balanced and whole.unexported == ()
    assert [(f.name, f.ledger) for f in whole.figures] == [
        ("invoices issued (gross)", D("16920.00")), ("credit notes (gross)", D("1200.00")),
        ("payments received (journals too)", D("15600.00")), ("refunds paid (reversing journals too)", D("100.00")),
        ("income (net of credit notes)", D("13820.00")), ("VAT output", D("1900.00")),
        ("cash (payments less refunds, by bank)", D("11400.00")),
        ("journal transfers from maintained schools' budgets", D("4100.00")),
        ("debtors control = school balances outstanding", D("220.00")),  # the CPD invoice, unpaid
        ("bad debts written off (gross)", D("0.00")),
    ]


def test_an_event_belongs_to_one_batch_only_the_database_refuses_a_second(ledger: Engine, tmp_path: Path) -> None:
    _export(ledger, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    with pytest.raises(IntegrityError), service_context(ledger, NOV1) as ctx:
        taken = ctx.session.scalars(select(GlBatchEvent)).first()
        assert taken is not None
        ctx.session.add(GlBatchEvent(batch_id=taken.batch_id, kind=taken.kind, source_id=taken.source_id,
                                     event_on=taken.event_on, late=False))
        ctx.session.flush()


@pytest.mark.parametrize(("start", "end", "kwargs", "error", "message"), [
    (date(2025, 10, 31), date(2025, 10, 1), {}, InvalidInput, "^--from 2025-10-31 is after --to 2025-10-01$"),
    (OCT1, date(2025, 11, 2), {}, RuleViolation, r"^--to 2025-11-02 is after today \(2025-11-01\)"),
    (OCT1, date(2025, 10, 31), {"profile": "sage"}, NotFound,
     r'^no ledger profile "sage" \(known: none in the price book\)$'),
])
def test_bad_exports_are_refused_writing_nothing(ledger: Engine, tmp_path: Path, start: date, end: date,
                                                 kwargs: dict[str, object], error: type[Exception],
                                                 message: str) -> None:
    before = table_dump(ledger)
    with pytest.raises(error, match=message):
        _export(ledger, start, end, tmp_path / "x.csv", **kwargs)
    assert table_dump(ledger) == before and not (tmp_path / "x.csv").exists()


def test_an_existing_file_is_replaced_only_with_force(ledger: Engine, tmp_path: Path) -> None:
    out = tmp_path / "gl.csv"
    out.write_text("keep me", encoding="utf-8")
    before = table_dump(ledger)
    with pytest.raises(InvalidInput, match="already exists: add --force"):
        _export(ledger, OCT1, date(2025, 10, 31), out)
    assert table_dump(ledger) == before and out.read_text(encoding="utf-8") == "keep me"
    assert _export(ledger, OCT1, date(2025, 10, 31), out, force=True).batch is not None
    assert out.read_text(encoding="utf-8").startswith(HEADER)


def test_interest_goes_to_interest_income_and_a_payment_of_it_to_debtors(engine: Engine, tmp_path: Path) -> None:
    from billing.bill_run import bill_run
    from billing.interest_run import run_interest

    world.council(engine)
    world.september(engine)
    # The academy's 12,600.00 was due on 1 October and is paid on 31 October: 30 days late.
    with service_context(engine, date(2025, 10, 31)) as ctx:
        record_payment(ctx, ACADEMY, D("12600.00"), date(2025, 10, 31), "bacs")
    with service_context(engine, date(2025, 11, 3)) as ctx:
        run_interest(ctx)
        bill_run(ctx)
    result = _export(engine, date(2025, 9, 1), date(2025, 11, 3), tmp_path / "gl.csv", on=date(2025, 11, 3))
    assert result.batch is not None
    rows = list(csv.reader(io.StringIO((tmp_path / "gl.csv").read_text(encoding="utf-8"))))[1:]
    interest = [r for r in rows if r[3] == "R4900"]
    # 12,600.00 × 24% × 30 / 365 = 248.55 on the academy; 220.00 × 24% × 24 / 365 = 3.47 on the buyer, due
    # 10 October; none on the maintained school's recharge, settled on issue. Interest is outside the scope of VAT.
    assert sorted((r[4], r[5], r[6], r[9]) for r in interest) == [
        ("TS100", "0.00", "248.55", ACADEMY), ("TS100", "0.00", "3.47", BUYER)]
    with service_context(engine, date(2025, 11, 3)) as ctx:
        assert reconcile(ctx).balanced


def test_a_credit_against_a_recharge_goes_back_to_the_schools_own_cost_centre(engine: Engine, tmp_path: Path) -> None:
    from billing.invoicing import issue_credit_note

    world.council(engine)
    world.september(engine)
    with service_context(engine, OCT1) as ctx:
        issue_credit_note(ctx, "JNL-000001", D("410.00"), "One term's coaching not delivered")
    _export(engine, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    result = _export(engine, OCT1, date(2025, 10, 31), tmp_path / "oct.csv")
    assert result.batch is not None and (result.batch.events, result.batch.debits) == (2, D("820.00"))
    assert (tmp_path / "oct.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "2,1,2025-10-01,B5100,,0.00,410.00,Credit note CN-000001 to 100279,CN-000001,100279",
        "2,2,2025-10-01,R4120,TS100,410.00,0.00,"
        "CN-000001: Credit: Initial subscription 2025/26 (2025-09-01 to 2026-08-31),CN-000001,100279",
        "2,3,2025-10-01,B5100,,410.00,0.00,Reversing journal: CN-000001 on JNL-000001 to 100279's budget,refund 1,100279",
        "2,4,2025-10-01,B9100,2044321,0.00,410.00,Reversing journal: CN-000001 on JNL-000001 to 100279's budget,"
        "refund 1,100279",
    ]


def test_a_school_with_no_laestab_recorded_journals_at_the_control_cost_centre(engine: Engine,
                                                                                tmp_path: Path) -> None:
    from billing.models import School

    world.council(engine)
    with service_context(engine, date(2025, 8, 1)) as ctx:
        school = ctx.session.scalars(select(School).where(School.urn == world.MAINTAINED)).one()
        school.laestab = None  # a pattern of {laestab} has nothing to make the school's cost centre from
    world.september(engine)
    _export(engine, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    journal = [r for r in (tmp_path / "sep.csv").read_text(encoding="utf-8").splitlines() if ",payment 1," in r]
    assert [r.split(",")[3:7] for r in journal] == [["B9100", "", "4100.00", "0.00"], ["B5100", "", "0.00", "4100.00"]]


def test_reconcile_as_of_a_month_exported_reads_the_balances_as_they_stood(ledger: Engine, tmp_path: Path) -> None:
    # October's credit note, payment and refund are recorded, but September's balances did not have them.
    _export(ledger, date(2025, 9, 1), date(2025, 9, 30), tmp_path / "sep.csv")
    with service_context(ledger, date(2025, 9, 30)) as ctx:
        september = reconcile(ctx)
    assert september.balanced and september.unexported == ()
    assert {f.name: (f.ledger, f.engine) for f in september.figures}[
        "debtors control = school balances outstanding"] == (D("12820.00"), D("12820.00"))  # 12,600.00 + 220.00
