"""What every portal page is built with: the templates, the request's database context, who is signed in, CSRF.

The portal is a second front door over billing's services, like cli/: a page
finds who is signed in (:func:`signed_in`) and which of their schools the URL
names (:func:`school_for`: another school answers 404, never 403), opens one
transaction (:func:`db`), calls a service or a view, and renders a template
(:func:`render`). Nothing here reads the environment: :class:`PortalConfig` is
built by the entrypoint (cli/serve.py) and kept on the portal app's state.

The session cookie and the person behind it are loaded once per request by
portal.app's middleware into a :class:`Visit` kept in the ASGI scope.

Database work is synchronous (SQLAlchemy): a page that reads a form is an
``async def`` that awaits :func:`read_form` and then runs its service through
``starlette.concurrency.run_in_threadpool``; a page that only reads can be a
plain ``def`` (Starlette runs it in the thread pool).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from billing.context import Context
from billing.db import transaction
from billing.gateway.pay_page import PayPage
from billing.gateway.port import PaymentGateway
from billing.mail_compose import MailSetup
from billing.portal_sign_in import SchoolAccess, SignedIn
from pricing.clock import Clock, utc_to_london
from pricing.money import as_pounds

SESSION_COOKIE = "traded_session"
PRESESSION_COOKIE = "traded_presession"
"""A random value naming a signed-out browser, so the sign-in and password forms carry a CSRF token too."""
FORM_LIMIT = 64 * 1024
"""No portal form is anywhere near this; a larger body is refused before it is parsed."""
SIGN_IN_PATH = "/sign-in"
TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_SERVICE_NAME = "Traded services for schools"

Need = Literal["viewer", "approver"]


@dataclass(frozen=True)
class PortalConfig:
    """What the entrypoint hands the portal: the database, the clock, its address, its secret and the adapters."""

    engine: Engine
    clock: Clock
    portal_url: str
    secret_key: bytes
    service_name: str = DEFAULT_SERVICE_NAME
    pay_page: PayPage | None = None
    """Card payments: the pay page printed documents link to (None when Stripe is not set up)."""
    gateway: PaymentGateway | None = None
    mail: MailSetup | None = None
    """How documents the portal's actions issue are emailed (a settlement credit note); None: not queued."""

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure except for a portal on this machine over plain http (development, tests)."""
        parts = urlsplit(self.portal_url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        return not (parts.scheme == "http" and local)


@dataclass
class Visit:
    """One request's view of the browser: its session cookie, the person it names, its pre-session value."""

    token: str | None
    person: SignedIn | None
    presession: str
    presession_is_new: bool = False


VISIT_KEY = "traded.portal.visit"


def config_of(request: Request) -> PortalConfig:
    config: PortalConfig = request.app.state.portal
    return config


def visit_of(request: Request) -> Visit:
    visit = request.scope.get(VISIT_KEY)
    if visit is None:  # only when a page is served without portal.app's middleware
        visit = Visit(token=None, person=None, presession=secrets.token_urlsafe(24), presession_is_new=True)
        request.scope[VISIT_KEY] = visit
    assert isinstance(visit, Visit)
    return visit


# -- the templates ---------------------------------------------------------------------------


def money(value: Decimal | None) -> str:
    """Money as the portal shows it everywhere: ``£1,234.00`` (``-£12.00``), blank for none."""
    return "" if value is None else as_pounds(value)


def day(value: date | datetime | None) -> str:
    """A date as GOV.UK writes it: ``1 September 2025`` (an instant by its London day), blank for none."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = utc_to_london(value).date()
    return f"{value.day} {value:%B %Y}"


def when(value: datetime | None) -> str:
    """An instant in London time: ``1 September 2025 at 9:05am``."""
    if value is None:
        return ""
    local = utc_to_london(value)
    hour = local.hour % 12 or 12
    return f"{day(local.date())} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.filters["money"] = money
ENVIRONMENT.filters["day"] = day
ENVIRONMENT.filters["when"] = when


def current_school(request: Request) -> SchoolAccess | None:
    """The signed-in person's school that this URL is about (``{urn}`` in the path), if any."""
    person = visit_of(request).person
    urn = request.path_params.get("urn")
    if person is None or urn is None:
        return None
    return next((school for school in person.schools if school.urn == urn), None)


def render(request: Request, template: str, **values: Any) -> HTMLResponse:
    """A page from ``portal/templates``, given the signed-in person, their schools, this school and a CSRF token.

    Templates see ``person`` (billing.portal_sign_in.SignedIn or None), ``schools``
    (their SchoolAccess list), ``school`` (the SchoolAccess this URL names, or
    None; a page may pass its own), ``csrf_token``, ``service_name`` and
    ``path``, besides ``values``; ``status_code`` among them is the response's status (200 by default).
    """
    status_code = int(values.pop("status_code", 200))
    person = visit_of(request).person
    page: dict[str, Any] = {
        "request": request, "person": person, "schools": person.schools if person is not None else [],
        "school": current_school(request), "csrf_token": csrf_token(request),
        "service_name": config_of(request).service_name, "path": request.url.path,
    }
    page.update(values)
    return HTMLResponse(ENVIRONMENT.get_template(template).render(page), status_code=status_code)


# -- the database ----------------------------------------------------------------------------


@contextmanager
def db(request: Request) -> Iterator[Context]:
    """One transaction for this request, with the portal's clock, committed when the block ends without error.

    The actor in the audit trail is ``portal:<email>`` for a signed-in person, ``portal`` otherwise.
    """
    config = config_of(request)
    person = visit_of(request).person
    actor = f"portal:{person.email}" if person is not None else "portal"
    with transaction(config.engine) as session:
        yield Context(session=session, clock=config.clock, actor=actor, gateway=config.gateway,
                      pay_page=config.pay_page)


# -- who is asking ---------------------------------------------------------------------------


class SignInFirst(HTTPException):
    """Raised for a signed-out visitor: answered 303 to the sign-in page, coming back here afterwards."""

    def __init__(self, request: Request) -> None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        super().__init__(303, headers={"location": f"{SIGN_IN_PATH}?next={quote(here, safe='/')}"})


def signed_in(request: Request) -> SignedIn:
    """The person signed in, or :class:`SignInFirst` (a 303 to the sign-in page)."""
    person = visit_of(request).person
    if person is None:
        raise SignInFirst(request)
    return person


def school_for(request: Request, urn: str, need: Need = "viewer") -> SchoolAccess:
    """The signed-in person's school with this URN (urn, name, their role), for a page about it.

    A school they have no link to answers 404 exactly like one that does not
    exist; a viewer asking for an approver's action gets 403. Load the School
    row itself with billing.schools.get_school inside :func:`db` when needed.
    """
    person = signed_in(request)
    school = next((s for s in person.schools if s.urn == urn), None)
    if school is None:
        raise HTTPException(404)
    if need == "approver" and school.role != "approver":
        raise HTTPException(403, "Only an approver for this school can do this.")
    return school


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site), else the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- forms and CSRF --------------------------------------------------------------------------


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form (every portal form is one), first value of each field; too large a body is 413."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > FORM_LIMIT:
        raise HTTPException(413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise HTTPException(413)
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: an HMAC of its session token (or, signed out, its pre-session value)."""
    visit = visit_of(request)
    subject = f"session:{visit.token}" if visit.person is not None and visit.token else f"pre:{visit.presession}"
    return hmac.new(config_of(request).secret_key, subject.encode(), hashlib.sha256).hexdigest()


def csrf_ok(request: Request, form: dict[str, str]) -> bool:
    return hmac.compare_digest(form.get("csrf_token", ""), csrf_token(request))


def require_csrf(request: Request, form: dict[str, str]) -> None:
    """Refuse (403) a form without this browser's CSRF token, before anything is written."""
    if not csrf_ok(request, form):
        raise HTTPException(403, "This form has expired or did not come from this site: go back, reload it "
                                 "and try again.")


# -- the session cookie ----------------------------------------------------------------------


def set_session_cookie(request: Request, response: Response, token: str, expires: datetime | None) -> None:
    max_age = None
    if expires is not None:
        max_age = max(0, int((expires - config_of(request).clock.now()).total_seconds()))
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", secure=config_of(request).secure_cookies,
                        httponly=True, samesite="lax")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=config_of(request).secure_cookies, httponly=True,
                           samesite="lax")
