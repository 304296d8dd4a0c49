"""Staff cost from the establishment for one financial year: per post and person, month by month,
and per funding source (issue 19, docs/rules.md §9).

Pay: each person's share of their post's 12-month cost with on-costs for the days
they fill it (a day = the cost ÷ the days of its financial year), over the year up to
the as-of date ("to date") and over the whole year from the assignments recorded
("committed": the people in post stay to their end dates, vacancies stay vacant).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.context import Context
from billing.reports.budget import fy_months
from billing.reports.establishment_cost import PayLine, Vacancy, pay_lines, posts, vacancies
from pricing.calendars import FinancialYear
from pricing.establishment import Month
from pricing.money import ZERO


@dataclass(frozen=True)
class StaffCostRow:
    post: str
    person: str
    fte: Decimal
    sources: tuple[str, ...]
    months: dict[Month, Decimal]
    to_date: Decimal
    committed: Decimal

    def as_json(self) -> dict[str, object]:
        return {"post": self.post, "person": self.person, "fte": self.fte, "sources": list(self.sources),
                "months": {f"{y}-{m:02d}": v for (y, m), v in self.months.items()},
                "to_date": self.to_date, "committed": self.committed}


@dataclass(frozen=True)
class StaffCostReport:
    fy: FinancialYear
    as_of: date
    rows: list[StaffCostRow]
    by_source: dict[str, tuple[Decimal, Decimal]]  # source → (to date, committed)
    vacancies: list[Vacancy]

    @property
    def to_date(self) -> Decimal:
        return sum((r.to_date for r in self.rows), ZERO)

    @property
    def committed(self) -> Decimal:
        return sum((r.committed for r in self.rows), ZERO)

    def as_json(self) -> dict[str, object]:
        return {"fy": self.fy.name, "as_of": self.as_of,
                "rows": [r.as_json() for r in self.rows],
                "by_source": [{"source": s, "to_date": t, "committed": c} for s, (t, c) in self.by_source.items()],
                "totals": {"to_date": self.to_date, "committed": self.committed},
                "vacancies": [{"post": v.post, "fte": v.fte, "filled": v.filled, "vacant": v.vacant}
                              for v in self.vacancies],
                "method": __doc__.split("\n\n", 1)[1].strip() if __doc__ else ""}


def staff_cost(ctx: Context, fy: FinancialYear) -> StaffCostReport:
    """Pay per post and person by month of ``fy`` to the as-of date, and committed for the whole year."""
    as_of = min(ctx.today, fy.end)
    every = posts(ctx)
    whole = pay_lines(ctx, fy.start, fy.end, only=every)
    so_far = pay_lines(ctx, fy.start, as_of, only=every) if as_of >= fy.start else []
    keyed: dict[int, list[PayLine]] = defaultdict(list)
    for line in so_far:
        keyed[line.assignment_id].append(line)
    committed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in whole:
        committed[line.assignment_id] += line.amount
    rows: list[StaffCostRow] = []
    for post in every:
        for a in post.assignments:
            if a.id not in committed and a.id not in keyed:
                continue
            months: dict[Month, Decimal] = dict.fromkeys(fy_months(fy), ZERO)
            sources: list[str] = []
            for line in keyed[a.id]:
                months[line.month] += line.amount
                if line.source not in sources:
                    sources.append(line.source)
            rows.append(StaffCostRow(post.title, a.person, a.fte, tuple(sources) or tuple(
                f.source for f in post.funding), months, sum(months.values(), ZERO), committed[a.id]))
    by_source: dict[str, tuple[Decimal, Decimal]] = {}
    for source in sorted({line.source for line in whole} | {line.source for line in so_far}):
        by_source[source] = (sum((x.amount for x in so_far if x.source == source), ZERO),
                             sum((x.amount for x in whole if x.source == source), ZERO))
    return StaffCostReport(fy, as_of, rows, by_source, vacancies(ctx, as_of, only=every))
