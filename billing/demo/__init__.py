"""`traded demo`: a fresh database holding a realistic year of the service.

The demo is built in phases, each owned by the part of the engine it shows
off. Every phase goes through the engine's own service functions with explicit
dates, so the demo is also an end-to-end exercise of the rules.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from pricing.calendars import AcademicYear

# Run in this order; each module exposes run(state: DemoState) -> None.
PHASES = [
    "billing.demo.people",        # schools and the team
    "billing.demo.contracts",     # price book, subscriptions, orders, a cancellation
    "billing.demo.delivery",      # cases, sessions, late-notice changes, training
    "billing.demo.billing_year",  # bill runs, credit notes, invoice PDFs
    "billing.demo.money_in",      # payments, bank import, interest, statements, reminders
    "billing.demo.budgets",       # the manager's budget lines and non-staff costs
]


@dataclass
class DemoState:
    engine: Engine
    out_dir: Path
    year: AcademicYear = field(default_factory=lambda: AcademicYear(2025))
    rng: random.Random = field(default_factory=lambda: random.Random(20250901))
    summary: dict[str, Any] = field(default_factory=dict)
    pdfs: list[Path] = field(default_factory=list)

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
    return state
