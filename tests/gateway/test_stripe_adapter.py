"""The Stripe adapter over a fake transport: exact requests on the wire, and every error mapped."""

from __future__ import annotations

import pytest
import stripe

from billing.gateway.errors import (
    CardDeclined,
    GatewayError,
    GatewayNotConfigured,
    GatewayRateLimited,
    GatewayRequestRefused,
    GatewayUnavailable,
    map_stripe_error,
)
from billing.gateway.port import BankDetails, CustomerDetails
from billing.gateway.stripe_adapter import (
    StripeGateway,
    StripeSettings,
    idempotency_key,
    make_client,
    settings_from_env,
)
from tests.gateway.transport import (
    ConnectionFailure,
    FakeTransport,
    Reply,
    card_declined,
    gateway_over,
    rate_limited,
)

PI_OK = Reply(200, {"id": "pi_test_1", "object": "payment_intent", "status": "succeeded", "amount": 125000})


def _common_headers(sent_headers: dict[str, str], key: str) -> None:
    assert sent_headers["idempotency-key"] == key
    assert sent_headers["authorization"] == "Bearer sk_test_fake"
    assert sent_headers["stripe-version"] == stripe.api_version
    assert "x-stripe-client-telemetry" not in sent_headers


def test_create_customer_posts_name_locale_and_urn_with_a_key_per_school() -> None:
    t = FakeTransport(Reply(200, {"id": "cus_test_1", "object": "customer"}))
    cid = gateway_over(t).create_customer(CustomerDetails("100279", "Stoke Newington School", "bursar@snsc.test"))
    assert cid == "cus_test_1"
    [sent] = t.sent
    assert (sent.method, sent.path) == ("POST", "/v1/customers")
    assert sent.form == {"name": "Stoke Newington School", "email": "bursar@snsc.test",
                         "preferred_locales[0]": "en-GB", "metadata[school_urn]": "100279"}
    _common_headers(sent.headers, "traded:customer:100279")


def test_create_customer_without_email_sends_no_email() -> None:
    t = FakeTransport(Reply(200, {"id": "cus_test_2", "object": "customer"}))
    gateway_over(t).create_customer(CustomerDetails("100280", "Hackney Free School"))
    assert "email" not in t.sent[0].form


def test_pay_link_is_a_checkout_session_for_exactly_the_pence_named() -> None:
    t = FakeTransport(Reply(200, {"id": "cs_test_1", "object": "checkout.session",
                                  "url": "https://checkout.stripe.com/c/pay/cs_test_1"}))
    link = gateway_over(t).create_pay_link("cus_test_1", "100279", "INV000123", 125000)
    assert (link.url, link.gateway_ref, link.amount_pence) == (
        "https://checkout.stripe.com/c/pay/cs_test_1", "cs_test_1", 125000)
    [sent] = t.sent
    assert (sent.method, sent.path) == ("POST", "/v1/checkout/sessions")
    assert sent.form == {
        "mode": "payment", "customer": "cus_test_1", "client_reference_id": "INV000123", "currency": "gbp",
        "allowed_payment_method_types[0]": "card",  # pinned: never the cash balance, whatever the Dashboard offers
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "gbp",
        "line_items[0][price_data][unit_amount]": "125000",
        "line_items[0][price_data][product_data][name]": "Invoice INV000123",
        "metadata[invoice_number]": "INV000123", "metadata[school_urn]": "100279",
        "payment_intent_data[metadata][invoice_number]": "INV000123",
        "payment_intent_data[metadata][school_urn]": "100279",
        "payment_intent_data[description]": "Invoice INV000123",
        "success_url": "https://pay.example.test/done?invoice=INV000123",
        "cancel_url": "https://pay.example.test/done?invoice=INV000123&cancelled=1",
    }
    _common_headers(sent.headers, "traded:INV000123:checkout:125000")


def test_charge_card_confirms_an_off_session_payment_intent() -> None:
    t = FakeTransport(PI_OK)
    paid = gateway_over(t).charge_card("cus_test_1", "100279", "INV000123", 125000, "pm_card_visa")
    assert (paid.payment_id, paid.status, paid.amount_pence) == ("pi_test_1", "succeeded", 125000)
    [sent] = t.sent
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents")
    assert sent.form == {"amount": "125000", "currency": "gbp", "customer": "cus_test_1",
                         "payment_method": "pm_card_visa", "confirm": "true", "off_session": "true",
                         "metadata[invoice_number]": "INV000123", "metadata[school_urn]": "100279"}
    _common_headers(sent.headers, "traded:INV000123:card:125000:pm_card_visa")


def test_bank_details_are_gb_sort_code_funding_instructions() -> None:
    t = FakeTransport(Reply(200, {
        "object": "funding_instructions", "currency": "gbp", "funding_type": "bank_transfer", "livemode": False,
        "bank_transfer": {"country": "GB", "type": "gb_bank_transfer", "financial_addresses": [
            {"type": "sort_code", "supported_networks": ["bacs", "fps"],
             "sort_code": {"account_holder_name": "Traded Services", "account_number": "00012345",
                           "sort_code": "108800"}}]}}))
    details = gateway_over(t).bank_transfer_details("cus_test_1", "100279")
    assert details == BankDetails("Traded Services", "108800", "00012345")
    [sent] = t.sent
    assert (sent.method, sent.path) == ("POST", "/v1/customers/cus_test_1/funding_instructions")
    assert sent.form == {"currency": "gbp", "funding_type": "bank_transfer",
                         "bank_transfer[type]": "gb_bank_transfer",
                         "bank_transfer[requested_address_types][0]": "sort_code"}
    _common_headers(sent.headers, "traded:100279:funding:gbp")


def test_bank_details_without_a_sort_code_address_are_refused() -> None:
    t = FakeTransport(Reply(200, {"object": "funding_instructions", "currency": "gbp",
                                  "funding_type": "bank_transfer", "livemode": False,
                                  "bank_transfer": {"country": "GB", "type": "gb_bank_transfer",
                                                    "financial_addresses": []}}))
    with pytest.raises(GatewayRequestRefused, match="no UK sort code"):
        gateway_over(t).bank_transfer_details("cus_test_1", "100279")


def test_refund_names_the_payment_intent_and_the_refund() -> None:
    t = FakeTransport(Reply(200, {"id": "re_test_1", "object": "refund", "amount": 5000, "status": "succeeded",
                                  "payment_intent": "pi_test_1"}))
    receipt = gateway_over(t).refund("pi_test_1", 5000, "CN000004")
    assert (receipt.refund_id, receipt.amount_pence, receipt.status) == ("re_test_1", 5000, "succeeded")
    [sent] = t.sent
    assert (sent.method, sent.path) == ("POST", "/v1/refunds")
    assert sent.form == {"payment_intent": "pi_test_1", "amount": "5000", "metadata[traded_refund]": "CN000004"}
    _common_headers(sent.headers, "traded:refund:pi_test_1:CN000004:5000")


@pytest.mark.parametrize("amount", [0, -100, True])
def test_amounts_must_be_positive_whole_pence(amount: int) -> None:
    t = FakeTransport()
    with pytest.raises(GatewayRequestRefused, match="positive whole number of pence"):
        gateway_over(t).charge_card("cus_test_1", "100279", "INV000123", amount, "pm_card_visa")
    assert t.sent == []


# -- errors ---------------------------------------------------------------------

def test_a_card_decline_is_card_declined_and_not_retried() -> None:
    t = FakeTransport(card_declined())
    with pytest.raises(CardDeclined) as caught:
        gateway_over(t).charge_card("cus_test_1", "100279", "INV000123", 125000, "pm_card_chargeCustomerFail")
    assert caught.value.code == "card_declined"
    assert caught.value.message == ("Stripe declined the card while charging a card for invoice INV000123: "
                                    "Your card has insufficient funds. [insufficient_funds].")
    assert len(t.sent) == 1


def test_a_rate_limit_is_mapped_and_not_retried_without_stripe_saying_so() -> None:
    t = FakeTransport(rate_limited())
    with pytest.raises(GatewayRateLimited) as caught:
        gateway_over(t).create_customer(CustomerDetails("100279", "Stoke Newington School"))
    assert caught.value.retryable is True
    assert caught.value.code == "gateway_rate_limited"
    assert "(HTTP 429)" in caught.value.message
    assert len(t.sent) == 1


def test_a_rate_limit_stripe_asks_us_to_retry_is_retried_with_the_same_key() -> None:
    limited = rate_limited()
    limited.headers["stripe-should-retry"] = "true"
    t = FakeTransport(limited, PI_OK)
    gateway_over(t).charge_card("cus_test_1", "100279", "INV000123", 125000, "pm_card_visa")
    assert [s.headers["idempotency-key"] for s in t.sent] == ["traded:INV000123:card:125000:pm_card_visa"] * 2


def test_a_connection_error_is_retried_twice_with_the_same_key_then_mapped() -> None:
    t = FakeTransport(ConnectionFailure(), ConnectionFailure(), ConnectionFailure())
    with pytest.raises(GatewayUnavailable) as caught:
        gateway_over(t).charge_card("cus_test_1", "100279", "INV000123", 125000, "pm_card_visa")
    assert caught.value.code == "gateway_unavailable"
    assert caught.value.message == ("Stripe could not be reached while charging a card for invoice INV000123; "
                                    "nothing was charged twice, try again.")
    assert [s.headers["idempotency-key"] for s in t.sent] == ["traded:INV000123:card:125000:pm_card_visa"] * 3


def test_a_connection_error_then_success_charges_once() -> None:
    t = FakeTransport(ConnectionFailure(), PI_OK)
    paid = gateway_over(t).charge_card("cus_test_1", "100279", "INV000123", 125000, "pm_card_visa")
    assert paid.payment_id == "pi_test_1"
    assert len({s.headers["idempotency-key"] for s in t.sent}) == 1


@pytest.mark.parametrize(("reply", "error", "code"), [
    (Reply(500, {"error": {"type": "api_error", "message": "boom"}}), GatewayUnavailable, "gateway_unavailable"),
    (Reply(400, {"error": {"type": "invalid_request_error", "message": "No such customer: 'cus_x'",
                           "param": "customer"}}), GatewayRequestRefused, "gateway_request_refused"),
    (Reply(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}),
     GatewayRequestRefused, "gateway_request_refused"),
    (Reply(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}),
     GatewayNotConfigured, "gateway_not_configured"),
    (Reply(400, {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can only be "
                           "used with the same parameters"}}), GatewayRequestRefused, "gateway_idempotency_conflict"),
])
def test_every_other_stripe_error_becomes_a_domain_error(reply: Reply, error: type[GatewayError], code: str) -> None:
    t = FakeTransport(reply, reply, reply)
    with pytest.raises(error) as caught:
        gateway_over(t, retries=0).create_pay_link("cus_x", "100279", "INV000123", 125000)
    assert caught.value.code == code
    assert "\n" not in str(caught.value)


def test_invalid_request_message_names_the_parameter() -> None:
    exc = stripe.InvalidRequestError("No such customer: 'cus_x'", "customer", http_status=400)
    assert map_stripe_error(exc, "creating a card payment page for invoice INV000123").message == (
        "Stripe rejected the request while creating a card payment page for invoice INV000123 "
        "(parameter customer) (HTTP 400): No such customer: 'cus_x'.")


# -- configuration ---------------------------------------------------------------

def test_settings_need_a_key() -> None:
    with pytest.raises(GatewayNotConfigured, match="set STRIPE_API_KEY"):
        settings_from_env({})


def test_a_live_key_is_refused_unless_allowed() -> None:
    with pytest.raises(GatewayNotConfigured, match="live key"):
        settings_from_env({"STRIPE_API_KEY": "sk_live_abc"})
    with pytest.raises(GatewayNotConfigured, match="live key"):
        settings_from_env({"STRIPE_API_KEY": "sk_live_abc", "TRADED_ALLOW_LIVE_STRIPE": "yes"})
    assert settings_from_env({"STRIPE_API_KEY": "sk_live_abc", "TRADED_ALLOW_LIVE_STRIPE": "1"}).live is True


def test_a_key_that_is_not_a_secret_key_is_refused() -> None:
    with pytest.raises(GatewayNotConfigured, match="does not look like"):
        settings_from_env({"STRIPE_API_KEY": "pk_test_publishable"})


def test_settings_read_secret_base_and_return_url() -> None:
    s = settings_from_env({"STRIPE_API_KEY": " sk_test_abc ", "STRIPE_WEBHOOK_SECRET": "whsec_x",
                           "STRIPE_API_BASE": "http://127.0.0.1:8420/", "TRADED_PAYMENT_RETURN_URL": "https://x.test/p"})
    assert s == StripeSettings("sk_test_abc", "whsec_x", "http://127.0.0.1:8420/", "https://x.test/p", 2)


def test_api_base_override_sends_requests_there_and_telemetry_is_off() -> None:
    stripe.enable_telemetry = True
    t = FakeTransport(Reply(200, {"id": "cus_test_1", "object": "customer"}))
    settings = StripeSettings("sk_test_fake", api_base="http://127.0.0.1:8420/")
    StripeGateway(make_client(settings, http_client=t), settings).create_customer(CustomerDetails("100279", "S"))
    assert stripe.enable_telemetry is False
    assert t.sent[0].url == "http://127.0.0.1:8420/v1/customers"


def test_idempotency_keys_are_deterministic() -> None:
    assert idempotency_key("INV000123", "card", 125000) == "traded:INV000123:card:125000"
