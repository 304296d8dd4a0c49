"""Extra casework at the day rate (domain-rules.md §2, §6): reading cases, raising their charges.

Which charges a case owes for which term, and how many days, is decided by
contracts.casework on plain values (cumulative rounding, one charge per case per
billing term, due when the term ends or the case closes). This module reads the
cases, their counted sessions and the charges already raised, asks it, and
raises what it answers through billing.charges (so a re-run never bills twice),
with each line's description.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select

from billing.bulk import among
from billing.charges import NewCharge, add_charges, raise_charges
from billing.context import Context
from billing.models import Case, Charge, School, Session
from billing.pricebooks import version_for
from billing.sessions import COUNTED
from contracts.casework import CaseToCharge, DayRate, WorkedSession, case_charges
from contracts.states import ChargeStatus, SessionStatus
from invoices.formats import doc_date
from pricing.calendars import AcademicYear
from pricing.clock import utc_to_london
from pricing.pricebook import CASEWORK_DAY, Version

KIND = "casework"


class CaseTerms(Protocol):
    """What day-rate charging reads of a case: a Case, or the same columns read without the ORM."""

    @property
    def id(self) -> int: ...
    @property
    def ref(self) -> str: ...
    @property
    def academic_year(self) -> int: ...
    @property
    def referred_on(self) -> date: ...
    @property
    def closed_on(self) -> date | None: ...
    @property
    def subscription_id(self) -> int | None: ...


CASE_TERMS_COLUMNS = (Case.id, Case.ref, Case.school_id, Case.academic_year, Case.referred_on, Case.closed_on,
                      Case.subscription_id)


def _worked(sessions: Sequence[Any]) -> Iterator[WorkedSession]:
    """The sessions whose hours count, by London day; a generator, so only a case with a period
    to charge pays for the time-zone conversion."""
    for s in sessions:
        if s.status in COUNTED and s.delivered_hours is not None:
            yield WorkedSession(utc_to_london(s.starts_at).date(), s.delivered_hours,
                                s.status == SessionStatus.DEEMED_DELIVERED)


def _new_case_charges(ctx: Context, case: CaseTerms, school: School, sessions: Sequence[Any], keys: set[str],
                      charged: Decimal, through: date, versions: dict[int, Version] | None = None) -> list[NewCharge]:
    """The day-rate charges due on one uncovered case up to ``through`` that are not yet raised (§6).

    ``keys`` are the case's charge keys already on the ledger and ``charged`` the
    days already charged (withdrawn charges excluded); rounding stays cumulative.
    """
    versions = {} if versions is None else versions  # academic year → price-book version, looked up once
    version = versions.get(case.academic_year)
    if version is None:
        version = versions[case.academic_year] = version_for(ctx, AcademicYear(case.academic_year))
    item = version.item(CASEWORK_DAY)
    due = case_charges(CaseToCharge(case.id, case.ref, case.referred_on, case.closed_on), _worked(sessions),
                       DayRate.of(version), keys, charged, through, doc_date)
    return [NewCharge(
        school=school, kind=KIND, source_key=c.key, service_code=CASEWORK_DAY, description=c.description,
        due_on=c.due_on, amount=c.amount, item_vat_code=item.vat_code, quantity=c.days, unit_price=c.unit_price,
        period_start=c.period_start, period_end=c.period_end, case_id=case.id, subscription_id=case.subscription_id,
        detail=c.detail,
    ) for c in due]


def raise_case_charges(ctx: Context, case: Case, through: date) -> list[Charge]:
    """Raise the day-rate charges due on one uncovered case up to ``through`` (§6); none if covered."""
    if case.covered:
        return []
    sessions = list(ctx.session.scalars(select(Session).where(Session.case_id == case.id)))
    rows = ctx.session.execute(select(Charge.source_key, Charge.quantity, Charge.status)
                               .where(Charge.case_id == case.id, Charge.kind == KIND)).all()
    keys = {key for key, _, _ in rows}
    charged = sum((q for _, q, status in rows if status != ChargeStatus.WITHDRAWN), Decimal("0"))
    return raise_charges(ctx, _new_case_charges(ctx, case, case.school, sessions, keys, charged, through))


CASE_BATCH = 500


def raise_casework_charges(ctx: Context, through: date, collect: bool = True) -> list[Charge]:
    """Every day-rate charge for extra casework due up to ``through``, each raised once (§6).

    Called by the bill run before it gathers due charges; running it again raises
    nothing new. Set-based: cases, their counted sessions and their charges so far
    are read a few hundred cases at a time, not one query per case. With
    ``collect=False`` (the bill run) the raised charges are not kept in a list, so
    a national run does not hold tens of thousands of them in memory at once.
    """
    raised: list[Charge] = []
    versions: dict[int, Version] = {}
    case_ids = list(ctx.session.scalars(
        select(Case.id).where(Case.covered.is_(False), Case.referred_on <= through).order_by(Case.id)
    ))
    for at in range(0, len(case_ids), CASE_BATCH):
        chunk = case_ids[at:at + CASE_BATCH]
        # Plain rows, not mapped Case objects: the bill run reads every uncovered case.
        cases = ctx.session.execute(
            select(*CASE_TERMS_COLUMNS).where(among(ctx.session, Case.id, chunk)).order_by(Case.id)
        ).all()
        schools = {school.id: school for school in ctx.session.scalars(
            select(School).where(among(ctx.session, School.id, sorted({case.school_id for case in cases}))))}
        sessions: dict[int, list[Any]] = defaultdict(list)
        for row in ctx.session.execute(
            select(Session.case_id, Session.status, Session.delivered_hours, Session.starts_at)
            .where(among(ctx.session, Session.case_id, chunk), Session.status.in_(COUNTED))
        ):
            sessions[row.case_id].append(row)
        keys: dict[int, set[str]] = defaultdict(set)
        charged: dict[int, Decimal] = defaultdict(Decimal)
        for case_id, key, quantity, status in ctx.session.execute(
            select(Charge.case_id, Charge.source_key, Charge.quantity, Charge.status)
            .where(among(ctx.session, Charge.case_id, chunk), Charge.kind == KIND)
        ):
            assert case_id is not None  # read by case id
            keys[case_id].add(key)
            if status != ChargeStatus.WITHDRAWN:
                charged[case_id] += quantity
        news: list[NewCharge] = []
        for case in cases:
            news.extend(_new_case_charges(ctx, case, schools[case.school_id], sessions[case.id], keys[case.id],
                                          charged[case.id], through, versions))
        if news and collect:
            raised.extend(raise_charges(ctx, news))
        elif news:
            add_charges(ctx, news)
    return raised


def case_charged(ctx: Context, case: Case) -> tuple[Decimal, Decimal]:
    """(days, amount) charged so far on a case."""
    rows = list(ctx.session.scalars(select(Charge).where(Charge.case_id == case.id, Charge.kind == KIND,
                                                          Charge.status != ChargeStatus.WITHDRAWN)))
    return (sum((c.quantity for c in rows), Decimal("0")), sum((c.amount for c in rows), Decimal("0.00")))
