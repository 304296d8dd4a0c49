"""The schools' portal in a real browser (issue 18): what a bursar and a trust's finance officer do, start to end.

Each page a test reaches is checked with axe-core (WCAG 2.2 AA) as it stands.
The portal serves a fixed day (``traded --as-of 2025-10-01 serve``), so dates
shown are the same on every run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from portal.web import day
from tests.browser.conftest import Portal, assert_accessible
from tests.browser.seed import NAMES, PASSWORD, SCHOOL_A, SCHOOL_B, TRUST_EMAIL

pytestmark = pytest.mark.slow


def _main_submit(page: Page, method: str | None = None) -> Locator:
    """The one submit button of the page's own form (the header's sign-out form is outside <main>)."""
    form = "main form" if method is None else f"main form[method='{method}']"
    return page.locator(f"{form} button[type='submit'], {form} input[type='submit']").first


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in"))
    assert_accessible(page)


def open_nav(page: Page, label: str, path: str) -> None:
    """Follow one of the school's navigation links, as a person would, and check the page it opens."""
    page.get_by_role("navigation").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_a_bursar_is_invited_signs_in_reads_the_statement_downloads_an_invoice_gives_notice_and_signs_out(
        page: Page, portal: Portal, tmp_path: Path) -> None:
    a = portal.seeded.schools[SCHOOL_A]
    email = "bursar@hillside.example"
    invited = json.loads(portal.traded("--json", "portal", "invite", SCHOOL_A, "--email", email,
                                       "--role", "approver", "--name", "Ann Smith").stdout)
    link = invited["link"]
    assert link.startswith(portal.base_url + "/invitation/")

    # The link from the email: choose a password.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    assert_accessible(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Enter the password again").fill(PASSWORD)
    _main_submit(page).click()
    page.wait_for_url(lambda url: "/invitation/" not in url)
    assert_accessible(page)
    if "/sign-in" in page.url:
        sign_in(page, email)
    # One school: straight to its account.
    page.wait_for_url(re.compile(rf"/schools/{SCHOOL_A}/$"))
    expect(page.get_by_role("main")).to_contain_text(NAMES[SCHOOL_A])
    assert_accessible(page)

    # The statement lists the invoice the bill run raised, and the credit note.
    open_nav(page, "Statement", f"/schools/{SCHOOL_A}/statement")
    statement = page.get_by_role("main")
    expect(statement).to_contain_text(a.invoices[0])
    expect(statement).to_contain_text(a.credit_notes[0])
    expect(statement.locator("table caption").first).to_be_visible()

    # The invoice PDF, downloaded in the browser, is the very file `traded invoice pdf` writes.
    open_nav(page, "Invoices", f"/schools/{SCHOOL_A}/invoices")
    number = a.invoices[0]
    with page.expect_download() as download:
        page.locator(f"main a[href$='/documents/{number}.pdf']").first.click()
    downloaded = Path(download.value.path())
    printed = tmp_path / f"{number}.pdf"
    portal.traded("invoice", "pdf", number, "--out", str(printed))
    assert downloaded.read_bytes() == printed.read_bytes()

    # Notice: the page shows the effective end under the twelve-week rule before anything is written.
    open_nav(page, "Subscription", f"/schools/{SCHOOL_A}/subscription")
    page.goto(f"/schools/{SCHOOL_A}/subscription/notice")
    assert_accessible(page)
    page.locator("main input[name='end-day']").fill("31")
    page.locator("main input[name='end-month']").fill("8")
    page.locator("main input[name='end-year']").fill("2026")
    _main_submit(page).click()
    page.wait_for_url(re.compile(r"/subscription/notice\?.*end-day=31"))
    assert_accessible(page)
    before = _subscriptions(portal, SCHOOL_A)
    assert [row["status"] for row in before] == ["live"], "the preview wrote something"
    preview = page.get_by_role("main").inner_text()
    _main_submit(page, "post").click()
    page.wait_for_url(re.compile(r"/subscription/notice$"))
    assert_accessible(page)
    after = _subscriptions(portal, SCHOOL_A)
    assert after[0]["status"] == "cancelled" and after[0]["effective_end"] is not None
    effective_end = day(_date(after[0]["effective_end"]))
    assert effective_end in preview, f"the preview did not show the effective end {effective_end}"
    expect(page.get_by_role("main")).to_contain_text(effective_end)

    sign_out(page)
    page.goto(f"/schools/{SCHOOL_A}/")
    page.wait_for_url(re.compile(r"/sign-in"))


def test_a_trust_finance_officer_switches_between_two_schools(page: Page, portal: Portal) -> None:
    sign_in(page, TRUST_EMAIL)
    page.wait_for_url(re.compile(r"/$"))
    assert_accessible(page)
    choices = page.get_by_role("main")
    for urn in (SCHOOL_A, SCHOOL_B):
        expect(choices.get_by_role("link", name=re.compile(re.escape(NAMES[urn])))).to_be_visible()

    for urn, other in ((SCHOOL_A, SCHOOL_B), (SCHOOL_B, SCHOOL_A)):
        if "/schools/" in page.url:
            page.get_by_role("link", name="Switch school").click()
            page.wait_for_url(re.compile(r"/$"))
            assert_accessible(page)
        page.get_by_role("main").get_by_role("link", name=re.compile(re.escape(NAMES[urn]))).click()
        page.wait_for_url(re.compile(rf"/schools/{urn}/$"))
        assert_accessible(page)
        expect(page.get_by_role("main")).to_contain_text(NAMES[urn])
        open_nav(page, "Invoices", f"/schools/{urn}/invoices")
        listed = page.get_by_role("main")
        expect(listed).to_contain_text(portal.seeded.schools[urn].invoices[0])
        expect(listed).not_to_contain_text(portal.seeded.schools[other].invoices[0])
    sign_out(page)


def test_a_viewer_cannot_give_notice(page: Page, portal: Portal) -> None:
    """The trust's officer only views school B: no confirm button, and a notice POSTed anyway is refused (403)."""
    sign_in(page, TRUST_EMAIL)
    page.goto(f"/schools/{SCHOOL_B}/subscription/notice?end-day=31&end-month=8&end-year=2026")
    assert_accessible(page)
    expect(page.locator("main form[method='post']")).to_have_count(0)

    # Sent from the page all the same, with this browser's own CSRF token: refused, nothing written.
    token = page.locator("header input[name='csrf_token']").first.get_attribute("value")
    assert token
    with page.expect_navigation() as navigation:
        page.evaluate(
            """([action, token]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                for (const [name, value] of [['csrf_token', token], ['end', '2026-08-31']]) {
                    const field = document.createElement('input');
                    field.type = 'hidden'; field.name = name; field.value = value;
                    form.appendChild(field);
                }
                document.body.appendChild(form);
                form.submit();
            }""", [f"/schools/{SCHOOL_B}/subscription/notice", token])
    response = navigation.value
    assert response is not None and response.status == 403
    assert_accessible(page)
    assert [row["status"] for row in _subscriptions(portal, SCHOOL_B)] == ["live"]


def test_sign_in_by_keyboard_alone(page: Page, portal: Portal) -> None:
    page.goto("/sign-in")
    order = _tab_order(page, stop=lambda tag: tag == "a#forgotten" or tag.startswith("a[href='/reset']"))
    fields = [entry for entry in order if entry in ("input#email", "input#password", "button:Sign in")]
    assert fields == ["input#email", "input#password", "button:Sign in"], order
    assert order.index("a[href='#main-content']") < order.index("input#email"), "the skip link comes first"

    page.goto("/sign-in")
    _tab_to(page, "input#email")
    page.keyboard.type(TRUST_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/sign-in" not in url)
    assert_accessible(page)


def test_the_statement_page_by_keyboard_alone(page: Page, portal: Portal) -> None:
    sign_in(page, TRUST_EMAIL)
    page.goto(f"/schools/{SCHOOL_A}/statement")
    assert_accessible(page)
    # The skip link is the first stop and takes focus past the header and navigation.
    page.keyboard.press("Tab")
    assert _focused(page) == "a[href='#main-content']"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main-content$"))
    reachable = _tab_order(page, stop=lambda _tag: False, limit=80)
    operable: list[str] = page.eval_on_selector_all(_OPERABLE, f"nodes => nodes.map({_DESCRIBE})")
    assert operable, "the statement page has nothing to operate"
    missed = [name for name in operable if name not in reachable]
    assert not missed, f"Tab never reaches {missed} (it reaches {reachable})"
    # In document order: what comes first on the page is reached first.
    assert [name for name in reachable if name in operable] == list(dict.fromkeys(operable)), reachable
    # The period form submits from the keyboard.
    first_field = page.locator("main form input:not([type='hidden'])").first
    first_field.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/statement\?"))
    assert_accessible(page)


# -- helpers ---------------------------------------------------------------------------------

_DESCRIBE = """el => {
    const tag = el.tagName.toLowerCase();
    if (el.id) return tag + '#' + el.id;
    if (tag === 'a') return "a[href='" + el.getAttribute('href') + "']";
    if (tag === 'button') return 'button:' + el.textContent.trim();
    return tag;
}"""
_OPERABLE = "main a[href], main button, main input:not([type='hidden']), main select, main textarea"


def _focused(page: Page) -> str:
    described: str = page.evaluate(f"""() => {{
        const el = document.activeElement;
        return (!el || el === document.body) ? 'body' : ({_DESCRIBE})(el);
    }}""")
    return described


def _tab_order(page: Page, stop: Callable[[str], bool], limit: int = 40) -> list[str]:
    """What Tab focuses, one press at a time, until ``stop`` says so, focus leaves the page or comes round, or
    ``limit`` presses."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        if seen and now == seen[-1]:
            continue  # Tab moving between the day, month and year of one date field
        if now == "body" or now in seen:
            break
        seen.append(now)
        if stop(now):
            break
    return seen


def _tab_to(page: Page, target: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page) == target:
            return
    raise AssertionError(f"Tab never reached {target}")


def _subscriptions(portal: Portal, urn: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        portal.traded("--json", "subscription", "list", "--urn", urn).stdout)
    return rows


def _date(value: object) -> date:
    return date.fromisoformat(str(value))


def test_every_other_page_passes_axe(page: Page, portal: Portal) -> None:
    """The pages the journeys above do not reach, each checked with axe-core as it stands."""
    a = portal.seeded.schools[SCHOOL_A]
    page.goto("/reset")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.goto("/reset/not-a-real-link")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    sign_in(page, TRUST_EMAIL)
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/schools/{SCHOOL_A}/")
    for label, path in (("Entitlements", "entitlements"), ("Cases", "cases"), ("Book", "book")):
        open_nav(page, label, f"/schools/{SCHOOL_A}/{path}")
    page.goto(f"/schools/{SCHOOL_A}/cases/{a.case_refs[0]}")
    expect(page.get_by_role("main")).to_contain_text(a.case_refs[0])
    assert_accessible(page)

    # Booking: the check page before anything is written.
    page.goto(f"/schools/{SCHOOL_A}/book")
    page.locator("main input[type='radio'][name='item']").first.check()
    _main_submit(page, "get").click()
    expect(page.get_by_role("button", name="Confirm booking")).to_be_visible()
    assert_accessible(page)

    # Renewal's preview, as the viewer the trust is at the other school.
    page.goto(f"/schools/{SCHOOL_B}/subscription/renew")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    # Another school's page: the not-found page.
    response = page.goto("/schools/999999/")
    assert response is not None and response.status == 404
    assert_accessible(page)
