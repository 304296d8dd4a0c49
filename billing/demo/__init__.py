"""`traded demo`: a fresh database holding a realistic year of the service.

The demo is built in phases, each owned by the part of the engine it shows
off. Every phase goes through the engine's own service functions with explicit
dates, so the demo is also an end-to-end exercise of the rules.

Its documents queue their emails as a real ledger's do, and they are left
unsent: `traded mail list` shows them, and the README shows how to send them to
a local debugging server.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from billing.db import transaction
from billing.mail_compose import MailSetup
from billing.models.mail import MailMessage
from contracts.states import MailStatus
from pricing.calendars import AcademicYear

# Run in this order; each module exposes run(state: DemoState) -> None.
PHASES = [
    "billing.demo.people",        # schools and the team
    "billing.demo.contracts",     # price book, subscriptions, orders, a cancellation
    "billing.demo.delivery",      # cases, sessions, late-notice changes, training
    "billing.demo.billing_year",  # bill runs, credit notes, invoice PDFs
    "billing.demo.money_in",      # payments, bank import, interest, statements, reminders
    "billing.demo.ledger",        # September exported to the general ledger, and reconciled
    "billing.demo.establishment", # posts, who fills them, and what each funder puts in
    "billing.demo.budgets",       # the manager's budget lines and non-staff costs
    "billing.demo.portal_users",  # schools' and a trust's people who sign in to the portal
]


@dataclass
class DemoState:
    engine: Engine
    out_dir: Path
    year: AcademicYear = field(default_factory=lambda: AcademicYear(2025))
    rng: random.Random = field(default_factory=lambda: random.Random(20250901))
    summary: dict[str, Any] = field(default_factory=dict)
    pdfs: list[Path] = field(default_factory=list)
    mail: MailSetup = field(default_factory=MailSetup)
    """How the documents' emails are composed (queued, never sent, by the demo)."""

    @property
    def setup_day(self) -> date:
        """The day the council set the year up, before the first bill run."""
        return date(self.year.start_year, 7, 15)


def run_demo(engine: Engine, out_dir: Path) -> DemoState:
    out_dir.mkdir(parents=True, exist_ok=True)
    state = DemoState(engine=engine, out_dir=out_dir)
    for name in PHASES:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).run(state)
    with transaction(state.engine, read_only=True) as session:
        state.summary["emails_queued"] = session.scalar(
            select(func.count()).select_from(MailMessage).where(MailMessage.status == MailStatus.QUEUED))
    return state
