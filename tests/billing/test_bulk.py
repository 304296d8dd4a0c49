"""The bulk path (billing.bulk) stores exactly what an ordinary insert stores, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, StatementError

from billing.bulk import among, insert_rows
from billing.models import AuditEntry, Charge, School
from tests.support import service_context

LONDON = ZoneInfo("Europe/London")
AWKWARD = 'Tab\there, newline\nthere, back\\slash, "quotes", £ sign, comma, |pipe|, \\N and NULL'


def _school(ctx) -> School:  # type: ignore[no-untyped-def]
    school = School(urn="100279", name="A", type="maintained", created_at=ctx.now)
    ctx.session.add(school)
    ctx.session.flush()
    return school


def _charge_row(school_id: int, key: str, amount: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "school_id": school_id, "kind": "order", "source_key": key, "service_code": "x", "description": "d",
        "due_on": date(2025, 9, 1), "quantity": Decimal("2.50"), "unit_price": Decimal(amount),
        "amount": Decimal(amount), "vat_code": "S", "status": "due", "detail": None,
        "created_at": datetime(2025, 7, 1, 9, 30, tzinfo=LONDON),
    }
    row.update(extra)
    return row


def test_rows_come_back_exactly_as_given_and_ids_in_the_order_given(engine: Engine) -> None:
    shared = {"case": "C-1", "hours": "7.50"}
    with service_context(engine, date(2025, 9, 1)) as ctx:
        school = _school(ctx)
        rows = [
            _charge_row(school.id, "k/3", "1234567890.99", description=AWKWARD, detail=shared),
            _charge_row(school.id, "k/1", "0.01", detail=None),
            _charge_row(school.id, "k/2", "10.00", detail=shared),
            _charge_row(school.id, "k/4", "99.99", detail={"other": ["a", 1]}),
        ]
        ids = insert_rows(ctx.session, Charge, rows, return_ids=True)
    assert len(set(ids)) == 4
    with service_context(engine, date(2025, 9, 1)) as ctx:
        stored = {c.id: c for c in ctx.session.scalars(select(Charge))}
        assert [stored[i].source_key for i in ids] == ["k/3", "k/1", "k/2", "k/4"]
        first, second, third, fourth = (stored[i] for i in ids)
        assert first.amount == Decimal("1234567890.99") and second.amount == Decimal("0.01")
        assert first.quantity == Decimal("2.50")
        assert first.description == AWKWARD
        # 09:30 in London in July (BST) is 08:30 UTC, stored and returned as that instant.
        assert first.created_at == datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
        assert first.detail == shared and third.detail == shared
        assert fourth.detail == {"other": ["a", 1]}
        assert second.detail is None


def test_a_float_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        school_id = _school(ctx).id
    with pytest.raises((TypeError, StatementError), match="float"), service_context(engine, date(2025, 9, 1)) as ctx:
        insert_rows(ctx.session, Charge, [
            _charge_row(school_id, "ok", "1.00"), _charge_row(school_id, "bad", "1.00") | {"amount": 1.1},
        ], return_ids=True)
    with service_context(engine, date(2025, 9, 1)) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Charge)) == 0


def test_rows_must_share_their_columns(engine: Engine) -> None:
    with pytest.raises(ValueError, match="same columns"), service_context(engine, date(2025, 9, 1)) as ctx:
        insert_rows(ctx.session, AuditEntry, [
            {"at": ctx.now, "actor": "a", "action": "x", "entity": "e", "entity_id": "1", "reason": None},
            {"at": ctx.now, "actor": "a", "action": "x", "entity": "e", "entity_id": "2"},
        ])


def test_without_a_key_rows_are_inserted_in_order_and_no_ids_come_back(engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        got = insert_rows(ctx.session, AuditEntry, [
            {"at": ctx.now, "actor": "a", "action": "x", "entity": "e", "entity_id": str(n), "reason": None,
             "detail": {"n": n}}
            for n in range(5)
        ])
    assert got == []
    with service_context(engine, date(2025, 9, 1)) as ctx:
        assert list(ctx.session.scalars(select(AuditEntry.entity_id).order_by(AuditEntry.id))) == [
            "0", "1", "2", "3", "4"]


def test_among_matches_exactly_the_values_given(engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        school = _school(ctx)
        insert_rows(ctx.session, Charge,
                    [_charge_row(school.id, f"k/{n}", "1.00") for n in range(6)], return_ids=True)
        def keys(values: list[str]) -> list[str]:
            return sorted(ctx.session.scalars(select(Charge.source_key).where(
                among(ctx.session, Charge.source_key, values))))
        assert keys(["k/1", "k/4", "k/9"]) == ["k/1", "k/4"]
        assert keys([]) == []
        ids = list(ctx.session.scalars(select(Charge.id).order_by(Charge.id)))
        assert ctx.session.scalar(select(func.count()).select_from(Charge).where(
            among(ctx.session, Charge.id, ids[:2]))) == 2


def test_a_duplicate_key_is_an_integrity_error_as_with_any_insert(engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        school_id = _school(ctx).id
        insert_rows(ctx.session, Charge, [_charge_row(school_id, "k/1", "1.00")])
    with pytest.raises(IntegrityError), service_context(engine, date(2025, 9, 1)) as ctx:
        insert_rows(ctx.session, Charge, [_charge_row(school_id, "k/2", "1.00"), _charge_row(school_id, "k/1", "2.00")])
    with service_context(engine, date(2025, 9, 1)) as ctx:
        assert list(ctx.session.scalars(select(Charge.source_key))) == ["k/1"]
