"""`traded session add|deliver|change|list|show`: visits and the 48-hour rule."""

from __future__ import annotations

from typing import Any

import click

from cli.listing import list_options
from cli.params import RECORD_ID
from cli.runtime import Runtime, pass_runtime


@click.group()
def session() -> None:
    """Schedule, deliver or change sessions (the 48-hour rule).

    Rules: docs/rules.md §5 (the 48-hour rule).

    \b
    Example:
      traded --as-of 2019-09-20 session add 1 --start "2019-10-28 09:00" --hours 2.5 --staff "Priya Shah"
      traded --as-of 2019-10-26 session change 1 --notified "2019-10-26 10:00"
    """


@session.command("add")
@click.argument("case_id", required=False, type=RECORD_ID)
@click.option("--order", "order_id", type=RECORD_ID, default=None, metavar="ID",
              help="Put the session on an order instead of a case.")
@click.option("--start", required=True, metavar="TIME", help="Start, YYYY-MM-DD HH:MM in Europe/London.")
@click.option("--hours", required=True, metavar="H", help="Planned hours, e.g. 2.5.")
@click.option("--staff", required=True, metavar="NAME", help="The member of staff.")
@pass_runtime
def add(rt: Runtime, case_id: int | None, order_id: int | None, start: str, hours: str, staff: str) -> None:
    """Schedule a session on a case (or, with --order, on a training or whole-class order).

    A session after the case's eight-week plan is allowed, with a WARNING on stderr.

    \b
    Example:
      traded --as-of 2019-09-20 session add 1 --start "2019-10-28 09:00" --hours 2.5 --staff "Priya Shah"
    """
    from billing.sessions import add_session
    from pricing.clock import parse_london

    def service(ctx: Any) -> dict[str, object]:
        done = add_session(ctx, starts_at=parse_london(start), hours=hours, staff=staff,
                           case_id=case_id, order_id=order_id)
        return {"id": done.session.id, "start": done.session.starts_at,
                "hours": done.session.planned_hours, "warning": done.warning}

    data = rt.run(service)
    if data["warning"]:
        click.echo(f"WARNING: {data['warning']}", err=True)
    rt.emit(data, f"Scheduled session {data['id']}.")


@session.command("deliver")
@click.argument("session_id", type=RECORD_ID)
@click.option("--hours", default=None, metavar="H", help="Hours actually worked (default: as planned).")
@pass_runtime
def deliver(rt: Runtime, session_id: int, hours: str | None) -> None:
    """Record a session as delivered.

    \b
    Example:
      traded --as-of 2019-10-28 session deliver 1 --hours 3
    """
    from billing.sessions import deliver_session

    def service(ctx: Any) -> dict[str, object]:
        s = deliver_session(ctx, session_id, hours)
        return {"id": s.id, "status": s.status, "hours": s.delivered_hours}

    data = rt.run(service)
    rt.emit(data, f"Session {data['id']} delivered: {data['hours']} hours.")


@session.command("change")
@click.argument("session_id", type=RECORD_ID)
@click.option("--notified", default=None, metavar="TIME",
              help="When the school told the service (Europe/London).")
@click.option("--no-notice", is_flag=True, help="The school never told the service; the session could not happen.")
@click.option("--moved-to", default=None, metavar="TIME", help="The new time asked for, if any.")
@pass_runtime
def change(rt: Runtime, session_id: int, notified: str | None, no_notice: bool, moved_to: str | None) -> None:
    """Apply the school's notice of a change: the 48-hour rule.

    Notice at least 48 hours (elapsed time) before the start: moved or dropped, no
    charge. Later notice, or none: deemed delivered, charged where chargeable.

    \b
    Example:
      traded --as-of 2019-10-26 session change 7 --notified "2019-10-26 10:00" --moved-to "2019-11-04 09:00"
      traded --as-of 2019-10-28 session change 7 --no-notice
    """
    from billing.sessions import change_session
    from pricing.clock import parse_london
    from pricing.errors import InvalidInput

    def service(ctx: Any) -> dict[str, object]:
        if (notified is None) == (not no_notice):
            raise InvalidInput("Give either --notified TIME or --no-notice.")
        done = change_session(ctx, session_id, parse_london(notified) if notified else None,
                              parse_london(moved_to) if moved_to else None)
        return {"id": done.session.id, "outcome": done.outcome.value, "charged": done.charged,
                "new_session": done.replacement.id if done.replacement else None, "warning": done.warning}

    data = rt.run(service)
    if data["warning"]:
        click.echo(f"WARNING: {data['warning']}", err=True)
    rt.emit(data, f"Session {data['id']}: {str(data['outcome']).replace('_', ' ')}"
                  + (", charged." if data["charged"] else ", no charge."))


@session.command("list")
@click.option("--case", "case_key", default=None, metavar="ID|REF", help="Only this case's sessions.")
@click.option("--urn", default=None, metavar="URN", help="Only sessions at this school.")
@click.option("--from", "from_", default=None, metavar="DATE", help="Only sessions starting on or after this day.")
@click.option("--to", "to", default=None, metavar="DATE", help="Only sessions starting on or before this day.")
@list_options
@pass_runtime
def list_(rt: Runtime, case_key: str | None, urn: str | None, from_: str | None, to: str | None) -> None:
    """List sessions in time order: start (Europe/London), case or order, staff, hours and outcome.

    \b
    Example:
      traded session list --case C25-0001
      traded session list --urn 100279 --from 2025-09-01 --to 2025-12-31
    \b
    JSON: [{"id", "case", "case_id", "order_id", "urn", "school", "service",
            "start": "2025-09-29 09:30", "staff", "hours": "2.50", "delivered_hours",
            "status": "scheduled|delivered|moved|dropped|deemed_delivered", "notified", "moved_to"}]
    """
    from billing.views.casework import list_sessions
    from cli.listing import emit_list
    from pricing.clock import parse_date

    def service(ctx: Any) -> list[dict[str, object]]:
        return [s.as_json() for s in list_sessions(ctx, case_key, urn, parse_date(from_) if from_ else None,
                                                   parse_date(to) if to else None)]

    rows = rt.run(service, read_only=True)

    def text() -> str:
        from cli.formats import count

        return sessions_table(rows, title=count(len(rows), "session"), with_school=True)

    emit_list(rt, rows, text)


def sessions_table(rows: list[dict[str, Any]], title: str, with_school: bool = False) -> str:
    """Sessions as a table (also under `case show`)."""
    from cli.tables import table

    def on(s: dict[str, Any]) -> object:
        return s["case"] or (f"order {s['order_id']}" if s["order_id"] else "")

    headers = ["ID", "Start", *(["Case / order", "School"] if with_school else []), "Staff", "Hours", "Delivered",
               "Status"]
    return table(headers,
                 [[s["id"], s["start"], *([on(s), f"{s['school']} ({s['urn']})"] if with_school else []), s["staff"],
                   s["hours"], s["delivered_hours"], s["status"]] for s in rows],
                 align="rl" + ("ll" if with_school else "") + "lrrl", wrap=("School", "Staff"), title=title)


@session.command("show")
@click.argument("session_id", metavar="ID", type=RECORD_ID)
@pass_runtime
def show(rt: Runtime, session_id: int) -> None:
    """Show one session: when, where, who, planned and delivered hours, and the 48-hour outcome.

    \b
    Example:
      traded session show 7
    \b
    JSON: {"id", "case", "case_id", "order_id", "urn", "school", "service", "start", "staff",
           "hours", "delivered_hours", "status", "notified", "moved_to"}
    """
    from billing.views.casework import show_session

    data = rt.run(lambda ctx: show_session(ctx, session_id).as_json(), read_only=True)

    def text() -> str:
        from cli.details import details

        return details([
            ("Session", data["id"]), ("Case", data["case"]), ("Order", data["order_id"]),
            ("School", f"{data['school']} (URN {data['urn']})"), ("Service", data["service"]),
            ("Start", data["start"]), ("Staff", data["staff"]), ("Planned hours", data["hours"]),
            ("Delivered hours", data["delivered_hours"]), ("Status", data["status"]),
            ("Notified", data["notified"]), ("Moved to session", data["moved_to"]),
        ])

    rt.emit(data, text)
