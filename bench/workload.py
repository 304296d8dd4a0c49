"""A deterministic national workload for the benchmarks: N schools and a year of activity.

The academic year is 2025/26 (the sample price book has 2025/26 and 2026/27, so a
two-year contract from 2025/26 is priced). For N schools (URNs 400000 + i, spread
over 150 local authorities, LA "204" being the council's own) the generator writes:

- one school row each, of mixed type and size;
- one subscription each: premium or initial, annual or termly; most start on
  1 Sep 2025, about 15% join mid-year, about 5% are cancelled (instalments after
  the effective end are withdrawn);
- every instalment charge of the contract, computed with ``pricing.fees.schedule``
  and keyed ``sub/{id}/{year}/{n}`` with the description and detail
  ``billing.subscriptions.add_subscription`` gives them;
- about 5 cases per school (3 to 7), each with about 8 sessions (6 to 10): most
  delivered, some deemed delivered after a late-notice change (< 48 hours), some
  moved or dropped with notice. Extra (uncovered) casework is NOT charged here:
  the bill runs raise it, as they do in production.

``add_payments`` writes payments for most of the invoices a bill run issued, some
after the due date, some part payments, a few none at all.

Rows go straight into the tables in large batches (``session.execute(insert(Model),
rows)``) with ids assigned here, so N = 22,000 loads in well under a few minutes.
Simplified relative to the services (on purpose, for speed): no audit entries per
row, no entitlement check when a case opens (premium covers every case, initial the
first of the year, a case outside any live subscription is uncovered: the price book
is loaded with pay-as-you-go casework on, so such a referral is allowed), no
cancellation settlement charge or notice check, no academy conversions, sessions
of a case are weekly and its closure date follows its last session (even when that
is after a bill run's date: the engine only bills what is due by its date).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, text

from billing.context import Context
from billing.db import transaction
from billing.models import (
    Allocation,
    Case,
    Charge,
    Invoice,
    Payment,
    School,
    Session,
    Staff,
    StaffRate,
    Subscription,
)
from billing.pricebooks import load_pricebook
from billing.subscriptions import SUBSCRIPTION_SERVICE, instalment_description
from pricing.calendars import AcademicYear
from pricing.clock import FixedClock, london_to_utc
from pricing.fees import contract_end, contract_years
from pricing.fees import schedule as fee_schedule
from pricing.pricebook import PriceBook, parse_pricebook, sample_pricebook_text
from pricing.vat import customer_vat_class, vat_code_for

YEAR = AcademicYear(2025)
COUNCIL_LA = "204"
LA_CODES = [str(201 + k) for k in range(150)]  # 201..350, so "204" is one of them
STAFF_COUNT = 200
CHUNK = 1000  # schools generated and written per batch (bounds memory)
LOADED_AT = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
TYPES = [("maintained", 40), ("academy", 45), ("free", 10), ("independent", 5)]


@dataclass(frozen=True)
class Loaded:
    schools: int
    subscriptions: int
    charges: int
    cases: int
    sessions: int


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _school_days(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def _next_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            model.__tablename__: (conn.scalar(select(func.max(model.id))) or 0) + 1
            for model in (School, Subscription, Charge, Case, Session, Staff, StaffRate, Payment, Allocation)
        }


def _fix_sequences(engine: Engine, tables: list[str]) -> None:
    """On PostgreSQL, move each id sequence past the ids written here."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))


def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """One Core executemany: every row has every key, so it is one statement, not one per key set."""
    if rows:
        session.connection().execute(model.__table__.insert(), rows)


def _bench_pricebook_text() -> str:
    """The sample price book with pay-as-you-go casework on (domain-rules §6).

    Some of the generated cases are referred outside a live subscription (before a
    mid-year start, after a cancellation's effective end); the engine accepts those
    only when the price book allows pay-as-you-go casework at the day rate, so the
    benchmark turns it on deliberately and the bill runs charge them at the day rate.
    """
    text = sample_pricebook_text()
    setting = "pay_as_you_go_casework = false"
    assert setting in text, "the sample price book no longer carries the pay-as-you-go setting"
    return text.replace(setting, "pay_as_you_go_casework = true")


def _prepare(engine: Engine) -> PriceBook:
    text = _bench_pricebook_text()
    with transaction(engine) as session:
        ctx = Context(session=session, clock=FixedClock(date(2025, 8, 1)), actor="bench")
        load_pricebook(ctx, text, "sample price book, pay-as-you-go casework on")
    return parse_pricebook(text).pricebook()


def generate(engine: Engine, schools: int, seed: int = 2025) -> Loaded:
    """Write the workload for ``schools`` schools into an empty, migrated database (deterministic per seed)."""
    book = _prepare(engine)
    rng = random.Random(seed)
    ids = _next_ids(engine)
    staff_ids = list(range(ids["staff"], ids["staff"] + STAFF_COUNT))
    with transaction(engine) as session:
        _insert(session, Staff, [
            {"id": sid, "name": f"Bench practitioner {k:03d}", "role": "Inclusion practitioner",
             "created_at": LOADED_AT} for k, sid in enumerate(staff_ids)])
        _insert(session, StaffRate, [
            {"id": ids["staff_rates"] + k, "staff_id": sid, "effective_from": date(2019, 9, 1),
             "cost_per_hour": Decimal(rng.choice(["38.50", "42.00", "45.75", "51.20"]))}
            for k, sid in enumerate(staff_ids)])
    days = _school_days(date(2025, 9, 2), date(2026, 7, 10))
    counts = Loaded(0, 0, 0, 0, 0)
    for first in range(0, schools, CHUNK):
        rows = _chunk(rng, book, ids, first, min(schools, first + CHUNK), days, staff_ids)
        with transaction(engine) as session:
            for model in (School, Subscription, Charge, Case, Session):
                batch = rows[model.__tablename__]
                for at in range(0, len(batch), 5000):
                    _insert(session, model, batch[at:at + 5000])
        counts = Loaded(counts.schools + len(rows["schools"]), counts.subscriptions + len(rows["subscriptions"]),
                        counts.charges + len(rows["charges"]), counts.cases + len(rows["cases"]),
                        counts.sessions + len(rows["sessions"]))
    _fix_sequences(engine, ["schools", "subscriptions", "charges", "cases", "sessions", "staff", "staff_rates"])
    with engine.begin() as conn:  # fresh planner statistics after a bulk load
        conn.execute(text("ANALYZE"))
    return counts


def _chunk(rng: random.Random, book: PriceBook, ids: dict[str, int], first: int, last: int,
           days: list[date], staff_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in ("schools", "subscriptions", "charges", "cases",
                                                             "sessions")}
    for i in range(first, last):
        school_id = ids["schools"] + i
        urn = str(400000 + i)
        kind = _weighted(rng, TYPES)
        la = rng.choice(LA_CODES)
        phase = rng.choice(["Primary", "Primary", "Primary", "Secondary", "Special", "All-through"])
        roll = rng.randint(40, 420) if phase == "Primary" else rng.randint(60, 1900)
        rows["schools"].append({
            "id": school_id, "urn": urn, "name": f"Bench {phase} School {urn}", "type": kind,
            "laestab": f"{la}{rng.randint(1000, 9999)}", "la_code": la, "number_on_roll": roll, "phase": phase,
            "email": f"finance{urn}@schools.example", "address": f"{rng.randint(1, 200)} High Street\nTown {la}",
            "postcode": f"AB{rng.randint(1, 99)} {rng.randint(1, 9)}CD", "created_at": LOADED_AT})
        # One subscription: most from 1 September, some joining mid-year.
        sub_id = ids["subscriptions"] + i
        tier = "premium" if rng.random() < 0.4 else "initial"
        plan = "termly" if rng.random() < 0.5 else "annual"
        start = YEAR.start if rng.random() < 0.85 else rng.choice(days[20:140])
        end = contract_end(start)
        cancelled = rng.random() < 0.05
        effective_end = rng.choice([date(2026, 3, 31), date(2026, 8, 31)]) if cancelled else None
        rows["subscriptions"].append({
            "id": sub_id, "school_id": school_id, "tier": tier, "schedule": plan, "starts_on": start,
            "ends_on": end, "status": "cancelled" if cancelled else "live",
            "po_number": f"PO{urn}" if rng.random() < 0.3 else None, "renews_id": None,
            "notice_on": date(2025, 12, 15) if cancelled else None,
            "requested_end": effective_end, "effective_end": effective_end,
            "cancelled_by": "school" if cancelled else None, "created_at": LOADED_AT})
        year_fees = {span.academic_year: book.version_for(span.academic_year).tier(tier).fee_for_roll(roll)
                     for span in contract_years(start)}
        vat_code = vat_code_for("S", customer_vat_class(kind, la, COUNCIL_LA))
        for inst in fee_schedule(start, year_fees, plan):  # type: ignore[arg-type]
            withdrawn = effective_end is not None and inst.period_start > effective_end
            rows["charges"].append({
                "id": ids["charges"] + len(rows["charges"]) + first * 12, "school_id": school_id,
                "kind": "subscription_fee", "source_key": f"sub/{sub_id}/{inst.academic_year.start_year}/{inst.number}",
                "subscription_id": sub_id, "order_id": None, "case_id": None, "session_id": None,
                "late_invoice_id": None, "service_code": SUBSCRIPTION_SERVICE,
                "description": instalment_description(tier, inst, plan), "period_start": inst.period_start,
                "period_end": inst.period_end, "due_on": inst.due_on, "quantity": Decimal("1"),
                "unit_price": inst.amount, "amount": inst.amount, "vat_code": vat_code,
                "status": "withdrawn" if withdrawn else "due", "note": None,
                "detail": {"academic_year": inst.academic_year.start_year, "instalment": inst.number,
                           "of": inst.of, "year_fee": str(year_fees[inst.academic_year])},
                "created_at": LOADED_AT})
        # About five cases a year, about eight sessions each.
        covered_used = 0
        for k, referred in enumerate(sorted(rng.sample(days[:-45], rng.randint(3, 7)))):
            case_id = ids["cases"] + len(rows["cases"]) + first * 8
            live = start <= referred <= (effective_end or end)
            covered = live and (tier == "premium" or covered_used == 0)
            covered_used += 1 if live and tier == "initial" else 0
            sessions = list(_sessions(rng, ids, rows, first, case_id, referred, staff_ids))
            last_day = max(s["starts_at"] for s in sessions).date()
            rows["cases"].append({
                "id": case_id, "school_id": school_id, "subscription_id": sub_id if live else None,
                "ref": f"B{urn}-{k + 1}", "academic_year": YEAR.start_year, "referred_on": referred,
                "planning_on": referred + timedelta(days=7), "acknowledged_at": None,
                "closed_on": last_day + timedelta(days=7), "covered": covered, "created_at": LOADED_AT})
            rows["sessions"].extend(sessions)
    return rows


def _sessions(rng: random.Random, ids: dict[str, int], rows: dict[str, list[dict[str, Any]]], first: int,
              case_id: int, referred: date, staff_ids: list[int]) -> Iterator[dict[str, Any]]:
    staff = rng.choice(staff_ids)
    count = rng.randint(6, 10)
    for n in range(count):
        day = referred + timedelta(days=3 + 7 * n)
        if day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        starts = london_to_utc(datetime.combine(day, time(10, 0)))
        planned = Decimal(rng.choice(["2.50", "3.00"]))
        roll = rng.random()
        if roll < 0.85:
            status, delivered, notified = "delivered", planned, None
        elif roll < 0.90:  # changed at late notice: deemed delivered in full
            status, delivered, notified = "deemed_delivered", planned, starts - timedelta(hours=rng.randint(2, 40))
        elif roll < 0.95:
            status, delivered, notified = "moved", None, starts - timedelta(days=rng.randint(3, 10))
        else:
            status, delivered, notified = "dropped", None, starts - timedelta(days=rng.randint(3, 10))
        yield {"id": ids["sessions"] + len(rows["sessions"]) + n + first * 80, "case_id": case_id, "order_id": None,
               "staff_id": staff, "service_code": "casework", "starts_at": starts, "planned_hours": planned,
               "delivered_hours": delivered, "status": status, "notified_at": notified, "replaced_by_id": None,
               "created_at": LOADED_AT}


def add_payments(engine: Engine, issued_on: date, through: date, seed: int = 7) -> int:
    """Payments for most invoices issued on ``issued_on``, received by ``through`` at the latest.

    About 70% paid in full within terms, 15% paid in full late, 8% part paid
    (late), 7% not paid at all. One BACS payment per invoice, allocated to it.
    """
    rng = random.Random(seed)
    ids = _next_ids(engine)
    with engine.connect() as conn:
        invoices = conn.execute(
            select(Invoice.id, Invoice.school_id, Invoice.number, Invoice.total, Invoice.due_on)
            .where(Invoice.kind == "invoice", Invoice.issued_on == issued_on).order_by(Invoice.id)).all()
    payments: list[dict[str, Any]] = []
    allocations: list[dict[str, Any]] = []
    for inv_id, school_id, number, total, due_on in invoices:
        roll = rng.random()
        if roll < 0.70:
            on, amount = issued_on + timedelta(days=rng.randint(3, 28)), total
        elif roll < 0.85:
            on, amount = due_on + timedelta(days=rng.randint(5, 75)), total
        elif roll < 0.93:
            on, amount = due_on + timedelta(days=rng.randint(1, 60)), (total / 2).quantize(Decimal("0.01"))
        else:
            continue
        if on > through or amount <= 0:
            continue
        pid = ids["payments"] + len(payments)
        instant = london_to_utc(datetime.combine(on, time(9, 0)))
        payments.append({"id": pid, "school_id": school_id, "amount": amount, "received_on": on,
                         "method": "bacs", "reference": number, "source": "import",
                         "external_key": f"bench/{number}", "created_at": instant, "actor": "bench"})
        allocations.append({"id": ids["allocations"] + len(allocations), "payment_id": pid, "invoice_id": inv_id,
                            "amount": amount, "allocated_on": on, "created_at": instant})
    with transaction(engine) as session:
        for at in range(0, len(payments), 5000):
            _insert(session, Payment, payments[at:at + 5000])
            _insert(session, Allocation, allocations[at:at + 5000])
    _fix_sequences(engine, ["payments", "allocations"])
    return len(payments)


if __name__ == "__main__":  # pragma: no cover - used by bench/billrun.py to load in a child process
    import argparse
    import json

    from billing.db import make_engine, upgrade

    parser = argparse.ArgumentParser(description="Load the benchmark workload into a database.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--schools", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    engine = make_engine(args.url)
    upgrade(engine)
    loaded = generate(engine, args.schools, args.seed)
    print(json.dumps(loaded.__dict__))
