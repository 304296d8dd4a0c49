"""A school's agreement with the service: entitlements, cases, its subscription, giving notice, renewing, booking.

Every page reads through billing's views; the three actions (notice, renewal, a
booking) are previewed first by a GET that writes nothing — the same plan the
service then carries out — and made by a POST an approver confirms, calling the
same service the CLI's `subscription cancel`, `subscription renew` and
`order add` call. Notice is given on the day it is confirmed (the portal's clock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing.cancellations import cancel_subscription, preview_subscription_cancellation
from billing.context import Context
from billing.entitlements import school_entitlements
from billing.models import School, Subscription
from billing.orders import add_order
from billing.schools import get_school
from billing.subscriptions import renew_subscription
from billing.views.casework import find_case, list_cases, list_sessions
from billing.views.catalogue import catalogue, preview_order
from billing.views.subscription_previews import current_subscription, preview_renewal, subscription_page
from contracts.states import SessionStatus
from portal.web import config_of, db, read_form, render, require_csrf, school_for
from pricing.calendars import AcademicYear
from pricing.errors import NotFound, TradedError

SERVICE_NAMES: Mapping[str, str] = {
    "casework": "Direct casework (referrals)",
    "whole_class": "Whole-class support (blocks)",
    "training": "Training places",
    "team_teach": "Team Teach training places",
    "ambassadors": "Ambassadors Programme places",
    "coaching": "Staff coaching sessions",
}

OUTCOMES: Mapping[str, str] = {
    SessionStatus.SCHEDULED: "Booked",
    SessionStatus.DELIVERED: "Delivered",
    SessionStatus.DEEMED_DELIVERED: "Deemed delivered: changed or cancelled less than 48 hours before it started",
    SessionStatus.MOVED: "Moved to another date, with at least 48 hours' notice",
    SessionStatus.DROPPED: "Cancelled with at least 48 hours' notice, at no cost",
}

T = TypeVar("T")
Errors = list[tuple[str, str]]


def service_name(code: str) -> str:
    return SERVICE_NAMES.get(code, code.replace("_", " ").capitalize())


def _urn(request: Request) -> str:
    return str(request.path_params["urn"])


def _school(ctx: Context, urn: str) -> School:
    return get_school(ctx, urn)


def _subscription(ctx: Context, urn: str) -> Subscription:
    found = current_subscription(ctx, _school(ctx, urn))
    if found is None:
        raise HTTPException(404)
    return found


def _read(request: Request, work: Callable[[Context], T]) -> T:
    with db(request) as ctx:
        return work(ctx)


def _attempt(request: Request, work: Callable[[Context], T]) -> T | str:
    """Run ``work`` in one transaction; a refusal (rolled back, nothing written) comes back as its message."""
    try:
        return _read(request, work)
    except TradedError as refusal:
        return str(refusal)


# -- dates typed into the GOV.UK three-field date input --------------------------------------


def typed_date(fields: Mapping[str, str], name: str, what: str, errors: Errors, required: bool = True) -> date | None:
    """``{name}-day``, ``-month``, ``-year`` as a date; a problem added to ``errors`` against ``{name}-day``."""
    parts = [fields.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        if required:
            errors.append((f"{name}-day", f"Enter the {what}"))
        return None
    if not all(p.isascii() and p.isdigit() for p in parts) or len(parts[2]) != 4:
        errors.append((f"{name}-day", f"The {what} must be a real date, like 28 2 2026"))
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors.append((f"{name}-day", f"The {what} must be a real date, like 28 2 2026"))
        return None


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400) from None


# -- entitlements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementLine:
    service: str
    included: int | None
    used: int
    remaining: int | None
    beyond: int
    hours: str
    charged: Decimal


def entitlements_page(request: Request) -> Response:
    urn = _urn(request)
    school_for(request, urn)
    asked = request.query_params.get("year")
    try:
        year = AcademicYear.parse(asked) if asked else None
    except TradedError:
        raise HTTPException(404) from None

    def work(ctx: Context) -> tuple[AcademicYear, dict[str, Any]]:
        chosen = year or AcademicYear.of(ctx.today)
        return chosen, school_entitlements(ctx, _school(ctx, urn), chosen)

    try:
        chosen, data = _read(request, work)
    except NotFound as missing:
        return render(request, "entitlements.html", year=year, lines=[], tier=None, problem=str(missing))
    lines = [EntitlementLine(service_name(i["service"]), i["included"], i["used"], i["remaining"], i["beyond"],
                             i["hours"], Decimal(i["charged"])) for i in data["items"]]
    return render(request, "entitlements.html", year=chosen, lines=lines, tier=data["tier"], problem=None)


# -- cases -----------------------------------------------------------------------------------


def cases_page(request: Request) -> Response:
    urn = _urn(request)
    school_for(request, urn)
    cases = _read(request, lambda ctx: list_cases(ctx, urn))
    return render(request, "cases.html", cases=cases)


def case_page(request: Request) -> Response:
    urn = _urn(request)
    school_for(request, urn)
    ref = str(request.path_params["ref"])

    def work(ctx: Context) -> tuple[Any, list[Any]]:
        try:
            case = find_case(ctx, ref)
        except NotFound:
            raise HTTPException(404) from None
        # Another school's case answers exactly as one that does not exist.
        if case.school_id != _school(ctx, urn).id or ref.strip().isdigit():
            raise HTTPException(404)
        view = list_cases(ctx, urn)
        return next(c for c in view if c.id == case.id), list_sessions(ctx, case_key=str(case.id))

    case, sessions = _read(request, work)
    return render(request, "case.html", case=case, sessions=sessions, outcomes=OUTCOMES)


# -- the subscription ------------------------------------------------------------------------


def subscription_view(request: Request) -> Response:
    urn = _urn(request)
    access = school_for(request, urn)

    def work(ctx: Context) -> Any:
        sub = current_subscription(ctx, _school(ctx, urn))
        return None if sub is None else subscription_page(ctx, sub)

    return render(request, "subscription.html", page=_read(request, work), approver=access.role == "approver")


async def notice_page(request: Request) -> Response:
    urn = _urn(request)
    access = school_for(request, urn, need="approver" if request.method == "POST" else "viewer")
    approver = access.role == "approver"
    if request.method == "POST":
        form = await read_form(request)
        require_csrf(request, form)
        end = _iso(form.get("end", ""))
        done = await run_in_threadpool(_attempt, request, lambda ctx: cancel_subscription(
            ctx, _subscription(ctx, urn).id, ctx.today, end, "school", mail=config_of(request).mail))
        if isinstance(done, str):
            return render(request, "notice.html", stage="ask", errors=[("end-day", done)], fields={}, preview=None,
                          page=None, approver=approver, status_code=422)
        return render(request, "notice.html", stage="done", errors=[], fields={}, preview=None, page=None,
                      approver=approver, done=done)

    fields = dict(request.query_params)
    page = await run_in_threadpool(_read, request, lambda ctx: subscription_page(ctx, _subscription(ctx, urn)))
    errors: Errors = []
    if "end-day" not in fields:
        return render(request, "notice.html", stage="ask", errors=[], fields={}, preview=None, page=page,
                      approver=approver)
    wanted = typed_date(fields, "end", "end date you want", errors)
    preview = None
    if wanted is not None:
        asked = wanted
        found = await run_in_threadpool(_attempt, request, lambda ctx: preview_subscription_cancellation(
            ctx, page.id, ctx.today, asked))
        if isinstance(found, str):
            errors.append(("end-day", found))
        else:
            preview = found
    if errors:
        return render(request, "notice.html", stage="ask", errors=errors, fields=fields, preview=None, page=page,
                      approver=approver, status_code=422)
    return render(request, "notice.html", stage="check", errors=[], fields=fields, preview=preview, page=page,
                  approver=approver)


async def renew_page(request: Request) -> Response:
    urn = _urn(request)
    access = school_for(request, urn, need="approver" if request.method == "POST" else "viewer")
    approver = access.role == "approver"
    if request.method == "POST":
        form = await read_form(request)
        require_csrf(request, form)
        made = await run_in_threadpool(_attempt, request, lambda ctx: _renewed(ctx, urn))
        if isinstance(made, str):
            return render(request, "renew.html", preview=None, refusal=made, done=None, approver=approver,
                          status_code=422)
        return render(request, "renew.html", preview=None, refusal=None, done=made, approver=approver)
    found = await run_in_threadpool(_attempt, request, lambda ctx: preview_renewal(ctx, _subscription(ctx, urn).id))
    if isinstance(found, str):
        return render(request, "renew.html", preview=None, refusal=found, done=None, approver=approver)
    return render(request, "renew.html", preview=found, refusal=None, done=None, approver=approver)


@dataclass(frozen=True)
class Renewed:
    id: int
    starts_on: date
    ends_on: date


def _renewed(ctx: Context, urn: str) -> Renewed:
    made = renew_subscription(ctx, _subscription(ctx, urn).id)
    return Renewed(made.id, made.starts_on, made.ends_on)


# -- booking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booking:
    item: str
    quantity: int
    deliver_on: date | None
    po_number: str


def _booking(fields: Mapping[str, str], errors: Errors) -> Booking | None:
    item = fields.get("item", "").strip()
    if not item:
        errors.append(("item", "Select what you want to book"))
    text = fields.get("quantity", "").strip()
    quantity = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= quantity <= 999:
        errors.append(("quantity", "Enter how many you want, a whole number from 1 to 999"))
    deliver_on = typed_date(fields, "deliver", "delivery date", errors, required=False)
    po = fields.get("po", "").strip()
    if len(po) > 40:
        errors.append(("po", "The purchase order number must be 40 characters or fewer"))
    return None if errors else Booking(item, quantity, deliver_on, po)


@dataclass(frozen=True)
class Booked:
    id: int
    price: Any
    quantity: int
    item: str


def _book(ctx: Context, urn: str, booking: Booking) -> Booked:
    order = add_order(ctx, urn, booking.item, booking.quantity, booking.deliver_on, booking.po_number or None)
    return Booked(order.id, order.price, order.quantity, order.item_code)


async def book_page(request: Request) -> Response:
    urn = _urn(request)
    access = school_for(request, urn, need="approver" if request.method == "POST" else "viewer")
    approver = access.role == "approver"
    year = await run_in_threadpool(_read, request, lambda ctx: AcademicYear.of(ctx.today))
    items = await run_in_threadpool(_attempt, request, lambda ctx: catalogue(ctx, _school(ctx, urn), year))
    listing = dict(year=year, items=[] if isinstance(items, str) else items,
                   problem=items if isinstance(items, str) else None, approver=approver, service_label=service_name)
    errors: Errors = []
    if request.method == "POST":
        form = await read_form(request)
        require_csrf(request, form)
        booking = _booking(form, errors)
        if booking is not None:
            confirmed = booking
            done = await run_in_threadpool(_attempt, request, lambda ctx: _book(ctx, urn, confirmed))
            if not isinstance(done, str):
                return render(request, "book.html", stage="done", done=done, errors=[], fields={}, preview=None,
                              **listing)
            errors.append(("item", done))
        return render(request, "book.html", stage="choose", errors=errors, fields=form, preview=None, done=None,
                      status_code=422, **listing)
    fields = dict(request.query_params)
    if "item" not in fields and "quantity" not in fields:
        return render(request, "book.html", stage="choose", errors=[], fields={"quantity": "1"}, preview=None,
                      done=None, **listing)
    booking = _booking(fields, errors)
    if booking is not None:
        chosen = booking
        found = await run_in_threadpool(_attempt, request, lambda ctx: preview_order(
            ctx, _school(ctx, urn), chosen.item, chosen.quantity, chosen.deliver_on))
        if not isinstance(found, str):
            return render(request, "book.html", stage="check", errors=[], fields=fields, preview=found,
                          booking=booking, done=None, **listing)
        errors.append(("item", found))
    return render(request, "book.html", stage="choose", errors=errors, fields=fields, preview=None, done=None,
                  status_code=422, **listing)


ROUTES: list[Route] = [
    Route("/schools/{urn}/entitlements", entitlements_page, methods=["GET"]),
    Route("/schools/{urn}/cases", cases_page, methods=["GET"]),
    Route("/schools/{urn}/cases/{ref}", case_page, methods=["GET"]),
    Route("/schools/{urn}/subscription", subscription_view, methods=["GET"]),
    Route("/schools/{urn}/subscription/notice", notice_page, methods=["GET", "POST"]),
    Route("/schools/{urn}/subscription/renew", renew_page, methods=["GET", "POST"]),
    Route("/schools/{urn}/book", book_page, methods=["GET", "POST"]),
]
