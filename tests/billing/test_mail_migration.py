"""Schema 0008 (the mail outbox) on a database made before it, and a downgrade refused while it holds a message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, inspect

from billing.db import alembic_config, current_revision, head_revision, upgrade
from billing.mail_compose import MailSetup, compose
from billing.models.mail import MailMessage
from billing.outbox import NO_ADDRESS, list_messages
from billing.schools import get_school
from pricing.pricebook import parse_pricebook, sample_pricebook_text
from tests.support import database_at, insert_old_school, service_context


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at schema 0007 (before the outbox), holding one school."""
    with database_at(request.param, tmp_path, "0007", request) as engine:
        insert_old_school(engine, email=None)
        yield engine


def _record_one(engine: Engine) -> None:
    with service_context(engine, date(2025, 9, 1)) as ctx:
        school = get_school(ctx, "100279")
        composed = compose("statement", {"school": {"name": school.name, "urn": school.urn},
                                         "statement": {"start": "2025-09-01", "end": "2025-09-30", "balance": "£0.00"},
                                         "pay": {"link": None}},
                           parse_pricebook(sample_pricebook_text()).council, MailSetup())
        ctx.session.add(MailMessage(
            key="statement/100279/2025-09-01/2025-09-30/2025-09-01", school_id=school.id, kind="statement",
            recipients=[], sender=composed.sender, reply_to=composed.reply_to, subject=composed.subject,
            text_body=composed.text, html_body=composed.html, attachments=[], message_id=composed.message_id,
            status="failed", attempts=0, reply=NO_ADDRESS, created_at=ctx.now, actor="test"))


def test_0008_adds_the_outbox_to_a_database_already_in_use(old_engine: Engine) -> None:
    assert "mail_messages" not in inspect(old_engine).get_table_names()
    assert upgrade(old_engine) == head_revision()
    _record_one(old_engine)
    with service_context(old_engine, date(2025, 9, 1)) as ctx:
        assert [(m.kind, m.status) for m in list_messages(ctx, urn="100279")] == [("statement", "failed")]


def test_0008_downgrades_only_when_no_message_would_be_lost(old_engine: Engine) -> None:
    upgrade(old_engine)
    _record_one(old_engine)
    with pytest.raises(RuntimeError, match="^cannot downgrade: mail_messages holds 1 message, which revision "
                                           "0007 has nowhere to keep$"):
        command.downgrade(alembic_config(old_engine), "0007")
    assert current_revision(old_engine) == head_revision()  # refused in one transaction: still at the head
    with old_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM mail_messages"))
    command.downgrade(alembic_config(old_engine), "0007")
    assert current_revision(old_engine) == "0007"
    assert "mail_messages" not in inspect(old_engine).get_table_names()
    assert upgrade(old_engine) == head_revision()
