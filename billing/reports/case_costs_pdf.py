"""The per-case cost report as a landscape PDF (issue 19): the year's full-cost summary with
the averages and the benchmark line, one row per case, and how the figures are made."""

from __future__ import annotations

from decimal import Decimal

from billing.reports.case_costs import BASIS_DIRECT, CaseCostReport, FullCost
from invoices.formats import doc_date
from invoices.report_pdf import ReportNote, ReportSection, ReportTable, render_report
from pricing.money import as_pounds

OVER = Decimal(100)


def _hours(value: Decimal) -> str:
    return f"{value:,.2f}"


def _maybe(value: Decimal | None) -> str:
    return "" if value is None else as_pounds(value)


def _utilisation(full: FullCost) -> str:
    if full.utilisation is None:
        return ""
    return f"{full.utilisation}%" + (" (over capacity: check)" if full.utilisation > OVER else "")


def _summary(report: CaseCostReport, full: FullCost) -> ReportTable:
    m = as_pounds
    span = (f"{doc_date(full.first)} to {doc_date(full.last)}" if full.last >= full.first
            else "no days of the year yet")
    rows: list[tuple[str, str, str]] = [
        ("Cases", f"{len(report.cases)}", f"academic year {report.year.name}"),
        ("Establishment pay", m(full.pay), span),
        ("Non-staff costs shared", m(full.pooled_non_staff), "recorded in those days against no case"),
        ("Cost pool", m(full.pool), "pay + non-staff costs shared"),
        ("Capacity", f"{_hours(full.capacity_hours)} h", "delivery posts, after leave and training"),
        ("Hours delivered", f"{_hours(full.delivered_hours)} h",
         f"cases {_hours(full.case_hours)} h, orders {_hours(full.order_hours)} h: the pool is shared over these"),
        ("Hours of delivery post-holders", f"{_hours(full.posted_hours)} h", "in their delivery posts"),
        ("Hours with no delivery post", f"{_hours(full.unposted_hours)} h",
         "in no capacity, so not in the utilisation"),
        ("Utilisation", _utilisation(full), "post-holders' hours / capacity, as the utilisation report"),
        ("Cost per capacity hour", "" if full.cost_per_capacity_hour is None else m(full.cost_per_capacity_hour),
         "cost pool / capacity"),
        ("Full cost to cases", m(full.to_cases), "their share of the pool"),
        ("Non-staff costs of cases", m(full.direct_non_staff), "recorded against a case: its own"),
        ("Full cost to orders", m(full.to_orders), "their share of the pool"),
        ("Capacity not sold", m(full.capacity_not_sold), "the pool's share on hours nobody bought"),
    ]
    if full.basis == BASIS_DIRECT:
        rows.append(("Not allocated", m(full.not_allocated), "non-staff costs: no establishment to share them"))
    done = len(report.complete)
    closed = f"per closed case with hours delivered ({done})" if done else "no case closed with hours yet"
    every = f"per case, all {len(report.cases)}: open and with no hours included"
    rows += [
        ("Average full cost, closed cases", _maybe(report.average_closed("full_cost")), closed),
        ("Average direct cost, closed cases", _maybe(report.average_closed("cost")), closed),
        ("Average day-rate value, closed cases", _maybe(report.average_closed("day_rate_value")), closed),
        ("Average income, closed cases", _maybe(report.average_closed("income")), closed),
        ("Average direct cost", m(report.average("cost")), every),
        ("Average full cost", m(report.average("full_cost")), every),
        ("Average day-rate value", m(report.average("day_rate_value")), every),
        ("Average income", m(report.average("income")), every),
    ]
    bench = report.benchmark()
    low, high = bench["low"], bench["high"]
    assert isinstance(low, Decimal) and isinstance(high, Decimal)
    rows.append(("Benchmark", f"{m(low)} to {m(high)}", "the evaluation's cost of a case at the day rate"))
    return ReportTable("Summary", ("Figure", "Value", "What it is"), rows, align=("L", "R", "L"))


def _cases(report: CaseCostReport) -> ReportTable:
    m = as_pounds
    rows = [(c.ref, c.school, "yes" if c.covered else "no", "yes" if c.closed else "no", _hours(c.hours), _hours(c.deemed_hours), m(c.cost),
             m(c.non_staff), m(c.full_cost), m(c.day_rate_value), m(c.income_billed), m(c.subscription_share),
             m(c.income), m(c.income - c.cost), m(c.net_full_cost)) for c in report.cases]
    t = report.total
    rows.append(("Total", f"{len(report.cases)} cases", "", f"{sum(c.closed for c in report.cases)}",
                 _hours(t("hours")), _hours(t("deemed_hours")),
                 m(t("cost")), m(t("non_staff")), m(t("full_cost")), m(t("day_rate_value")), m(t("income_billed")),
                 m(t("subscription_share")), m(t("income")), m(t("income") - t("cost")), m(t("net_full_cost"))))
    return ReportTable("Cases", ("Case", "School", "Covered", "Closed", "Hours", "Deemed", "Direct cost", "Non-staff",
                                 "Full cost", "Day-rate value", "Billed", "Sub. share", "Income", "Net (direct)",
                                 "Net (full)"),
                       rows, align=("L", "L", "L", "L", *("R",) * 11), total_row=True)


DEFINITIONS_NOTE = (
    "Direct cost = hours delivered (deemed-delivered included) x the staff member's hourly cost in force on the "
    "session's date. Full cost = the case's share of the cost pool by delivered hours + the non-staff costs "
    "recorded against the case. The cost pool is the establishment's pay (every post, delivery or not, for the "
    "days it is filled) over the academic year's days up to the as-of date, plus the non-staff costs recorded in "
    "those days against no case; it is shared by largest remainder over the hours of the year's cases, the "
    "year's orders and the delivery capacity not sold, so the three add up to the pool to the penny. Capacity = "
    "the delivery posts' filled FTE x working hours less the leave and training allowances. A case's full cost "
    "can be below its direct cost: full cost charges every hour at the team's average cost of a capacity hour "
    "(the pool / capacity), whoever worked it, while direct cost uses each worker's own rate, so a case worked "
    "by staff dearer than that average shows a direct cost above its full cost. Every hour delivered on cases "
    "and orders takes its share of the pool, whoever delivered it, but utilisation counts only the hours of "
    "delivery post-holders in their posts over their capacity, as the utilisation report does; hours by people "
    "with no delivery post are shown apart. A case is closed when it was closed by the as-of date; the average "
    "cost of a case is taken over closed cases with hours delivered, because open cases are part-way and cases "
    "with no hours have cost nothing yet (the averages over all cases are shown too). With no "
    "establishment pay or capacity in those days (no posts recorded), full cost = direct cost + the case's own "
    "non-staff costs, and the other non-staff costs are not allocated. Day-rate value = hours / hours per day x "
    "the year's day rate, not rounded up. Income = extra-casework charges billed (net of VAT, less credit "
    "notes) + for covered cases a share of the school's subscription income recognised by days of service to "
    "date, shared by delivered hours. The benchmark is the service evaluation's approximate cost of a case "
    "costed at the day rate; it is compared with the averages of a closed case.")


def case_costs_pdf(report: CaseCostReport) -> bytes:
    """``report`` as a landscape PDF: summary with averages and benchmark, the cases, the definitions."""
    full = report.full or FullCost(report.year.start, report.as_of, BASIS_DIRECT)
    bench = report.benchmark()
    sections: list[ReportSection] = [
        _summary(report, full), ReportNote(str(bench["line"]), title="Against the service's figure"),
        _cases(report), ReportNote(DEFINITIONS_NOTE, title="How the figures are made"),
    ]
    return render_report(f"Case costs {report.year.name}",
                         "Direct and full cost per case beside its income and its value at the day rate",
                         sections, as_of=report.as_of, landscape=True)
