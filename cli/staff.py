"""`traded staff add|list|show`."""

from __future__ import annotations

from typing import Any

import click

from cli.listing import list_options
from cli.runtime import Runtime, pass_runtime


@click.group()
def staff() -> None:
    """Members of the team and their hourly cost.

    \b
    Example:
      traded staff add --name "Sam Patel" --role "Senior worker" --cost-per-hour 38.50
    """


@staff.command("add")
@click.option("--name", required=True, metavar="NAME", help="Their name, as sessions give it with --staff.")
@click.option("--role", required=True, metavar="TEXT", help="Their role, e.g. Senior worker.")
@click.option("--cost-per-hour", "cost", required=True, metavar="AMOUNT",
              help="Salary plus on-costs over productive hours, e.g. 38.50.")
@click.option("--from", "from_", default=None, metavar="DATE", help="Date the rate applies from.")
@pass_runtime
def add(rt: Runtime, name: str, role: str, cost: str, from_: str | None) -> None:
    """Add a member of staff with their hourly cost.

    \b
    Example:
      traded staff add --name "Sam Patel" --role "Senior worker" --cost-per-hour 38.50
    """
    from billing.schools import add_staff
    from pricing.clock import parse_date

    def service(ctx: object) -> dict[str, object]:
        member = add_staff(ctx, name, role, cost, parse_date(from_) if from_ else None)  # type: ignore[arg-type]
        return {"id": member.id, "name": member.name, "role": member.role}

    data = rt.run(service)
    rt.emit(data, f"Added {data['name']} ({data['role']}), id {data['id']}.")


@staff.command("list")
@list_options
@pass_runtime
def list_(rt: Runtime) -> None:
    """List the team by name, with each member's hourly cost in force on the as-of day.

    \b
    Example:
      traded staff list
      traded --as-of 2026-04-01 --json staff list
    \b
    JSON: [{"id", "name", "role", "cost_per_hour": "38.50", "rate_from": "2025-04-01"}]
          (cost_per_hour null when the member's first rate starts later)
    """
    from billing.views.staff import list_staff
    from cli.listing import emit_list

    rows = rt.run(lambda ctx: [s.as_json() for s in list_staff(ctx)], read_only=True)

    def text() -> str:
        from cli.formats import count, money
        from cli.tables import table

        return table(["ID", "Name", "Role", "Cost per hour", "Since"],
                     [[r["id"], r["name"], r["role"], money(r["cost_per_hour"]), r["rate_from"]] for r in rows],
                     align="rllrl", wrap=("Name", "Role"), title=count(len(rows), "member of staff",
                                                                       "members of staff"))

    emit_list(rt, rows, text)


@staff.command("show")
@click.argument("key", metavar="ID|NAME")
@pass_runtime
def show(rt: Runtime, key: str) -> None:
    """Show a member of staff (by id or name) with every dated hourly cost.

    \b
    Example:
      traded staff show "Sam Patel"
    \b
    JSON: {"id", "name", "role", "cost_per_hour", "rate_from", "rates": [{"from", "cost_per_hour"}]}
    """
    from billing.views.staff import show_staff

    data = rt.run(lambda ctx: show_staff(ctx, key).detail_json(), read_only=True)

    def text() -> str:
        from cli.details import details
        from cli.formats import money
        from cli.tables import table

        rates: Any = data["rates"]
        return "\n".join([
            details([("Name", data["name"]), ("Id", data["id"]), ("Role", data["role"]),
                     ("Cost per hour", money(data["cost_per_hour"]) or "no rate in force yet"),
                     ("Since", data["rate_from"])]),
            table(["From", "Cost per hour"], [[r["from"], money(r["cost_per_hour"])] for r in rates],
                  align="lr", title="Rates"),
        ])

    rt.emit(data, text)
