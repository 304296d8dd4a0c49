"""Importing bank statements: every line kept, credits turned into payments (domain-rules §7, §8).

Three formats, told apart by content: a CSV export (columns ``date``,
``amount``, ``reference`` by default; another bank's layout through a column
map or a named profile from the price book, ``[council.bank_profiles.NAME]``;
dates DD/MM/YYYY or YYYY-MM-DD), SWIFT MT940 (read by the maintained ``mt-940``
package) and ISO 20022 camt.053 XML (read by the maintained ``pycamt``
package, which parses with lxml without resolving entities or touching the
network).

Every line read is stored as a :class:`~billing.models.BankLine` with its
status (domain-rules §8, "every bank line is kept"):

- ``matched``: a credit in pounds whose reference names invoices of one school
  (invoices.numbering.find_numbers) or the URN of one registered school; the
  payment is recorded and allocated (billing.payments.record_payment);
- ``unmatched``: a credit that names no school for sure (nothing found, or
  several schools); it waits on the receipts worklist (billing.receipts) until
  someone matches it to a school or rejects it with a reason;
- ``future``: dated after the as-of day; matched once its date has come;
- ``rejected``: not money received by the council: a debit, zero, or not in
  pounds (and later, any line a person rejects with a reason).

A line's fingerprint is its identity: the date, the amount and currency, the
reference folded for case and spacing, and how many lines with the same
identity came before it in the same file. So importing a file again adds
nothing, the same line re-exported as ``inv-000066  garden`` is the line
already imported as ``INV-000066 GARDEN``, and two identical lines in one file
are two payments. Lines imported before schema 0004 keep the fingerprint they
had then (``legacy_fingerprint``) so re-importing those files stays a no-op.

Each import reports read = matched + unmatched + future + already imported +
rejected. After the file, lines waiting from earlier imports are matched again
(a future-dated line once its date has come, an unmatched one once its school
is known). The command line commits every :data:`CHUNK` lines, so a long
import never holds the write lock for long; a run cut short is finished by
importing the file again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from billing.bulk import among, chunks
from billing.context import Context
from billing.models import BankLine
from billing.pricebooks import council
from billing.receipts import committed_units, lock_receipts, rematch_waiting, try_match, waiting_ids
from contracts.states import BankLineStatus
from pricing.clock import Clock
from pricing.errors import InvalidInput
from pricing.money import parse_money

DEFAULT_COLUMNS: dict[str, str] = {"date": "date", "amount": "amount", "reference": "reference"}
COLUMN_FIELDS = ("date", "reference", "amount", "credit", "debit")
CHUNK = 500
"""Lines written per transaction by :func:`run_bank_import` (each chunk commits on its own)."""

_MT940_MARK = re.compile(r"^:20:", re.MULTILINE)
_CAMT_MARK = re.compile(r"camt\.05[234]\.")


@dataclass(frozen=True)
class StatementEntry:
    """One line as read from a bank file; ``line_no`` says where it is in the file, for people."""

    posted_on: date
    amount: Decimal
    reference: str
    currency: str = "GBP"
    line_no: int | None = None


@dataclass(frozen=True)
class Statement:
    """What a bank file holds: its lines, its format, and entries left out because the bank has not booked them."""

    format: str
    entries: list[StatementEntry]
    not_booked: int = 0


@dataclass
class ImportResult:
    """What became of each line of one file: read = matched + unmatched + future + already imported + rejected."""

    file: str
    format: str = "csv"
    read: int = 0
    matched: list[dict[str, object]] = field(default_factory=list)
    unmatched: list[dict[str, object]] = field(default_factory=list)
    future: list[dict[str, object]] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)
    already_imported: int = 0
    not_booked: int = 0
    rematched: list[dict[str, object]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"read": self.read, "matched": len(self.matched), "unmatched": len(self.unmatched),
                "future": len(self.future), "already_imported": self.already_imported,
                "rejected": len(self.rejected)}

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "format": self.format, "read": self.read, "matched": len(self.matched),
                "payments": self.matched, "unmatched": self.unmatched, "future": self.future,
                "rejected": self.rejected, "already_imported": self.already_imported,
                "counts": self.counts(), "not_booked": self.not_booked, "rematched": self.rematched}


# --- reading files ------------------------------------------------------------------------


def _parse_date(text: str, where: str) -> date:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"{where}: date {text!r} must be DD/MM/YYYY or YYYY-MM-DD")


def _parse_amount(text: str, where: str) -> Decimal:
    return parse_money(text, f"{where}: amount", allow_negative=True)


def _layout(columns: Mapping[str, str] | None) -> dict[str, str]:
    """The column map with defaults: ``amount``, or ``credit`` with an optional ``debit``."""
    given = dict(columns or {})
    unknown = [k for k in given if k not in COLUMN_FIELDS]
    if unknown:
        raise InvalidInput(f"unknown CSV field {unknown[0]!r} (use {', '.join(COLUMN_FIELDS)})")
    if "debit" in given and "credit" not in given:
        raise InvalidInput('a "debit" column goes with a "credit" column')
    layout = {**DEFAULT_COLUMNS, **given}
    if "credit" in given:
        if "amount" in given:
            raise InvalidInput('give either an "amount" column or "credit" and "debit" columns, not both')
        del layout["amount"]
    return layout


def read_csv(text: str, columns: Mapping[str, str] | None = None, source: str = "file") -> list[StatementEntry]:
    """Lines of a CSV bank export; ``columns`` maps date/reference and amount (or credit/debit) to headers."""
    cmap = _layout(columns)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {h.strip().lower(): h for h in (reader.fieldnames or []) if h is not None}
    missing = [header for header in cmap.values() if header.lower() not in headers]
    if missing:
        raise InvalidInput(f"{source}: the CSV has no column {', '.join(repr(m) for m in missing)}")

    def cell(row: Mapping[str, str | None], name: str) -> str:
        return (row.get(headers[cmap[name].lower()]) or "").strip()

    entries = []
    for n, row in enumerate(reader, start=2):
        where = f"{source} line {n}"
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        if "amount" in cmap:
            amount = _parse_amount(cell(row, "amount"), where)
        else:
            credit = cell(row, "credit")
            debit = cell(row, "debit") if "debit" in cmap else ""
            if not credit and not debit:
                raise InvalidInput(f"{where}: no amount in {cmap['credit']!r}"
                                   + (f" or {cmap['debit']!r}" if "debit" in cmap else ""))
            amount = ((_parse_amount(credit, where) if credit else Decimal("0.00"))
                      - (_parse_amount(debit, where) if debit else Decimal("0.00")))
        entries.append(StatementEntry(
            posted_on=_parse_date(cell(row, "date"), where),
            amount=amount,
            reference=cell(row, "reference"),
            line_no=n,
        ))
    return entries


def read_mt940(text: str, source: str = "file") -> list[StatementEntry]:
    """Lines of a SWIFT MT940 statement, read with the ``mt-940`` package."""
    import mt940  # noqa: PLC0415 - loaded only when an MT940 file is read

    try:
        transactions = mt940.parse(text)
    except Exception as exc:  # the parser raises plain exceptions on malformed files
        raise InvalidInput(f"{source} is not a readable MT940 statement: {exc}") from exc
    entries = []
    for n, tx in enumerate(transactions, start=1):
        data = tx.data
        parts = [data.get("customer_reference"), data.get("transaction_details"), data.get("purpose"),
                 data.get("extra_details")]
        reference = " ".join(str(p).strip() for p in parts if p and str(p).strip() not in ("NONREF", "N"))
        amount = data["amount"]
        entries.append(StatementEntry(
            posted_on=date(data["date"].year, data["date"].month, data["date"].day),
            amount=parse_money(Decimal(amount.amount), f"{source}: amount", allow_negative=True),
            reference=" ".join(reference.split())[:200],
            currency=str(getattr(amount, "currency", None) or data.get("currency") or "GBP"),
            line_no=n,
        ))
    return entries


def _camt_reference(tx: Mapping[str, object]) -> str:
    """The payer's reference: unstructured remittance text, a structured creditor reference, else the entry's note."""
    parts: list[str] = []
    for key in ("RemittanceInformationFull", "RemittanceInformation", "AdditionalRemittanceInformation"):
        text = " ".join(str(tx.get(key) or "").split())
        if text and not any(text in p for p in parts):
            parts.append(text)
    if not parts:
        parts.append(" ".join(str(tx.get("AdditionalEntryInformation") or "").split()))
    return " ".join(parts)


def read_camt053(data: bytes, source: str = "file") -> Statement:
    """Lines of an ISO 20022 camt.053 statement (camt.052 reports read the same), with ``pycamt``.

    One line per transaction: an entry that books several transactions
    together (a batch) gives one line for each, with its own amount and
    reference. Entries the bank has not booked (status PDNG or INFO) are not
    statement lines yet and are left out (counted in ``not_booked``); they
    come again, booked, in a later statement.
    """
    from pycamt.parser import Camt053Parser  # type: ignore[import-untyped]  # noqa: PLC0415 - loaded only when a camt.053 file is read

    try:
        parser = Camt053Parser(data)
        transactions = parser.get_transactions()
    except Exception as exc:  # lxml syntax errors, or a document with no statement in it
        detail = str(exc).splitlines()[0] if str(exc) else "no statement (Stmt) found"
        raise InvalidInput(f"{source} is not a readable camt.053 statement: {detail}") from exc
    _check_batches(parser, source)
    entries: list[StatementEntry] = []
    not_booked = 0
    for n, tx in enumerate(transactions, start=1):
        where = f"{source} transaction {n}"
        status = (tx.get("Status") or "BOOK").strip().upper()
        if status != "BOOK":
            not_booked += 1
            continue
        when = (tx.get("BookingDate") or tx.get("ValueDate") or "").strip()
        amount = _parse_amount(tx.get("Amount") or "", where)
        indicator = (tx.get("CreditDebitIndicator") or "").strip().upper()
        if indicator not in ("CRDT", "DBIT"):
            raise InvalidInput(f"{where}: credit/debit indicator {indicator!r} must be CRDT or DBIT")
        reference = _camt_reference(tx)
        entries.append(StatementEntry(
            posted_on=_parse_date(when[:10], where),
            amount=-amount if indicator == "DBIT" else amount,
            reference=" ".join(reference.split())[:200],
            currency=str(tx.get("Currency") or "GBP").strip().upper(),
            line_no=n,
        ))
    return Statement("camt.053", entries, not_booked)


def _check_batches(parser: object, source: str) -> None:
    """Refuse a batch entry whose transactions do not carry their own amounts.

    ``pycamt`` gives each transaction of a batch the entry's amount when the
    transaction has none of its own, which would count the whole batch once
    per transaction.
    """
    tree = getattr(parser, "tree", None)
    if tree is None:
        return
    for n, entry in enumerate(tree.iter("{*}Ntry"), start=1):
        details = list(entry.iter("{*}TxDtls"))
        if len(details) > 1 and any(next(d.iter("{*}Amt"), None) is None for d in details):
            raise InvalidInput(f"{source} entry {n} books {len(details)} transactions without their own amounts")


def read_statement(path: Path, columns: Mapping[str, str] | None = None) -> Statement:
    """A bank file's lines: camt.053 XML, MT940 or CSV, told apart by the file's content."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read bank file {path}: {exc.strerror}") from exc
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if not _CAMT_MARK.search(head.decode("utf-8", "replace")):
            raise InvalidInput(f"bank file {path.name} is XML but not an ISO 20022 camt.053 statement")
        return read_camt053(raw, path.name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"bank file {path.name} is not UTF-8 text") from exc
    if _MT940_MARK.search(text):
        return Statement("mt940", read_mt940(text, path.name))
    return Statement("csv", read_csv(text, columns, path.name))


# --- identity -----------------------------------------------------------------------------


def normalise_reference(reference: str) -> str:
    """A reference as the bank line's identity sees it: case folded, runs of spaces made one."""
    return " ".join(reference.split()).casefold()


def line_identity(entry: StatementEntry) -> tuple[str, ...]:
    return (entry.posted_on.isoformat(), f"{entry.amount:.2f}", entry.currency.upper(),
            normalise_reference(entry.reference))


def fingerprint(identity: Sequence[str], occurrence: int) -> str:
    """The stored fingerprint of the ``occurrence``-th line with ``identity`` in one file (migration 0004 too)."""
    return hashlib.sha256("|".join(["v2", *identity, str(occurrence)]).encode()).hexdigest()


def fingerprints(entries: Sequence[StatementEntry]) -> list[str]:
    """Each line's identity: date, amount, currency, folded reference and its occurrence in the file."""
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for e in entries:
        key = line_identity(e)
        seen[key] = seen.get(key, 0) + 1
        out.append(fingerprint(key, seen[key]))
    return out


def legacy_fingerprints(entries: Sequence[StatementEntry]) -> list[str]:
    """The fingerprints lines were given before schema 0004 (reference as read, case and spacing kept).

    Only compared with ``bank_lines.legacy_fingerprint``, so that a file imported
    before the upgrade is still recognised line for line when imported again.
    """
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for e in entries:
        key = (e.posted_on.isoformat(), f"{e.amount}{e.currency}", e.reference)
        seen[key] = seen.get(key, 0) + 1
        out.append(hashlib.sha256("|".join([*key, str(seen[key])]).encode()).hexdigest())
    return out


# --- importing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    entry: StatementEntry
    fingerprint: str
    legacy: str


def bank_columns(ctx: Context, columns: Mapping[str, str] | None = None,
                 profile: str | None = None) -> dict[str, str]:
    """The CSV column map: the price book's named profile, if any, overridden by ``columns``."""
    base = council(ctx).bank_profile(profile).columns() if profile else {}
    given = dict(columns or {})
    if base and ("credit" in given or "amount" in given):  # an explicit amount layout replaces the profile's
        for key in ("amount", "credit", "debit"):
            base.pop(key, None)
    return {**base, **given}


def _why_not_a_payment(entry: StatementEntry) -> str | None:
    if entry.currency.upper() != "GBP":
        return f"in {entry.currency}, not pounds"
    if entry.amount < 0:
        return "a debit (money out)"
    if entry.amount == 0:
        return "zero"
    return None


def _summary(line: BankLine) -> dict[str, object]:
    return {"id": line.id, "date": line.posted_on, "amount": line.amount, "reference": line.reference}


def _take(ctx: Context, planned: _Planned, source: str, result: ImportResult) -> None:
    """Store one new line with its status, recording the payment when it matches."""
    entry = planned.entry
    why_not = _why_not_a_payment(entry)
    reason: str | None
    # A new line is stored with its outcome; only a line dated today or earlier is tried against the schools.
    if why_not is not None:
        status, reason = BankLineStatus.REJECTED, why_not
    elif entry.posted_on > ctx.today:
        status, reason = BankLineStatus.FUTURE, f"dated after {ctx.today}: matched once its date has come"
    else:
        status, reason = BankLineStatus.UNMATCHED, None
    line = BankLine(fingerprint=planned.fingerprint, posted_on=entry.posted_on, amount=entry.amount,
                    currency=entry.currency.upper()[:3], reference=entry.reference[:200], status=status,
                    reason=reason, source_file=source[:200], line_no=entry.line_no, imported_at=ctx.now,
                    decided_at=ctx.now, decided_by=ctx.actor)
    ctx.session.add(line)
    ctx.session.flush()
    if status == BankLineStatus.REJECTED:
        result.rejected.append({**_summary(line), "currency": line.currency, "reason": why_not})
    elif status == BankLineStatus.FUTURE:
        result.future.append({**_summary(line), "reason": line.reason})
    else:
        paid = try_match(ctx, line, entry.reference)
        if paid is None:
            result.unmatched.append({**_summary(line), "reason": line.reason})
        else:
            result.matched.append({**_summary(line), **paid})


def _import_part(ctx: Context, source: str, part: Sequence[_Planned], result: ImportResult) -> None:
    lock_receipts(ctx)
    new_prints = [p.fingerprint for p in part]
    old_prints = [p.legacy for p in part]
    seen = {fp for piece in chunks(new_prints) for fp in ctx.session.scalars(
        select(BankLine.fingerprint).where(among(ctx.session, BankLine.fingerprint, piece)))}
    seen_legacy = {fp for piece in chunks(old_prints) for fp in ctx.session.scalars(
        select(BankLine.legacy_fingerprint).where(among(ctx.session, BankLine.legacy_fingerprint, piece)))}
    for planned in part:
        if planned.fingerprint in seen or planned.legacy in seen_legacy:
            result.already_imported += 1
            continue
        _take(ctx, planned, source, result)


Unit = Callable[[], AbstractContextManager[Context]]


def _import(unit: Unit, path: Path, columns: Mapping[str, str] | None, profile: str | None,
            rematch: bool, chunk_size: int) -> ImportResult:
    with unit() as ctx:
        council(ctx)  # no price book, no invoice numbers to match: refused before anything is written
        cmap = bank_columns(ctx, columns, profile)
        before = ctx.session.scalar(select(func.max(BankLine.id))) or 0
    statement = read_statement(path, cmap)  # a bad file is refused here, before anything is written
    entries = statement.entries
    plan = [_Planned(e, fp, old) for e, fp, old in
            zip(entries, fingerprints(entries), legacy_fingerprints(entries), strict=True)]
    result = ImportResult(file=path.name, format=statement.format, read=len(entries),
                          not_booked=statement.not_booked)
    for at in range(0, len(plan), chunk_size):
        with unit() as ctx:
            _import_part(ctx, path.name, plan[at:at + chunk_size], result)
    if rematch:
        with unit() as ctx:
            earlier = waiting_ids(ctx, up_to=before)
        for at in range(0, len(earlier), chunk_size):
            with unit() as ctx:
                result.rematched.extend(rematch_waiting(ctx, earlier[at:at + chunk_size]).matched)
    with unit() as ctx:
        ctx.audit("bank.import", "bank_file", path.name[:40],
                  {"file": path.name, "format": statement.format, **result.counts(),
                   "not_booked": statement.not_booked, "rematched": len(result.rematched)})
    return result


def import_bank_file(ctx: Context, path: Path, columns: Mapping[str, str] | None = None,
                     profile: str | None = None, rematch: bool = True) -> ImportResult:
    """Import a bank statement inside the caller's transaction (§8): every line kept with its status.

    Lines already imported (same fingerprint) are counted, not stored again. With
    ``rematch``, lines waiting from earlier imports are matched again afterwards.
    """
    return _import(lambda: nullcontext(ctx), path, columns, profile, rematch, CHUNK)


def run_bank_import(engine: Engine, clock: Clock, actor: str, path: Path, columns: Mapping[str, str] | None = None,
                    profile: str | None = None, rematch: bool = True, chunk_size: int = CHUNK) -> ImportResult:
    """The import as the command line runs it: the file is read and checked first, then committed in chunks.

    A bad file writes nothing. A run cut short between chunks leaves whole lines
    only; importing the file again counts those as already imported and adds the rest.
    """
    unit = committed_units(engine, clock, actor)  # one instant for every line of the import
    return _import(unit, path, columns, profile, rematch, max(1, chunk_size))
