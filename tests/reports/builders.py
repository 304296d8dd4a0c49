"""A small hand-built year, written straight through the ORM models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

from billing.context import Context
from billing.models import Case, Charge, Invoice, InvoiceLine, Order, School, Session, Staff, StaffRate
from billing.pricebooks import load_pricebook
from pricing.clock import parse_london
from pricing.pricebook import sample_pricebook_text

NOW = datetime(2019, 7, 1, 12, 0, tzinfo=UTC)
_seq = count(1)


def pricebook(ctx: Context) -> None:
    load_pricebook(ctx, sample_pricebook_text(), "sample")


def school(ctx: Context, urn: str = "100279", name: str = "Stoke Newington School") -> School:
    s = School(urn=urn, name=name, type="academy", created_at=NOW)
    ctx.session.add(s)
    ctx.session.flush()
    return s


def staff(ctx: Context, name: str, role: str, rate: str, since: date = date(2000, 1, 1)) -> Staff:
    member = Staff(name=name, role=role, created_at=NOW)
    ctx.session.add(member)
    ctx.session.flush()
    ctx.session.add(StaffRate(staff_id=member.id, effective_from=since, cost_per_hour=Decimal(rate)))
    ctx.session.flush()
    return member


def case(ctx: Context, school_: School, ref: str, covered: bool, year: int = 2019,
         referred: date = date(2019, 9, 20)) -> Case:
    c = Case(school_id=school_.id, ref=ref, academic_year=year, referred_on=referred, covered=covered,
             created_at=NOW)
    ctx.session.add(c)
    ctx.session.flush()
    return c


def order(ctx: Context, school_: School, covered: bool = True, year: int = 2019) -> Order:
    o = Order(school_id=school_.id, item_code="whole_class_block", quantity=1, academic_year=year,
              ordered_on=date(2019, 9, 2), covered=covered, unit_price=Decimal("0.00"), price=Decimal("0.00"),
              created_at=NOW)
    ctx.session.add(o)
    ctx.session.flush()
    return o


def session(ctx: Context, member: Staff, at: str, hours: str, *, case_: Case | None = None,
            order_: Order | None = None, status: str = "delivered") -> Session:
    s = Session(case_id=case_.id if case_ else None, order_id=order_.id if order_ else None, staff_id=member.id,
                service_code="casework", starts_at=parse_london(at), planned_hours=Decimal(hours),
                delivered_hours=Decimal(hours) if status != "scheduled" else None, status=status, created_at=NOW)
    ctx.session.add(s)
    ctx.session.flush()
    return s


def charge(ctx: Context, school_: School, kind: str, amount: str, *, case_: Case | None = None,
           start: date | None = None, end: date | None = None, due: date = date(2019, 9, 1)) -> Charge:
    c = Charge(school_id=school_.id, kind=kind, source_key=f"test/{next(_seq)}", case_id=case_.id if case_ else None,
               service_code=kind, description=f"{kind} charge", period_start=start, period_end=end, due_on=due,
               quantity=Decimal("1"), unit_price=Decimal(amount), amount=Decimal(amount), vat_code="S",
               created_at=NOW)
    ctx.session.add(c)
    ctx.session.flush()
    return c


def invoice(ctx: Context, school_: School, issued: date, charges: list[Charge], *, vat: bool = True) -> Invoice:
    n = next(_seq)
    lines = []
    for c in charges:
        v = (c.amount * Decimal("0.20")).quantize(Decimal("0.01")) if vat else Decimal("0.00")
        lines.append((c, v))
    net = sum((c.amount for c, _ in lines), Decimal("0.00"))
    tax = sum((v for _, v in lines), Decimal("0.00"))
    inv = Invoice(kind="invoice", number=f"INV-{n:06d}", series="INV", seq=n, school_id=school_.id,
                  issued_on=issued, tax_point=issued, due_on=issued, customer={}, supplier={}, net=net, vat=tax,
                  total=net + tax, created_at=NOW, actor="test")
    ctx.session.add(inv)
    ctx.session.flush()
    for pos, (c, v) in enumerate(lines, start=1):
        ctx.session.add(InvoiceLine(invoice_id=inv.id, position=pos, charge_id=c.id, service_code=c.service_code,
                                    description=c.description, period_start=c.period_start,
                                    period_end=c.period_end, quantity=c.quantity, unit_price=c.unit_price,
                                    net=c.amount, vat_code="S", vat_rate=Decimal("20.00"), vat=v,
                                    total=c.amount + v))
    ctx.session.flush()
    return inv


def credit_note(ctx: Context, original: Invoice, issued: date, net: str) -> Invoice:
    n = next(_seq)
    amount = Decimal(net)
    v = (amount * Decimal("0.20")).quantize(Decimal("0.01"))
    note = Invoice(kind="credit_note", number=f"CN-{n:06d}", series="CN", seq=n, school_id=original.school_id,
                   corrects_id=original.id, issued_on=issued, tax_point=issued, due_on=None, customer={},
                   supplier={}, net=amount, vat=v, total=amount + v, created_at=NOW, actor="test")
    ctx.session.add(note)
    ctx.session.flush()
    first = ctx.session.query(InvoiceLine).filter_by(invoice_id=original.id, position=1).one()
    ctx.session.add(InvoiceLine(invoice_id=note.id, position=1, charge_id=None, corrects_line_id=first.id,
                                service_code=first.service_code, description="Credit: " + first.description,
                                period_start=first.period_start, period_end=first.period_end,
                                quantity=Decimal("1"), unit_price=amount, net=amount, vat_code="S",
                                vat_rate=Decimal("20.00"), vat=v, total=amount + v))
    ctx.session.flush()
    return note


# --- through the services: contracts, bill runs and cancellations as the engine makes them ---------


def maintained_school(ctx: Context, urn: str, name: str, roll: int = 500) -> School:
    """One of the council's own schools (VAT O: net = gross); roll 500 is the smallest fee band."""
    from billing.schools import NewSchool, add_school

    return add_school(ctx, NewSchool(urn=urn, name=name, type="maintained", number_on_roll=roll,
                                     laestab=f"204{urn[-4:]}"))


def subscribe(ctx: Context, urn: str, start: date, schedule: str, tier: str = "premium") -> int:
    from billing.subscriptions import add_subscription

    return add_subscription(ctx, urn, tier, start, schedule).id


def bill(ctx: Context) -> None:
    """A bill run on the context's as-of date: everything due is invoiced."""
    from billing.bill_run import bill_run

    bill_run(ctx)
