"""Services refuse a move contracts.states does not allow, as a rule and with nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from billing.charges import NewCharge, raise_charge, withdraw_charge
from billing.models import AuditEntry, Charge
from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from contracts.states import ChargeStatus, IllegalTransition
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context, table_dump

SEP1 = date(2025, 9, 1)


def _charge(engine: Engine, status: ChargeStatus) -> int:
    with service_context(engine, date(2025, 7, 15)) as ctx:
        load_pricebook(ctx, sample_pricebook_text())
        school = add_school(ctx, NewSchool(urn="141234", name="Mossbourne Community Academy", type="academy",
                                           number_on_roll=500, address="1 Downs Park Road\nLondon"))
        charge = raise_charge(ctx, NewCharge(
            school=school, kind="subscription_fee", source_key="sub/141234/2025/1", service_code="subscription",
            description="Premium subscription 2025/26", due_on=SEP1, amount=Decimal("3200.00"),
            item_vat_code="S", period_start=SEP1, period_end=date(2026, 8, 31)))
        charge.status = status  # as the interest waiver or an earlier withdrawal left it
        return charge.id


def test_withdrawing_a_waived_charge_is_refused_and_writes_nothing(engine: Engine) -> None:
    charge_id = _charge(engine, ChargeStatus.WAIVED)
    before = table_dump(engine)
    with pytest.raises(IllegalTransition) as refused, service_context(engine, SEP1) as ctx:
        charge = ctx.session.get(Charge, charge_id)
        assert charge is not None
        withdraw_charge(ctx, charge, "subscription cancelled")
    assert str(refused.value) == "charge sub/141234/2025/1 is waived and cannot become withdrawn"
    assert refused.value.code == "illegal_transition"
    assert table_dump(engine) == before


def test_withdrawing_a_charge_twice_changes_nothing_the_second_time(engine: Engine) -> None:
    charge_id = _charge(engine, ChargeStatus.DUE)
    with service_context(engine, SEP1) as ctx:
        charge = ctx.session.get(Charge, charge_id)
        assert charge is not None
        withdraw_charge(ctx, charge, "subscription cancelled")
    after_first = table_dump(engine)
    with service_context(engine, SEP1) as ctx:
        charge = ctx.session.get(Charge, charge_id)
        assert charge is not None
        withdraw_charge(ctx, charge, "subscription cancelled")
    assert table_dump(engine) == after_first
    with service_context(engine, SEP1) as ctx:
        assert ctx.session.scalars(select(Charge.status)).all() == ["withdrawn"]
        assert ctx.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "charge.withdraw")).all() == [
            "charge.withdraw"]
