"""`traded stripe pay-link|bank-details`: card and bank-transfer payments through Stripe."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from cli.runtime import Runtime, pass_runtime

if TYPE_CHECKING:
    from billing.context import Context
    from billing.gateway.port import PaymentGateway


def _stripe_gateway() -> PaymentGateway:
    from billing.gateway.stripe_adapter import StripeGateway

    return StripeGateway.from_env()


# Tests swap this for a gateway over a fake transport; the real one reads STRIPE_* from the environment.
gateway_factory: Callable[[], PaymentGateway] = _stripe_gateway


@click.group()
def stripe() -> None:
    """Card and bank-transfer payments through Stripe.

    Needs STRIPE_API_KEY (a sk_test_ key unless TRADED_ALLOW_LIVE_STRIPE=1).
    Payments reach the ledger through the webhook served by `traded serve`.

    \b
    Example:
      traded stripe pay-link INV000123
      traded stripe bank-details 100279
    """


@stripe.command("pay-link")
@click.argument("invoice")
@pass_runtime
def pay_link_(rt: Runtime, invoice: str) -> None:
    """Print a card-payment link for what is outstanding on INVOICE.

    \b
    Example:
      traded stripe pay-link INV000123
    """
    from billing.gateway.service import pay_link
    from pricing.money import format_money, from_pence

    def service(ctx: Context) -> dict[str, object]:
        link = pay_link(ctx, gateway_factory(), invoice)
        return {"invoice": link.invoice_number, "amount": format_money(from_pence(link.amount_pence)),
                "url": link.url}

    data = rt.run(service)
    rt.emit(data, str(data["url"]))


@stripe.command("bank-details")
@click.argument("urn")
@pass_runtime
def bank_details_(rt: Runtime, urn: str) -> None:
    """Print the bank account school URN pays into by BACS (its own account at Stripe).

    Ask the school to quote the invoice number as the payment reference.

    \b
    Example:
      traded stripe bank-details 100279
    """
    from billing.gateway.service import bank_details

    def service(ctx: Context) -> dict[str, object]:
        details = bank_details(ctx, gateway_factory(), urn)
        return {"urn": urn.strip(), "account_holder_name": details.account_holder_name,
                "sort_code": details.sort_code, "account_number": details.account_number}

    data = rt.run(service)
    rt.emit(data, lambda: "\n".join([
        f"Account name:   {data['account_holder_name']}",
        f"Sort code:      {data['sort_code']}",
        f"Account number: {data['account_number']}",
        "Reference:      the invoice number",
    ]))
