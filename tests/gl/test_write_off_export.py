"""A bad debt written off in the GL export (issue 20): Dr write-off expense, Cr debtors control, gross, output
VAT untouched; exported once; the ledger reconciles with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from billing.gl.batches import export_batch
from billing.gl.events import EventKind, unexported_events
from billing.gl.reconcile import reconcile
from billing.pricebooks import council
from billing.write_offs import write_off
from tests.gl import world
from tests.gl.world import BUYER, D
from tests.support import service_context

NOV3 = date(2025, 11, 3)
DEC1 = date(2025, 12, 1)


def ledger_with_a_write_off(engine: Engine) -> None:
    """The world's council (tests.gl.world), with half of BUYER's unpaid 220.00 exempt CPD invoice
    (INV-000002) written off on 3 November."""
    world.council(engine)
    world.september(engine)
    world.october(engine)
    with service_context(engine, NOV3, actor="clerk") as ctx:
        write_off(ctx, "INV-000002", "Academy closed", "J Smith", D("110.00"))


def test_a_write_off_posts_expense_against_debtors_and_leaves_vat_alone(engine: Engine, tmp_path: Path) -> None:
    ledger_with_a_write_off(engine)
    with service_context(engine, DEC1) as ctx:
        [event] = unexported_events(ctx, council(ctx).ledger, DEC1, (EventKind.WRITE_OFF,))
        assert (event.kind, event.on, event.document, event.urn, event.amount) == (
            "write_off", NOV3, "WO-000001", BUYER, D("110.00"))
        assert [(p.role, p.account, p.cost_centre, p.debit, p.credit) for p in event.postings] == [
            ("write_off", "E4950", "TS100", D("110.00"), D("0.00")),
            ("debtors", "B5100", None, D("0.00"), D("110.00")),
        ]
        # not also a credit note
        assert [e.document for e in unexported_events(ctx, council(ctx).ledger, DEC1, (EventKind.CREDIT_NOTE,))] == [
            "CN-000001"]
        result = export_batch(ctx, date(2025, 9, 1), date(2025, 11, 30), tmp_path / "all.csv")
        assert result.batch is not None and result.batch.debits == result.batch.credits
    rows = (tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
    said = "Write-off WO-000001 of INV-000002 from 141999"
    assert [row.split(",", 2)[2] for row in rows if "WO-000001" in row] == [
        f"2025-11-03,E4950,TS100,110.00,0.00,{said},WO-000001,{BUYER}",
        f"2025-11-03,B5100,,0.00,110.00,{said},WO-000001,{BUYER}",
    ]
    with service_context(engine, DEC1) as ctx:
        assert unexported_events(ctx, council(ctx).ledger, DEC1) == []  # exported once, in that batch
        done = reconcile(ctx)
    assert done.balanced and done.unexported == ()
    figures = {f.name: (f.ledger, f.difference) for f in done.figures}
    assert figures["bad debts written off (gross)"] == (D("110.00"), D("0.00"))
    assert figures["credit notes (gross)"] == (D("1200.00"), D("0.00"))  # the write-off is not among them
    assert figures["VAT output"] == (D("1900.00"), D("0.00"))  # 2,100.00 − 200.00 credited; the write-off none
    # 220.00 − 110.00 written off is all that is owed
    assert figures["debtors control = school balances outstanding"] == (D("110.00"), D("0.00"))
