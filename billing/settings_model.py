"""The installation's settings as one validated model (pydantic-settings), built from billing.settings.

The values come from the snapshot of the environment that billing.settings
takes at the entrypoint, never from the environment itself (the model's only
source is what it is given), so a command sees one consistent set of settings.
The variable names are the ones traded has always read. A value that cannot be
used is refused in one line naming the variable, never echoing it (it may be a
secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from billing.settings import DEFAULT_DATABASE_URL, DEFAULT_PORTAL_URL
from pricing.errors import TradedError

STRIPE_SECRET_PREFIXES = ("sk_test_", "rk_test_", "sk_live_", "rk_live_")
STRIPE_LIVE_PREFIXES = ("sk_live_", "rk_live_")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    # -- the ledger and who is acting ------------------------------------------------
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="TRADED_DATABASE_URL")
    user: str | None = Field(default=None, validation_alias="TRADED_USER")
    as_of: str | None = Field(default=None, validation_alias="TRADED_AS_OF")
    # Crash-test hooks of `traded bill run`, kept as text: that command refuses a bad one in its own words.
    fail_after_invoices: str | None = Field(default=None, validation_alias="TRADED_FAIL_AFTER_INVOICES")
    bill_run_batch: str | None = Field(default=None, validation_alias="TRADED_BILL_RUN_BATCH")

    # -- Stripe ------------------------------------------------------------------------
    stripe_api_key: SecretStr | None = Field(default=None, validation_alias="STRIPE_API_KEY")
    stripe_webhook_secret: SecretStr | None = Field(default=None, validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
    allow_live_stripe: bool = Field(default=False, validation_alias="TRADED_ALLOW_LIVE_STRIPE")
    payment_return_url: str | None = Field(default=None, validation_alias="TRADED_PAYMENT_RETURN_URL")

    # -- mail (documents sent to schools) ----------------------------------------------
    smtp_host: str | None = Field(default=None, validation_alias="TRADED_SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="TRADED_SMTP_PORT")
    smtp_starttls: bool = Field(default=True, validation_alias="TRADED_SMTP_STARTTLS")
    smtp_username: str | None = Field(default=None, validation_alias="TRADED_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="TRADED_SMTP_PASSWORD")
    mail_from: str | None = Field(default=None, validation_alias="TRADED_MAIL_FROM")
    mail_templates: str | None = Field(default=None, validation_alias="TRADED_MAIL_TEMPLATES")

    # -- the served app: pay page now, the schools' portal later ------------------------
    portal_url: str = Field(default=DEFAULT_PORTAL_URL, validation_alias="TRADED_PORTAL_URL")
    portal_secret_key: SecretStr | None = Field(default=None, validation_alias="TRADED_PORTAL_SECRET_KEY")

    @field_validator("stripe_api_key", "stripe_webhook_secret", "stripe_api_base", "payment_return_url",
                     mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        # Keys pasted with a stray space or newline have always been accepted; only blank means unset.
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("allow_live_stripe", mode="before")
    @classmethod
    def _exactly_one(cls, value: Any) -> Any:
        # Real money only on the exact, deliberate "1": "yes" or "true" leave it off, as they always have.
        if isinstance(value, str):
            return value == "1"
        return value

    @field_validator("portal_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or value.rstrip("/") in ("http:/", "https:/"):
            raise ValueError("must be an http:// or https:// address")
        return value.rstrip("/")

    @property
    def return_url(self) -> str:
        """Where Stripe sends a school after paying: TRADED_PAYMENT_RETURN_URL, else the served app's /paid."""
        return self.payment_return_url or f"{self.portal_url}/paid"

    def stripe_key_problem(self) -> str | None:
        """Why the Stripe key cannot be used (no key, not a secret key, live without permission), or None."""
        if self.stripe_api_key is None:
            return "Stripe is not configured: set STRIPE_API_KEY (a sk_test_ key for testing)."
        key = self.stripe_api_key.get_secret_value()
        if not key.startswith(STRIPE_SECRET_PREFIXES):
            return "STRIPE_API_KEY does not look like a Stripe secret key (sk_test_… or sk_live_…)."
        if key.startswith(STRIPE_LIVE_PREFIXES) and not self.allow_live_stripe:
            return "STRIPE_API_KEY is a live key; set TRADED_ALLOW_LIVE_STRIPE=1 to take real payments."
        return None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what billing.settings hands in: no second reading of the environment, no .env file.
        return (init_settings,)


def variable_names() -> frozenset[str]:
    """The environment variables traded reads."""
    return frozenset(str(f.validation_alias) for f in Settings.model_fields.values())


def validated(values: Mapping[str, str]) -> Settings:
    """The settings these variables describe (blank ones already left out); a bad value refused in one line."""
    names = variable_names()
    given: dict[str, Any] = {k: v for k, v in values.items() if k in names}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise TradedError(settings_error(exc), code="bad_setting") from None


def settings_error(exc: ValidationError) -> str:
    """One line naming each variable refused and why, without its value."""
    reasons = [f"{'.'.join(str(part) for part in err['loc'])}: {_reason(err['msg'])}" for err in exc.errors()]
    return f"{'bad setting' if len(reasons) == 1 else 'bad settings'} {'; '.join(reasons)}"


def _reason(message: str) -> str:
    # pydantic's "Value error, must be…" for our own checks reads better as plain "must be…".
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
