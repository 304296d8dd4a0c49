"""Card-payment links printed on documents, answered by `traded serve` (billing.gateway.app).

A document is rendered from data alone, so it cannot ask Stripe for a Checkout
session while it is printed. It carries a stable link to the served pay page
instead; the Checkout session for what is owed *then* is made when the school
clicks. Each link is signed, so invoice numbers (which run in sequence) cannot
be walked to read what other schools owe.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from billing.settings_model import Settings

PAY_PATH = "/pay"
TOKEN_CHARS = 32
"""128 bits of the HMAC: enough that a link cannot be guessed, short enough to print."""


@dataclass(frozen=True)
class PayPage:
    base_url: str
    key: bytes = field(repr=False)

    def url(self, invoice_number: str) -> str:
        """The same link every time the invoice is printed."""
        return f"{self.base_url}{PAY_PATH}/{quote(invoice_number, safe='')}/{self.token(invoice_number)}"

    def token(self, invoice_number: str) -> str:
        return hmac.new(self.key, f"pay:{invoice_number}".encode(), hashlib.sha256).hexdigest()[:TOKEN_CHARS]

    def genuine(self, invoice_number: str, token: str) -> bool:
        return hmac.compare_digest(self.token(invoice_number), token)


def pay_page(settings: Settings) -> PayPage | None:
    """The pay page when Stripe can be used (documents then print its links), else None.

    Links are signed with TRADED_PORTAL_SECRET_KEY, or without one with the
    Stripe key the page itself needs: setting the portal key keeps printed links
    working across a change of Stripe key.
    """
    if settings.stripe_key_problem() is not None:
        return None
    secret = settings.portal_secret_key or settings.stripe_api_key
    assert secret is not None  # stripe_key_problem() says there is a Stripe key
    return PayPage(settings.portal_url, secret.get_secret_value().encode())
