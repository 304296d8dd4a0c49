"""VAT: which code a line carries, the rate in force on a date, and the VAT on a line.

Rules: domain-rules.md §7. A charge to the council's own maintained schools is an
internal recharge, outside the scope of VAT (``O``); every other customer gets the
item's own code from the price book, ``S`` (standard rate, kept as dated data) or
``E`` (exempt). Late-payment interest is always outside the scope (§8). VAT is
worked out and rounded per line, half up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal

from pricing.errors import InvalidInput, NotFound
from pricing.money import to_pence
from pricing.pricebook import VatRate

VatCode = Literal["O", "S", "E"]
CustomerClass = Literal["own_maintained", "external"]

OUTSIDE_SCOPE: VatCode = "O"
STANDARD: VatCode = "S"
EXEMPT: VatCode = "E"
INTEREST_VAT_CODE: VatCode = "O"
"""Late-payment interest is not consideration for a supply: outside the scope of VAT."""

SCHOOL_TYPES = ("maintained", "academy", "free", "independent")


def customer_vat_class(school_type: str, school_la_code: str | None, council_la_code: str) -> CustomerClass:
    """``own_maintained`` for a maintained school of the council's own LA, else ``external``.

    A maintained school is part of its council for VAT, so the charge is an internal
    recharge. A maintained school whose LA code is not recorded is taken to be the
    council's own: the engine serves one council, whose schools are the ones it registers.
    Academies, free and independent schools are always external, whatever their LA code.
    """
    if school_type not in SCHOOL_TYPES:
        raise InvalidInput(f"school type {school_type!r} must be one of {', '.join(SCHOOL_TYPES)}")
    if school_type != "maintained":
        return "external"
    if school_la_code is None or not school_la_code.strip():
        return "own_maintained"
    return "own_maintained" if school_la_code.strip() == council_la_code.strip() else "external"


def vat_code_for(item_vat_code: str, customer_class: str) -> VatCode:
    """The code on a line: ``O`` for the council's own maintained schools, else the item's ``S``/``E``."""
    if item_vat_code not in (STANDARD, EXEMPT):
        raise InvalidInput(f"item VAT code {item_vat_code!r} must be S (standard rate) or E (exempt)")
    if customer_class == "own_maintained":
        return OUTSIDE_SCOPE
    if customer_class != "external":
        raise InvalidInput(f"customer class {customer_class!r} must be own_maintained or external")
    return STANDARD if item_vat_code == STANDARD else EXEMPT


def vat_rate_on(rates: Iterable[VatRate], code: str, on: date) -> Decimal:
    """The VAT rate in percent for ``code`` at the tax point ``on``.

    ``S`` takes the standard rate in force that day (the latest dated rate starting on or
    before it); ``O`` and ``E`` carry no VAT. A date before the first dated rate is refused.
    """
    if code in (OUTSIDE_SCOPE, EXEMPT):
        return Decimal("0")
    if code != STANDARD:
        raise InvalidInput(f"VAT code {code!r} must be O, S or E")
    dated = sorted(rates, key=lambda r: r.from_)
    in_force = [r for r in dated if r.from_ <= on]
    if not in_force:
        first = f"the first starts {dated[0].from_.isoformat()}" if dated else "none are recorded"
        raise NotFound(f"No standard VAT rate is in force on {on.isoformat()}: {first}.")
    latest = in_force[-1]
    if any(r.from_ == latest.from_ and r.standard != latest.standard for r in in_force):
        raise InvalidInput(f"Two standard VAT rates start on {latest.from_.isoformat()}.")
    return latest.standard


def vat_for_line(net: Decimal, rate_percent: Decimal) -> Decimal:
    """VAT on one line: net × rate ÷ 100, to the penny half up (a credit line rounds symmetrically)."""
    for value in (net, rate_percent):
        if not isinstance(value, Decimal):
            raise InvalidInput(f"VAT is worked out on Decimal amounts, not {type(value).__name__}")
    return to_pence(net * rate_percent / Decimal(100))
