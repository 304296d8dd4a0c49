"""Signing in and out, choosing a password from an invitation or a reset link, and the person's schools.

Each form is checked for its CSRF token before anything else, then for what can
be said without the database (a field left empty, two passwords that differ),
then handed to billing's account services, whose one-line refusals are shown in
a GOV.UK error summary linked to the field. No password or token is ever put
back into a page or a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from billing.portal_accounts import (
    INVITATION,
    PASSWORD_RESET,
    accept_invitation,
    request_password_reset,
    reset_password,
    usable_link,
)
from billing.portal_sign_in import SignIn, sign_in, sign_out
from portal.web import (
    SIGN_IN_PATH,
    clear_session_cookie,
    config_of,
    db,
    read_form,
    render,
    require_csrf,
    safe_next,
    set_session_cookie,
    signed_in,
    visit_of,
)
from pricing.errors import InvalidInput, TradedError

Errors = list[tuple[str, str]]
"""(field id, message) pairs for the error summary; an empty id is a message about the whole form."""

NOTICES = {
    "signed-out": "You have signed out.",
    "password-set": "Your password is set. Sign in with your email address and your new password.",
}
"""The only banners the sign-in page shows, chosen by name: nothing typed into a URL is ever echoed."""


def sentence(message: str) -> str:
    """A service's one-line refusal as a sentence for a person."""
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- sign in and out -------------------------------------------------------------------------


async def sign_in_page(request: Request) -> Response:
    if request.method == "GET":
        if visit_of(request).person is not None:
            return see_other(safe_next(request.query_params.get("next")))
        notice = NOTICES.get(request.query_params.get("notice", ""))
        return render(request, "sign_in.html", errors=[], email="", notice=notice,
                      next=safe_next(request.query_params.get("next")))
    form = await read_form(request)
    require_csrf(request, form)
    email, password = form.get("email", "").strip(), form.get("password", "")
    target = safe_next(form.get("next"))
    errors: Errors = []
    if not email:
        errors.append(("email", "Enter your email address"))
    if not password:
        errors.append(("password", "Enter your password"))
    if errors:
        return render(request, "sign_in.html", status_code=400, errors=errors, email=email, notice=None,
                      next=target)

    def attempt() -> SignIn | str:
        try:
            with db(request) as ctx:
                return sign_in(ctx, email, password, client_address(request))
        except InvalidInput as exc:  # an email too long or with control characters: nothing was recorded
            return exc.message

    result = await run_in_threadpool(attempt)
    if isinstance(result, str) or not result.ok:
        refusal = result if isinstance(result, str) else result.refusal or "sign-in was refused"
        throttled = not isinstance(result, str) and result.retry_after is not None
        return render(request, "sign_in.html", status_code=429 if throttled else 400,
                      errors=[("email", sentence(refusal))], email=email, notice=None, next=target)
    assert result.token is not None
    response = see_other(target)
    set_session_cookie(request, response, result.token, result.session_expires_at)
    return response


async def sign_out_page(request: Request) -> Response:
    form = await read_form(request)
    require_csrf(request, form)
    token = visit_of(request).token

    def end() -> None:
        if token:
            with db(request) as ctx:
                sign_out(ctx, token)

    await run_in_threadpool(end)
    response = see_other(f"{SIGN_IN_PATH}?notice=signed-out")
    clear_session_cookie(request, response)
    return response


# -- choosing a password ---------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordForm:
    """An invitation or a reset link's page: which template, which kind of link, and the service it calls."""

    template: str
    purpose: str
    what: str

    def link_problem(self, request: Request, token: str) -> str | None:
        """Why this link cannot be used (unknown, used, expired), read without using it; None if it can."""
        with db(request) as ctx:
            try:
                usable_link(ctx, token, self.purpose)
            except TradedError as refused:
                return LINK_REFUSALS.get(refused.code, LINK_REFUSALS["unknown_portal_link"]).format(what=self.what)
            return None


# The service's refusals (billing.portal_accounts.usable_link) in the page's words.
LINK_REFUSALS = {
    "unknown_portal_link": "This {what} is not valid. Ask for a new one.",
    "portal_link_used": "This {what} has already been used. Sign in, or ask for a new one.",
    "portal_link_expired": "This {what} has expired. Ask for a new one.",
    "portal_user_disabled": "This {what} is no longer valid: your portal access was withdrawn.",
}


INVITATION_FORM = PasswordForm("invitation.html", INVITATION, "invitation")
RESET_FORM = PasswordForm("reset_password.html", PASSWORD_RESET, "password reset link")


def password_errors(password: str, confirm: str) -> Errors:
    if not password:
        return [("password", "Enter a password")]
    if not confirm:
        return [("confirm", "Enter the password again")]
    if password != confirm:
        return [("confirm", "The passwords do not match: enter the same password twice")]
    return []


async def _choose_password(request: Request, page: PasswordForm) -> Response:
    token = request.path_params["token"]
    if len(token) > 100:
        problem: str | None = f"This {page.what} is not valid. Ask for a new one."
    else:
        problem = await run_in_threadpool(page.link_problem, request, token)
    if problem is not None:
        return render(request, page.template, status_code=404 if "not valid" in problem else 410,
                      errors=[], problem=problem)
    if request.method == "GET":
        return render(request, page.template, errors=[], problem=None)
    form = await read_form(request)
    require_csrf(request, form)
    errors = password_errors(form.get("password", ""), form.get("confirm", ""))
    if errors:
        return render(request, page.template, status_code=400, errors=errors, problem=None)
    password = form["password"]
    service = accept_invitation if page.purpose == INVITATION else reset_password

    def choose() -> Errors:
        try:
            with db(request) as ctx:
                service(ctx, token, password)
        except InvalidInput as exc:
            return [("password", sentence(exc.message))]
        except TradedError as exc:
            return [("", sentence(exc.message))]
        return []

    errors = await run_in_threadpool(choose)
    if errors:
        return render(request, page.template, status_code=400, errors=errors, problem=None)
    return see_other(f"{SIGN_IN_PATH}?notice=password-set")


async def invitation_page(request: Request) -> Response:
    return await _choose_password(request, INVITATION_FORM)


async def reset_password_page(request: Request) -> Response:
    return await _choose_password(request, RESET_FORM)


async def reset_request_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "reset_request.html", errors=[], email="", answer=None)
    form = await read_form(request)
    require_csrf(request, form)
    email = form.get("email", "").strip()
    if not email:
        return render(request, "reset_request.html", status_code=400, errors=[("email", "Enter your email address")],
                      email=email, answer=None)
    portal_url = config_of(request).portal_url

    def ask() -> tuple[str | None, str | None]:
        try:
            with db(request) as ctx:
                return sentence(request_password_reset(ctx, email, portal_url=portal_url)), None
        except InvalidInput as exc:
            return None, sentence(exc.message)

    answer, problem = await run_in_threadpool(ask)
    if problem is not None:
        return render(request, "reset_request.html", status_code=400, errors=[("email", problem)], email=email,
                      answer=None)
    return render(request, "reset_request.html", errors=[], email="", answer=answer)


# -- the person's schools --------------------------------------------------------------------


def schools_page(request: Request) -> Response:
    person = signed_in(request)
    if len(person.schools) == 1:
        return see_other(f"/schools/{person.schools[0].urn}/")
    return render(request, "schools.html")


ROUTES = [
    Route("/", schools_page, methods=["GET"]),
    Route(SIGN_IN_PATH, sign_in_page, methods=["GET", "POST"]),
    Route("/sign-out", sign_out_page, methods=["POST"]),
    Route("/invitation/{token}", invitation_page, methods=["GET", "POST"]),
    Route("/reset", reset_request_page, methods=["GET", "POST"]),
    Route("/reset/{token}", reset_password_page, methods=["GET", "POST"]),
]
