"""What a school reads in an email from traded: subject, plain-text and HTML bodies, and the headers.

The words come from Jinja2 templates shipped in ``billing/data/mail`` (per kind
of message: ``KIND.subject.j2``, ``KIND.txt.j2``, ``KIND.html.j2``). A council
edits them by copying any of them into a folder named by TRADED_MAIL_TEMPLATES:
a template found there wins. HTML is autoescaped, so a school or council name
holding ``<`` or ``&`` prints as itself. A template that cannot be rendered (a
typo in a variable's name) is refused in one line naming it, never sent half
filled in.

The sender is the price book's council (name and email, the Reply-To), sent from
TRADED_MAIL_FROM when the mail server only lets traded send as one address; the
Message-ID is made on the sending address's domain, as receiving servers expect
of transactional mail. The bytes that leave are written by billing.mail_mime.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from email.utils import formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    select_autoescape,
)

from invoices.formats import doc_date
from pricing.errors import InvalidInput
from pricing.pricebook import Council

if TYPE_CHECKING:
    from billing.settings_model import Settings  # pydantic loads only where settings are validated

REMINDER_STAGES = {7: "First reminder", 30: "Second reminder", 60: "Final notice"}
NO_PAYMENT: dict[str, Any] = {"bank": "", "account_name": "", "sort_code": "", "account_number": "", "cheque_payee": "",
                              "reference": "", "link": None}
"""The ``pay`` values of a document settled by journal (issue 20): nothing to pay, so no way to pay is shown.

A document's templates read ``document.recharge``: true for an internal recharge to the council's own
maintained school (and a credit note against one), settled by journal transfer from the school's budget."""


@dataclass(frozen=True)
class MailSetup:
    """What the installation's settings say about composing mail (built once, at the entrypoint)."""

    mail_from: str | None = None
    """TRADED_MAIL_FROM: the address the mail server lets traded send as (else the council's email)."""
    templates: Path | None = None
    """TRADED_MAIL_TEMPLATES: a folder of templates that replace the shipped ones of the same name."""

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSetup:
        return cls(mail_from=settings.mail_from,
                   templates=Path(settings.mail_templates).expanduser() if settings.mail_templates else None)


@dataclass(frozen=True)
class Composed:
    sender: str
    reply_to: str | None
    subject: str
    text: str
    html: str
    message_id: str


@lru_cache(maxsize=8)
def _environment(folder: Path | None) -> Environment:
    shipped = PackageLoader("billing.data", "mail")
    loader = ChoiceLoader([FileSystemLoader(str(folder)), shipped]) if folder is not None else shipped
    return Environment(loader=loader, undefined=StrictUndefined, keep_trailing_newline=True,
                       autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False,
                                                    default=False))


def _render(setup: MailSetup, name: str, values: dict[str, Any]) -> str:
    try:
        return _environment(setup.templates).get_template(name).render(values)
    except TemplateError as exc:
        where = f" (from {setup.templates})" if setup.templates is not None else ""
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InvalidInput(f"the mail template {name}{where} cannot be used: {first}",
                           code="bad_mail_template") from None


def sender(council: Council, setup: MailSetup) -> tuple[str, str]:
    """The From header and the Reply-To address: the council by name, from its own or the configured address."""
    address = setup.mail_from or council.email
    return formataddr((council.name, address)), council.email


def make_message_id(from_header: str) -> str:
    """A Message-ID on the sender's domain, unique without asking the clock."""
    domain = parseaddr(from_header)[1].rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def compose(kind: str, values: dict[str, Any], council: Council, setup: MailSetup) -> Composed:
    """The message of ``kind`` (invoice, credit_note, reminder, statement) from its templates."""
    values = {**values, "council": {"name": council.name, "email": council.email, "phone": council.phone,
                                    "address": council.address}}
    subject = " ".join(_render(setup, f"{kind}.subject.j2", values).split())  # one line, whatever the template
    from_header, reply_to = sender(council, setup)
    return Composed(sender=from_header, reply_to=reply_to, subject=subject[:300],
                    text=_render(setup, f"{kind}.txt.j2", values), html=_render(setup, f"{kind}.html.j2", values),
                    message_id=make_message_id(from_header))


def shown_day(day: date | None) -> str:
    return doc_date(day) if day is not None else ""
