"""`traded report case-costs|school|budget|aged-debt` and `traded budget set|cost|staff-rate|list`."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import click

from cli.listing import CSV_HELP, FORCE_HELP, list_options
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime

AGED_DEBT_MODULE = "cli.aged_debt"
# The financial year a report is for, as every report of one takes it.
FY_OPTION = click.option("--fy", default=None, metavar="FY",
                         help="Financial year, e.g. FY2025/26 (default: the as-of date's).")
_SHORT = {"council budget": "council", "schools forum / high-needs block": "forum/HNB", "traded income": "traded"}


class ReportGroup(click.Group):
    """The report group; `aged-debt` is loaded from its own module only when that module exists."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        if importlib.util.find_spec(AGED_DEBT_MODULE) is not None:
            names.add("aged-debt")
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "aged-debt" and cmd_name not in self.commands \
                and importlib.util.find_spec(AGED_DEBT_MODULE) is not None:
            command = importlib.import_module(AGED_DEBT_MODULE).aged_debt
            self.add_command(command, "aged-debt")
        return super().get_command(ctx, cmd_name)


@click.group(cls=ReportGroup)
def report() -> None:
    """Manager's reports: case costs, income per school, budget against actual, aged debt.

    \b
    Example:
      traded --as-of 2026-03-31 report case-costs --year 2025/26
      traded --as-of 2026-03-31 report budget --pdf budget.pdf
    """


def _m(value: Any) -> str:
    from cli.formats import money

    return money(value)


def _year(text: str | None) -> Any:
    from pricing.calendars import AcademicYear
    from pricing.errors import InvalidInput

    if text is None:
        return None
    try:
        return AcademicYear.parse(text.strip())
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(f'Academic year {text!r} must look like "2025/26".', code="bad_year") from exc


def _fy(text: str | None, ctx: Any) -> Any:
    """The financial year asked for, else the one the as-of date falls in (as other reports default their year)."""
    from billing.budgets import parse_financial_year
    from pricing.calendars import FinancialYear

    return parse_financial_year(text) if text is not None else FinancialYear.of(ctx.today)


def _check_outputs(rt: Runtime, force: bool, *files: str | None) -> None:
    """Refuse a bad output path, or one file named for two outputs, before any work is done (billing.outputs)."""
    from billing.outputs import check_outputs

    _write(rt, lambda: check_outputs(files, force=force, database_url=rt.engine().url))


def _write(rt: Runtime, write: Callable[[], object]) -> None:
    from pricing.errors import TradedError

    try:
        write()
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)


@report.command("case-costs")
@click.option("--year", default=None, metavar="YEAR",
              help="Academic year, e.g. 2025/26 (default: the as-of date's).")
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--pdf", "pdf_file", default=None, metavar="FILE",
              help="Also write the report as a landscape PDF (summary, cases, definitions).")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def case_costs_cmd(rt: Runtime, year: str | None, csv_file: str | None, pdf_file: str | None, force: bool) -> None:
    """Per case: hours (deemed-delivered apart), direct and full cost, day-rate value, income, net.

    Direct cost = hours x each worker's hourly cost in force that day. Full cost = the
    case's share, by delivered hours, of the establishment's pay and the non-staff costs
    for the year to date (the rest falls on orders and on capacity not sold), plus
    non-staff costs recorded against the case. Covered cases get a share of the school's
    subscription income for the year (recognised by days of service to date, whatever
    the billing schedule) by delivered hours (largest remainder: the shares add up to
    the subscription income exactly).

    \b
    Example:
      traded --as-of 2026-07-31 report case-costs --year 2025/26 --csv cases.csv
      traded --as-of 2026-07-31 report case-costs --pdf case-costs.pdf
    """
    from billing.reports.case_costs import CaseCostReport, case_costs
    from billing.reports.csv_export import case_costs_table, write_csv
    from cli.tables import paragraph, table

    _check_outputs(rt, force, csv_file, pdf_file)
    report_: CaseCostReport = rt.run(lambda ctx: case_costs(ctx, _year(year)), read_only=True)
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, case_costs_table(report_), force, rt.engine().url))
    if pdf_file:
        from billing.outputs import write_output
        from billing.reports.case_costs_pdf import case_costs_pdf

        _write(rt, lambda: write_output(Path(pdf_file), case_costs_pdf(report_), force=force,
                                        database_url=rt.engine().url))
    data = report_.as_json()

    def text() -> str:
        from cli.formats import count

        rows = [[c.ref, c.urn, c.school, c.covered, c.closed, c.hours, c.deemed_hours,
                 _m(c.cost), _m(c.full_cost), _m(c.day_rate_value), _m(c.income_billed), _m(c.subscription_share),
                 _m(c.income - c.cost), _m(c.net_full_cost)] for c in report_.cases]
        t, a = cast(dict[str, Any], data["totals"]), cast(dict[str, Any], data["averages"])
        rows.append(["TOTAL", "", count(t['cases'], 'case'), "", "", t["hours"], t["deemed_hours"], _m(t["cost"]),
                     _m(t["full_cost"]), _m(t["day_rate_value"]), _m(t["income_billed"]),
                     _m(t["subscription_share"]), _m(t["income"] - t["cost"]), _m(t["net_full_cost"])])
        out = [table(["Case", "URN", "School", "Covered", "Closed", "Hours", "Deemed", "Cost", "Full cost",
                      "Day-rate value", "Billed", "Sub. share", "Net", "Net (full)"], rows, "lllllrrrrrrrrr",
                     wrap=("School",),
                     title=f"Case costs {report_.year.name} (as of {report_.as_of})")]
        if a["full_cost_closed"] is not None:
            out.append(paragraph(
                f"Average per closed case with hours delivered ({count(a['closed_cases'], 'case')}): cost "
                f"{_m(a['cost_closed'])}, full cost {_m(a['full_cost_closed'])}, day-rate value "
                f"{_m(a['day_rate_value_closed'])}, income {_m(a['income_closed'])}, {a['hours_closed']} hours."))
        out.append(paragraph(f"Average per case over every case ({t['cases']}), open and with no hours "
                   f"included: cost {_m(a['cost'])}, full cost {_m(a['full_cost'])}, "
                   f"day-rate value {_m(a['day_rate_value'])}, income {_m(a['income'])}, {a['hours']} hours "
                   f"(the service's own figure: {_m(a['benchmark_low'])} to {_m(a['benchmark_high'])})."))
        full = report_.full
        if full is not None:
            util = "n/a" if full.utilisation is None else f"{full.utilisation}%" + (
                " - over capacity: check the FTE or the hours recorded" if full.utilisation > 100 else "")
            per_hour = "n/a" if full.cost_per_capacity_hour is None else _m(full.cost_per_capacity_hour)
            out.append(paragraph(
                f"Full cost ({full.basis}), {full.first} to {full.last}: pool {_m(full.pool)} (pay {_m(full.pay)} "
                f"+ non-staff {_m(full.pooled_non_staff)}); capacity {full.capacity_hours} h, delivered "
                f"{full.delivered_hours} h on cases and orders, all sharing the pool; utilisation {util} "
                f"(delivery post-holders' {full.posted_hours} h / capacity, as `report utilisation`"
                + (f"; {full.unposted_hours} h by people with no delivery post not in it" if full.unposted_hours
                   else "") + f"); {per_hour} a capacity hour. To cases "
                f"{_m(full.to_cases)} (+ their own non-staff {_m(full.direct_non_staff)}), to orders "
                f"{_m(full.to_orders)}, capacity not sold {_m(full.capacity_not_sold)}"
                + (f", not allocated {_m(full.not_allocated)}." if full.not_allocated else ".")))
        out.append(paragraph(str(cast(dict[str, Any], data["benchmark"])["line"])))
        if report_.allocations:
            out.append(table(["School", "Subscription income", "Covered case hrs", "Other hrs", "To cases",
                              "To other services", "Unallocated"],
                             [[a_.school, _m(a_.subscription_income), a_.case_hours, a_.other_hours,
                               _m(a_.to_cases), _m(a_.to_other_services), _m(a_.unallocated)]
                              for a_ in report_.allocations], "lrrrrrr", wrap=("School",),
                             title="Subscription income allocation"))
        out.append(paragraph("How: cost = hours (deemed-delivered included) x the staff member's hourly cost in force on the "
                   "session's date; day-rate value = hours / hours per day x the year's day rate (not rounded up); "
                   "billed = extra-casework invoice lines net of VAT less credit notes; subscription share = the "
                   "school's subscription income for the year (by days of service to date, whatever the billing "
                   "schedule) shared by delivered hours over its covered cases and "
                   "covered orders, largest remainder so the shares add up exactly. Unallocated = income with no "
                   "covered work delivered yet. Full cost = the case's share by delivered hours of the pool "
                   "(establishment pay + non-staff costs against no case, over the year's days to date), shared "
                   "over cases, orders and capacity not sold, + the case's own non-staff costs; with no posts "
                   "recorded, direct cost + the case's own non-staff costs. Full cost can be below direct cost: it "
                   "charges every hour at the team's average cost of a capacity hour, so a case worked by staff "
                   "dearer than that average costs more direct. The benchmark compares the average of a closed "
                   "case with hours delivered (open cases are part-way)."))
        for path, what in ((csv_file, "CSV"), (pdf_file, "PDF")):
            if path:
                out.append(f"{what} written to {path}.")
        return "\n".join(out)

    rt.emit(data, text)


@report.command("school")
@click.option("--year", default=None, metavar="YEAR", help="Academic year, e.g. 2025/26 (default: every year).")
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def school_cmd(rt: Runtime, year: str | None, csv_file: str | None, force: bool) -> None:
    """Per school and academic year: subscription income, extras, interest, cost, net.

    Income is recognised by the days of service up to the as-of date, not by invoice:
    a subscription's fee evenly over each day of its contract year to its effective end
    (annual or termly alike); casework and orders on their delivery dates.

    \b
    Example:
      traded --as-of 2026-07-31 report school --year 2025/26
    """
    from billing.reports.csv_export import school_table, write_csv
    from billing.reports.school_income import SchoolReport, school_report
    from cli.tables import table

    _check_outputs(rt, force, csv_file)
    rep: SchoolReport = rt.run(lambda ctx: school_report(ctx, _year(year)), read_only=True)
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, school_table(rep), force, rt.engine().url))
    data = rep.as_json()

    def text() -> str:
        rows = [[r.school, r.urn, r.year, _m(r.subscription), _m(r.extras), _m(r.interest), _m(r.cost),
                 _m(r.net)] for r in rep.rows]
        t = cast(dict[str, Any], data["totals"])
        rows.append(["TOTAL", "", "", _m(t["subscription"]), _m(t["extras"]), _m(t["interest"]), _m(t["cost"]),
                     _m(t["net"])])
        return table(["School", "URN", "Year", "Subscription", "Extras", "Interest", "Cost", "Net"], rows,
                     "lllrrrrr", wrap=("School",), title=f"Income and cost per school (as of {rep.as_of}; net of VAT; income by days of service)")

    rt.emit(data, text)


@report.command("budget")
@click.option("--fy", default=None, metavar="FY",
              help="Financial year, e.g. FY2025/26 (default: the as-of date's).")
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--pdf", "pdf_file", default=None, metavar="FILE", help="Also write the PDF pack with charts.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def budget_cmd(rt: Runtime, fy: str | None, csv_file: str | None, pdf_file: str | None, force: bool) -> None:
    """Income and cost against budget by funding source: actual to date, variance, forecast.

    Income is recognised by the days of service, not by invoice: a subscription's fee
    evenly over each day of its contract year up to its effective end (annual or termly
    alike), casework and orders on their delivery dates, credit notes on the days they
    belong to. Deferred income (invoiced ahead of service) is shown; the forecast is
    actual / days elapsed x days in the year.

    \b
    Example:
      traded --as-of 2026-01-31 report budget --csv budget.csv --pdf budget.pdf
      traded --as-of 2026-07-31 report budget --fy FY2025/26
    """
    from billing.reports.budget import BudgetReport, budget_report, staff_note
    from billing.reports.csv_export import budget_table, write_csv
    from cli.tables import paragraph, table

    _check_outputs(rt, force, csv_file, pdf_file)
    rep: BudgetReport = rt.run(lambda ctx: budget_report(ctx, _fy(fy, ctx)), read_only=True)
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, budget_table(rep), force, rt.engine().url))
    if pdf_file:
        from billing.outputs import write_output
        from billing.reports.budget_pack import budget_pack

        _write(rt, lambda: write_output(Path(pdf_file), budget_pack(rep), force=force,
                                        database_url=rt.engine().url))
    data = rep.as_json()

    def text() -> str:
        rows: list[list[object]] = []
        for r in rep.rows:
            rows.append([r.line, r.kind, _SHORT.get(r.source, r.source), "" if r.fte is None else r.fte,
                         _m(r.budget), _m(r.budget_to_date), _m(r.actual), _m(r.variance), _m(r.forecast),
                         "" if r.basis == "actual" else r.basis])
        out = [table(["Line", "Kind", "Source", "FTE", "Budget", "Budget to date", "Actual to date", "Variance",
                      "Forecast", "Basis"], rows, "lllrrrrrrl", wrap=("Line",),
                     title=f"Budget {rep.fy.name}: actual to {rep.as_of} ({rep.days_elapsed} of {rep.fy.days} days)")]
        out.append(table(["Funding source", "Kind", "Budget", "Budget to date", "Actual", "Variance", "Forecast"],
                         [[s["source"], s["kind"], _m(s["budget"]), _m(s["budget_to_date"]), _m(s["actual"]),
                           _m(s["variance"]), _m(s["forecast"])] for s in rep.by_source()], "llrrrrr",
                         title="By funding source"))
        t = cast(dict[str, Any], data["totals"])
        out.append(paragraph(f"Net (income - cost): budget {_m(t['net']['budget'])}, actual {_m(t['net']['actual'])}, "
                   f"forecast {_m(t['net']['forecast'])}."))
        out.append(paragraph(f"Income is recognised by the days of service, not by invoice. Invoiced this year "
                   f"{_m(rep.invoiced_in_year)}; invoiced for service in later years (deferred) {_m(rep.deferred)}; "
                   f"invoiced earlier for service this year (brought forward) {_m(rep.brought_forward)}."))
        out.append(paragraph("Sources: council = council budget; forum/HNB = schools forum / high-needs block; traded = traded "
                   "income. Basis 'allocation': a council or schools forum contribution, counted as received evenly "
                   "by day. Variance = actual less budget to date (the budget spread evenly by day). "
                   + staff_note(rep)))
        for path, what in ((csv_file, "CSV"), (pdf_file, "PDF pack")):
            if path:
                out.append(f"{what} written to {path}.")
        return "\n".join(out)

    rt.emit(data, text)


@click.group()
def budget() -> None:
    """Budget lines per financial year, non-staff costs and staff cost rates.

    \b
    Example:
      traded budget set --fy FY2025/26 --line "Service manager" --kind cost --source council --amount 68000.00 --fte 1
    """


@budget.command("set")
@click.option("--fy", required=True, metavar="FY", help="Financial year, e.g. FY2025/26.")
@click.option("--line", required=True, metavar="NAME", help="The line's name (a post, or an income or cost head).")
@click.option("--kind", required=True, type=click.Choice(["income", "cost"]), metavar="income|cost")
@click.option("--source", required=True, metavar="SOURCE",
              help='"council budget", "schools forum / high-needs block" or "traded income" '
                   "(or council, schools-forum, traded).")
@click.option("--amount", required=True, metavar="AMOUNT", help="For the whole year, e.g. 68000.00.")
@click.option("--fte", default=None, metavar="N", help="Full-time equivalents, for a post (cost line).")
@click.option("--from", "from_", default=None, metavar="DATE",
              help="The line is for the year from this day (a post filled from September); default the year's start.")
@click.option("--to", default=None, metavar="DATE", help="... to this day; default the year's end.")
@pass_runtime
def set_cmd(rt: Runtime, fy: str, line: str, kind: str, source: str, amount: str, fte: str | None,
            from_: str | None, to: str | None) -> None:
    """Create or replace a budget line for a financial year (or part of it: --from, --to).

    The budget to date is the line's budget spread evenly by day over its days.

    \b
    Example:
      traded budget set --fy FY2025/26 --line "Traded income from schools" --kind income --source traded --amount 150000.00
      traded budget set --fy FY2025/26 --line "Inclusion workers" --kind cost --source traded --amount 58000.00 --fte 2 --from 2025-09-01
    """
    from billing.budgets import line_period, set_budget_line
    from pricing.calendars import FinancialYear
    from pricing.clock import parse_date

    def service(ctx: Any) -> dict[str, object]:
        ln = set_budget_line(ctx, fy, line, kind, source, amount, fte, parse_date(from_) if from_ else None,
                             parse_date(to) if to else None)
        starts, ends = line_period(ln)
        return {"fy": FinancialYear(ln.financial_year).name, "line": ln.line, "kind": ln.kind,
                "source": ln.source, "amount": ln.amount, "fte": ln.fte, "from": starts, "to": ends}

    data = rt.run(service)
    rt.emit(data, f"{data['fy']} {data['kind']} line \"{data['line']}\" ({data['source']}): {_m(data['amount'])} "
                  f"for {data['from']} to {data['to']}.")


@budget.command("list")
@FY_OPTION
@list_options
@pass_runtime
def list_cmd(rt: Runtime, fy: str | None) -> None:
    """List a financial year's budget lines.

    \b
    Example:
      traded budget list --fy FY2025/26
      traded --as-of 2026-01-31 budget list --csv budget-lines.csv
    """
    from billing.budgets import budget_lines, line_period
    from cli.formats import count
    from cli.listing import emit_list
    from cli.tables import table

    def service(ctx: Any) -> tuple[str, list[dict[str, object]]]:
        year = _fy(fy, ctx)
        return year.name, [{"line": ln.line, "kind": ln.kind, "source": ln.source, "amount": ln.amount,
                            "fte": ln.fte, "from": line_period(ln)[0], "to": line_period(ln)[1]}
                           for ln in budget_lines(ctx, year)]

    name, data = rt.run(service, read_only=True)
    emit_list(rt, data, lambda: table(["Line", "Kind", "Funding source", "FTE", "Amount", "From", "To"],
                                      [[d["line"], d["kind"], d["source"], d["fte"] or "", _m(d["amount"]),
                                        d["from"], d["to"]]
                                       for d in data], "lllrrll", title=f"{name}: {count(len(data), 'budget line')}"))


@budget.command("cost")
@click.option("--on", "on", required=True, metavar="DATE", help="Date the cost was incurred.")
@click.option("--amount", required=True, metavar="AMOUNT")
@click.option("--source", required=True, metavar="SOURCE", help="Funding source that bears it.")
@click.option("--description", required=True, metavar="TEXT")
@click.option("--case", "case_id", default=None, type=RECORD_ID, metavar="ID", help="The case it was for, if any.")
@pass_runtime
def cost_cmd(rt: Runtime, on: str, amount: str, source: str, description: str, case_id: int | None) -> None:
    """Record a non-staff cost (venue, materials, travel).

    \b
    Example:
      traded budget cost --on 2025-10-14 --amount 240.00 --source council --description "Venue hire, Team Teach"
    """
    from billing.budgets import add_cost
    from pricing.clock import parse_date

    def service(ctx: Any) -> dict[str, object]:
        cost = add_cost(ctx, parse_date(on), amount, source, description, case_id)
        return {"id": cost.id, "on": cost.incurred_on, "amount": cost.amount, "source": cost.source,
                "description": cost.description, "case": cost.case_id}

    data = rt.run(service)
    rt.emit(data, f"Recorded cost {data['id']}: {_m(data['amount'])} on {data['on']} ({data['source']}).")


@budget.command("staff-rate")
@click.argument("name")
@click.option("--from", "from_", required=True, metavar="DATE", help="The day the new rate applies from.")
@click.option("--cost-per-hour", "cost", required=True, metavar="AMOUNT")
@pass_runtime
def staff_rate_cmd(rt: Runtime, name: str, from_: str, cost: str) -> None:
    """Change a member of staff's hourly cost from a date on; earlier work keeps the old rate.

    \b
    Example:
      traded budget staff-rate "Sam Patel" --from 2026-04-01 --cost-per-hour 40.10
    """
    from billing.staff_rates import set_rate
    from pricing.clock import parse_date

    def service(ctx: Any) -> dict[str, object]:
        rate = set_rate(ctx, name, parse_date(from_), cost)
        return {"name": name.strip(), "from": rate.effective_from, "cost_per_hour": rate.cost_per_hour}

    data = rt.run(service)
    rt.emit(data, f"{data['name']}: {_m(data['cost_per_hour'])} an hour from {data['from']}.")


def _period(ctx: Any, fy: str | None, from_: str | None, to: str | None) -> tuple[Any, Any]:
    """The days asked for: --from/--to, else a financial year (default the as-of date's) to the as-of date."""
    from pricing.clock import parse_date
    from pricing.errors import InvalidInput

    if fy is not None and (from_ is not None or to is not None):
        raise InvalidInput("Give --fy, or --from and --to, not both.", code="bad_period")
    if from_ is not None or to is not None:
        year = _fy(None, ctx)
        first = parse_date(from_) if from_ is not None else year.start
        return first, parse_date(to) if to is not None else ctx.today
    year = _fy(fy, ctx)
    return year.start, min(ctx.today, year.end)  # a year not begun ends before it starts: no days yet


@report.command("utilisation")
@click.option("--fy", default=None, metavar="FY",
              help="Financial year, e.g. FY2025/26, from its start to the as-of date (default: the as-of date's).")
@click.option("--from", "from_", default=None, metavar="DATE", help="First day (default: the financial year's start).")
@click.option("--to", default=None, metavar="DATE", help="Last day (default: the as-of date).")
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def utilisation_cmd(rt: Runtime, fy: str | None, from_: str | None, to: str | None, csv_file: str | None,
                    force: bool) -> None:
    """Per delivery post-holder: hours they could deliver, hours delivered, utilisation.

    Capacity = working days filled in the period less the leave and training
    allowances (price book council.capacity) x hours a day x FTE. Delivered = hours
    delivered and deemed delivered by the member of staff linked to the assignment.
    Hours by people with no delivery post are shown apart.

    \b
    Example:
      traded --as-of 2026-03-31 report utilisation --from 2026-03-01 --to 2026-03-31
      traded --as-of 2026-03-31 report utilisation --fy FY2025/26 --csv utilisation.csv
    """
    from billing.reports.csv_export import utilisation_table, write_csv
    from billing.reports.utilisation import OVER_CAPACITY, UtilisationReport, utilisation_report, utilisation_to_date
    from cli.tables import paragraph, table

    def service(ctx: Any) -> UtilisationReport:
        first, last = _period(ctx, fy, from_, to)
        # A financial year runs to the as-of date, so one not begun has no days yet; dates given are checked.
        return utilisation_report(ctx, first, last) if from_ or to else utilisation_to_date(ctx, first, last)

    _check_outputs(rt, force, csv_file)
    rep: UtilisationReport = rt.run(service, read_only=True)
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, utilisation_table(rep), force, rt.engine().url))
    data = rep.as_json()

    def pct(value: Any) -> str:
        return "" if value is None else f"{value}%"

    def text() -> str:
        if not rep.has_days:
            return (f"Utilisation from {rep.first}: no days yet (the as-of date is {rep.last}, before the period "
                    "starts).")
        rows: list[list[object]] = [[r.post, r.person, r.staff or "", r.fte, r.first, r.last, r.capacity, r.delivered,
                                     r.deemed, pct(r.utilisation) + (" !" if r.over_capacity else "")]
                                    for r in rep.rows]
        rows.append(["TOTAL", "", "", "", "", "", rep.capacity, rep.delivered, rep.deemed, pct(rep.utilisation)])
        out = [table(["Post", "Person", "Staff", "FTE", "From", "To", "Capacity h", "Delivered h", "of which deemed",
                      "Utilisation"], rows, "lllrllrrrr", wrap=("Post", "Person", "Staff"),
                     title=f"Utilisation {rep.first} to {rep.last}")]
        over = [r for r in rep.rows if r.over_capacity]
        if over:
            out.append(paragraph("! " + OVER_CAPACITY + ": " + "; ".join(
                f"{r.post}, {r.person} ({r.fte} FTE) {pct(r.utilisation)}" for r in over) + "."))
        if rep.unposted:
            out.append(table(["Staff", "Role", "Delivered h", "of which deemed"],
                             [[u.staff, u.role, u.delivered, u.deemed] for u in rep.unposted], "llrr",
                             wrap=("Staff", "Role"),
                             title=f"Hours delivered with no delivery post: {rep.unposted_hours} h, not in the "
                                   "total or the utilisation above"))
        s = rep.setting
        out.append(paragraph(f"Capacity: working days filled less {s.leave_days} leave and {s.training_days} training "
                             f"days a full-time year (shared by calendar days), x {s.hours_per_week} hours a week / 5 "
                             "x FTE. Delivered includes deemed-delivered hours."))
        if csv_file:
            out.append(f"CSV written to {csv_file}.")
        return "\n".join(out)

    rt.emit(data, text)


@report.command("funding")
@FY_OPTION
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def funding_cmd(rt: Runtime, fy: str | None, csv_file: str | None, force: bool) -> None:
    """Per funding source: budget for the year, spend, income and balance, to date and at year end.

    Budget: the source's funding budgets prorated into the year by calendar days (the
    days stated), else a council or schools forum source's income budget lines. Spend:
    pay charged through the posts' funding splits plus non-staff costs. Balance =
    budget + income - spend; the forecast takes the pay committed for the whole year.

    \b
    Example:
      traded --as-of 2026-01-31 report funding --fy FY2025/26 --csv funding.csv
    """
    from billing.reports.csv_export import funding_table, write_csv
    from billing.reports.funding import FundingReport, funding_report
    from cli.tables import paragraph, table

    _check_outputs(rt, force, csv_file)
    rep: FundingReport = rt.run(lambda ctx: funding_report(ctx, _fy(fy, ctx)), read_only=True)
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, funding_table(rep), force, rt.engine().url))
    data = rep.as_json()

    def text() -> str:
        def short(source: str) -> str:
            return _SHORT.get(source, source)

        now = [[short(s.source), s.basis, _m(s.budget), _m(s.budget_to_date), _m(s.pay), _m(s.other), _m(s.income),
                _m(s.balance)] for s in rep.sources]
        now.append(["TOTAL", "", _m(rep.total("budget")), _m(rep.total("budget_to_date")), _m(rep.total("pay")),
                    _m(rep.total("other")), _m(rep.total("income")), _m(rep.total("balance"))])
        end = [[short(s.source), _m(s.budget), _m(s.pay_forecast), _m(s.other_forecast), _m(s.income_forecast),
                _m(s.balance_forecast)] for s in rep.sources]
        end.append(["TOTAL", _m(rep.total("budget")), _m(rep.total("pay_forecast")), _m(rep.total("other_forecast")),
                    _m(rep.total("income_forecast")), _m(rep.total("balance_forecast"))])
        out = [table(["Source", "Basis", "Budget", "Budget to date", "Pay", "Non-staff", "Income", "Balance"], now,
                     "llrrrrrr", title=f"Funding sources {rep.fy.name}: to {rep.as_of} "
                                       f"({rep.days_elapsed} of {rep.fy.days} days)"),
               table(["Source", "Budget", "Pay committed", "Non-staff", "Income", "Balance"], end, "lrrrrr",
                     title="Forecast to year end")]
        parts = [p for s in rep.sources for p in s.parts]
        if parts:
            out.append(table(["Source", "Budget", "Period", "Whole", "This year", "Days"],
                             [[short(p.source), p.description, f"{p.starts_on} to {p.ends_on}", _m(p.whole),
                               _m(p.amount), p.days_text] for p in parts], "lllrrl", wrap=("Budget",),
                             title="Funding budgets in the year"))
        out.append(paragraph("Balance = budget + income - spend: to date, what is left of the year's budget; "
                             "forecast, the year-end underspend (or overspend, negative). Pay is charged through "
                             "each post's funding split; income is traded income from schools by days of service."))
        if csv_file:
            out.append(f"CSV written to {csv_file}.")
        return "\n".join(out)

    rt.emit(data, text)


@report.command("forecast")
@FY_OPTION
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def forecast_cmd(rt: Runtime, fy: str | None, csv_file: str | None, force: bool) -> None:
    """Forecast to year end per budget line, beside the budget: variance favourable or adverse.

    Income: recognised to date plus what is invoiced and scheduled for the rest of the
    year, and the funding budgets' parts in the year. Cost: the establishment's pay
    committed for the whole year, other costs to date at their run-rate.

    \b
    Example:
      traded --as-of 2026-01-31 report forecast --fy FY2025/26 --csv forecast.csv
    """
    from billing.reports.csv_export import forecast_table, write_csv
    from billing.reports.forecast import ForecastReport, forecast_report
    from cli.tables import paragraph, table

    _check_outputs(rt, force, csv_file)
    rep: ForecastReport = rt.run(lambda ctx: forecast_report(ctx, _fy(fy, ctx)), read_only=True)
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, forecast_table(rep), force, rt.engine().url))
    data = rep.as_json()

    def text() -> str:
        totals = cast(dict[str, dict[str, Any]], data["totals"])
        rows: list[list[object]] = []
        for kind in ("income", "cost"):
            rows += [[ln.line, _SHORT.get(ln.source, ln.source), _m(ln.budget), _m(ln.to_date), _m(ln.forecast),
                      _m(ln.variance), ln.label] for ln in rep.lines if ln.kind == kind]
            t = totals[kind]
            rows.append([f"TOTAL {kind.upper()}", "", _m(t["budget"]), _m(t["to_date"]), _m(t["forecast"]),
                         _m(t["variance"]), t["label"]])
        t = totals["net"]
        rows.append(["NET", "", _m(t["budget"]), _m(t["to_date"]), _m(t["forecast"]), _m(t["variance"]), t["label"]])
        out = [table(["Line", "Source", "Budget", "To date", "Forecast", "Variance", ""], rows, "llrrrrl",
                     wrap=("Line",), title=f"Forecast {rep.fy.name} to year end (actual to {rep.as_of}, "
                                           f"{rep.days_elapsed} of {rep.fy.days} days)")]
        out.append(paragraph("Variance = forecast - budget: more income or less cost is favourable. Traded income: "
                             "recognised to date + invoiced and scheduled for the rest of the year (nothing assumed "
                             "of income not yet contracted). Staff: "
                             + ("pay committed for the whole year by the assignments recorded."
                                if rep.staff_basis == "establishment"
                                else "no establishment recorded, so delivery hours' cost at its run-rate.")
                             + " Other costs: to date / days elapsed x days in the year."))
        if csv_file:
            out.append(f"CSV written to {csv_file}.")
        return "\n".join(out)

    rt.emit(data, text)


@report.command("pack")
@click.option("--fy", default=None, metavar="FY",
              help="Financial year, e.g. FY2025/26 (default: the as-of date's).")
@click.option("--pdf", "pdf_file", required=True, metavar="FILE", help="Write the pack (landscape PDF) to FILE.")
@click.option("--csv", "csv_file", default=None, metavar="FILE",
              help="Also write page 1's headline figures as CSV (figure, value, detail, period, "
                   "amount, direction).")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def pack_cmd(rt: Runtime, fy: str | None, pdf_file: str, csv_file: str | None, force: bool) -> None:
    """The manager's pack: does the service pay for itself?

    Page 1 is the headline figures (cost recovery, income, cost, net variance against
    budget and its forecast at year end, each funding source's variance, cases open and
    closed, average full cost per case, utilisation), each with its period; then charts
    (income and cost by month, funding source balances, full cost per case) and tables
    (funding sources, forecast, budget lines, utilisation, cost per case). The CSV holds
    exactly page 1's figures, as printed, and each as a plain signed number (amount:
    pounds, a percentage or a count; a negative variance is adverse) with its direction.

    \b
    Example:
      traded --as-of 2026-03-31 report pack --pdf pack.pdf --csv headlines.csv
      traded --as-of 2026-07-31 report pack --fy FY2025/26 --pdf pack.pdf --force
    """
    from billing.outputs import write_output
    from billing.reports.csv_export import write_csv
    from billing.reports.manager_pack import HEADLINE_COLUMNS, manager_pack
    from cli.tables import table

    _check_outputs(rt, force, pdf_file, csv_file)

    def service(ctx: Any) -> tuple[str, bytes, list[Any]]:
        year = _fy(fy, ctx)
        pdf, rows = manager_pack(ctx, year)
        return year.name, pdf, rows

    name, pdf, rows = rt.run(service, read_only=True)
    _write(rt, lambda: write_output(Path(pdf_file), pdf, force=force, database_url=rt.engine().url))
    if csv_file:
        _write(rt, lambda: write_csv(csv_file, (list(HEADLINE_COLUMNS), [list(r) for r in rows]), force,
                                     rt.engine().url))
    data = {"fy": name, "pdf": pdf_file, "csv": csv_file,
            "headlines": [dict(zip(HEADLINE_COLUMNS, r, strict=True)) for r in rows]}

    def text() -> str:
        out = [table(["Figure", "Value", "Detail", "Period"], [r[:4] for r in rows], "lrll", wrap=("Detail", "Period"),
                     title=f"Manager's pack {name}: headline figures")]
        out += [f"{what} written to {path}." for path, what in ((pdf_file, "PDF pack"), (csv_file, "CSV"))
                if path]
        return "\n".join(out)

    rt.emit(data, text)


@report.command("staff-cost")
@FY_OPTION
@click.option("--csv", "csv_file", default=None, metavar="FILE", help=CSV_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def staff_cost_cmd(rt: Runtime, fy: str | None, csv_file: str | None, force: bool) -> None:
    """Pay from the establishment: per post and person by month, to date and committed, by funding source.

    A post-holder is paid their share of the post's 12-month cost with on-costs for
    the days they fill it (a day = the cost / the days of its financial year); each
    month's pay is shared between the post's funders. Committed = the whole year from
    the people in post, to their end dates. Vacancies are listed: they cost nothing.

    \b
    Example:
      traded --as-of 2026-01-31 report staff-cost --fy FY2025/26 --csv pay.csv
    """
    from billing.reports.budget import fy_months, month_name
    from billing.reports.staff_cost import StaffCostReport, staff_cost
    from cli.tables import paragraph, table

    _check_outputs(rt, force, csv_file)
    rep: StaffCostReport = rt.run(lambda ctx: staff_cost(ctx, _fy(fy, ctx)), read_only=True)
    months = [m for m in fy_months(rep.fy) if (m[0], m[1]) <= (rep.as_of.year, rep.as_of.month)]
    if csv_file:
        headers = ["fy", "as_of", "post", "person", "fte", "sources", *[f"{y}-{m:02d}" for y, m in months],
                   "to_date", "committed"]
        rows = [[rep.fy.name, rep.as_of, r.post, r.person, r.fte, "; ".join(r.sources),
                 *[r.months[m] for m in months], r.to_date, r.committed] for r in rep.rows]

        def write() -> object:
            from billing.reports.csv_export import write_csv

            return write_csv(csv_file, (headers, rows), force, rt.engine().url)

        _write(rt, write)
    data = rep.as_json()

    def text() -> str:
        rows = [[r.post, r.person, r.fte, ", ".join(_SHORT.get(s, s) for s in r.sources),
                 *[_m(r.months[m]) for m in months[-3:]], _m(r.to_date), _m(r.committed)] for r in rep.rows]
        rows.append(["TOTAL", "", "", "", *[_m(sum((r.months[m] for r in rep.rows), Decimal("0.00")))
                                            for m in months[-3:]], _m(rep.to_date), _m(rep.committed)])
        out = [table(["Post", "Person", "FTE", "Funded by", *[month_name(m) for m in months[-3:]], "To date",
                      "Committed"], rows, "lllr" + "r" * (len(months[-3:]) + 2), wrap=("Post", "Person", "Funded by"),
                     title=f"Staff cost {rep.fy.name} to {rep.as_of} (the last three months shown; --json or "
                           "--csv for every month)")]
        out.append(table(["Funding source", "To date", "Committed"],
                         [[s, _m(t), _m(c)] for s, (t, c) in rep.by_source.items()], "lrr", title="By funding source"))
        if rep.vacancies:
            out.append(table(["Vacant post", "FTE", "Filled", "Vacant"],
                             [[v.post, v.fte, v.filled, v.vacant] for v in rep.vacancies], "lrrr",
                             title=f"Vacancies on {rep.as_of}"))
        out.append(paragraph("Pay accrues by the day: a day is the post-holder's 12-month cost with on-costs / the "
                             "days of its financial year; each month's pay is shared between the post's funders."))
        if csv_file:
            out.append(f"CSV written to {csv_file}.")
        return "\n".join(out)

    rt.emit(data, text)
