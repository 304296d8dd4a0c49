"""`traded staff add|list`."""

from __future__ import annotations

import click

from cli.runtime import Runtime, pass_runtime


@click.group()
def staff() -> None:
    """Members of the team and their hourly cost.

    \b
    Example:
      traded staff add --name "Sam Patel" --role "Senior worker" --cost-per-hour 38.50
    """


@staff.command("add")
@click.option("--name", required=True)
@click.option("--role", required=True)
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
