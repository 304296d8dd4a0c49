"""`--no-email`, shared by the commands that issue documents a school is emailed (issue 17).

A document's email is queued in the document's own transaction (billing.outbox)
unless the command is told not to; `traded mail send` (or `traded serve`)
delivers it later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from billing.mail_compose import MailSetup
    from cli.runtime import Runtime

F = TypeVar("F", bound=Callable[..., object])


def no_email_option(what: str) -> Callable[[F], F]:
    """The ``--no-email`` flag: issue ``what`` without queueing its email."""
    return click.option("--no-email", "no_email", is_flag=True,
                        help=f"Issue {what} without queueing the emails to the schools (`traded mail list`).")


def mail_setup(rt: Runtime, no_email: bool) -> MailSetup | None:
    """How this command composes mail (from the settings read at the entrypoint), or None with --no-email."""
    if no_email:
        return None
    from billing.mail_compose import MailSetup  # loads jinja2: only commands that queue mail pay for it

    return MailSetup.from_settings(rt.settings)
