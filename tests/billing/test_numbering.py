"""Gap-free, never-reused, BACS-safe document numbers (domain-rules §7)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from billing.models import NumberSequence
from billing.numbering import next_number
from pricing.errors import InvalidInput
from tests.support import service_context

DAY = date(2025, 9, 1)
BACS = re.compile(r"^[A-Z0-9-]{1,18}$")


def test_numbers_run_on_without_gaps_per_series(engine: Engine) -> None:
    with service_context(engine, DAY) as ctx:
        assert next_number(ctx, "INV", "INV-") == (1, "INV-000001")
        assert next_number(ctx, "INV", "INV-") == (2, "INV-000002")
        assert next_number(ctx, "CN", "CN-") == (1, "CN-000001")
    with service_context(engine, DAY) as ctx:
        assert next_number(ctx, "INV", "INV-") == (3, "INV-000003")


def test_a_rolled_back_transaction_returns_its_number(engine: Engine) -> None:
    with service_context(engine, DAY) as ctx:
        next_number(ctx, "INV", "INV-")
    with pytest.raises(RuntimeError), service_context(engine, DAY) as ctx:
        assert next_number(ctx, "INV", "INV-") == (2, "INV-000002")
        raise RuntimeError("the issue failed")
    with service_context(engine, DAY) as ctx:
        assert next_number(ctx, "INV", "INV-") == (2, "INV-000002")
        row = ctx.session.scalar(select(NumberSequence).where(NumberSequence.series == "INV"))
        assert row is not None and row.next_value == 3


def test_a_prefix_that_would_break_a_bacs_reference_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidInput), service_context(engine, DAY) as ctx:
        next_number(ctx, "INV", "inv/")
    with pytest.raises(InvalidInput), service_context(engine, DAY) as ctx:
        next_number(ctx, "A-SERIES-NAME-TOO-LONG", "INV-")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.from_regex(r"[A-Z]{1,5}-", fullmatch=True), count=st.integers(min_value=1, max_value=12))
def test_numbers_are_consecutive_and_fit_a_bacs_reference(engine: Engine, prefix: str, count: int) -> None:
    series = f"P{prefix[:-1]}"[:10]
    with service_context(engine, DAY) as ctx:
        start = ctx.session.scalar(select(NumberSequence.next_value).where(NumberSequence.series == series)) or 1
        taken = [next_number(ctx, series, prefix) for _ in range(count)]
    assert [seq for seq, _ in taken] == list(range(start, start + count))
    assert all(BACS.match(number) and number.startswith(prefix) for _, number in taken)
