"""`traded case open|close|ack|late-acks`: casework referrals."""

from __future__ import annotations

from typing import Any

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def case() -> None:
    """Open, acknowledge and close casework referrals (a case reference only, never a name).

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
@click.argument("case_id", type=int)
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
@click.argument("case_id", type=int)
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
@click.option("--year", default=None, metavar="YEAR", help="Academic year, e.g. 2019/20 (default: the as-of year).")
@pass_runtime
def late_acks(rt: Runtime, year: str | None) -> None:
    """Referrals acknowledged later than 48 hours after the referral day (or still waiting).

    \b
    Example:
      traded --as-of 2020-08-31 case late-acks --year 2019/20
    """
    from billing.cases import late_acknowledgements
    from pricing.calendars import AcademicYear

    def service(ctx: Any) -> list[dict[str, object]]:
        ay = AcademicYear.parse(year) if year else AcademicYear.of(ctx.today)
        return late_acknowledgements(ctx, ay)

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.runtime import json_default
        from cli.tables import table

        return table(["Case", "URN", "Referred", "Acknowledged", "Hours", "Working days"],
                     [[r["ref"], r["urn"], r["referred"],
                       json_default(r["acknowledged"]) if r["acknowledged"] else "not yet",
                       r["hours"], r["working_days"]] for r in rows],
                     align="lllrrr", title=f"{len(rows)} referrals acknowledged after 48 hours")

    rt.emit(rows, text)
