from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing.reports.allocation import largest_remainder


def test_the_spare_pennies_go_to_the_largest_remainders() -> None:
    assert largest_remainder(Decimal("100.00"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}) == {
        "a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    assert largest_remainder(Decimal("10.00"), {"a": Decimal(0), "b": Decimal(3)}) == {
        "a": Decimal("0.00"), "b": Decimal("10.00")}
    assert largest_remainder(Decimal("10.00"), {}) == {}


@given(
    pence=st.integers(min_value=-10_000_000, max_value=10_000_000),
    weights=st.lists(st.decimals(min_value=0, max_value=500, places=2), min_size=1, max_size=12),
)
def test_shares_always_add_up_to_the_amount_exactly(pence: int, weights: list[Decimal]) -> None:
    amount = Decimal(pence) / 100
    shares = largest_remainder(amount, dict(enumerate(weights)))
    if sum(weights) == 0:
        assert shares == {}
        return
    assert sum(shares.values()) == amount
    total = sum(weights)
    for k, w in enumerate(weights):
        exact = amount * w / total
        assert abs(shares[k] - exact) < Decimal("0.01")
