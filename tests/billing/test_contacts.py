"""A school's contacts (issue 15's `school edit … contacts`, issue 17's first bullet): dated, never deleted,
audited; documents go to the finance contacts, else the school's own email."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from billing.contacts import (
    NewContact,
    add_contact,
    check_role,
    current_contacts,
    finance_recipients,
    list_contacts,
    remove_contact,
)
from billing.models import AuditEntry, SchoolContact
from billing.schools import NewSchool, add_school, get_school
from pricing.errors import InvalidInput, NotFound, RuleViolation
from tests.support import service_context, table_dump

URN, OTHER = "100279", "138522"


@pytest.fixture
def schools(engine: Engine) -> Engine:
    with service_context(engine, date(2025, 7, 1)) as ctx:
        add_school(ctx, NewSchool(urn=URN, name="Stoke Newington School", type="maintained",
                                  email="office@stokenewington.example"))
        add_school(ctx, NewSchool(urn=OTHER, name="Clapton Girls' Academy", type="academy"))
    return engine


def add(engine: Engine, day: date, urn: str, name: str, role: str, email: str, phone: str | None = None) -> int:
    with service_context(engine, day) as ctx:
        return add_contact(ctx, NewContact(urn=urn, name=name, role=role, email=email, phone=phone)).id


def recipients(engine: Engine, day: date, urn: str = URN) -> list[str]:
    with service_context(engine, day) as ctx:
        return finance_recipients(ctx, get_school(ctx, urn))


def test_roles_are_a_fixed_list_read_case_blind() -> None:
    assert [check_role(r) for r in ("finance", " Head ", "Business manager", "business-manager", "SENCo")] == [
        "finance", "head", "business_manager", "business_manager", "senco"]
    for bad in ("pupil", "bursar", "finance head", ""):
        with pytest.raises(InvalidInput):
            check_role(bad)


def test_documents_go_to_the_finance_contacts_else_the_schools_own_email(schools: Engine) -> None:
    assert recipients(schools, date(2025, 9, 1)) == ["office@stokenewington.example"]
    assert recipients(schools, date(2025, 9, 1), OTHER) == []  # no contact, no email: nowhere to send
    add(schools, date(2025, 9, 1), URN, "Tom Reid", "head", "head@stokenewington.example")
    assert recipients(schools, date(2025, 9, 1)) == ["office@stokenewington.example"]  # a head is not finance
    ann = add(schools, date(2025, 9, 1), URN, "Ann Smith", "finance", "Ann.Smith@StokeNewington.example")
    add(schools, date(2025, 9, 2), URN, "Accounts", "finance", "accounts@stokenewington.example", "020 7946 0000")
    add(schools, date(2025, 9, 2), URN, "Ann Smith", "business manager", "ann.smith@stokenewington.example")
    assert recipients(schools, date(2025, 9, 1)) == ["Ann.Smith@stokenewington.example"]
    assert recipients(schools, date(2025, 9, 2)) == ["Ann.Smith@stokenewington.example",
                                                     "accounts@stokenewington.example"]
    with service_context(schools, date(2025, 10, 1)) as ctx:
        remove_contact(ctx, ann, "Left the school")
    assert recipients(schools, date(2025, 9, 30)) == ["Ann.Smith@stokenewington.example",
                                                      "accounts@stokenewington.example"]
    assert recipients(schools, date(2025, 10, 1)) == ["accounts@stokenewington.example"]


def test_one_address_is_sent_once_however_it_was_typed(schools: Engine) -> None:
    add(schools, date(2025, 9, 1), URN, "Ann Smith", "finance", "ann@stokenewington.example")
    with service_context(schools, date(2025, 9, 1)) as ctx:
        # Two finance contacts sharing an address (a race, or typed with other capitals before the check).
        ctx.session.add(SchoolContact(school_id=get_school(ctx, URN).id, name="Ann S", role="finance",
                                      email="ANN@stokenewington.example", added_on=date(2025, 9, 1), created_at=ctx.now))
    assert recipients(schools, date(2025, 9, 1)) == ["ann@stokenewington.example"]


def test_a_removed_contact_is_kept_dated_and_both_changes_are_audited(schools: Engine) -> None:
    ann = add(schools, date(2025, 9, 1), URN, "Ann Smith", "finance", "ann@stokenewington.example", "020 7946 0000")
    with service_context(schools, date(2025, 10, 1), actor="finance.officer") as ctx:
        removed = remove_contact(ctx, ann, " Left the school ")
        assert (removed.added_on, removed.removed_on) == (date(2025, 9, 1), date(2025, 10, 1))
    with service_context(schools, date(2025, 10, 1)) as ctx:
        kept = ctx.session.get(SchoolContact, ann)
        assert kept is not None and kept.removed_on == date(2025, 10, 1)
        assert current_contacts(ctx, get_school(ctx, URN)) == []
        assert [c.id for c in list_contacts(ctx, URN, include_removed=True)] == [ann]
        audit = [(a.actor, a.action, a.entity, a.entity_id, a.reason, a.detail) for a in ctx.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("school.contact%")).order_by(AuditEntry.id))]
    record = {"name": "Ann Smith", "role": "finance", "email": "ann@stokenewington.example", "phone": "020 7946 0000",
              "added_on": "2025-09-01", "removed_on": None}
    assert audit == [
        ("test", "school.contact_add", "school", URN, None, {"contact": ann, "before": None, "after": record}),
        ("finance.officer", "school.contact_remove", "school", URN, "Left the school",
         {"contact": ann, "before": record, "after": {**record, "removed_on": "2025-10-01"}}),
    ]


def test_contacts_are_current_from_the_day_added_to_the_day_removed(schools: Engine) -> None:
    ann = add(schools, date(2025, 9, 1), URN, "Ann Smith", "finance", "ann@stokenewington.example")
    add(schools, date(2025, 9, 1), OTHER, "Jo Bell", "senco", "senco@clapton.example")
    add(schools, date(2025, 9, 5), URN, "Tom Reid", "head", "head@stokenewington.example")
    with service_context(schools, date(2025, 10, 1)) as ctx:
        remove_contact(ctx, ann)

    def listed(day: date, *args: object, **kwargs: object) -> list[str]:
        with service_context(schools, day) as ctx:
            return [c.name for c in list_contacts(ctx, *args, **kwargs)]  # type: ignore[arg-type]

    assert listed(date(2025, 8, 31)) == []
    # By school name (Clapton before Stoke Newington), then in the order added.
    assert listed(date(2025, 9, 1)) == ["Jo Bell", "Ann Smith"]
    assert listed(date(2025, 9, 30)) == ["Jo Bell", "Ann Smith", "Tom Reid"]
    assert listed(date(2025, 10, 1)) == ["Jo Bell", "Tom Reid"]
    assert listed(date(2025, 10, 1), include_removed=True) == ["Jo Bell", "Ann Smith", "Tom Reid"]
    assert listed(date(2025, 10, 1), URN, include_removed=True) == ["Ann Smith", "Tom Reid"]
    assert listed(date(2025, 9, 30), None, "finance") == ["Ann Smith"]
    assert listed(date(2025, 9, 30), URN, "SENCo") == []
    assert listed(date(2025, 9, 30), OTHER, "senco") == ["Jo Bell"]


@pytest.mark.parametrize(("new", "error", "code"), [
    (NewContact("999999", "Ann Smith", "finance", "ann@school.example"), NotFound, "unknown_school"),
    (NewContact("10027", "Ann Smith", "finance", "ann@school.example"), InvalidInput, "bad_urn"),
    (NewContact(URN, "  ", "finance", "ann@school.example"), InvalidInput, "invalid_input"),
    (NewContact(URN, "A" * 121, "finance", "ann@school.example"), InvalidInput, "invalid_input"),
    (NewContact(URN, "Ann\x1b[31mSmith", "finance", "ann@school.example"), InvalidInput, "bad_text"),
    (NewContact(URN, "Ann Smith", "pupil", "ann@school.example"), InvalidInput, "bad_role"),
    (NewContact(URN, "Ann Smith", "finance", "ann@school"), InvalidInput, "bad_email"),
    (NewContact(URN, "Ann Smith", "finance", "ann@school.example, tom@school.example"), InvalidInput, "bad_email"),
    (NewContact(URN, "Ann Smith", "finance", "ann@school.example", "ask at the office"), InvalidInput, "bad_phone"),
    (NewContact(URN, "Ann Smith", "finance", "ANN@Stokenewington.example"), RuleViolation, "duplicate_contact"),
])
def test_bad_contacts_are_refused_and_write_nothing(schools: Engine, new: NewContact, error: type[Exception],
                                                    code: str) -> None:
    add(schools, date(2025, 9, 1), URN, "Ann Smith", "finance", "ann@stokenewington.example")
    before = table_dump(schools)
    with pytest.raises(error) as refused, service_context(schools, date(2025, 9, 2)) as ctx:
        add_contact(ctx, new)
    assert refused.value.code == code  # type: ignore[attr-defined]
    assert table_dump(schools) == before


def test_a_removal_is_refused_twice_before_the_contact_was_added_or_for_no_contact(schools: Engine) -> None:
    ann = add(schools, date(2025, 9, 1), URN, "Ann Smith", "finance", "ann@stokenewington.example")
    before = table_dump(schools)
    for day, contact_id, reason, code in ((date(2025, 8, 31), ann, None, "before_added"),
                                          (date(2025, 9, 2), 99, None, "unknown_contact"),
                                          (date(2025, 9, 2), ann, "Left\nJamie Smith, Year 4", "bad_text"),
                                          (date(2025, 9, 2), ann, "x" * 501, "invalid_input")):
        with pytest.raises((RuleViolation, NotFound, InvalidInput)) as refused, service_context(schools, day) as ctx:
            remove_contact(ctx, contact_id, reason)
        assert refused.value.code == code
    assert table_dump(schools) == before
    with service_context(schools, date(2025, 9, 1)) as ctx:  # the day it was added: never current
        remove_contact(ctx, ann)
    with pytest.raises(RuleViolation, match="^contact 1 \\(Ann Smith\\) was already removed on 2025-09-01$"), \
            service_context(schools, date(2025, 9, 2)) as ctx:
        remove_contact(ctx, ann)
