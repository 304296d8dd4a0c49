"""The establishment as the manager keeps it: posts, their funding, who fills them when, and budgets (issue 19).

- **A post** has a title (unique, whatever its case), FTE, grade, contract, a 12-month cost at its FTE
  (``annual_cost``, more than £0) with employer's on-costs as a percentage on top, start and end dates
  (fixed-term and seconded posts end), whether it counts in delivery capacity, and its
  funding (:func:`parse_funding`): percentages adding up to 100, or 12-month amounts adding
  up to the post's 12-month cost with on-costs, never a mix.
- **An assignment** is a person filling FTE of a post from a date, open-ended or to a date,
  inside the post's dates, never filling more than the post's FTE on any day, and never
  putting a person (by name, whatever its case) in more than 1 FTE across all posts on any
  day. A change of a person's FTE or post is dated: end the old assignment
  (:func:`end_assignment`), assign anew.
- **A funding budget** is what a source puts in for a period that need not be a financial
  year (prorated into years by pricing.establishment.prorate_budget when reported).
- **CSV** (:func:`import_establishment`, :func:`export_establishment`): a header row, then one
  row per post (:data:`POST_COLUMNS`), assignment (:data:`PEOPLE_COLUMNS`) or funding budget
  (:data:`BUDGET_COLUMNS`). An import is all
  or nothing; a row that matches what is already there changes nothing, so importing an
  export again is a no-op, and a row that differs from what is there is refused (change it
  with the commands, which audit each change), never silently overwritten.

Every change is audited (ctx.audit: who, what, why).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.budgets import funding_source
from billing.context import Context
from billing.models import FundingBudget, Post, PostAssignment, PostFunding, Staff
from billing.reports.csv_export import FORMULA_STARTS, csv_text
from pricing.clock import parse_date
from pricing.errors import InvalidInput, NotFound, RuleViolation, TradedError
from pricing.establishment import with_on_costs
from pricing.money import as_pounds, parse_money
from pricing.text import clean_line, clean_optional_line

T = TypeVar("T")

POST_COLUMNS = ("title", "fte", "grade", "contract", "annual_cost", "on_cost_percent", "starts_on", "ends_on",
                "delivery", "funding")
"""The posts file's header row (columns in any order; grade, contract, on_cost_percent, ends_on, delivery optional)."""
PEOPLE_COLUMNS = ("post", "person", "staff", "fte", "starts_on", "ends_on")
"""The people file's header row (staff and ends_on optional)."""
BUDGET_COLUMNS = ("source", "description", "amount", "starts_on", "ends_on")
"""The funding budgets file's header row (every column required)."""
_POST_REQUIRED = {"title", "fte", "annual_cost", "starts_on", "funding"}
_PEOPLE_REQUIRED = {"post", "person", "fte", "starts_on"}

MAX_FTE = Decimal("999.99")
PERSON_MAX_FTE = Decimal(1)  # one person, all posts together, on any day
_NUMBER = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,2})?")
_YES = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}


# -- reading what people type ---------------------------------------------------------------

def parse_fte(value: str | Decimal, what: str = "FTE") -> Decimal:
    """Full-time equivalents: ASCII digits, at most two decimal places, more than 0, at most 999.99."""
    text = str(value).strip()
    if not _NUMBER.fullmatch(text):
        raise InvalidInput(f"{what} {text[:40]!r} must be a number of full-time equivalents like 0.5 or 1 "
                           f"(at most two decimal places)", code="bad_fte")
    fte = Decimal(text).quantize(Decimal("0.01"))
    if fte <= 0:
        raise InvalidInput(f"{what} {text!r} must be more than 0", code="bad_fte")
    return fte


def parse_percent(value: str | Decimal, what: str) -> Decimal:
    """A percentage from 0 to 100 with at most two decimal places (``%`` allowed)."""
    text = str(value).strip().removesuffix("%").strip()
    if not _NUMBER.fullmatch(text) or Decimal(text) > 100:
        raise InvalidInput(f"{what} {str(value).strip()[:40]!r} must be a percentage from 0 to 100 "
                           f"(at most two decimal places)", code="bad_percent")
    return Decimal(text).quantize(Decimal("0.01"))


def _day(value: date | str, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc.message}", code=exc.code) from None


def _optional_day(value: date | str | None, what: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _day(value, what)


def _yes_no(value: bool | str, what: str) -> bool:
    if isinstance(value, bool):
        return value
    key = value.strip().lower()
    if key not in _YES:
        raise InvalidInput(f"{what} {value.strip()[:40]!r} must be yes or no", code="bad_yes_no")
    return _YES[key]


def _number(value: Decimal) -> str:
    """A percentage or FTE as a person writes it: 50, 33.33, 0.5."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class FundingPart:
    """One source's part of a post: a percentage, or a 12-month amount."""

    source: str
    percent: Decimal | None
    amount: Decimal | None


def parse_funding(text: str) -> tuple[FundingPart, ...]:
    """Read ``"council 50%; schools-forum 50%"`` or ``"council 12300; schools-forum 12300"``.

    Parts are separated by ``;``; each is a funding source (a canonical name or an alias,
    billing.budgets.funding_source) and a percentage or a 12-month amount. All parts are
    percentages or all are amounts; a source appears once. Whether the parts add up to
    the post is checked by :func:`check_funding`.
    """
    line = clean_line(text, "funding", 500)
    parts: list[FundingPart] = []
    for raw in line.split(";"):
        piece = raw.strip()
        if not piece:
            continue
        name, _, value = piece.rpartition(" ")
        if not name.strip() or not value:
            raise InvalidInput(f'funding part {piece[:60]!r} must be a source and a percentage or 12-month '
                               f'amount, e.g. "council 50%" or "council 12300"', code="bad_funding")
        source = funding_source(name)
        if any(p.source == source for p in parts):
            raise InvalidInput(f"funding names {source} twice", code="bad_funding")
        if value.endswith("%"):
            parts.append(FundingPart(source, parse_percent(value, f"{source} percentage"), None))
        else:
            parts.append(FundingPart(source, None, parse_money(value, f"{source} 12-month amount", positive=True)))
    if not parts:
        raise InvalidInput('a post needs its funding, e.g. "council 50%; schools-forum 50%"', code="bad_funding")
    if len({p.percent is None for p in parts}) > 1:
        raise InvalidInput("funding must be all percentages or all 12-month amounts, not a mix", code="bad_funding")
    return tuple(parts)


def post_cost(post: Post) -> Decimal:
    """The post's 12-month cost at its FTE, with on-costs."""
    return with_on_costs(post.annual_cost, post.on_cost_percent)


def check_funding(parts: tuple[FundingPart, ...], cost: Decimal) -> None:
    """Percentages add up to 100; amounts add up to the post's 12-month cost with on-costs."""
    if parts[0].percent is not None:
        if any(p.percent is not None and p.percent <= 0 for p in parts):
            raise InvalidInput("each funding percentage must be more than 0", code="bad_funding")
        total = sum((p.percent or Decimal(0) for p in parts), Decimal(0))
        if total != 100:
            raise InvalidInput(f"funding percentages add up to {_number(total)}%, not 100%", code="funding_total")
        return
    total = sum((p.amount or Decimal(0) for p in parts), Decimal(0))
    if total != cost:
        raise InvalidInput(f"funding amounts add up to {as_pounds(total)}, not the post's 12-month cost with "
                           f"on-costs of {as_pounds(cost)}", code="funding_total")


def funding_text(post: Post) -> str:
    """The post's funding as :func:`parse_funding` reads it (canonical source names)."""
    return "; ".join(f"{p.source} {_number(p.percent)}%" if p.percent is not None else f"{p.source} {p.amount}"
                     for p in post.funding)


def _funding_json(parts: object) -> list[dict[str, object]]:
    return [{"source": p.source, "percent": p.percent, "amount": p.amount} for p in parts]  # type: ignore[attr-defined]


# -- posts --------------------------------------------------------------------------------------

def find_post(ctx: Context, title: str) -> Post:
    """The post called ``title`` (its funding and assignments loaded), or a one-line refusal."""
    name = clean_line(title, "post title", 120)
    loading = (selectinload(Post.funding), selectinload(Post.assignments))
    post = ctx.session.scalar(select(Post).where(Post.title == name).options(*loading))
    if post is None:
        # Titles are unique whatever their case, so "admin support" finds "Admin support".
        same = _post_titled(ctx, name)
        if same is not None:
            post = ctx.session.scalar(select(Post).where(Post.title == same).options(*loading))
    if post is None:
        raise NotFound(f"there is no post called {name!r}", code="unknown_post")
    return post


def _post_titled(ctx: Context, title: str) -> str | None:
    """The title of the post called ``title`` whatever the case (Python's casefold, which SQL's lower() is not)."""
    key = title.casefold()
    return next((t for t in ctx.session.scalars(select(Post.title)) if t.casefold() == key), None)


def add_post(ctx: Context, title: str, fte: str | Decimal, annual_cost: str | Decimal, starts_on: date | str, *,
             funding: str, grade: str | None = None, contract: str = "permanent",
             on_cost_percent: str | Decimal = "0", ends_on: date | str | None = None,
             delivery: bool | str = True, reason: str | None = None) -> Post:
    """Add a post with its 12-month cost (at its FTE, before on-costs) and funding; audited."""
    name = clean_line(title, "post title", 120)
    size = parse_fte(fte, "post FTE")
    cost = parse_money(annual_cost, "post's annual cost", positive=True)
    on_costs = parse_percent(on_cost_percent, "on-cost percentage")
    start = _day(starts_on, "post start")
    end = _optional_day(ends_on, "post end")
    if end is not None and end < start:
        raise InvalidInput(f"post {name!r} ends on {end} before it starts on {start}", code="bad_dates")
    band = clean_optional_line(grade, "grade", 20)
    kind = clean_line(contract, "contract", 30)
    counts = _yes_no(delivery, "delivery")
    parts = parse_funding(funding)
    check_funding(parts, with_on_costs(cost, on_costs))
    existing = _post_titled(ctx, name)
    if existing is not None:
        raise RuleViolation(f"there is already a post called {existing!r}"
                            + ("" if existing == name else f" (titles are the same whatever their case): "
                               f"use {existing!r} or another title"), code="duplicate_post")
    post = Post(title=name, fte=size, grade=band, contract=kind, annual_cost=cost, on_cost_percent=on_costs,
                starts_on=start, ends_on=end, delivery=counts, created_at=ctx.now,
                funding=[PostFunding(source=p.source, percent=p.percent, amount=p.amount) for p in parts])
    ctx.session.add(post)
    ctx.session.flush()
    ctx.audit("establishment.post.add", "post", post.id,
              {"title": name, "fte": size, "grade": band, "contract": kind, "annual_cost": cost,
               "on_cost_percent": on_costs, "starts_on": start, "ends_on": end, "delivery": counts,
               "funding": _funding_json(parts)}, reason)
    return post


def set_funding(ctx: Context, title: str, funding: str, *, reason: str | None = None) -> Post:
    """Replace a post's funding (the whole split); audited with the split before and after.

    Pay already reported is recomputed with the new split: funding applies to the post's
    whole life. A change from a date is a new post (end the old one, add the new).
    """
    post = find_post(ctx, title)
    parts = parse_funding(funding)
    check_funding(parts, post_cost(post))
    before = _funding_json(post.funding)
    post.funding.clear()
    ctx.session.flush()  # the old rows go before the new ones take the (post, source) key
    post.funding.extend(PostFunding(source=p.source, percent=p.percent, amount=p.amount) for p in parts)
    ctx.session.flush()
    ctx.audit("establishment.post.funding", "post", post.id,
              {"title": post.title, "funding": _funding_json(parts), "previous": before}, reason)
    return post


# -- assignments --------------------------------------------------------------------------------

def _covers(a: PostAssignment, day: date) -> bool:
    return a.starts_on <= day and (a.ends_on is None or a.ends_on >= day)


def _check_fits(post: Post, person: str, fte: Decimal, start: date, end: date | None) -> None:
    """Inside the post's dates, and the post never filled beyond its FTE on any day."""
    if start < post.starts_on or (post.ends_on is not None and start > post.ends_on):
        raise RuleViolation(f"{person} cannot start in post {post.title!r} on {start}: the post runs "
                            f"{_span(post.starts_on, post.ends_on)}", code="outside_post")
    if end is not None and post.ends_on is not None and end > post.ends_on:
        raise RuleViolation(f"{person} cannot fill post {post.title!r} to {end}: the post ends on {post.ends_on}",
                            code="outside_post")
    if fte > post.fte:
        raise RuleViolation(f"{person}'s {_number(fte)} FTE is more than the {_number(post.fte)} FTE of post "
                            f"{post.title!r}", code="over_filled")
    overlapping = [a for a in post.assignments
                   if (end is None or a.starts_on <= end) and (a.ends_on is None or a.ends_on >= start)]
    for day in sorted({start, *(a.starts_on for a in overlapping if a.starts_on > start)}):
        filled = sum((a.fte for a in overlapping if _covers(a, day)), Decimal(0))
        if filled + fte > post.fte:
            raise RuleViolation(f"{person}'s {_number(fte)} FTE would fill post {post.title!r} to "
                                f"{_number(filled + fte)} of its {_number(post.fte)} FTE on {day}: end another "
                                "assignment first", code="over_filled")


def _check_person(ctx: Context, post: Post, person: str, fte: Decimal, start: date, end: date | None) -> None:
    """The person (by name, whatever its case) never fills more than 1 FTE across all posts on any day."""
    if fte > PERSON_MAX_FTE:
        raise RuleViolation(f"{person}'s {_number(fte)} FTE is more than one person can fill "
                            f"({_number(PERSON_MAX_FTE)} FTE): assign each person their own FTE",
                            code="person_over_one_fte")
    key = person.casefold()
    overlapping = select(PostAssignment).options(selectinload(PostAssignment.post)).where(
        PostAssignment.ends_on.is_(None) | (PostAssignment.ends_on >= start))
    if end is not None:
        overlapping = overlapping.where(PostAssignment.starts_on <= end)
    theirs = [a for a in ctx.session.scalars(overlapping) if a.person.casefold() == key]
    for day in sorted({start, *(a.starts_on for a in theirs if a.starts_on > start)}):
        held = [a for a in theirs if _covers(a, day)]
        total = sum((a.fte for a in held), Decimal(0)) + fte
        if total > PERSON_MAX_FTE:
            where = "; ".join(f"{_number(a.fte)} FTE of post {a.post.title!r}" for a in held)
            raise RuleViolation(f"{person} would fill {_number(total)} FTE on {day} ({where}; and "
                                f"{_number(fte)} FTE of post {post.title!r}): one person fills at most "
                                f"{_number(PERSON_MAX_FTE)} FTE across all posts, so end another assignment first",
                                code="person_over_one_fte")


def _span(start: date, end: date | None) -> str:
    return f"from {start}" + ("" if end is None else f" to {end}")


def _staff_for(ctx: Context, staff: str | None, person: str) -> Staff | None:
    if staff is not None and staff.strip():
        name = clean_line(staff, "member of staff", 120)
        member = ctx.session.scalar(select(Staff).where(Staff.name == name))
        if member is None:
            raise NotFound(f"there is no member of staff called {name!r}", code="unknown_staff")
        return member
    return ctx.session.scalar(select(Staff).where(Staff.name == person))


def assign(ctx: Context, title: str, person: str, fte: str | Decimal, starts_on: date | str, *,
           ends_on: date | str | None = None, staff: str | None = None,
           reason: str | None = None) -> PostAssignment:
    """``person`` fills ``fte`` of a post from ``starts_on`` (to ``ends_on``, else open-ended); audited.

    An open-ended assignment to a post that ends ends with the post. ``staff`` links the
    member of staff whose recorded sessions are this person's delivery (default: the member
    of staff with the person's name, if there is one).
    """
    who = clean_line(person, "person", 120)
    size = parse_fte(fte, "assignment FTE")
    start = _day(starts_on, "assignment start")
    end = _optional_day(ends_on, "assignment end")
    if end is not None and end < start:
        raise InvalidInput(f"{who}'s assignment ends on {end} before it starts on {start}", code="bad_dates")
    post = find_post(ctx, title)
    member = _staff_for(ctx, staff, who)
    if end is None:
        end = post.ends_on
    for a in post.assignments:
        if a.person.casefold() == who.casefold() and (end is None or a.starts_on <= end) and (a.ends_on is None or a.ends_on >= start):
            raise RuleViolation(f"{who} already fills post {post.title!r} {_span(a.starts_on, a.ends_on)}: end "
                                "that assignment first, then assign anew from the day after",
                                code="already_assigned")
    _check_fits(post, who, size, start, end)
    _check_person(ctx, post, who, size, start, end)
    row = PostAssignment(post=post, person=who, staff_id=member.id if member else None, fte=size,
                         starts_on=start, ends_on=end, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("establishment.assign", "post_assignment", row.id,
              {"post": post.title, "person": who, "staff": member.name if member else None, "fte": size,
               "starts_on": start, "ends_on": end}, reason)
    return row


def end_assignment(ctx: Context, title: str, person: str, ends_on: date | str, *,
                   reason: str | None = None) -> PostAssignment:
    """End ``person``'s assignment to a post on ``ends_on`` (the last day filled); audited.

    The assignment ended is the one in force on ``ends_on``; it can be brought forward,
    never extended past the day it already ends.
    """
    who = clean_line(person, "person", 120)
    end = _day(ends_on, "assignment end")
    post = find_post(ctx, title)
    current = [a for a in post.assignments if a.person == who and _covers(a, end)]
    if not current:
        raise NotFound(f"{who} has no assignment to post {post.title!r} in force on {end}",
                       code="unknown_assignment")
    row = current[-1]
    before = row.ends_on
    row.ends_on = end
    ctx.session.flush()
    ctx.audit("establishment.end", "post_assignment", row.id,
              {"post": post.title, "person": who, "starts_on": row.starts_on, "ends_on": end, "previous": before},
              reason)
    return row


# -- funding budgets ----------------------------------------------------------------------------

def set_funding_budget(ctx: Context, source: str, description: str, amount: str | Decimal, starts_on: date | str,
                       ends_on: date | str, *, reason: str | None = None) -> FundingBudget:
    """Create or replace what a funding source puts in for a period (keyed by source and description); audited."""
    canonical = funding_source(source)
    what = clean_line(description, "budget description", 120)
    value = parse_money(amount, "budget amount")
    start = _day(starts_on, "budget start")
    end = _day(ends_on, "budget end")
    if end < start:
        raise InvalidInput(f"budget {what!r} ends on {end} before it starts on {start}", code="bad_dates")
    row = ctx.session.scalar(select(FundingBudget).where(FundingBudget.source == canonical,
                                                         FundingBudget.description == what))
    before = None
    if row is None:
        row = FundingBudget(source=canonical, description=what, amount=value, starts_on=start, ends_on=end,
                            created_at=ctx.now)
        ctx.session.add(row)
    else:
        before = {"amount": row.amount, "starts_on": row.starts_on, "ends_on": row.ends_on}
        row.amount, row.starts_on, row.ends_on = value, start, end
    ctx.session.flush()
    ctx.audit("establishment.budget.set", "funding_budget", row.id,
              {"source": canonical, "description": what, "amount": value, "starts_on": start, "ends_on": end,
               "previous": before}, reason)
    return row


def funding_budgets(ctx: Context) -> list[FundingBudget]:
    """Every funding source's budgets, by source, start and description."""
    return list(ctx.session.scalars(select(FundingBudget).order_by(FundingBudget.source, FundingBudget.starts_on,
                                                                   FundingBudget.description)))


# -- CSV ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added, and rows already there (unchanged)."""

    posts_added: int
    posts_unchanged: int
    people_added: int
    people_unchanged: int
    budgets_added: int = 0
    budgets_unchanged: int = 0

    def as_json(self) -> dict[str, object]:
        return {"posts_added": self.posts_added, "posts_unchanged": self.posts_unchanged,
                "people_added": self.people_added, "people_unchanged": self.people_unchanged,
                "budgets_added": self.budgets_added, "budgets_unchanged": self.budgets_unchanged}


def _rows(text: str, name: str, columns: tuple[str, ...], required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with its row number as a spreadsheet shows it (the header is row 1)."""
    if not isinstance(text, str):
        raise InvalidInput(f"{name} must be text")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput(f"{name} is empty: it needs a header row ({','.join(columns)})", code="bad_csv")
        keys = [h.strip().lower() for h in header]
        unknown = [k for k in keys if k not in columns]
        if unknown:
            raise InvalidInput(f"{name} row 1: unknown column {unknown[0][:40]!r} (the columns are "
                               f"{','.join(columns)})", code="bad_csv")
        missing = [c for c in columns if c in required and c not in keys]
        if missing:
            raise InvalidInput(f"{name} row 1: no {missing[0]!r} column (the columns are {','.join(columns)})",
                               code="bad_csv")
        if len(set(keys)) != len(keys):
            raise InvalidInput(f"{name} row 1: a column is named twice", code="bad_csv")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(keys):
                raise InvalidInput(f"{name} row {reader.line_num}: {len(row)} cells, the header has {len(keys)}",
                                   code="bad_csv")
            yield reader.line_num, {k: _cell(v) for k, v in zip(keys, row, strict=True)}
    except csv.Error as exc:
        raise InvalidInput(f"{name} row {reader.line_num}: not CSV ({exc})", code="bad_csv") from None


def _cell(value: str) -> str:
    """A cell as typed: trimmed, and the ``'`` the CSV writer puts before a formula character taken off."""
    text = value.strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _at_row(name: str, number: int, call: Callable[[], T]) -> T:
    try:
        return call()
    except TradedError as exc:
        raise type(exc)(f"{name} row {number}: {exc.message}", code=exc.code) from None


def _same_post(post: Post, row: Mapping[str, str]) -> str | None:
    """The first field where ``row`` differs from ``post`` (None: the same post)."""
    fte = parse_fte(row["fte"], "post FTE")
    cost = parse_money(row["annual_cost"], "post's annual cost")
    on_costs = parse_percent(row.get("on_cost_percent") or "0", "on-cost percentage")
    parts = parse_funding(row["funding"])
    theirs = {(p.source, p.percent, p.amount) for p in parts}
    ours = {(p.source, p.percent, p.amount) for p in post.funding}
    checks = (("fte", post.fte, fte), ("grade", post.grade, clean_optional_line(row.get("grade"), "grade", 20)),
              ("contract", post.contract, clean_line(row.get("contract") or "permanent", "contract", 30)),
              ("annual_cost", post.annual_cost, cost), ("on_cost_percent", post.on_cost_percent, on_costs),
              ("starts_on", post.starts_on, _day(row["starts_on"], "post start")),
              ("ends_on", post.ends_on, _optional_day(row.get("ends_on"), "post end")),
              ("delivery", post.delivery, _yes_no(row.get("delivery") or "yes", "delivery")),
              ("funding", ours, theirs))
    for field, have, given in checks:
        if have != given:
            return field
    return None


def staff_names(ctx: Context) -> dict[int, str]:
    return {staff_id: name for staff_id, name in ctx.session.execute(select(Staff.id, Staff.name))}


def _import_post(ctx: Context, row: dict[str, str], name: str, number: int) -> bool:
    """Add the row's post (True), or find it already there with the same figures (False)."""
    title = clean_line(row["title"], "post title", 120)
    existing = ctx.session.scalar(select(Post).where(Post.title == title).options(selectinload(Post.funding)))
    if existing is None:
        add_post(ctx, title, row["fte"], row["annual_cost"], row["starts_on"], funding=row["funding"],
                 grade=row.get("grade") or None, contract=row.get("contract") or "permanent",
                 on_cost_percent=row.get("on_cost_percent") or "0", ends_on=row.get("ends_on") or None,
                 delivery=row.get("delivery") or "yes", reason=f"imported from {name} row {number}")
        return True
    differs = _same_post(existing, row)
    if differs is not None:
        raise RuleViolation(f"post {title!r} is already in the establishment with a different {differs}: change "
                            "it with traded establishment commands, or give it another title", code="post_differs")
    return False


def _import_person(ctx: Context, row: dict[str, str], name: str, number: int, staff: dict[int, str]) -> bool:
    """Assign the row's person (True), or find the assignment from that date already there, the same (False)."""
    post = find_post(ctx, row["post"])
    who = clean_line(row["person"], "person", 120)
    start = _day(row["starts_on"], "assignment start")
    same = [a for a in post.assignments if a.person == who and a.starts_on == start]
    if not same:
        assign(ctx, post.title, who, row["fte"], start, ends_on=row.get("ends_on") or None,
               staff=row.get("staff") or None, reason=f"imported from {name} row {number}")
        return True
    a = same[0]
    # An open-ended assignment to a post that ends was stored ending with the post.
    end = _optional_day(row.get("ends_on"), "assignment end") or (post.ends_on if a.ends_on else None)
    named = clean_optional_line(row.get("staff"), "member of staff", 120)
    checks: list[tuple[str, object, object]] = [("fte", a.fte, parse_fte(row["fte"], "assignment FTE")),
                                                ("ends_on", a.ends_on, end)]
    if named is not None:  # no staff given: the link made when assigned stands
        checks.append(("staff", staff.get(a.staff_id) if a.staff_id else None, named))
    for field, have, given in checks:
        if have != given:
            raise RuleViolation(f"{who}'s assignment to post {post.title!r} from {start} is already there with a "
                                f"different {field}: end it with traded establishment end, or assign anew",
                                code="assignment_differs")
    return False


def _import_budget(ctx: Context, row: dict[str, str], name: str, number: int) -> bool:
    """Set the row's funding budget (True), or find it already there with the same figures (False)."""
    source = funding_source(row["source"])
    what = clean_line(row["description"], "budget description", 120)
    existing = ctx.session.scalar(select(FundingBudget).where(FundingBudget.source == source,
                                                              FundingBudget.description == what))
    if existing is None:
        set_funding_budget(ctx, source, what, row["amount"], row["starts_on"], row["ends_on"],
                           reason=f"imported from {name} row {number}")
        return True
    checks = (("amount", existing.amount, parse_money(row["amount"], "budget amount")),
              ("starts_on", existing.starts_on, _day(row["starts_on"], "budget start")),
              ("ends_on", existing.ends_on, _day(row["ends_on"], "budget end")))
    for field, have, given in checks:
        if have != given:
            raise RuleViolation(f"{source}'s budget {what!r} is already there with a different {field}: change it "
                                "with traded establishment budget set", code="budget_differs")
    return False


def import_establishment(ctx: Context, posts_csv: str, people_csv: str | None = None,
                         budgets_csv: str | None = None, *, posts_name: str = "posts file",
                         people_name: str = "people file", budgets_name: str = "budgets file") -> ImportResult:
    """Add the posts (and assignments, and funding budgets) in the CSV text, all or nothing; rows already there change nothing.

    Each row goes through :func:`add_post` / :func:`assign` / :func:`set_funding_budget`, so
    a row is refused for what the command would refuse, in one line naming the file and
    row. A row naming a post (a person's assignment from a date, a source's budget by its
    description) that is already there with other figures is refused, never overwritten:
    change it with the commands. The caller's transaction holds every row, so a refusal
    leaves nothing written.
    """
    posts_added = posts_same = people_added = people_same = budgets_added = budgets_same = 0
    for number, row in _rows(posts_csv, posts_name, POST_COLUMNS, _POST_REQUIRED):
        if _at_row(posts_name, number, partial(_import_post, ctx, row, posts_name, number)):
            posts_added += 1
        else:
            posts_same += 1
    if people_csv is not None:
        staff = staff_names(ctx)
        for number, row in _rows(people_csv, people_name, PEOPLE_COLUMNS, _PEOPLE_REQUIRED):
            if _at_row(people_name, number, partial(_import_person, ctx, row, people_name, number, staff)):
                people_added += 1
            else:
                people_same += 1
    if budgets_csv is not None:
        for number, row in _rows(budgets_csv, budgets_name, BUDGET_COLUMNS, set(BUDGET_COLUMNS)):
            if _at_row(budgets_name, number, partial(_import_budget, ctx, row, budgets_name, number)):
                budgets_added += 1
            else:
                budgets_same += 1
    result = ImportResult(posts_added, posts_same, people_added, people_same, budgets_added, budgets_same)
    ctx.audit("establishment.import", "establishment", "csv", result.as_json())
    return result


def export_establishment(ctx: Context) -> tuple[str, str, str]:
    """The establishment as three CSV texts (posts, people, funding budgets) that :func:`import_establishment` reads back."""
    posts = list(ctx.session.scalars(select(Post).options(selectinload(Post.funding), selectinload(Post.assignments))
                                     .order_by(Post.title)))
    staff = staff_names(ctx)
    post_rows: list[list[object]] = [
        [p.title, p.fte, p.grade, p.contract, p.annual_cost, p.on_cost_percent, p.starts_on, p.ends_on,
         p.delivery, funding_text(p)] for p in posts]
    people_rows: list[list[object]] = [
        [p.title, a.person, staff.get(a.staff_id) if a.staff_id else None, a.fte, a.starts_on, a.ends_on]
        for p in posts for a in sorted(p.assignments, key=lambda a: (a.starts_on, a.person, a.id))]
    budget_rows: list[list[object]] = [[b.source, b.description, b.amount, b.starts_on, b.ends_on]
                                       for b in funding_budgets(ctx)]
    return (csv_text(POST_COLUMNS, post_rows), csv_text(PEOPLE_COLUMNS, people_rows),
            csv_text(BUDGET_COLUMNS, budget_rows))
