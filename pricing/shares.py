"""Sharing an amount of money over weights to the penny, losing nothing (largest remainder)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from pricing.money import from_pence, pence

K = TypeVar("K", bound=Hashable)


def largest_remainder(amount: Decimal, weights: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Share ``amount`` in proportion to ``weights``: each key gets its whole pence rounded down,
    then the pence left over go one each to the largest remainders (ties: the order given).

    The shares add up to ``amount`` exactly (§9: no pence lost). Zero total weight → {}.
    A negative amount (net credit) is shared the same way with the signs reversed.
    """
    total = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if total <= 0 or any(w < 0 for w in weights.values()):
        return {}
    sign = -1 if amount < 0 else 1
    whole = pence(abs(amount))
    exact = {k: Fraction(whole) * Fraction(w) / total for k, w in weights.items()}
    floors = {k: int(v) for k, v in exact.items()}
    left = whole - sum(floors.values())
    order = sorted(exact, key=lambda k: exact[k] - floors[k], reverse=True)  # stable: ties keep input order
    for k in order[:left]:
        floors[k] += 1
    return {k: from_pence(sign * v) for k, v in floors.items()}
