"""The manager's budget lines per financial year and recorded non-staff costs (domain-rules §9).

A budget line is income or cost, with a funding source: the council's core
budget, the schools forum / high-needs block, or traded income from schools —
the way the service's budget papers set out posts (with FTE) and costs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import BudgetLine, Case, Cost
from pricing.calendars import FinancialYear
from pricing.errors import InvalidInput, NotFound
from pricing.money import money, parse_money
from pricing.text import clean_line

COUNCIL = "council budget"
SCHOOLS_FORUM = "schools forum / high-needs block"
TRADED = "traded income"
SOURCES = (COUNCIL, SCHOOLS_FORUM, TRADED)

# Short spellings a person may type on the command line.
_ALIASES = {
    "council": COUNCIL, "council budget": COUNCIL, "core": COUNCIL, "council core budget": COUNCIL,
    "schools forum": SCHOOLS_FORUM, "schools-forum": SCHOOLS_FORUM, "high-needs": SCHOOLS_FORUM,
    "high needs": SCHOOLS_FORUM, "high-needs block": SCHOOLS_FORUM, "hnb": SCHOOLS_FORUM,
    SCHOOLS_FORUM: SCHOOLS_FORUM, "traded": TRADED, "traded income": TRADED,
}
KINDS = ("income", "cost")


def funding_source(text: str) -> str:
    """The canonical funding source for ``text`` (one of SOURCES, or a short alias)."""
    key = " ".join((text or "").strip().lower().split())
    if key not in _ALIASES:
        raise InvalidInput(f"Funding source {text!r} must be one of: {', '.join(SOURCES)} "
                           "(or council, schools-forum, traded).", code="bad_source")
    return _ALIASES[key]


def parse_financial_year(text: str) -> FinancialYear:
    try:
        return FinancialYear.parse(text.strip())
    except Exception as exc:  # noqa: BLE001 - CalendarError or ValueError: one refusal either way
        raise InvalidInput(f'Financial year {text!r} must look like "FY2025/26".', code="bad_year") from exc


def line_period(line: BudgetLine) -> tuple[date, date]:
    """The days a budget line is spread over: its own part of the year, else the whole financial year."""
    year = FinancialYear(line.financial_year)
    return line.starts_on or year.start, line.ends_on or year.end


def set_budget_line(ctx: Context, fy: str, line: str, kind: str, source: str, amount: str | Decimal,
                    fte: str | Decimal | None = None, starts_on: date | None = None,
                    ends_on: date | None = None) -> BudgetLine:
    """Create or replace one budget line of a financial year (§9); the change is audited.

    ``starts_on``/``ends_on``: the part of the year the line is for (a post filled from
    September), over which its budget is spread; default the whole year.
    """
    year = parse_financial_year(fy)
    first, last = starts_on or year.start, ends_on or year.end
    if not (year.start <= first <= last <= year.end):
        raise InvalidInput(f"A budget line's days must lie within {year.name} ({year.start.isoformat()} to "
                           f"{year.end.isoformat()}), from its first day to its last.", code="bad_period")
    period = (None if first == year.start else first, None if last == year.end else last)
    if not (line or "").strip():
        raise InvalidInput("A budget line needs a name.")
    name = " ".join(clean_line(line, "budget line name", 120).split())  # budget_lines.line is String(120)
    if kind not in KINDS:
        raise InvalidInput(f"Budget line kind {kind!r} must be income or cost.")
    canonical = funding_source(source)
    value = parse_money(amount, f'budget line "{name}" amount')
    fte_value: Decimal | None = None
    if fte is not None:
        fte_value = money(fte)
        if fte_value <= 0 or kind != "cost":
            raise InvalidInput(f'Budget line "{name}": FTE must be more than 0 and only on a cost line (a post).')
    existing = ctx.session.scalar(select(BudgetLine).where(BudgetLine.financial_year == year.start_year,
                                                           BudgetLine.line == name))
    before = None
    if existing is None:
        existing = BudgetLine(financial_year=year.start_year, line=name, kind=kind, source=canonical,
                              amount=value, fte=fte_value, starts_on=period[0], ends_on=period[1],
                              updated_at=ctx.now)
        ctx.session.add(existing)
    else:
        before = {"kind": existing.kind, "source": existing.source, "amount": existing.amount, "fte": existing.fte,
                  "from": existing.starts_on, "to": existing.ends_on}
        existing.kind, existing.source, existing.amount, existing.fte = kind, canonical, value, fte_value
        existing.starts_on, existing.ends_on = period
        existing.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit("budget.set", "budget_line", existing.id,
              {"fy": year.name, "line": name, "kind": kind, "source": canonical, "amount": value,
               "fte": fte_value, "from": first, "to": last, "previous": before})
    return existing


def budget_lines(ctx: Context, year: FinancialYear) -> list[BudgetLine]:
    return list(ctx.session.scalars(select(BudgetLine).where(BudgetLine.financial_year == year.start_year)
                                    .order_by(BudgetLine.kind.desc(), BudgetLine.source, BudgetLine.id)))


def add_cost(ctx: Context, on: date, amount: str | Decimal, source: str, description: str,
             case_id: int | None = None) -> Cost:
    """Record a non-staff cost actually incurred (venue, materials, travel), optionally on a case (§9)."""
    value = parse_money(amount, "cost", positive=True)
    if not (description or "").strip():
        raise InvalidInput("A cost needs a description.")
    what = " ".join(clean_line(description, "cost description", 300).split())
    canonical = funding_source(source)
    if case_id is not None and ctx.session.get(Case, case_id) is None:
        raise NotFound(f"No case with id {case_id}.", code="unknown_case")
    cost = Cost(incurred_on=on, description=what, source=canonical, amount=value, case_id=case_id,
                created_at=ctx.now)
    ctx.session.add(cost)
    ctx.session.flush()
    ctx.audit("cost.add", "cost", cost.id,
              {"on": on, "amount": value, "source": canonical, "description": what, "case": case_id})
    return cost


def costs_between(ctx: Context, start: date, end: date) -> list[Cost]:
    return list(ctx.session.scalars(select(Cost).where(Cost.incurred_on >= start, Cost.incurred_on <= end)
                                    .order_by(Cost.incurred_on, Cost.id)))
