"""The ledger's own settings: a sandbox (demo, tests, training) may be written at any as-of date.

A live ledger refuses to write documents dated after the real today: an issued
invoice can never be removed, so a mistyped ``--as-of 2031-01-01`` would leave
one dated years ahead for ever. Replaying and previewing dates stays open to
read-only commands everywhere, and to writes on a sandbox or with
``--allow-future``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.context import Context
from billing.models import LedgerSetting, School
from pricing.errors import RuleViolation

SANDBOX = "sandbox"


def is_sandbox(session: Session) -> bool:
    return session.scalar(select(LedgerSetting.value).where(LedgerSetting.key == SANDBOX)) == "yes"


def mark_sandbox(ctx: Context) -> None:
    """Make this database a sandbox. Only a database holding no schools yet: a live ledger stays live."""
    if is_sandbox(ctx.session):
        return
    if ctx.session.scalar(select(School.id).limit(1)) is not None:
        raise RuleViolation("only a new, empty database can be made a sandbox: this one holds schools",
                            code="not_empty")
    ctx.session.add(LedgerSetting(key=SANDBOX, value="yes", set_at=ctx.now, set_by=ctx.actor))
    ctx.audit("ledger.sandbox", "ledger", SANDBOX, {"sandbox": True})


def refuse_future_writes(session: Session, as_of: date, real_today: date, allowed: bool) -> None:
    """Refuse to write at an as-of date after the real today, unless a sandbox or explicitly allowed."""
    if as_of <= real_today or allowed or is_sandbox(session):
        return
    raise RuleViolation(
        f"--as-of {as_of} is after today ({real_today}): on a live ledger that would date documents in the "
        "future for good; preview with a read-only command, or add --allow-future if you mean it",
        code="future_as_of")
