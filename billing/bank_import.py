"""Importing bank-statement lines and turning credits into payments (domain-rules §7, §8).

Two formats: a CSV export (columns ``date``, ``amount``, ``reference`` by
default, renamable with a column map; dates DD/MM/YYYY or YYYY-MM-DD) and SWIFT
MT940, read by the maintained ``mt-940`` package.

A credit line is matched to a school by the invoice numbers in its reference
(invoices.numbering.find_numbers), else by a six-digit URN of a registered
school found in it. Anything else — no match, or numbers of several schools —
is listed for a person to allocate, never guessed. Debits (money out) and
lines not in pounds are ignored and reported.

Each line's fingerprint hashes its date, amount, reference and how many
identical lines came before it in the same file, so importing a file twice
records nothing twice, while two genuinely identical payments on one day in
one file are both kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from billing.bulk import among, chunks
from billing.context import Context
from billing.models import BankLine, Invoice, School
from billing.payments import record_payment
from billing.pricebooks import council
from invoices.numbering import find_numbers
from pricing.errors import InvalidInput
from pricing.money import parse_money

DEFAULT_COLUMNS: dict[str, str] = {"date": "date", "amount": "amount", "reference": "reference"}
_URN = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_MT940_MARK = re.compile(r"^:20:", re.MULTILINE)


@dataclass(frozen=True)
class StatementEntry:
    """One line as read from a bank file."""

    posted_on: date
    amount: Decimal
    reference: str
    currency: str = "GBP"


@dataclass
class ImportResult:
    file: str
    matched: list[dict[str, object]] = field(default_factory=list)
    unmatched: list[dict[str, object]] = field(default_factory=list)
    ignored: list[dict[str, object]] = field(default_factory=list)
    already_imported: int = 0

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "matched": len(self.matched), "payments": self.matched,
                "unmatched": self.unmatched, "ignored": self.ignored, "already_imported": self.already_imported}


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


def read_csv(text: str, columns: Mapping[str, str] | None = None, source: str = "file") -> list[StatementEntry]:
    """Lines of a CSV bank export; ``columns`` maps date/amount/reference to the file's headers."""
    cmap = {**DEFAULT_COLUMNS, **(columns or {})}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {h.strip().lower(): h for h in (reader.fieldnames or [])}
    missing = [cmap[k] for k in ("date", "amount", "reference") if cmap[k].lower() not in headers]
    if missing:
        raise InvalidInput(f"{source}: the CSV has no column {', '.join(repr(m) for m in missing)}")
    entries = []
    for n, row in enumerate(reader, start=2):
        where = f"{source} line {n}"
        if not any((v or "").strip() for v in row.values()):
            continue
        entries.append(StatementEntry(
            posted_on=_parse_date(row[headers[cmap["date"].lower()]] or "", where),
            amount=_parse_amount(row[headers[cmap["amount"].lower()]] or "", where),
            reference=(row[headers[cmap["reference"].lower()]] or "").strip(),
        ))
    return entries


def read_mt940(text: str, source: str = "file") -> list[StatementEntry]:
    """Lines of a SWIFT MT940 statement, read with the ``mt-940`` package."""
    import mt940

    try:
        transactions = mt940.parse(text)
    except Exception as exc:  # the parser raises plain exceptions on malformed files
        raise InvalidInput(f"{source} is not a readable MT940 statement: {exc}") from exc
    entries = []
    for tx in transactions:
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
        ))
    return entries


def read_bank_file(path: Path, columns: Mapping[str, str] | None = None) -> list[StatementEntry]:
    """CSV or MT940, told apart by the file's content."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read bank file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"bank file {path} is not UTF-8 text") from exc
    if _MT940_MARK.search(text):
        return read_mt940(text, path.name)
    return read_csv(text, columns, path.name)


def fingerprints(entries: list[StatementEntry]) -> list[str]:
    """Each line's identity: date, amount, reference and its occurrence among identical lines in the file."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for e in entries:
        key = (e.posted_on.isoformat(), f"{e.amount}{e.currency}", e.reference)
        seen[key] = seen.get(key, 0) + 1
        out.append(hashlib.sha256("|".join([*key, str(seen[key])]).encode()).hexdigest())
    return out


def match_line(ctx: Context, reference: str) -> tuple[School | None, list[str], str]:
    """(school, invoice numbers, how) for a reference; school None when it cannot be told for sure."""
    numbers = find_numbers(reference, council(ctx).invoice_prefix)
    if numbers:
        found = list(ctx.session.execute(
            select(Invoice.number, Invoice.school_id).where(Invoice.number.in_(numbers), Invoice.kind == "invoice")
        ))
        school_ids = {sid for _, sid in found}
        if len(school_ids) == 1:
            school = ctx.session.get(School, school_ids.pop())
            return school, [n for n in numbers if n in {num for num, _ in found}], "invoice"
        if len(school_ids) > 1:
            return None, [], "invoices of more than one school"
    urns = set(_URN.findall(reference))
    if urns:
        schools = list(ctx.session.scalars(select(School).where(School.urn.in_(urns))))
        if len(schools) == 1:
            return schools[0], [], "urn"
        if len(schools) > 1:
            return None, [], "more than one school's URN"
    return None, [], "no invoice number or URN found"


def import_bank_file(ctx: Context, path: Path, columns: Mapping[str, str] | None = None) -> ImportResult:
    """Import a bank statement: record matched credits as payments, list the rest (§8).

    Lines already imported (same fingerprint) are skipped, so a file imported twice records nothing twice.
    """
    entries = read_bank_file(path, columns)
    result = ImportResult(file=path.name)
    prints = fingerprints(entries)
    seen = {fp for part in chunks(prints)
            for fp in ctx.session.scalars(select(BankLine.fingerprint).where(among(ctx.session, BankLine.fingerprint,
                                                                                    part)))}
    for entry, fp in zip(entries, prints, strict=True):
        line = {"date": entry.posted_on, "amount": entry.amount, "reference": entry.reference}
        if fp in seen:
            result.already_imported += 1
            continue
        seen.add(fp)
        bank_line = BankLine(fingerprint=fp, posted_on=entry.posted_on, amount=entry.amount,
                             reference=entry.reference[:200], status="unmatched", source_file=path.name[:200],
                             imported_at=ctx.now)
        if entry.currency.upper() != "GBP":
            bank_line.status = "ignored"
            result.ignored.append({**line, "reason": f"in {entry.currency}, not pounds"})
        elif entry.amount <= 0:
            bank_line.status = "ignored"
            result.ignored.append({**line, "reason": "a debit (money out)" if entry.amount < 0 else "zero"})
        elif entry.posted_on > ctx.today:
            result.unmatched.append({**line, "reason": f"dated after today ({ctx.today})"})
        else:
            school, numbers, how = match_line(ctx, entry.reference)
            if school is None:
                result.unmatched.append({**line, "reason": how})
            else:
                paid = record_payment(ctx, school.urn, entry.amount, entry.posted_on, "bacs", numbers,
                                      reference=entry.reference[:140] or None, source="import",
                                      external_key=f"bank:{fp}")
                bank_line.payment_id = paid.id
                bank_line.status = "matched"
                result.matched.append({**line, "urn": school.urn, "payment": paid.id, "matched_by": how,
                                       "allocations": [{"invoice": a.invoice, "amount": a.amount}
                                                       for a in paid.allocations],
                                       "unallocated": paid.unallocated})
        ctx.session.add(bank_line)
        ctx.session.flush()
    ctx.audit("bank.import", "bank_file", path.name,
              {"matched": len(result.matched), "unmatched": len(result.unmatched),
               "ignored": len(result.ignored), "already_imported": result.already_imported})
    return result
