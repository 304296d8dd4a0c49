"""`traded entitlements URN`: included, used and beyond, per service."""

from __future__ import annotations

from typing import Any

import click

from cli.runtime import Runtime, pass_runtime


@click.command()
@click.argument("urn")
@click.option("--year", default=None, metavar="YEAR", help="Academic year, e.g. 2019/20 (default: the as-of date's).")
@pass_runtime
def entitlements(rt: Runtime, urn: str, year: str | None) -> None:
    """What a school's subscription includes, what it has used and what was charged beyond it.

    \b
    Example:
      traded --as-of 2020-03-01 entitlements 100279 --year 2019/20
    """
    from billing.entitlements import entitlements as service_fn
    from pricing.calendars import AcademicYear

    def service(ctx: Any) -> dict[str, Any]:
        ay = AcademicYear.parse(year) if year else AcademicYear.of(ctx.today)
        return service_fn(ctx, urn, ay)

    data = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import money
        from cli.tables import table

        return table(["Service", "Included", "Used", "Beyond", "Hours", "Charged"],
                     [[i["service"], "no cap" if i["included"] is None else i["included"], i["used"], i["beyond"],
                       i["hours"], money(i["charged"])] for i in data["items"]],
                     align="lrrrrr", title=f"{data['urn']} {data['year']}: {data['tier'] or 'no subscription'}")

    rt.emit(data, text)
