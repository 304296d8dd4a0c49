"""Signing in and out of the portal over HTTP (issue 18): invitations, passwords, CSRF, headers, cookies, isolation."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from starlette.routing import Route

from billing.models import AuditEntry
from billing.models.mail import MailMessage
from billing.models.portal import PortalSession
from portal.app import SECURITY_HEADERS, page_routes
from portal.web import SESSION_COOKIE
from tests.portal.conftest import NOW, PASSWORD, Portal, csrf_in, form, open_portal
from tests.support import table_dump

ANN = "ann.head@ash.example"


def _summary(html: str) -> str:
    """The text of the page's error summary (and nothing else)."""
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "no error summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def test_invitation_set_password_sign_in_schools_sign_out(portal: Portal) -> None:
    link = portal.invite("Ann.Head@Ash.example", "100001", "viewer", "Ann Head")
    browser = portal.browser()
    page = browser.get(link)
    assert page.status_code == 200 and "Choose your password" in page.text
    token = link.rsplit("/", 1)[1]
    assert token not in page.text  # the page posts back to its own address without repeating the token

    mismatch = form(browser, link, {"password": PASSWORD, "confirm": PASSWORD + "x"})
    assert mismatch.status_code == 400
    assert "The passwords do not match" in _summary(mismatch.text)
    assert 'href="#confirm"' in mismatch.text and 'aria-describedby="confirm-error"' in mismatch.text
    weak = form(browser, link, {"password": "short", "confirm": "short"})
    assert "The password must be at least 12 characters long." in _summary(weak.text)
    assert 'href="#password"' in weak.text
    assert "short" not in re.sub(r'name="password"|type="password"|new-password', "", weak.text).split("<main")[1]

    chosen = form(browser, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/sign-in?notice=password-set"
    again = browser.get(link)
    assert again.status_code == 410 and "already been used" in again.text

    banner = browser.get("/sign-in?notice=password-set")
    assert "Your password is set." in banner.text
    signed = portal.sign_in(browser, "Ann.Head@Ash.example")
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    home = browser.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/schools/100001/"
    assert browser.get("/sign-in").headers["location"] == "/"  # signed in already

    token = csrf_in(browser.get("/no/such/page").text)  # the header's sign-out form is on every page
    out = browser.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in?notice=signed-out"
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    school = browser.get("/schools/100001/invoices")
    assert school.status_code == 303
    assert school.headers["location"] == "/sign-in?next=/schools/100001/invoices"
    with portal.engine.connect() as conn:
        assert conn.scalar(select(PortalSession.status)) == "revoked"
        actions = list(conn.scalars(select(AuditEntry.action).where(AuditEntry.action.like("portal.%"))
                                    .order_by(AuditEntry.id)))
    assert actions == ["portal.invite", "portal.accept_invitation", "portal.sign_in", "portal.sign_out"]


def test_a_wrong_password_is_refused_in_the_error_summary_and_throttled(portal: Portal) -> None:
    portal.person(ANN, "100001")
    browser = portal.browser()
    empty = form(browser, "/sign-in", {"email": "", "password": ""})
    assert empty.status_code == 400
    assert _summary(empty.text) == "There is a problem Enter your email address Enter your password"
    for _ in range(5):
        wrong = portal.sign_in(browser, ANN, "not the right one at all")
        assert wrong.status_code == 400
        assert _summary(wrong.text) == "There is a problem The email address or password is not right."
        assert f'value="{ANN}"' in wrong.text and "not the right one" not in wrong.text
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    throttled = portal.sign_in(browser, ANN)  # the right password, refused while throttled
    assert throttled.status_code == 429
    assert "Too many failed sign-ins: try again after" in _summary(throttled.text)
    with portal.engine.connect() as conn:
        actions = list(conn.scalars(select(AuditEntry.action).where(AuditEntry.action.like("portal.sign_in%"))))
    assert actions == ["portal.sign_in_failed"] * 5 + ["portal.sign_in_throttled"]


def test_sign_in_returns_to_the_page_asked_for_and_never_to_another_site(portal: Portal) -> None:
    portal.person(ANN, "100001")
    for asked, lands in (("/schools/100001/statement?from=2025-09-01", "/schools/100001/statement?from=2025-09-01"),
                         ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        browser = portal.browser()
        page = browser.get("/sign-in", params={"next": asked})
        answer = browser.post("/sign-in", data={"email": ANN, "password": PASSWORD, "next": asked,
                                                "csrf_token": csrf_in(page.text)})
        assert answer.status_code == 303 and answer.headers["location"] == lands


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(portal: Portal) -> None:
    link = portal.invite(ANN, "100001")
    browser = portal.browser()
    before = table_dump(portal.engine)
    for path, data in ((link, {"password": PASSWORD, "confirm": PASSWORD}),
                       ("/sign-in", {"email": ANN, "password": PASSWORD}),
                       ("/reset", {"email": ANN})):
        for token in (None, "0" * 64):
            sent = {**data, **({"csrf_token": token} if token else {})}
            answer = browser.post(path, data=sent)
            assert answer.status_code == 403, path
            assert "did not come from this site" in answer.text
    assert table_dump(portal.engine) == before

    other = portal.signed_in("bob@beech.example", "100002")
    before = table_dump(portal.engine)
    stolen = csrf_in(browser.get("/sign-in").text)  # a signed-out browser's token is not the session's
    for token in (None, stolen):
        answer = other.post("/sign-out", data={"csrf_token": token} if token else {})
        assert answer.status_code == 403
    assert table_dump(portal.engine) == before
    assert other.get("/").status_code == 303  # still signed in: sent on to the only school


def test_security_headers_on_every_response(portal: Portal) -> None:
    browser = portal.signed_in(ANN, "100001")
    answers = [browser.get("/sign-in"), browser.get("/"), browser.get("/static/portal.css"),
               browser.get("/no/such/page"), browser.get("/schools/100003/"), browser.post("/sign-out", data={}),
               portal.browser().get("/schools/100001/"), portal.browser().get("/invitation/nonsense")]
    assert [a.status_code for a in answers] == [303, 303, 200, 404, 404, 403, 303, 404]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (answer.url, name)
    assert "frame-ancestors 'none'" in answers[0].headers["content-security-policy"]
    assert "'unsafe-inline'" not in answers[0].headers["content-security-policy"]
    assert answers[3].headers["content-type"].startswith("text/html")
    assert "<main" in answers[3].text and 'id="main-content"' in answers[3].text


def test_cookie_flags(portal: Portal) -> None:
    portal.person(ANN, "100001")
    browser = portal.browser()
    first = browser.get("/sign-in")
    presession = first.headers["set-cookie"]
    assert presession.startswith("traded_presession=") and "HttpOnly" in presession and "SameSite=Lax" in presession
    signed = portal.sign_in(browser, ANN)
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= flags
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "secure" not in flags  # http://127.0.0.1: a browser would not send it otherwise
    assert 0 < int(re.search(r"Max-Age=(\d+)", cookie).group(1)) <= int(timedelta(days=7).total_seconds())  # type: ignore[union-attr]

    public = open_portal(portal.engine, portal.clock.as_of, NOW + timedelta(minutes=1),
                         portal_url="https://portal.eastbury.example")
    outside = public.browser()
    page = outside.get("/sign-in")
    assert "Secure" in page.headers["set-cookie"]
    answer = outside.post("/sign-in", data={"email": ANN, "password": PASSWORD, "csrf_token": csrf_in(page.text)})
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"] and "HttpOnly" in answer.headers["set-cookie"]


def test_a_trust_person_sees_both_schools_and_no_other(portal: Portal) -> None:
    browser = portal.signed_in("fin@trust.example", "100001", "100002")
    home = browser.get("/")
    assert home.status_code == 200
    assert "Ash Primary" in home.text and "Beech Academy" in home.text and "Cedar Infants" not in home.text
    assert 'href="/schools/100001/"' in home.text and 'href="/schools/100002/"' in home.text
    assert "<caption" in home.text and 'scope="col"' in home.text
    for urn in ("100003", "999999", "abc"):
        answer = browser.get(f"/schools/{urn}/")
        assert answer.status_code == 404
        assert "Cedar" not in answer.text
    page = browser.get("/schools/100002/")
    if page.status_code == 200:  # the account page (portal.school_pages) is there: the switcher too
        assert re.search(r'<a href="/"[^>]*>Switch school</a>', page.text)


def test_password_reset_through_the_pages(portal: Portal) -> None:
    portal.person(ANN, "100001")
    signed = portal.browser()
    assert portal.sign_in(signed, ANN).status_code == 303
    browser = portal.browser()
    for email in (ANN, "nobody@nowhere.example"):
        answer = form(browser, "/reset", {"email": email})
        assert answer.status_code == 200 and "Check your email" in answer.text
        assert "If that email has a portal account, a link to choose a new password is on its way." in answer.text
    bad = form(browser, "/reset", {"email": "not an email"})
    assert bad.status_code == 400 and 'href="#email"' in bad.text
    with portal.engine.connect() as conn:
        body = conn.scalar(select(MailMessage.text_body).where(MailMessage.kind == "portal_sign_in"))
    assert body is not None
    link = re.search(r"http://127\.0\.0\.1:8000(/reset/[A-Za-z0-9_-]{43})", body).group(1)  # type: ignore[union-attr]
    new = "a different kettle entirely"
    done = form(browser, link, {"password": new, "confirm": new})
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?notice=password-set"
    assert signed.get("/").status_code == 303 and signed.get("/").headers["location"].startswith("/sign-in")
    assert portal.sign_in(browser, ANN, new).status_code == 303


def test_signed_out_every_portal_route_redirects_to_sign_in(portal: Portal) -> None:
    browser = portal.browser()
    values = {"urn": "100001", "number": "INV-000001", "ref": "C25-0001", "token": "x"}
    public = ("/sign-in", "/invitation/", "/reset")
    for route in page_routes():
        assert isinstance(route, Route)
        if route.path.startswith(public):
            continue
        path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), route.path)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            answer = browser.request(method, path)
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"].startswith("/sign-in?next=/"), (method, path)
