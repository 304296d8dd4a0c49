"""The portal as one ASGI app, mounted by billing.gateway.app beside the webhook and the pay page.

Every request passes through two layers before its page:

* :class:`SecurityHeaders` (outermost, so even an error page has them): a CSP
  allowing only this site's own files and no inline script or style, no
  framing, no referrer, no MIME sniffing.
* :class:`LoadVisit`: the session cookie is looked up in the database
  (billing.portal_sign_in.current_session, in its own short transaction, which
  records an ended session as expired), a signed-out browser gets a random
  pre-session value for its forms' CSRF tokens, and a signed-out request for
  anything but the sign-in, invitation, reset pages and the stylesheet is sent
  to sign in (303, coming back afterwards).

The pages come from the modules in :data:`PAGE_MODULES`, each listing its
``ROUTES``; a module not written yet is left out.
"""

from __future__ import annotations

import importlib
import secrets
from http.cookies import SimpleCookie
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing.context import Context
from billing.db import transaction
from billing.portal_sign_in import SignedIn, current_session
from billing.pricebooks import council
from portal.web import (
    DEFAULT_SERVICE_NAME,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    VISIT_KEY,
    PortalConfig,
    SignInFirst,
    Visit,
    config_of,
    render,
)
from pricing.clock import Clock
from pricing.errors import NotFound

PAGE_MODULES = ("portal.auth_pages", "portal.school_pages", "portal.agreement_pages")
STATIC = Path(__file__).resolve().parent / "static"
PUBLIC_PREFIXES = ("/sign-in", "/invitation/", "/reset", "/static/")
"""What a signed-out browser may ask for; anything else is sent to sign in."""
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
ERROR_TITLES = {
    403: "You cannot do this", 404: "Page not found", 405: "Page not found", 413: "That was too large",
    500: "Sorry, there is a problem with the service",
}


def page_routes() -> list[BaseRoute]:
    """Every page module's ROUTES, skipping the modules not written yet (but not one that fails to import)."""
    routes: list[BaseRoute] = []
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        routes.extend(module.ROUTES)
    return routes


def service_name(engine: Engine, clock: Clock) -> str:
    """The name in the portal's header: the council's, from its price book (a default before one is loaded)."""
    with transaction(engine) as session:
        try:
            name = council(Context(session=session, clock=clock, actor="portal")).name
        except NotFound:
            return DEFAULT_SERVICE_NAME
    return f"{name}: traded services for schools"


def create_portal(config: PortalConfig) -> ASGIApp:
    """The portal app over this configuration (database, clock, address, secret, card payments)."""
    app = Starlette(routes=[*page_routes(), Mount("/static", StaticFiles(directory=STATIC), name="static")],
                    exception_handlers={HTTPException: _http_error, Exception: _server_error})
    app.state.portal = config
    app.add_middleware(LoadVisit, config=config)
    return SecurityHeaders(app)


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, SignInFirst) or exc.status_code in (301, 302, 303, 307, 308):
        return RedirectResponse(exc.headers["location"] if exc.headers else "/", status_code=exc.status_code)
    detail = exc.detail if exc.status_code in (403, 413) else None
    return render(request, "error.html", status_code=exc.status_code,
                  title=ERROR_TITLES.get(exc.status_code, "Sorry, something went wrong"), detail=detail)


async def _server_error(request: Request, _exc: Exception) -> Response:
    return render(request, "error.html", status_code=500, title=ERROR_TITLES[500], detail=None)


class SecurityHeaders:
    """Adds the portal's security headers to every response it sends, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class LoadVisit:
    """Finds who the session cookie names (once per request) and sends a signed-out browser to sign in."""

    def __init__(self, app: ASGIApp, config: PortalConfig) -> None:
        self.app = app
        self.config = config

    def _person(self, token: str) -> SignedIn | None:
        with transaction(self.config.engine) as session:
            return current_session(Context(session=session, clock=self.config.clock, actor="portal"), token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = Request(scope).cookies
        token = cookies.get(SESSION_COOKIE) or None
        person = await run_in_threadpool(self._person, token) if token else None
        presession = cookies.get(PRESESSION_COOKIE) or ""
        new = not presession and person is None
        if new:
            presession = secrets.token_urlsafe(24)
        visit = Visit(token=token if person is not None else None, person=person, presession=presession,
                      presession_is_new=new)
        scope[VISIT_KEY] = visit
        path = scope["path"]
        if person is None and not is_public(path):
            await self._answer(SignInRedirect(Request(scope, receive)), visit, token, scope, receive, send)
            return
        await self._answer(self.app, visit, token, scope, receive, send)

    async def _answer(self, app: ASGIApp, visit: Visit, token: str | None, scope: Scope, receive: Receive,
                      send: Send) -> None:
        config = self.config
        stale = token is not None and visit.person is None

        async def with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A page that signed in or out has set the session cookie itself: leave it alone then.
                answered = any(SESSION_COOKIE + "=" in value for value in headers.getlist("set-cookie"))
                if visit.presession_is_new:
                    headers.append("set-cookie", _cookie(PRESESSION_COOKIE, visit.presession, config))
                if stale and not answered:
                    headers.append("set-cookie", _cookie(SESSION_COOKIE, "", config, max_age=0))
            await send(message)

        await app(scope, receive, with_cookies)


class SignInRedirect:
    """The answer to a signed-out request for a page that needs a person: 303 to sign in, then back."""

    def __init__(self, request: Request) -> None:
        self.request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        location = SignInFirst(self.request).headers or {}
        await RedirectResponse(location["location"], status_code=303)(scope, receive, send)


def _cookie(name: str, value: str, config: PortalConfig, max_age: int | None = None) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if config.secure_cookies:
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString()


__all__ = ["PortalConfig", "config_of", "create_portal"]
