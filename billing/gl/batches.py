"""Exporting money events to the general ledger as numbered batches, each event exactly once (issue 20).

An export for a range takes every event dated in it that no batch holds yet, and every
event dated before it that was never exported (recorded late: a payment entered after
its month went out), listed apart so finance sees it. Events dated after the range wait
for a later export. The batch takes the next number of its own gap-free series (the
``GL`` counter, locked first, so two exports take turns and the second sees the first's
events) and is recorded with the events it holds and the lines it wrote; the file is
written inside the same transaction, so a file that cannot be written records nothing.
A range with nothing new makes no batch and no file.

The layout (docs/ledger-export.md) is one row per journal line: batch, line, date,
account, cost centre, debit, credit, description, document, school URN. A council whose
finance system wants other headers, order, a signed amount or UK dates names a layout
in the price book (``[council.ledger.profiles.NAME]``) and exports with ``--profile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import URL

from billing.bulk import insert_rows
from billing.context import Context
from billing.gl.codes import chart
from billing.gl.events import MoneyEvent, unexported_events
from billing.models import GlBatch, GlBatchEvent, GlBatchLine, NumberSequence
from billing.numbering import lock_series
from billing.outputs import check_output, write_output
from pricing.errors import InvalidInput, RuleViolation
from pricing.money import ZERO
from pricing.pricebook import LedgerProfile

GL_SERIES = "GL"

GENERIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("batch", "batch"), ("line", "line"), ("date", "date"), ("account", "account"),
    ("cost_centre", "cost_centre"), ("debit", "debit"), ("credit", "credit"), ("description", "description"),
    ("document", "document"), ("urn", "urn"),
)
"""(field, header) of the documented layout, in file order."""


@dataclass(frozen=True)
class JournalLine:
    batch: int
    line: int
    on: date
    role: str
    account: str
    cost_centre: str | None
    debit: Decimal
    credit: Decimal
    description: str
    document: str
    urn: str

    def field(self, name: str, date_format: str) -> object:
        """The value of one layout field (profiles name fields, docs/ledger-export.md)."""
        if name == "date":
            return self.on if date_format == "iso" else self.on.strftime("%d/%m/%Y")
        if name == "amount":
            return self.debit - self.credit
        value: object = getattr(self, name)
        return value


@dataclass(frozen=True)
class BatchSummary:
    number: int
    from_on: date
    to_on: date
    created_at: datetime
    actor: str
    profile: str | None
    events: int
    late: int
    lines: int
    debits: Decimal
    credits: Decimal

    def as_json(self) -> dict[str, object]:
        return {"batch": self.number, "from": self.from_on, "to": self.to_on, "created_at": self.created_at,
                "actor": self.actor, "profile": self.profile, "events": self.events, "late": self.late,
                "lines": self.lines, "debits": self.debits, "credits": self.credits}


@dataclass(frozen=True)
class ExportResult:
    from_on: date
    to_on: date
    batch: BatchSummary | None
    """None when there was nothing new to export (no batch, no file)."""
    late: tuple[MoneyEvent, ...]
    """Events dated before the range, never exported until this batch."""
    file: Path | None

    def as_json(self) -> dict[str, object]:
        return {"from": self.from_on, "to": self.to_on,
                "batch": self.batch.as_json() if self.batch is not None else None,
                "late": [e.as_json() for e in self.late], "file": str(self.file) if self.file else None}


def _summary(row: GlBatch) -> BatchSummary:
    return BatchSummary(row.number, row.from_on, row.to_on, row.created_at, row.actor, row.profile,
                        row.event_count, row.late_count, row.line_count, row.debits, row.credits)


def check_range(start: date, end: date, today: date) -> None:
    if start > end:
        raise InvalidInput(f"--from {start.isoformat()} is after --to {end.isoformat()}", code="bad_range")
    if end > today:
        raise RuleViolation(f"--to {end.isoformat()} is after today ({today.isoformat()}): "
                            "export a range once it has come", code="range_not_over")


def journal_lines(number: int, events: Sequence[MoneyEvent]) -> list[JournalLine]:
    """The batch's lines, numbered from 1 in event order."""
    lines: list[JournalLine] = []
    for event in events:
        for posting in event.postings:
            lines.append(JournalLine(number, len(lines) + 1, event.on, posting.role, posting.account,
                                     posting.cost_centre, posting.debit, posting.credit, posting.description,
                                     event.document, event.urn))
    return lines


def export_csv(lines: Sequence[JournalLine], layout: LedgerProfile | None) -> bytes:
    """The batch file: the documented layout, or the price book's named one."""
    from billing.reports.csv_export import csv_text  # noqa: PLC0415 - the one CSV writer, loaded only to write one

    columns = GENERIC_COLUMNS if layout is None else tuple((c.field, c.header) for c in layout.columns)
    date_format = "iso" if layout is None else layout.date_format
    rows = [[line.field(name, date_format) for name, _ in columns] for line in lines]
    return csv_text([header for _, header in columns], rows).encode("utf-8")


def export_batch(ctx: Context, start: date, end: date, out: Path, *, profile: str | None = None,
                 force: bool = False, database_url: str | URL | None = None) -> ExportResult:
    """Export every money event not yet in a batch and dated up to ``end`` as one new numbered batch.

    Refused before anything is written: a range that runs backwards or is not over yet,
    an unknown profile, an output path that exists (without ``force``) or names a database.
    """
    check_range(start, end, ctx.today)
    codes = chart(ctx)
    layout = codes.profile(profile) if profile is not None else None
    check_output(out, force=force, database_url=database_url)
    # The counter is locked before events are read, so a concurrent export waits and then sees ours; it is
    # created only for a first batch (nothing new to export writes nothing). Two first exports racing each
    # other are held apart by gl_batch_events' UNIQUE (kind, source_id): one of them is refused.
    counter = ctx.session.scalar(select(NumberSequence).where(NumberSequence.series == GL_SERIES)
                                 .with_for_update().execution_options(populate_existing=True))
    events = unexported_events(ctx, codes, end)
    late = tuple(e for e in events if e.on < start)
    if not events:
        return ExportResult(start, end, None, late, None)
    if counter is None:
        counter = lock_series(ctx, GL_SERIES)
    number = counter.next_value
    counter.next_value = number + 1
    lines = journal_lines(number, events)
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:  # each event balances on its own; this guards the sum of them
        raise RuleViolation(f"batch {number} would not balance: debits {debits}, credits {credits}",
                            code="unbalanced_batch")
    batch = GlBatch(number=number, from_on=start, to_on=end, created_at=ctx.now, actor=ctx.actor, profile=profile,
                    debits=debits, credits=credits, event_count=len(events), late_count=len(late),
                    line_count=len(lines))
    ctx.session.add(batch)
    ctx.session.flush()
    event_ids = insert_rows(ctx.session, GlBatchEvent, [
        {"batch_id": batch.id, "kind": e.kind.value, "source_id": e.source_id, "event_on": e.on,
         "late": e.on < start} for e in events], return_ids=True)
    owner = [event_ids[n] for n, event in enumerate(events) for _ in event.postings]
    insert_rows(ctx.session, GlBatchLine, [
        {"batch_id": batch.id, "event_id": owner[n], "line_no": line.line, "posted_on": line.on, "role": line.role,
         "account": line.account, "cost_centre": line.cost_centre, "debit": line.debit, "credit": line.credit,
         "description": line.description, "document": line.document, "urn": line.urn}
        for n, line in enumerate(lines)])
    ctx.audit("ledger.export", "gl_batch", number, {
        "from": start, "to": end, "profile": profile, "events": len(events), "late": len(late),
        "lines": len(lines), "debits": debits, "credits": credits, "file": str(out)})
    written = write_output(out, export_csv(lines, layout), force=force, database_url=database_url)
    return ExportResult(start, end, _summary(batch), late, written)


def list_batches(ctx: Context) -> list[BatchSummary]:
    """Every batch exported, by number."""
    return [_summary(row) for row in ctx.session.scalars(select(GlBatch).order_by(GlBatch.number))]
