"""`traded school add|list|show`."""

from __future__ import annotations

import click

from cli.listing import list_options
from cli.runtime import Runtime, pass_runtime


def school_json(s: object) -> dict[str, object]:
    from billing.models import School

    assert isinstance(s, School)
    return {
        "urn": s.urn, "name": s.name, "type": s.type, "roll": s.number_on_roll,
        "laestab": s.laestab, "la_code": s.la_code, "email": s.email, "address": s.address,
        "postcode": s.postcode, "phase": s.phase,
    }


@click.group()
def school() -> None:
    """Register and look up schools.

    \b
    Example:
      traded school add --urn 100279 --name "Stoke Newington School" --type maintained --roll 1666
    """


@school.command("add")
@click.option("--urn", required=True, help="Six-digit unique reference number.")
@click.option("--name", required=True)
@click.option("--type", "type_", required=True, metavar="maintained|academy|free|independent")
@click.option("--roll", default=None, metavar="N", help="Number on roll.")
@click.option("--email", default=None)
@click.option("--address", default=None)
@click.option("--postcode", default=None)
@click.option("--laestab", default=None, help="LA code and establishment number, e.g. 2044310.")
@pass_runtime
def add(rt: Runtime, urn: str, name: str, type_: str, roll: str | None, email: str | None,
        address: str | None, postcode: str | None, laestab: str | None) -> None:
    """Register a school.

    \b
    Example:
      traded school add --urn 100279 --name "Stoke Newington School" --type maintained --roll 1666
    """
    from billing.schools import NewSchool, add_school
    from pricing.errors import InvalidInput

    def service(ctx: object) -> dict[str, object]:
        if roll is not None and not (roll.strip().isascii() and roll.strip().isdigit()):
            raise InvalidInput(f"number on roll {roll!r} must be a whole number")
        new = NewSchool(urn=urn, name=name, type=type_, number_on_roll=int(roll) if roll else None,
                        email=email, address=address, postcode=postcode, laestab=laestab)
        return school_json(add_school(ctx, new))  # type: ignore[arg-type]

    data = rt.run(service)
    rt.emit(data, f"Registered {data['name']} (URN {data['urn']}, {data['type']}).")


@school.command("list")
@list_options
@pass_runtime
def list_(rt: Runtime) -> None:
    """List every registered school.

    \b
    Example:
      traded --json school list
      traded school list --csv schools.csv
    """
    from billing.schools import list_schools
    from cli.listing import emit_list

    rows = rt.run(lambda ctx: [school_json(s) for s in list_schools(ctx)], read_only=True)

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        return table(["URN", "Name", "Type", "Roll"],
                     [[r["urn"], r["name"], r["type"], r["roll"] or ""] for r in rows],
                     align="lllr", title=count(len(rows), "school"), wrap=("Name",))

    emit_list(rt, rows, text)


@school.command("show")
@click.argument("urn")
@pass_runtime
def show(rt: Runtime, urn: str) -> None:
    """Show one school.

    \b
    Example:
      traded school show 100279
    """
    from billing.schools import get_school

    data = rt.run(lambda ctx: school_json(get_school(ctx, urn)), read_only=True)
    rt.emit(data, lambda: "\n".join(f"{k:>9}: {v}" for k, v in data.items() if v is not None))
