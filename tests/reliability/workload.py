"""A small, deterministic council built through the engine's own services, for reliability tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from billing.pricebooks import load_pricebook
from billing.schools import NewSchool, add_school
from billing.subscriptions import add_subscription
from pricing.pricebook import sample_pricebook_text
from tests.support import service_context

CONTRACT_START = date(2025, 9, 1)


def urn_of(i: int) -> str:
    return f"{300000 + i}"


def build_council(engine: Engine, n_schools: int, journal: bool = False) -> list[str]:
    """Price book and ``n_schools`` schools on termly subscriptions from 1 Sep 2025.

    Odd schools are the council's own maintained schools (LA 204, VAT outside scope),
    even ones academies (standard-rated); tiers alternate so fees differ. The maintained
    schools are invoiced like the rest (the price book's settlement by journal off, issue 20)
    unless ``journal``: then theirs are recharges settled by journal.
    """
    urns: list[str] = []
    book = sample_pricebook_text()
    if not journal:
        book = book.replace("settle_maintained_by_journal = true", "settle_maintained_by_journal = false")
    with service_context(engine, date(2025, 7, 1)) as ctx:
        load_pricebook(ctx, book)
        for i in range(n_schools):
            urn = urn_of(i)
            own = i % 2 == 1
            add_school(ctx, NewSchool(urn=urn, name=f"Reliability School {i}", type="maintained" if own else "academy",
                                      number_on_roll=150 + 11 * i, la_code="204" if own else None,
                                      address=f"{i} High Street\nEastbury"))
            add_subscription(ctx, urn, "initial" if i % 3 == 0 else "premium", CONTRACT_START, "termly")
            urns.append(urn)
    return urns
