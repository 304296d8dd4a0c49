"""`traded establishment post add|list`, `assign`, `end`, `vacancies`, `budget set|list`, `import`, `export`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.listing import FORCE_HELP, list_options
from cli.runtime import Runtime, pass_runtime

FUNDING_HELP = ('Sources and their parts, separated by ";": percentages adding up to 100 '
                '("council 50%; schools-forum 50%") or 12-month amounts adding up to the post\'s 12-month cost '
                'with on-costs ("council 12300; schools-forum 12300"). Sources: council, schools-forum, traded '
                "(or their full names).")
MAX_FILE = 10 * 1024 * 1024  # an establishment is a few hundred rows; a bigger file is not one


def _m(value: Any) -> str:
    from cli.formats import money

    return money(value)


def _n(value: Any) -> str:
    """FTE as people write it: 1, 0.5, 2.25."""
    from decimal import Decimal

    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _short(funding: Any) -> str:
    """Funding on screen with the short source names people type (council, schools-forum, traded)."""
    from billing.budgets import COUNCIL, SCHOOLS_FORUM, TRADED

    text = str(funding)
    for name, short in ((SCHOOLS_FORUM, "schools-forum"), (COUNCIL, "council"), (TRADED, "traded")):
        text = text.replace(name, short)
    return text


def _day(text: str | None) -> Any:
    from pricing.clock import parse_date

    return parse_date(text) if text else None


@click.group()
def establishment() -> None:
    """The establishment: posts, who fills them, vacancies, and each funding source's budget.

    A post has its FTE, a 12-month cost at that FTE (plus on-costs) and its funding by
    source; people fill it by FTE from a date. Pay for the days each post is filled is
    what the manager's reports count as staff cost.

    \b
    Example:
      traded establishment post add --title "Admin support" --fte 1 --annual-cost 24600 --from 2026-04-01 --funding "council 50%; schools-forum 50%"
      traded establishment assign "Admin support" --person "Jo Bloggs" --fte 1 --from 2026-04-16
      traded --as-of 2026-05-01 establishment vacancies
    """


@establishment.group()
def post() -> None:
    """Add and list posts.

    \b
    Example:
      traded establishment post list
    """


@post.command("add")
@click.option("--title", required=True, metavar="TITLE", help="The post's title (unique), e.g. Admin support.")
@click.option("--fte", required=True, metavar="N", help="Full-time equivalents of the post, e.g. 1 or 2.5.")
@click.option("--annual-cost", required=True, metavar="AMOUNT",
              help="Cost for 12 months at the post's FTE, before on-costs, e.g. 24600.")
@click.option("--on-costs", default="0", metavar="PERCENT",
              help="Employer's on-costs (NI, pension) as a percentage on top, e.g. 28.5 (default 0: included).")
@click.option("--from", "from_", required=True, metavar="DATE", help="The day the post starts.")
@click.option("--to", default=None, metavar="DATE", help="The day a fixed-term or seconded post ends.")
@click.option("--funding", required=True, metavar="SOURCES", help=FUNDING_HELP)
@click.option("--grade", default=None, metavar="GRADE", help="Grade, e.g. G7.")
@click.option("--contract", default="permanent", metavar="TEXT",
              help="permanent (default), fixed term, secondment, temporary, agency...")
@click.option("--delivery/--no-delivery", default=True,
              help="Whether the post delivers the service (counts in capacity and full cost); default yes.")
@pass_runtime
def post_add(rt: Runtime, title: str, fte: str, annual_cost: str, on_costs: str, from_: str, to: str | None,
             funding: str, grade: str | None, contract: str, delivery: bool) -> None:
    """Add a post with its FTE, 12-month cost and funding.

    \b
    Example:
      traded establishment post add --title "Admin support" --fte 1 --annual-cost 24600 --from 2026-04-01 --funding "council 12300; schools-forum 12300"
      traded establishment post add --title "Inclusion support leads" --fte 4 --annual-cost 182000 --from 2026-04-01 --to 2027-08-31 --contract "fixed term" --funding "schools-forum 100%"
    """
    from billing.establishment import add_post
    from billing.views.establishment import post_view

    def service(ctx: Any) -> dict[str, object]:
        made = add_post(ctx, title, fte, annual_cost, _day(from_), funding=funding, grade=grade, contract=contract,
                        on_cost_percent=on_costs, ends_on=_day(to), delivery=delivery)
        return post_view(made, ctx.today, {}).as_json()

    data = rt.run(service)
    rt.emit(data, f"Added post \"{data['title']}\": {_n(data['fte'])} FTE, {_m(data['cost_12_months'])} for 12 "
                  f"months with on-costs, funded {_short(data['funding'])}.")


@post.command("list")
@click.option("--on", default=None, metavar="DATE", help="Filled and vacant FTE on this day (default: the as-of date).")
@list_options
@pass_runtime
def post_list(rt: Runtime, on: str | None) -> None:
    """List every post: FTE filled against established, 12-month cost, funding.

    \b
    Example:
      traded establishment post list
      traded --as-of 2026-09-01 --json establishment post list
    \b
    JSON: [{"id", "title", "fte", "filled", "vacant", "grade", "contract", "annual_cost", "on_cost_percent",
            "cost_12_months", "starts_on", "ends_on", "delivery", "status", "funding",
            "shares": [{"source", "percent", "amount", "cost_12_months"}],
            "assignments": [{"id", "post", "person", "staff_id", "staff", "fte", "starts_on", "ends_on",
                             "cost_12_months", "in_force"}]}]
    """
    from billing.views.establishment import list_posts
    from cli.listing import emit_list

    rows: list[dict[str, Any]] = rt.run(lambda ctx: [p.as_json() for p in list_posts(ctx, _day(on))], read_only=True)
    flat = [{k: v for k, v in r.items() if k not in ("shares", "assignments")} for r in rows]

    def text() -> str:
        from cli.formats import count, day
        from cli.tables import table

        people = [[a["post"], a["person"], a["staff"] or "", _n(a["fte"]), day(a["starts_on"]), day(a["ends_on"]),
                   _m(a["cost_12_months"])] for r in rows for a in r["assignments"]]
        out = [table(["Post", "FTE", "Filled", "Vacant", "Status", "Grade", "Contract", "12-month cost", "From", "To",
                      "Funding"],
                     [[r["title"], _n(r["fte"]), _n(r["filled"]), _n(r["vacant"]), r["status"], r["grade"] or "",
                       r["contract"], _m(r["cost_12_months"]), day(r["starts_on"]), day(r["ends_on"]), _short(r["funding"])]
                      for r in rows], "lrrrlllrlll", wrap=("Post", "Funding", "Contract"),
                     title=count(len(rows), "post"))]
        if people:
            out.append(table(["Post", "Person", "Staff", "FTE", "From", "To", "12-month cost"], people, "lllrllr",
                             wrap=("Post", "Person"), title="Who fills them"))
        return "\n".join(out)

    emit_list(rt, rows, text, records=flat)


@establishment.command("assign")
@click.argument("title", metavar="POST")
@click.option("--person", required=True, metavar="NAME", help="Who fills the post.")
@click.option("--fte", required=True, metavar="N", help="How much of the post they fill, e.g. 0.5.")
@click.option("--from", "from_", required=True, metavar="DATE", help="Their first day in the post.")
@click.option("--to", default=None, metavar="DATE", help="Their last day (default: open-ended, or the post's end).")
@click.option("--staff", default=None, metavar="NAME",
              help="The member of staff who records their sessions (default: the one with the person's name).")
@pass_runtime
def assign_cmd(rt: Runtime, title: str, person: str, fte: str, from_: str, to: str | None,
               staff: str | None) -> None:
    """Put a person in a post for some FTE from a date (a change of FTE: end, then assign anew).

    \b
    Example:
      traded establishment assign "Admin support" --person "Jo Bloggs" --fte 0.5 --from 2026-04-16
    """
    from billing.establishment import assign, staff_names
    from billing.views.establishment import assignment_view

    def service(ctx: Any) -> dict[str, object]:
        row = assign(ctx, title, person, fte, _day(from_), ends_on=_day(to), staff=staff)
        return assignment_view(row, ctx.today, staff_names(ctx)).as_json()

    data = rt.run(service)
    rt.emit(data, f"{data['person']} fills {_n(data['fte'])} FTE of \"{data['post']}\" from {data['starts_on']}"
                  + (f" to {data['ends_on']}" if data["ends_on"] else "")
                  + (f", recording sessions as {data['staff']}" if data["staff"] else "") + ".")


@establishment.command("end")
@click.argument("title", metavar="POST")
@click.option("--person", required=True, metavar="NAME", help="Whose assignment ends.")
@click.option("--on", required=True, metavar="DATE", help="Their last day in the post.")
@click.option("--reason", default=None, metavar="TEXT", help="Why, for the audit trail (e.g. Left the council).")
@pass_runtime
def end_cmd(rt: Runtime, title: str, person: str, on: str, reason: str | None) -> None:
    """End a person's assignment to a post on their last day.

    \b
    Example:
      traded establishment end "Admin support" --person "Jo Bloggs" --on 2026-08-31 --reason "Moved to 1 FTE"
    """
    from billing.establishment import end_assignment, staff_names
    from billing.views.establishment import assignment_view
    from pricing.text import clean_optional_line

    def service(ctx: Any) -> dict[str, object]:
        why = clean_optional_line(reason, "reason", 500)
        row = end_assignment(ctx, title, person, _day(on), reason=why)
        return assignment_view(row, ctx.today, staff_names(ctx)).as_json()

    data = rt.run(service)
    rt.emit(data, f"{data['person']}'s assignment to \"{data['post']}\" from {data['starts_on']} ends on "
                  f"{data['ends_on']}.")


@establishment.command("vacancies")
@click.option("--on", default=None, metavar="DATE", help="The day to look at (default: the as-of date).")
@list_options
@pass_runtime
def vacancies_cmd(rt: Runtime, on: str | None) -> None:
    """Posts in force with FTE nobody fills, and what filling it would cost for 12 months.

    \b
    Example:
      traded --as-of 2026-05-01 establishment vacancies
      traded establishment vacancies --on 2026-09-01 --csv vacancies.csv
    \b
    JSON: {"on", "vacancies": [{"post_id", "post", "fte", "filled", "vacant", "vacant_cost_12_months", "funding"}]}
    """
    from billing.views.establishment import list_vacancies
    from cli.listing import emit_list

    def service(ctx: Any) -> dict[str, Any]:
        when = _day(on) or ctx.today
        return {"on": when, "vacancies": [v.as_json() for v in list_vacancies(ctx, when)]}

    data = rt.run(service, read_only=True)
    rows = data["vacancies"]

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        if not rows:
            return f"No vacancies on {data['on']}: every post in force is filled."
        return table(["Post", "FTE", "Filled", "Vacant", "Vacant 12-month cost", "Funding"],
                     [[r["post"], _n(r["fte"]), _n(r["filled"]), _n(r["vacant"]), _m(r["vacant_cost_12_months"]),
                       _short(r["funding"])] for r in rows], "lrrrrl", wrap=("Post", "Funding"),
                     title=f"{count(len(rows), 'vacancy', 'vacancies')} on {data['on']}")

    emit_list(rt, data, text, records=rows)


@establishment.group()
def budget() -> None:
    """What each funding source puts in for a period (any period: prorated into financial years by day).

    \b
    Example:
      traded establishment budget list
    """


@budget.command("set")
@click.option("--source", required=True, metavar="SOURCE",
              help='"council budget", "schools forum / high-needs block" or "traded income" '
                   "(or council, schools-forum, traded).")
@click.option("--description", required=True, metavar="TEXT", help="What the money is, e.g. High needs block reserves.")
@click.option("--amount", required=True, metavar="AMOUNT", help="For the whole period, e.g. 497300.")
@click.option("--from", "from_", required=True, metavar="DATE", help="The period's first day.")
@click.option("--to", required=True, metavar="DATE", help="The period's last day.")
@pass_runtime
def budget_set(rt: Runtime, source: str, description: str, amount: str, from_: str, to: str) -> None:
    """Create or replace a funding source's budget for a period (by source and description).

    \b
    Example:
      traded establishment budget set --source schools-forum --description "High needs block reserves" --amount 497300 --from 2019-04-01 --to 2020-08-31
    """
    from billing.establishment import set_funding_budget
    from billing.views.establishment import budget_view

    def service(ctx: Any) -> dict[str, object]:
        return budget_view(set_funding_budget(ctx, source, description, amount, _day(from_), _day(to))).as_json()

    data = rt.run(service)
    parts = "; ".join(f"{p['fy']} {_m(p['amount'])} ({p['days']} of {p['of_days']} days)"
                      for p in data["parts"])  # type: ignore[attr-defined]
    rt.emit(data, f"{data['source']}: \"{data['description']}\" {_m(data['amount'])} from {data['starts_on']} to "
                  f"{data['ends_on']} ({data['days']} days): {parts}.")


@budget.command("list")
@list_options
@pass_runtime
def budget_list(rt: Runtime) -> None:
    """List each funding source's budgets, with each financial year's part and its days.

    \b
    Example:
      traded establishment budget list --csv funding-budgets.csv
    \b
    JSON: [{"id", "source", "description", "amount", "starts_on", "ends_on", "days",
            "parts": [{"fy", "days", "of_days", "amount"}]}]
    """
    from billing.views.establishment import list_funding_budgets
    from cli.listing import emit_list

    rows: list[dict[str, Any]] = rt.run(lambda ctx: [b.as_json() for b in list_funding_budgets(ctx)], read_only=True)
    headers = ["source", "description", "amount", "starts_on", "ends_on", "days", "fy", "fy_days", "fy_amount"]
    flat: list[list[object]] = [[r["source"], r["description"], r["amount"], r["starts_on"], r["ends_on"], r["days"],
                                 p["fy"], p["days"], p["amount"]] for r in rows for p in r["parts"]]

    def text() -> str:
        from cli.formats import count
        from cli.tables import table

        return table(["Source", "Budget", "Amount", "From", "To", "Financial year", "Days", "Part"],
                     [[r[0], r[1], _m(r[2]), r[3], r[4], r[6], f"{r[7]} of {r[5]}", _m(r[8])] for r in flat],
                     "llrllllr", wrap=("Source", "Budget"), title=count(len(rows), "funding budget"))

    emit_list(rt, rows, text, csv_table=(headers, flat))


@establishment.command("import")
@click.argument("posts", metavar="POSTS.csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--people", default=None, metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="Also the people in the posts (post,person,staff,fte,starts_on,ends_on).")
@click.option("--budgets", default=None, metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="Also the funding budgets (source,description,amount,starts_on,ends_on).")
@pass_runtime
def import_cmd(rt: Runtime, posts: str, people: str | None, budgets: str | None) -> None:
    """Add posts (who fills them, funding budgets) from CSV: all or nothing; rows already there change nothing.

    Posts file header: title,fte,grade,contract,annual_cost,on_cost_percent,starts_on,ends_on,delivery,funding
    (grade, contract, on_cost_percent, ends_on and delivery may be left out; delivery is yes or no; funding
    as --funding of `post add`). People file header: post,person,staff,fte,starts_on,ends_on. Budgets
    file header: source,description,amount,starts_on,ends_on. A row that matches a post, assignment or
    budget already there changes nothing (so importing an export again is a no-op); a row that differs
    from one already there is refused: change it with the commands.

    \b
    Example:
      traded establishment import posts.csv --people people.csv --budgets budgets.csv
    \b
    JSON: {"posts_added", "posts_unchanged", "people_added", "people_unchanged", "budgets_added",
           "budgets_unchanged"}
    """
    from billing.establishment import import_establishment

    texts = [_read(rt, path) for path in (posts, people, budgets)]

    data: dict[str, Any] = rt.run(lambda ctx: import_establishment(
        ctx, texts[0] or "", texts[1], texts[2], posts_name=posts, people_name=people or "",
        budgets_name=budgets or "").as_json())
    from cli.formats import count

    rt.emit(data, f"Imported {count(data['posts_added'], 'post')} ({data['posts_unchanged']} already there), "
                  f"{count(data['people_added'], 'assignment')} ({data['people_unchanged']} already there) and "
                  f"{count(data['budgets_added'], 'funding budget')} ({data['budgets_unchanged']} already there).")


def _read(rt: Runtime, path: str | None) -> str | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE + 1)
    except OSError as exc:
        rt.refuse("unreadable_file", f"cannot read {path}: {exc.strerror or exc}")
    if len(data) > MAX_FILE:
        rt.refuse("file_too_large", f"{path} is over {MAX_FILE // (1024 * 1024)} MB: not an establishment file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        rt.refuse("bad_csv", f"{path} is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)")


@establishment.command("export")
@click.option("--posts", required=True, metavar="FILE", help="Write the posts CSV here.")
@click.option("--people", required=True, metavar="FILE", help="Write the people CSV here.")
@click.option("--budgets", required=True, metavar="FILE", help="Write the funding budgets CSV here.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
@pass_runtime
def export_cmd(rt: Runtime, posts: str, people: str, budgets: str, force: bool) -> None:
    """Write the establishment as three CSV files (posts, people, funding budgets) that `establishment import` reads back.

    \b
    Example:
      traded establishment export --posts posts.csv --people people.csv --budgets budgets.csv
    \b
    JSON: {"posts_file", "people_file", "budgets_file", "posts", "people", "budgets"}
    """
    from billing.establishment import export_establishment
    from billing.outputs import check_outputs, write_outputs
    from pricing.errors import TradedError
    from pricing.text import clean_line

    files = (posts, people, budgets)
    try:
        for path in files:
            clean_line(path, "file name", 1024)
        check_outputs(files, force=force, database_url=rt.engine().url)
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)
    texts: tuple[str, str, str] = rt.run(export_establishment, read_only=True)
    try:
        write_outputs([(Path(path), text.encode("utf-8")) for path, text in zip(files, texts, strict=True)],
                      force=force, database_url=rt.engine().url)
    except TradedError as exc:
        rt.refuse(exc.code, exc.message)
    rows = [text.count("\r\n") - 1 for text in texts]
    data = {"posts_file": posts, "people_file": people, "budgets_file": budgets, "posts": rows[0],
            "people": rows[1], "budgets": rows[2]}
    from cli.formats import count

    rt.emit(data, f"Wrote {count(rows[0], 'post')} to {posts}, {count(rows[1], 'assignment')} to {people} and "
                  f"{count(rows[2], 'funding budget')} to {budgets}.")
