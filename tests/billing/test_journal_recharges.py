"""Settlement by journal for the council's own maintained schools (issue 20, docs/rules.md §7).

A maintained school's bill run makes a recharge (JNL-, its own gap-free series, no due date)
settled on issue by a journal transfer; an academy is invoiced as before; an opted-out
maintained school is invoiced with the admin charge; a credit note against a recharge is
settled by a reversing journal, leaving the balance at zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select

from billing.aged_debt import aged_debt
from billing.balances import invoice_outstanding
from billing.bill_run import bill_run
from billing.interest_run import run_interest
from billing.invoicing import issue_credit_note
from billing.models import Allocation, AuditEntry, Charge, Invoice, InvoiceLine, Payment, Refund
from billing.payments import account_credit
from billing.pricebooks import load_pricebook
from billing.reminders import run_reminders
from billing.school_edits import SchoolChanges, edit_school
from billing.schools import NewSchool, add_school
from billing.statements import school_statement
from pricing.errors import InvalidInput
from pricing.pricebook import sample_pricebook_text
from tests.billing.test_bill_run import ACADEMY, MAINTAINED, SEP1, annual, casework, setup_council
from tests.support import service_context

D = Decimal
OPTED_OUT = "100280"


def _invoice(ctx, number: str) -> Invoice:  # type: ignore[no-untyped-def]
    found = ctx.session.scalar(select(Invoice).where(Invoice.number == number))
    assert found is not None
    return found


def _documents(ctx) -> list[tuple[str, str, str, date | None, Decimal, Decimal]]:  # type: ignore[no-untyped-def]
    rows = ctx.session.scalars(select(Invoice).order_by(Invoice.id)).all()
    return [(inv.number, inv.series, inv.purpose, inv.due_on, inv.vat, inv.total) for inv in rows]


def test_a_maintained_school_gets_a_recharge_settled_by_journal_and_an_academy_an_invoice(engine: Engine) -> None:
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        result = bill_run(ctx)
        assert [inv.number for inv in result.invoices] == ["JNL-000001", "INV-000001"]  # by URN: 100279, 141234
        # The recharge: outside the scope of VAT, no due date; the academy's invoice as ever (20%, 30 days).
        assert _documents(ctx) == [
            ("JNL-000001", "JNL", "recharge", None, D("0.00"), D("12000.00")),
            ("INV-000001", "INV", "standard", date(2025, 10, 1), D("213.33"), D("1280.00")),
        ]
        recharge = _invoice(ctx, "JNL-000001")
        assert recharge.customer.earns_interest is False
        assert [ln.vat_code for ln in recharge.lines] == ["O"]
        journal = ctx.session.scalars(select(Payment)).all()
        assert [(p.school_id, p.amount, p.received_on, p.method, p.reference, p.source, p.external_key)
                for p in journal] == [
            (recharge.school_id, D("12000.00"), SEP1, "journal", "JNL-000001", "journal", "journal:JNL-000001")]
        assert [(a.invoice_id, a.amount, a.allocated_on) for a in ctx.session.scalars(select(Allocation))] == [
            (recharge.id, D("12000.00"), SEP1)]
        outstanding = invoice_outstanding(ctx.session)
        assert outstanding[recharge.id] == D("0.00")
        assert outstanding[_invoice(ctx, "INV-000001").id] == D("1280.00")
        actions = [a for (a,) in ctx.session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
        assert actions.count("recharge.issue") == 1 and actions.count("invoice.issue") == 1
        assert actions.count("payment.journal") == 1


def test_a_recharge_never_earns_interest_nor_a_reminder_nor_aged_debt_even_years_later(engine: Engine) -> None:
    # Even a council that charges its own maintained schools interest charges none on a recharge: it is settled.
    setup_council(engine, journal=True)
    with service_context(engine, date(2025, 7, 16)) as ctx:
        load_pricebook(ctx, sample_pricebook_text().replace("charge_own_maintained = false",
                                                            "charge_own_maintained = true"))
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
    for later in (date(2025, 12, 1), date(2027, 9, 1), date(2030, 3, 31)):
        with service_context(engine, later) as ctx:
            run = run_interest(ctx)
            assert [c.invoice for c in run.charges if c.amount] == ["INV-000001"]  # the academy's, unpaid
            letters = run_reminders(ctx)
            assert {item.invoice for letter in letters.letters for item in letter.items} <= {"INV-000001"}
            debt = aged_debt(ctx)
            assert [s.urn for s in debt.schools] == [ACADEMY]
    with service_context(engine, date(2030, 3, 31)) as ctx:
        recharge = _invoice(ctx, "JNL-000001")
        late = ctx.session.scalar(select(func.count()).select_from(Charge).where(
            Charge.kind == "interest", Charge.late_invoice_id == recharge.id))
        assert late == 0


def test_the_recharge_series_is_gap_free_and_apart_from_invoices(engine: Engine) -> None:
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
    with service_context(engine, date(2025, 10, 1)) as ctx:
        casework(ctx, MAINTAINED, "case/1", D("2"), date(2025, 10, 1))
        casework(ctx, ACADEMY, "case/2", D("1"), date(2025, 10, 1))
        bill_run(ctx)
    with service_context(engine, date(2025, 11, 1)) as ctx:
        casework(ctx, MAINTAINED, "case/3", D("1"), date(2025, 11, 1))
        bill_run(ctx)
        numbers = [(n, s) for n, s, *_ in _documents(ctx)]
    assert numbers == [("JNL-000001", "JNL"), ("INV-000001", "INV"), ("JNL-000002", "JNL"),
                       ("INV-000002", "INV"), ("JNL-000003", "JNL")]


def test_rerunning_the_bill_run_raises_nothing_twice(engine: Engine) -> None:
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        first = bill_run(ctx)
        again = bill_run(ctx)
        assert first.count == 2 and again.count == 0
        assert ctx.session.scalar(select(func.count()).select_from(Payment)) == 1
        assert ctx.session.scalar(select(func.count()).select_from(Allocation)) == 1


def _opt_out_school(engine: Engine) -> None:
    with service_context(engine, date(2025, 7, 20)) as ctx:
        add_school(ctx, NewSchool(urn=OPTED_OUT, name="Clapton Girls' School", type="maintained",
                                  number_on_roll=900, address="Laura Place\nLondon", postcode="E5 0RB",
                                  la_code="204"))
        edited = edit_school(ctx, OPTED_OUT, SchoolChanges(journal=False, reason="Pays by BACS"))
        assert edited.changes == {"journal_opt_out": (False, True)}
        annual(ctx, OPTED_OUT, D("6000.00"))


def test_an_opted_out_school_is_invoiced_with_the_admin_charge(engine: Engine) -> None:
    setup_council(engine, journal=True)
    _opt_out_school(engine)
    with service_context(engine, SEP1) as ctx:
        preview = bill_run(ctx, dry_run=True)
        assert [(i.urn, i.total, i.lines) for i in preview.invoices] == [
            (MAINTAINED, D("12000.00"), 1), (OPTED_OUT, D("6025.00"), 2), (ACADEMY, D("1280.00"), 1)]
        bill_run(ctx)
        assert [(n, p, due, vat, total) for n, _, p, due, vat, total in _documents(ctx)] == [
            ("JNL-000001", "recharge", None, D("0.00"), D("12000.00")),
            ("INV-000001", "standard", date(2025, 10, 1), D("0.00"), D("6025.00")),
            ("INV-000002", "standard", date(2025, 10, 1), D("213.33"), D("1280.00")),
        ]
        invoice = _invoice(ctx, "INV-000001")
        assert [(ln.description, ln.net, ln.vat_code) for ln in invoice.lines] == [
            ("Premium subscription 2025/26", D("6000.00"), "O"),
            ("Administration charge: invoiced instead of settled by journal transfer (2025-09-01)", D("25.00"), "O"),
        ]
        admin = ctx.session.scalars(select(Charge).where(Charge.kind == "admin_charge")).all()
        assert [(c.amount, c.vat_code, c.status) for c in admin] == [(D("25.00"), "O", "due")]
        # An opted-out maintained school is not charged interest (charge_own_maintained is false): it is
        # the council's own; its invoice has BACS terms and is outstanding until paid.
        assert invoice_outstanding(ctx.session)[invoice.id] == D("6025.00")
        assert bill_run(ctx).count == 0  # nothing twice, admin charge included
        assert len(ctx.session.scalars(select(Charge).where(Charge.kind == "admin_charge")).all()) == 1


def test_the_opt_out_is_audited_and_only_a_maintained_school_has_it(engine: Engine) -> None:
    setup_council(engine, journal=True)
    _opt_out_school(engine)
    with service_context(engine, date(2025, 8, 1)) as ctx:
        entry = ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "school.edit",
                                                            AuditEntry.entity_id == OPTED_OUT))
        assert entry is not None
        assert entry.detail == {"before": {"journal_opt_out": False}, "after": {"journal_opt_out": True}}
        assert entry.reason == "Pays by BACS"
        try:
            edit_school(ctx, ACADEMY, SchoolChanges(journal=False))
        except InvalidInput as exc:
            assert "only a maintained school settles by journal" in str(exc)
        else:
            raise AssertionError("an academy cannot opt out of journals")
        back = edit_school(ctx, OPTED_OUT, SchoolChanges(journal=True))
        assert back.changes == {"journal_opt_out": (True, False)}


def test_with_the_setting_off_maintained_schools_are_invoiced_and_pay_no_admin_charge(engine: Engine) -> None:
    setup_council(engine, journal=True)
    _opt_out_school(engine)
    with service_context(engine, date(2025, 7, 21)) as ctx:
        load_pricebook(ctx, sample_pricebook_text().replace("settle_maintained_by_journal = true",
                                                            "settle_maintained_by_journal = false"))
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
        assert [(n, p, total) for n, _, p, _, _, total in _documents(ctx)] == [
            ("INV-000001", "standard", D("12000.00")), ("INV-000002", "standard", D("6000.00")),
            ("INV-000003", "standard", D("1280.00"))]
        assert ctx.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_credit_note_against_a_recharge_is_settled_by_a_reversing_journal(engine: Engine) -> None:
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
    with service_context(engine, date(2025, 10, 15)) as ctx:
        note = issue_credit_note(ctx, "JNL-000001", D("1500.00"), "Term not delivered")
        assert (note.number, note.total, note.purpose) == ("CN-000001", D("1500.00"), "standard")
        recharge = _invoice(ctx, "JNL-000001")
        assert invoice_outstanding(ctx.session)[recharge.id] == D("0.00")
        assert account_credit(ctx, MAINTAINED) == D("0.00")
        refunds = ctx.session.scalars(select(Refund)).all()
        assert [(r.amount, r.refunded_on, r.external_key) for r in refunds] == [
            (D("1500.00"), date(2025, 10, 15), "journal-reversal:CN-000001")]
        st = school_statement(ctx, MAINTAINED, SEP1, date(2025, 10, 31))
        assert [(ln.on, ln.kind, ln.reference, ln.debit, ln.credit, ln.balance) for ln in st.lines] == [
            (SEP1, "recharge", "JNL-000001", D("12000.00"), D("0"), D("12000.00")),
            (SEP1, "journal", "PAY-1", D("0"), D("12000.00"), D("0.00")),
            (date(2025, 10, 15), "credit_note", "CN-000001", D("0"), D("1500.00"), D("-1500.00")),
            (date(2025, 10, 15), "journal", f"REF-{refunds[0].id}", D("1500.00"), D("0"), D("0.00")),
        ]
        assert st.closing_balance == D("0.00")
        assert [ln.description for ln in st.lines] == [
            "Internal recharge: Premium subscription 2025/26",
            "Settled by journal transfer from the school's budget (JNL-000001)",
            "Credit note against JNL-000001: Term not delivered",
            "Reversing journal transfer to the school's budget: credit note CN-000001 against recharge JNL-000001",
        ]
        actions = [a for (a,) in ctx.session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
        assert actions[-2:] == ["payment.release", "refund.journal"]
        # The rest of the recharge, credited later, is reversed in full too.
        issue_credit_note(ctx, "JNL-000001", D("10500.00"), "Cancelled")
        assert account_credit(ctx, MAINTAINED) == D("0.00")
        assert school_statement(ctx, MAINTAINED, SEP1, date(2025, 10, 31)).closing_balance == D("0.00")


def test_an_invoice_line_of_a_recharge_is_a_charge_on_it_once(engine: Engine) -> None:
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
        lines = ctx.session.scalars(select(InvoiceLine).where(
            InvoiceLine.invoice_id == _invoice(ctx, "JNL-000001").id)).all()
        assert [(ln.position, ln.net, ln.vat_code) for ln in lines] == [(1, D("12000.00"), "O")]


def test_the_recharge_email_says_it_is_settled_by_journal_and_offers_no_way_to_pay(engine: Engine) -> None:
    from billing.mail_compose import MailSetup
    from billing.models.mail import MailMessage
    from billing.outbox import queue_document

    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx, mail=MailSetup())
        mails = {m.subject: m for m in ctx.session.scalars(select(MailMessage))}
        recharge = mails["Internal recharge JNL-000001 from Borough of Eastbury Council: £12,000.00 settled by "
                         "journal transfer"]
        assert ("Please find attached internal recharge JNL-000001 for £12,000.00. It has been settled by journal "
                "transfer from the school's budget on 2025-09-01: there is nothing to pay.") in recharge.text_body
        for body in (recharge.text_body, recharge.html_body):
            assert "BACS" not in body and "Sort code" not in body and "due by" not in body
        assert "Invoice INV-000001 from Borough of Eastbury Council: £1,280.00 due 2025-10-01" in mails
    with service_context(engine, date(2025, 10, 15)) as ctx:
        note = issue_credit_note(ctx, "JNL-000001", D("1500.00"), "Term not delivered")
        message = queue_document(ctx, note, MailSetup())
        assert message.subject == "Credit note CN-000001 from Borough of Eastbury Council for recharge JNL-000001"
        assert "correcting internal recharge JNL-000001" in message.text_body
        assert ("The amount is returned to the school's budget by journal transfer on 2025-10-15: there is nothing "
                "to do.") in message.text_body


def test_the_recharge_pdf_is_headed_internal_recharge_with_no_payment_block(engine: Engine) -> None:
    import shutil
    import subprocess

    import pytest

    from billing.documents import pdf_bytes, to_document

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    setup_council(engine, journal=True)
    with service_context(engine, SEP1) as ctx:
        bill_run(ctx)
        recharge = _invoice(ctx, "JNL-000001")
        doc = to_document(recharge)
        assert (doc.label, doc.recharge, doc.due_on, doc.payment) == ("Internal recharge", True, None, None)
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf_bytes(recharge), capture_output=True,
                              check=True).stdout.decode()
    assert "INTERNAL RECHARGE" in text and "CHARGED TO" in text and "Total recharged" in text
    assert "Settled by journal transfer from Stoke Newington School's budget on 2025-09-01." in " ".join(text.split())
    for absent in ("Due date", "Tax point", "REMITTANCE", "Sort code", "Terms:", "Interest"):
        assert absent not in text, absent
