"""`traded case open|close|ack|late-acks|list|show`: casework referrals."""

from __future__ import annotations

from typing import Any

import click

from cli.listing import list_options
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime


@click.group()
def case() -> None:
    """Open, acknowledge and close casework referrals (a case reference only, never a name).

    Rules: docs/rules.md §6 (subscribers only, covered referrals, extra casework).

    \b
    Example:
      traded --as-of 2019-09-20 case open 100279 --referred 2019-09-16 --planning 2019-09-20
      traded --as-of 2019-11-15 case close 1 --on 2019-11-15
    """


@case.command("open")
@click.argument("urn")
@click.option("--ref", default=None, metavar="REF",
              help="The case reference in the council's pattern, e.g. C25-0042 (never a name); "
                   "leave it out and the next one is assigned.")
@click.option("--referred", required=True, metavar="DATE", help="Date of the referral.")
@click.option("--planning", default=None, metavar="DATE", help="Date of the planning meeting (starts the 8 weeks).")
@pass_runtime
def open_(rt: Runtime, urn: str, ref: str | None, referred: str, planning: str | None) -> None:
    """Open a referral; says whether the school's subscription covers it.

    A case is known only by its reference, never a child's name. Without --ref the
    next reference of the referral's academic year is assigned (C25-0001, C25-0002,
    ... with the default price-book pattern [council.case_refs]).

    \b
    Example:
      traded --as-of 2025-09-20 case open 100279 --referred 2025-09-16 --planning 2025-09-20
      traded --as-of 2019-09-20 case open 100279 --ref C19-0042 --referred 2019-09-16
    """
    from billing.cases import open_case
    from pricing.clock import parse_date

    def service(ctx: Any) -> dict[str, object]:
        opened = open_case(ctx, urn, ref, parse_date(referred), parse_date(planning) if planning else None)
        c = opened.case
        return {"id": c.id, "ref": c.ref, "covered": c.covered, "urn": urn.strip(),
                "year": f"{c.academic_year}/{(c.academic_year + 1) % 100:02d}", "tier": opened.tier,
                "referred": c.referred_on, "planning": c.planning_on}

    data = rt.run(service)
    rt.emit(data, f"Opened case {data['ref']} (id {data['id']}): "
                  + ("covered by the subscription." if data["covered"] else "NOT covered: charged at the day rate."))


@case.command("close")
@click.argument("case_id", type=RECORD_ID)
@click.option("--on", "on", required=True, metavar="DATE", help="Closure date.")
@pass_runtime
def close(rt: Runtime, case_id: int, on: str) -> None:
    """Close a case on a date (every session must have an outcome first).

    \b
    Example:
      traded --as-of 2019-11-15 case close 1 --on 2019-11-15
    """
    from billing.cases import close_case
    from pricing.clock import parse_date

    def service(ctx: Any) -> dict[str, object]:
        c = close_case(ctx, case_id, parse_date(on))
        return {"id": c.id, "ref": c.ref, "closed": c.closed_on}

    data = rt.run(service)
    rt.emit(data, f"Closed case {data['ref']} on {data['closed']}.")


@case.command("ack")
@click.argument("case_id", type=RECORD_ID)
@click.option("--at", "at", required=True, metavar="TIME", help="When the referral was acknowledged (Europe/London).")
@pass_runtime
def ack(rt: Runtime, case_id: int, at: str) -> None:
    """Record when the service acknowledged a referral (the 48-hour response commitment).

    \b
    Example:
      traded --as-of 2019-09-17 case ack 1 --at "2019-09-17 10:30"
    """
    from billing.cases import acknowledge_case, is_acknowledged_late
    from pricing.clock import parse_london

    def service(ctx: Any) -> dict[str, object]:
        c = acknowledge_case(ctx, case_id, parse_london(at))
        return {"id": c.id, "ref": c.ref, "acknowledged": c.acknowledged_at, "late": is_acknowledged_late(c)}

    data = rt.run(service)
    rt.emit(data, f"Case {data['ref']} acknowledged" + (" LATE (over 48 hours)." if data["late"] else " in time."))


@case.command("late-acks")
@click.option("--year", default=None, metavar="YEAR", help="Academic year, e.g. 2019/20 (default: the as-of date's).")
@list_options
@pass_runtime
def late_acks(rt: Runtime, year: str | None) -> None:
    """Referrals acknowledged later than 48 hours after the referral day (or still waiting).

    \b
    Example:
      traded --as-of 2020-08-31 case late-acks --year 2019/20
      traded --as-of 2020-08-31 case late-acks --csv late-acks.csv
    """
    from billing.cases import late_acknowledgements
    from cli.listing import emit_list
    from pricing.calendars import AcademicYear

    def service(ctx: Any) -> list[dict[str, object]]:
        ay = AcademicYear.parse(year) if year else AcademicYear.of(ctx.today)
        return late_acknowledgements(ctx, ay)

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count, when
        from cli.tables import table

        return table(["Case", "URN", "Referred", "Acknowledged", "Hours", "Working days"],
                     [[r["ref"], r["urn"], r["referred"],
                       when(r["acknowledged"]) if r["acknowledged"] else "not yet",  # type: ignore[arg-type]
                       r["hours"], r["working_days"]] for r in rows],
                     align="llllrr", wrap=("Acknowledged",),
                     title=f"{count(len(rows), 'referral')} acknowledged after 48 hours")

    emit_list(rt, rows, text)


@case.command("list")
@click.option("--urn", default=None, metavar="URN", help="Only this school's cases.")
@click.option("--year", default=None, metavar="YEAR", help="Only cases referred in this academic year, e.g. 2025/26.")
@click.option("--open", "open_only", is_flag=True, help="Only cases not yet closed.")
@list_options
@pass_runtime
def list_(rt: Runtime, urn: str | None, year: str | None, open_only: bool) -> None:
    """List cases by referral date: reference, school, plan, status, sessions, hours and casework charged.

    \b
    Example:
      traded case list --urn 100279 --year 2025/26 --open
      traded --json case list --open
    \b
    JSON: [{"id", "ref", "urn", "school", "year", "referred", "planning", "plan_ends",
            "acknowledged", "closed", "status": "open|closed", "covered", "session_count",
            "hours": "7.50", "charged": "1350.00"}]
    """
    from billing.views.casework import list_cases
    from cli.listing import emit_list
    from pricing.calendars import AcademicYear

    def service(ctx: Any) -> list[dict[str, object]]:
        ay = AcademicYear.parse(year) if year else None
        return [c.as_json() for c in list_cases(ctx, urn, ay, open_only)]

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["ID", "Case", "URN", "School", "Referred", "Closed", "Covered", "Sessions", "Hours", "Charged"],
                     [[r["id"], r["ref"], r["urn"], r["school"], r["referred"], r["closed"], r["covered"],
                       r["session_count"], r["hours"], money(r["charged"])] for r in rows],
                     align="rllllllrrr", wrap=("School",), title=count(len(rows), "case"))

    emit_list(rt, rows, text)


@case.command("show")
@click.argument("case_key", metavar="ID|REF")
@pass_runtime
def show(rt: Runtime, case_key: str) -> None:
    """Show a case (by id or reference) with its sessions and the casework charged on it.

    \b
    Example:
      traded case show C25-0001
      traded --json case show 1
    \b
    JSON: {"id", "ref", ... as in case list, "sessions": [{"id", "start", "staff", "hours",
           "delivered_hours", "status", ...}], "charges": [{"id", "description", "period_start",
           "period_end", "due", "amount", "status", "invoice"}]}
    """
    from billing.views.casework import show_case

    data = rt.run(lambda ctx: show_case(ctx, case_key).as_json(), read_only=True)

    def text() -> str:
        from cli.details import details, sessions_and_charges
        from cli.formats import money, yes_no

        parts = [details([
            ("Case", data["ref"]), ("Id", data["id"]), ("School", f"{data['school']} (URN {data['urn']})"),
            ("Year", data["year"]), ("Referred", data["referred"]), ("Planning", data["planning"]),
            ("Plan ends", data["plan_ends"]), ("Acknowledged", data["acknowledged"]),
            ("Closed", data["closed"] or "open"), ("Covered", yes_no(data["covered"])),
            ("Hours", data["hours"]), ("Charged", money(data["charged"])),
        ])]
        parts += sessions_and_charges(data)
        return "\n".join(parts)

    rt.emit(data, text)

