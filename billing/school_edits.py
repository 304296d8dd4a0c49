"""Correcting a school's particulars, and recording a change of type (`traded school edit`).

Name, address, postcode, email, number on roll, LA code and LAESTAB are corrected
in place, each change audited with its value before and after. Issued invoices
and credit notes never change (they hold the customer as it was at issue, §7):
only documents issued from now on show the new particulars.

A change of type is dated (``effective``), because the type decides the VAT on
every charge (§7: O for the council's own maintained schools, else the item's S
or E). It is one of two things, and the team says which:

- **a conversion** (``new_urn``): the school becomes a new establishment with
  its own URN — an academy conversion above all (§7). This goes through the
  successor link the charge ledger already follows (billing.charges.billed_school):
  the academy's record (created from the old one's particulars, or an existing
  record of that URN) becomes the old record's successor from the conversion
  date, and the old record keeps its type. Charges due from that date and not
  yet invoiced move to the academy with their VAT decided again, exactly as if
  they had been raised after the conversion was recorded.
- **a correction** (``correction``): the school was registered with the wrong
  type. Its type is changed in place, and its charges due from the date and
  not yet invoiced have their VAT decided again.

Changing the LA code (or LAESTAB) of a maintained school can change whether it
is the council's own; when it does, the same date and re-decision apply.
Invoices already issued on or after the date are reported, never changed: a
wrong one is corrected by credit note.

``journal`` (``--journal``/``--no-journal``, issue 20) says whether the council's own
maintained school settles by journal transfer (the default) or opts out and is invoiced
with the price book's admin charge (``journal_opt_out``, billing.journals); it applies to
what the next bill run issues, and only a maintained school has the choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select

from billing.charges import vat_code_on
from billing.context import Context
from billing.models import Charge, Invoice, InvoiceLine, School
from billing.models.schools import SCHOOL_TYPES
from billing.pricebooks import council, version_for
from billing.schools import MAX_ROLL, NewSchool, add_school, check_urn, clean_school_email, get_school
from billing.subscriptions import SUBSCRIPTION_VAT_CODE
from contracts.charge_details import CaseworkDetail, OrderDetail
from pricing.calendars import AcademicYear
from pricing.errors import InvalidInput, RuleViolation
from pricing.pricebook import CASEWORK_DAY
from pricing.text import clean_line, clean_lines, clean_optional_line, clean_reason
from pricing.vat import INTEREST_VAT_CODE, customer_vat_class

_LA_CODE = re.compile(r"\d{3}", re.ASCII)
_LAESTAB = re.compile(r"\d{7}", re.ASCII)

FIELDS = ("name", "type", "address", "postcode", "email", "number_on_roll", "la_code", "laestab", "journal_opt_out")
"""The particulars `school edit` may change, as they are named in the audit trail and the JSON."""


@dataclass(frozen=True)
class SchoolChanges:
    """What to change; ``None`` leaves a field alone, blank text clears an optional one."""

    name: str | None = None
    address: str | None = None
    postcode: str | None = None
    email: str | None = None
    number_on_roll: str | None = None
    la_code: str | None = None
    laestab: str | None = None
    type: str | None = None
    effective: date | None = None
    new_urn: str | None = None
    correction: bool = False
    reason: str | None = None
    journal: bool | None = None  # True: settle by journal; False: opt out (invoiced, with the admin charge)


@dataclass(frozen=True)
class RecodedCharge:
    id: int
    description: str
    due: date
    moved_to: str | None
    vat_before: str
    vat_after: str


@dataclass(frozen=True)
class SchoolEdited:
    school: School
    changes: dict[str, tuple[object, object]]
    successor: School | None = None
    charges: tuple[RecodedCharge, ...] = ()
    issued_since: tuple[str, ...] = ()


def _particulars(school: School) -> dict[str, object]:
    return {field: getattr(school, field) for field in FIELDS}


def _clean(changes: SchoolChanges, school: School) -> dict[str, object]:
    """The new value of each field given, checked as `school add` checks it (pricing.text, column widths)."""
    new: dict[str, object] = {}
    if changes.name is not None:
        new["name"] = clean_line(changes.name, "school name", 200)
    if changes.address is not None:
        new["address"] = clean_lines(changes.address, "address", 400)
    if changes.postcode is not None:
        new["postcode"] = clean_optional_line(changes.postcode, "postcode", 10)
    if changes.email is not None:
        new["email"] = clean_school_email(changes.email)
    if changes.number_on_roll is not None:
        new["number_on_roll"] = _roll(changes.number_on_roll)
    if changes.type is not None:
        if changes.type not in SCHOOL_TYPES:
            raise InvalidInput(f"school type {changes.type!r} must be one of {', '.join(SCHOOL_TYPES)}")
        new["type"] = changes.type
    new.update(_la_codes(changes, school))
    if changes.journal is not None:
        if changes.new_urn is not None:
            raise InvalidInput("--journal/--no-journal and --new-urn exclude each other: set the successor's "
                               "choice with its own `traded school edit`", code="journal_opt_out")
        if str(new.get("type", school.type)) != "maintained":
            raise InvalidInput(f"URN {school.urn} is {_a(school.type)}: only a maintained school settles by "
                               "journal (--journal/--no-journal)", code="journal_opt_out")
        new["journal_opt_out"] = not changes.journal
    return new


def _roll(text: str) -> int | None:
    clean = text.strip()
    if not clean:
        return None
    if not (clean.isascii() and clean.isdigit()) or int(clean) > MAX_ROLL:
        raise InvalidInput(f"number on roll {text!r} must be a whole number from 0 to {MAX_ROLL}")
    return int(clean)


def _la_codes(changes: SchoolChanges, school: School) -> dict[str, object]:
    new: dict[str, object] = {}
    laestab = la_code = None
    if changes.laestab is not None:
        laestab = changes.laestab.strip() or None
        if laestab is not None and not _LAESTAB.fullmatch(laestab):
            raise InvalidInput(f"LAESTAB {changes.laestab!r} must be seven digits")
        new["laestab"] = laestab
    if changes.la_code is not None:
        la_code = changes.la_code.strip() or None
        if la_code is not None and not _LA_CODE.fullmatch(la_code):
            raise InvalidInput(f"LA code {changes.la_code!r} must be three digits, e.g. 204")
        new["la_code"] = la_code
    elif laestab is not None:
        new["la_code"] = la_code = laestab[:3]  # as `school add` does
    kept_laestab = new["laestab"] if "laestab" in new else school.laestab
    final_la = new["la_code"] if "la_code" in new else school.la_code
    if kept_laestab and final_la and not str(kept_laestab).startswith(str(final_la)):
        raise InvalidInput(f"LAESTAB {kept_laestab} does not begin with the LA code {final_la}: "
                           "give --laestab as well (or --laestab '' to clear it)")
    return new


def edit_school(ctx: Context, urn: str, changes: SchoolChanges) -> SchoolEdited:
    """Correct a school's particulars, or record a dated change of type (see the module notes)."""
    school = get_school(ctx, urn)
    reason = clean_reason(changes.reason, "reason") if changes.reason is not None else None
    new = _clean(changes, school)
    if changes.new_urn is not None:
        return _convert(ctx, school, changes, new, reason)
    before = _particulars(school)
    diff = {field: (before[field], value) for field, value in new.items() if before[field] != value}
    # Only a new type or LA code can move the school between VAT classes (and only then is the council read).
    vat_relevant = "type" in diff or "la_code" in diff
    klass_before = _vat_class(ctx, school) if vat_relevant else ""
    klass_after = _vat_class(ctx, school, **{k: v for k, (_, v) in diff.items()}) if vat_relevant else ""
    if "type" in diff:
        if not changes.correction:
            raise InvalidInput(
                f"URN {school.urn} is {_a(school.type)}: a school that becomes {_a(str(diff['type'][1]))} is a "
                "new establishment with its own URN; give --new-urn URN (an academy conversion), or --correction "
                "if it was registered with the wrong type", code="type_change")
        if school.successor_id is not None:
            raise RuleViolation(f"URN {school.urn} converted on {school.converted_on}: its type cannot change",
                                code="converted")
    elif changes.correction and changes.type is None:
        raise InvalidInput("--correction goes with --type: it corrects the type a school was registered with",
                           code="type_change")
    if ("type" in diff or klass_before != klass_after) and changes.effective is None:
        raise InvalidInput(f"a change of {'type' if 'type' in diff else 'LA code'} changes the VAT on "
                           f"URN {school.urn}'s charges: give --on DATE, the day it applies from",
                           code="effective_date")
    if "journal_opt_out" in new and _vat_class(ctx, school, **{k: v for k, (_, v) in diff.items()}) != "own_maintained":
        raise InvalidInput(f"URN {school.urn} is not one of the council's own maintained schools (LA code "
                           f"{diff.get('la_code', (None, school.la_code))[1] or 'none'}, the council's "
                           f"{council(ctx).la_code}): only they settle by journal (--journal/--no-journal)",
                           code="journal_opt_out")
    if not diff:
        return SchoolEdited(school, {})
    for field, (_, value) in diff.items():
        setattr(school, field, value)
    ctx.session.flush()
    recoded: list[RecodedCharge] = []
    issued: tuple[str, ...] = ()
    if changes.effective is not None and klass_before != klass_after:
        recoded = _redecide(ctx, school, school, changes.effective)
        issued = _issued_since(ctx, school, changes.effective)
    ctx.audit("school.edit", "school", school.urn, {
        "before": {field: old for field, (old, _) in diff.items()},
        "after": {field: value for field, (_, value) in diff.items()},
        **({"effective": changes.effective} if changes.effective and ("type" in diff or recoded) else {}),
        **({"charges": [_audit_charge(c) for c in recoded]} if recoded else {}),
    }, reason=reason)
    return SchoolEdited(school, diff, None, tuple(recoded), issued)


def _a(school_type: str) -> str:
    """``an academy``, ``a maintained school``: a type in a sentence."""
    return {"academy": "an academy", "free": "a free school", "independent": "an independent school",
            "maintained": "a maintained school"}.get(school_type, school_type)


def _vat_class(ctx: Context, school: School, **new: object) -> str:
    """Whether the school is the council's own maintained school (VAT O) or external, with ``new`` applied."""
    la_code = new.get("la_code", school.la_code)
    return customer_vat_class(str(new.get("type", school.type)), str(la_code) if la_code else None,
                              council(ctx).la_code)


def _convert(ctx: Context, school: School, changes: SchoolChanges, new: dict[str, object],
             reason: str | None) -> SchoolEdited:
    """The school becomes a new establishment (an academy) from ``changes.effective``: the successor link."""
    if changes.effective is None:
        raise InvalidInput(f"a conversion needs --on DATE, the day URN {school.urn} becomes "
                           f"{new.get('type', 'academy')}", code="effective_date")
    if changes.correction:
        raise InvalidInput("--correction and --new-urn exclude each other: a correction keeps the URN",
                           code="type_change")
    if school.successor_id is not None:
        raise RuleViolation(f"URN {school.urn} already converted on {school.converted_on}", code="converted")
    new_urn = check_urn(changes.new_urn or "")
    if new_urn == school.urn:
        raise InvalidInput("--new-urn must differ from the school's own URN (a correction keeps the URN: "
                           "use --correction)", code="type_change")
    new_type = str(new.get("type", "academy"))
    successor = ctx.session.scalar(select(School).where(School.urn == new_urn))
    if successor is None:
        successor = add_school(ctx, NewSchool(
            urn=new_urn, name=str(new.get("name", school.name)), type=new_type,
            number_on_roll=new.get("number_on_roll", school.number_on_roll),  # type: ignore[arg-type]
            email=_text(new, "email", school.email), address=_text(new, "address", school.address),
            postcode=_text(new, "postcode", school.postcode), laestab=_text(new, "laestab", None),
            la_code=_text(new, "la_code", school.la_code), phase=school.phase))
        created = True
    else:
        given = sorted(set(new) - {"type"})
        if given:  # the record exists: its particulars are corrected on it, not through its predecessor
            option = {"number_on_roll": "roll", "la_code": "la-code"}.get(given[0], given[0])
            raise InvalidInput(f"URN {new_urn} is already registered: link it without --{option} and correct "
                               f"its particulars with `traded school edit {new_urn}`", code="type_change")
        if successor.type != new_type:
            raise RuleViolation(f"URN {new_urn} is registered as {successor.type}, not {new_type}",
                                code="type_change")
        if ctx.session.scalar(select(School.id).where(School.successor_id == successor.id)) is not None:
            raise RuleViolation(f"URN {new_urn} is already another school's successor", code="converted")
        created = False
    school.successor_id = successor.id
    school.converted_on = changes.effective
    ctx.session.flush()
    recoded = _redecide(ctx, school, successor, changes.effective)
    issued = _issued_since(ctx, school, changes.effective)
    ctx.audit("school.convert", "school", school.urn, {
        "successor": new_urn, "type": new_type, "on": changes.effective, "created": created,
        "charges": [_audit_charge(c) for c in recoded], "issued_since": list(issued)}, reason=reason)
    diff: dict[str, tuple[object, object]] = {"successor": (None, new_urn), "converted_on": (None, changes.effective)}
    return SchoolEdited(school, diff, successor, tuple(recoded), issued)


def _text(new: dict[str, object], field: str, default: str | None) -> str | None:
    value = new.get(field, default)
    return None if value is None else str(value)


def _audit_charge(c: RecodedCharge) -> dict[str, object]:
    return {"id": c.id, "due": c.due, "moved_to": c.moved_to, "vat_code": [c.vat_before, c.vat_after]}


def _open_charges(ctx: Context, school: School, effective: date) -> list[Charge]:
    """The school's charges due on or after ``effective`` and not yet invoiced: the ones a change may still touch."""
    invoiced = exists().where(InvoiceLine.charge_id == Charge.id)
    return list(ctx.session.scalars(
        select(Charge).where(Charge.school_id == school.id, Charge.status == "due", Charge.due_on >= effective,
                             ~invoiced).order_by(Charge.due_on, Charge.id)))


def _redecide(ctx: Context, school: School, customer: School, effective: date) -> list[RecodedCharge]:
    """Bill ``school``'s open charges from ``effective`` to ``customer``, VAT decided again (billing.charges)."""
    out = []
    for charge in _open_charges(ctx, school, effective):
        before = charge.vat_code
        after = vat_code_on(ctx, customer, item_vat_code(ctx, charge))
        moved = customer.id != charge.school_id
        if not moved and after == before:
            continue
        charge.school_id = customer.id
        charge.vat_code = after
        out.append(RecodedCharge(charge.id, charge.description, charge.due_on, customer.urn if moved else None,
                                 before, after))
    ctx.session.flush()
    return out


def item_vat_code(ctx: Context, charge: Charge) -> str:
    """The VAT code the charge's item carries for an external customer (S or E; O for interest).

    The stored code is O for the council's own maintained schools, so the item's
    own code is read back from where the charge came from.
    """
    if charge.kind == "interest":
        return INTEREST_VAT_CODE
    detail = charge.details
    if isinstance(detail, OrderDetail) and detail.item_vat_code in ("S", "E"):
        return detail.item_vat_code
    if charge.vat_code in ("S", "E"):
        return charge.vat_code
    if charge.service_code == "subscription":
        return SUBSCRIPTION_VAT_CODE
    if charge.service_code == CASEWORK_DAY:
        year = AcademicYear.parse(detail.price_book) if isinstance(detail, CaseworkDetail) and detail.price_book \
            else AcademicYear.of(charge.period_start or charge.due_on)
        return version_for(ctx, year).item(CASEWORK_DAY).vat_code
    raise RuleViolation(f"charge {charge.source_key}: its item's VAT code is not recorded", code="unknown_vat")


def _issued_since(ctx: Context, school: School, effective: date) -> tuple[str, ...]:
    """Invoices already issued to the school with a tax point on or after ``effective`` (left as they are)."""
    return tuple(ctx.session.scalars(
        select(Invoice.number).where(Invoice.school_id == school.id, Invoice.kind == "invoice",
                                     Invoice.tax_point >= effective).order_by(Invoice.seq)))
