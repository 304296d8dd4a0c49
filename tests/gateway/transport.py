"""A fake HTTP transport for the Stripe client: records each request, answers from a script."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from billing.gateway.stripe_adapter import StripeGateway, StripeSettings, make_client


@dataclass
class Sent:
    method: str
    url: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class ConnectionFailure:
    """A scripted network failure (what the requests transport raises on DNS/refused)."""


class FakeTransport(stripe.HTTPClient):
    name = "fake"

    def __init__(self, *replies: Reply | ConnectionFailure) -> None:
        super().__init__()
        self.replies = list(replies)
        self.sent: list[Sent] = []

    def request(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None,
                *, _usage: list[str] | None = None) -> tuple[str, int, Mapping[str, str]]:
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or parts.query)
        self.sent.append(Sent(method.upper(), url, parts.path, dict(parse_qsl(body, keep_blank_values=True)),
                              {k.lower(): v for k, v in (headers or {}).items()}))
        reply = self.replies.pop(0)
        if isinstance(reply, ConnectionFailure):
            raise stripe.APIConnectionError("Network error: connection refused", should_retry=True)
        return json.dumps(reply.body), reply.status, {"request-id": "req_fake", **reply.headers}

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0  # retry at once in tests

    def close(self) -> None:
        pass


def gateway_over(transport: FakeTransport, retries: int = 2) -> StripeGateway:
    settings = StripeSettings(api_key="sk_test_fake", webhook_secret="whsec_fake",
                              return_url="https://pay.example.test/done", max_network_retries=retries)
    return StripeGateway(make_client(settings, http_client=transport), settings)


def card_declined() -> Reply:
    return Reply(402, {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                                 "message": "Your card has insufficient funds.", "param": ""}})


def rate_limited() -> Reply:
    return Reply(429, {"error": {"type": "invalid_request_error", "code": "rate_limit",
                                 "message": "Too many requests."}})
