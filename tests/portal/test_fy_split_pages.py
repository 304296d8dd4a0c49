"""A school billed fy-split sees how it pays on its subscription and renewal pages (issue 20)."""

from __future__ import annotations

from datetime import date

from billing.subscriptions import add_subscription
from tests.portal.conftest import Portal
from tests.support import service_context

ASH = "100001"
SAID = "Twice a year, a part in each of your financial years"


def test_subscription_and_renewal_pages_say_fy_split(portal: Portal) -> None:
    with service_context(portal.engine, date(2025, 7, 1)) as ctx:
        add_subscription(ctx, ASH, "premium", date(2025, 9, 1), "fy-split")
    browser = portal.signed_in("ann@ash.example", ASH, role="approver")
    for path in (f"/schools/{ASH}/subscription", f"/schools/{ASH}/subscription/renew"):
        page = browser.get(path)
        assert page.status_code == 200 and SAID in page.text, path
