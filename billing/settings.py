"""What an installation configures, read from the environment once, at the entrypoint.

This is the only module below ``cli/`` that reads the environment. ``traded``
(cli.runtime) and ``traded serve`` (cli.serve) take one :class:`Environment`
snapshot of traded's variables and hand what each service needs down through
its ``Context``, so no service finds a key or an address on its own. A blank
variable counts as unset.

The database, the acting user and the as-of day are plain text and read
straight from the snapshot; everything else is read through the validated
model (:class:`billing.settings_model.Settings`), built the first time a command
needs it, so everyday commands start without loading pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing.settings_model import Settings  # noqa: PLC0415 - pydantic-settings loads only when a command needs it

PREFIXES = ("TRADED_", "STRIPE_")
"""Every variable traded reads starts with one of these."""
DEFAULT_DATABASE_URL = "sqlite:///traded.db"
DEFAULT_PORTAL_URL = "http://127.0.0.1:8000"
"""Where `traded serve` answers by default (its --host and --port)."""

DATABASE_URL = "TRADED_DATABASE_URL"
USER = "TRADED_USER"
AS_OF = "TRADED_AS_OF"
STRIPE_API_KEY = "STRIPE_API_KEY"


@dataclass(frozen=True)
class Environment:
    """traded's variables as they were when the command started."""

    values: Mapping[str, str]

    def get(self, name: str) -> str | None:
        return self.values.get(name) or None

    @property
    def database_url(self) -> str:
        return self.get(DATABASE_URL) or DEFAULT_DATABASE_URL

    @property
    def user(self) -> str | None:
        return self.get(USER)

    @property
    def as_of(self) -> str | None:
        return self.get(AS_OF)

    @property
    def stripe_key_given(self) -> bool:
        """Whether a Stripe key is set at all (whether it can be used is :meth:`Settings.stripe_key_problem`)."""
        return bool((self.get(STRIPE_API_KEY) or "").strip())

    @cached_property
    def settings(self) -> Settings:
        """Every setting, validated (raises TradedError ``bad_setting``, one line, for a value that cannot be used)."""
        # pydantic loads here, only for commands that need more than the database and the user.
        from billing.settings_model import validated  # noqa: PLC0415 - pydantic-settings loads only when a command needs it

        return validated(self.values)


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    """The snapshot of traded's variables in the process environment (or in ``environ`` alone); blanks left out."""
    source = os.environ if environ is None else environ
    return Environment({name: value for name, value in source.items() if name.startswith(PREFIXES) and value != ""})


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The validated settings of the process environment (or of ``environ`` alone)."""
    return read_environment(environ).settings


def __getattr__(name: str) -> object:
    # `from billing.settings import Settings` works, yet importing this module does not load pydantic.
    if name == "Settings":
        from billing.settings_model import Settings  # noqa: PLC0415 - pydantic-settings loads only when a command needs it

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
