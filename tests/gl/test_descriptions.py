"""What the GL export's lines say (issue 20): capped for an ERP's narrative, and naming what each line is."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from billing.bill_run import bill_run
from billing.gl.batches import export_batch
from billing.gl.events import DESCRIPTION_LIMIT, narrative
from billing.models import Charge, InvoiceLine
from tests.billing.test_cases import NONE, build_world
from tests.billing.test_casework import work
from tests.gl import world
from tests.gl.world import ACADEMY, D
from tests.support import service_context


def _rows(engine: Engine, start: date, end: date, out: Path, on: date) -> list[list[str]]:
    with service_context(engine, on) as ctx:
        export_batch(ctx, start, end, out)
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))[1:]


def test_a_description_is_cut_at_the_limit_with_an_ellipsis() -> None:
    assert DESCRIPTION_LIMIT == 240
    assert narrative("x" * 240) == "x" * 240
    assert narrative("x" * 241) == "x" * 239 + "…"
    assert narrative("a" * 238 + " " + "b" * 10) == "a" * 238 + "…"  # no space left before the ellipsis


def test_a_long_casework_line_is_cut_to_240_characters(engine: Engine, tmp_path: Path) -> None:
    build_world(engine, pay_as_you_go=True)
    # Twelve one-hour sessions: the line lists each, so it runs well past 240 characters.
    sessions = [(f"2019-{month}-{day} 09:00", "1") for month in ("10", "11") for day in
                ("01", "05", "08", "12", "15", "19")]
    work(engine, NONE, "C19-9001", date(2019, 9, 20), sessions, close_on=date(2019, 12, 2))
    with service_context(engine, date(2020, 1, 1)) as ctx:
        bill_run(ctx)
        [line] = ctx.session.scalars(select(InvoiceLine).join(Charge, Charge.id == InvoiceLine.charge_id)
                                     .where(Charge.kind == "casework")).all()
        full = f"INV-000001: {line.description}"
    assert len(full) > 260 and full.startswith("INV-000001: Extra casework, case C19-9001: 2 days at the day rate")
    rows = _rows(engine, date(2019, 9, 1), date(2020, 1, 1), tmp_path / "gl.csv", date(2020, 1, 2))
    # 12 hours at 6 a day: 2 days × 540.00, standard rated for an academy (VAT 216.00 on its own line).
    [casework] = [r for r in rows if r[6] == "1080.00"]
    said = casework[7]
    # Cut after its 239th character (a space there is dropped) and ended with an ellipsis.
    assert said == full[:239].rstrip() + "…" and len(said) <= 240
    assert all(len(r[7]) <= 240 for r in rows)


def test_a_reversing_journal_names_the_credit_note_and_the_recharge(engine: Engine, tmp_path: Path) -> None:
    from billing.invoicing import issue_credit_note

    world.council(engine)
    world.september(engine)
    with service_context(engine, world.OCT1) as ctx:
        issue_credit_note(ctx, "JNL-000001", D("410.00"), "One term's coaching not delivered")
    rows = _rows(engine, world.OCT1, date(2025, 10, 31), tmp_path / "oct.csv", date(2025, 11, 1))
    assert [(r[3], r[7]) for r in rows if r[8] == "refund 1"] == [
        ("B5100", "Reversing journal: CN-000001 on JNL-000001 to 100279's budget"),
        ("B9100", "Reversing journal: CN-000001 on JNL-000001 to 100279's budget")]


def test_an_interest_credit_note_says_the_interest_is_reduced(engine: Engine, tmp_path: Path) -> None:
    from billing.interest_run import run_interest, waive_interest
    from billing.payments import record_payment

    world.council(engine)
    world.september(engine)
    with service_context(engine, date(2025, 10, 31)) as ctx:
        record_payment(ctx, ACADEMY, D("12600.00"), date(2025, 10, 31), "bacs")
    with service_context(engine, date(2025, 11, 3)) as ctx:
        run_interest(ctx)
        bill_run(ctx)
        charge = ctx.session.scalars(select(Charge).where(Charge.kind == "interest", Charge.amount == D("248.55"))).one()
        interest_line = ctx.session.scalars(select(InvoiceLine).where(InvoiceLine.charge_id == charge.id)).one()
        said = interest_line.description
    with service_context(engine, date(2025, 11, 10)) as ctx:
        waived = waive_interest(ctx, charge.id, "Paid late because of our own invoicing error")
    assert waived.credit_note is not None
    rows = _rows(engine, date(2025, 11, 4), date(2025, 11, 10), tmp_path / "nov.csv", date(2025, 11, 11))
    # 12,600.00 × 24% × 30 / 365 = 248.55 of interest (outside the scope of VAT) taken back in full.
    assert [(r[3], r[5], r[6], r[7]) for r in rows if r[3] == "R4900" and r[8] == waived.credit_note] == [
        ("R4900", "248.55", "0.00", f"{waived.credit_note}: Interest reduced: {said}")]
