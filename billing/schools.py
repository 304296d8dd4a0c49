"""Registering schools and staff, and finding them again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from billing.context import Context
from billing.models import School, Staff, StaffRate
from billing.models.schools import SCHOOL_TYPES
from pricing.errors import InvalidInput, NotFound, RuleViolation
from pricing.money import parse_money
from pricing.text import clean_line, clean_lines, clean_optional_line

# ASCII digits only, the whole text (``$`` alone would let a trailing newline through).
_URN = re.compile(r"\d{6}", re.ASCII)
_LAESTAB = re.compile(r"\d{7}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_ROLL = 100_000
"""No school has more pupils; a bigger number on roll is a typing slip."""


def check_urn(urn: str) -> str:
    urn = urn.strip()
    if not _URN.fullmatch(urn):
        raise InvalidInput(f"URN {urn!r} must be six digits, e.g. 100279", code="bad_urn")
    return urn


def clean_school_email(text: str | None) -> str | None:
    """The school's own email (`school add --email`, `school edit --email`); blank is none."""
    email = clean_optional_line(text, "email", 200)
    if email is not None and not _EMAIL.fullmatch(email):
        raise InvalidInput(f"email {email!r} is not an email address")
    return email


@dataclass(frozen=True)
class NewSchool:
    urn: str
    name: str
    type: str
    number_on_roll: int | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None
    laestab: str | None = None
    la_code: str | None = None
    phase: str | None = None


def add_school(ctx: Context, new: NewSchool) -> School:
    urn = check_urn(new.urn)
    # Column widths bound each field (billing/models/schools.py); pricing.text refuses control characters.
    name = clean_line(new.name, "school name", 200)
    if new.type not in SCHOOL_TYPES:
        raise InvalidInput(f"school type {new.type!r} must be one of {', '.join(SCHOOL_TYPES)}")
    if new.number_on_roll is not None and not 0 <= new.number_on_roll <= MAX_ROLL:
        raise InvalidInput(f"number on roll {new.number_on_roll} must be from 0 to {MAX_ROLL}")
    email = clean_school_email(new.email)
    if new.laestab is not None and not _LAESTAB.fullmatch(new.laestab):
        raise InvalidInput(f"LAESTAB {new.laestab!r} must be seven digits")
    la_code = new.la_code or (new.laestab[:3] if new.laestab else None)
    if ctx.session.scalar(select(School.id).where(School.urn == urn)) is not None:
        raise RuleViolation(f"a school with URN {urn} is already registered", code="duplicate_urn")
    school = School(
        urn=urn,
        name=name,
        type=new.type,
        number_on_roll=new.number_on_roll,
        email=email,
        address=clean_lines(new.address, "address", 400),
        postcode=clean_optional_line(new.postcode, "postcode", 10),
        laestab=new.laestab,
        la_code=la_code,
        phase=clean_optional_line(new.phase, "phase", 40),
        created_at=ctx.now,
    )
    ctx.session.add(school)
    ctx.session.flush()
    ctx.audit("school.add", "school", urn, {"name": name, "type": new.type})
    return school


def get_school(ctx: Context, urn: str) -> School:
    urn = check_urn(urn)
    school = ctx.session.scalar(select(School).where(School.urn == urn))
    if school is None:
        raise NotFound(f"no school with URN {urn}", code="unknown_school")
    return school


def list_schools(ctx: Context) -> list[School]:
    return list(ctx.session.scalars(select(School).order_by(School.name)))


def add_staff(ctx: Context, name: str, role: str, cost_per_hour: str, effective_from: date | None = None) -> Staff:
    clean = clean_line(name, "staff name", 120)
    role_clean = clean_line(role, "role", 80)
    cost = parse_money(cost_per_hour, "cost per hour")
    if ctx.session.scalar(select(Staff.id).where(Staff.name == clean)) is not None:
        raise RuleViolation(f"a member of staff called {clean!r} already exists", code="duplicate_staff")
    staff = Staff(name=clean, role=role_clean, created_at=ctx.now)
    ctx.session.add(staff)
    ctx.session.flush()
    # An open-ended first rate: past work is costed at it until a later rate takes over.
    ctx.session.add(StaffRate(staff_id=staff.id, effective_from=effective_from or date(2000, 1, 1),
                              cost_per_hour=cost))
    ctx.audit("staff.add", "staff", staff.id, {"name": clean, "role": role_clean, "cost_per_hour": cost})
    return staff


def get_staff(ctx: Context, name: str) -> Staff:
    staff = ctx.session.scalar(select(Staff).where(Staff.name == name.strip()))
    if staff is None:
        raise NotFound(f"no member of staff called {name!r}", code="unknown_staff")
    return staff


def rate_on(staff: Staff, day: date) -> Decimal:
    """The hourly cost in force on ``day`` (the latest rate that started on or before it)."""
    current: Decimal | None = None
    for rate in staff.rates:
        if rate.effective_from <= day:
            current = rate.cost_per_hour
    if current is None:
        raise NotFound(f"{staff.name} has no cost rate on {day.isoformat()}")
    return current
