from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from billing.db import current_revision, ensure_schema, head_revision, make_engine
from billing.models import Base, Charge, School
from pricing.errors import TradedError
from tests.support import service_context


def test_migrations_build_exactly_the_schema_the_models_describe(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert current_revision(engine) == head_revision()


def test_money_round_trips_exactly_and_refuses_floats(engine: Engine) -> None:
    with service_context(engine, date(2019, 9, 1)) as ctx:
        school = School(urn="100279", name="A", type="maintained", created_at=ctx.now)
        ctx.session.add(school)
        ctx.session.flush()
        ctx.session.add(Charge(
            school_id=school.id, kind="order", source_key="k1", service_code="x", description="d",
            due_on=date(2019, 9, 1), quantity=Decimal("2.50"), unit_price=Decimal("0.10"),
            amount=Decimal("1234567890.99"), vat_code="S", created_at=ctx.now,
        ))
    with service_context(engine, date(2019, 9, 1)) as ctx:
        charge = ctx.session.scalars(select(Charge)).one()
        assert charge.amount == Decimal("1234567890.99") and isinstance(charge.amount, Decimal)
        assert charge.quantity == Decimal("2.50")
        assert charge.created_at.tzinfo is not None and charge.created_at.utcoffset().total_seconds() == 0
    with pytest.raises(Exception, match="float"), service_context(engine, date(2019, 9, 1)) as ctx:
        ctx.session.add(Charge(
            school_id=1, kind="order", source_key="k2", service_code="x", description="d",
            due_on=date(2019, 9, 1), quantity=Decimal("1"), unit_price=Decimal("1"),
            amount=1.1, vat_code="S", created_at=datetime(2019, 9, 1, tzinfo=UTC),  # type: ignore[arg-type]
        ))
        ctx.session.flush()


def test_an_empty_database_is_migrated_on_first_use(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_schema(engine)
    assert "schools" in inspect(engine).get_table_names()
    assert current_revision(engine) == head_revision()


def test_a_database_behind_the_code_is_refused_not_silently_migrated(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0001')")
    with pytest.raises(TradedError, match="traded db upgrade"):
        ensure_schema(engine)


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _index_sql(engine: Engine, name: str) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return str(conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar())
        return str(conn.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %(n)s", {"n": name})
                   .scalar())


def test_indexes_on_optional_references_cover_only_rows_that_have_one(engine: Engine) -> None:
    from alembic import command

    from billing.db import alembic_config
    from billing.models.base import OPTIONAL_REFERENCES

    names = [f"ix_{table}_{column}" for table, columns in OPTIONAL_REFERENCES.items() for column in columns]
    assert len(names) == 8
    for name in names:
        assert "IS NOT NULL" in _index_sql(engine, name), name
    command.downgrade(alembic_config(engine), "0001")
    assert "IS NOT NULL" not in _index_sql(engine, "ix_charges_case_id")
    command.upgrade(alembic_config(engine), "head")
    assert "IS NOT NULL" in _index_sql(engine, "ix_charges_case_id")
    assert current_revision(engine) == head_revision()


def test_0002_also_upgrades_a_database_made_before_the_charge_reference_indexes(engine: Engine) -> None:
    from alembic import command

    from billing.db import alembic_config

    command.downgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        for name in ("ix_charges_case_id", "ix_charges_order_id", "ix_charges_session_id"):
            conn.exec_driver_sql(f"DROP INDEX {name}")
    command.upgrade(alembic_config(engine), "head")
    assert "IS NOT NULL" in _index_sql(engine, "ix_charges_case_id")


def test_the_cheap_reading_of_the_migrations_folder_agrees_with_alembic() -> None:
    """Commands check the schema without importing Alembic: the revisions they read must be Alembic's own."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from billing.db import MIGRATIONS, shipped_revisions

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert shipped_revisions() == {rev.revision: rev.down_revision for rev in script.walk_revisions()}
    assert head_revision() == script.get_current_head()


def test_everyday_read_commands_import_no_alembic_pdf_or_price_book(tmp_path) -> None:
    """school list, invoice list and statement on screen start without Alembic or fpdf (bench/everyday.py).

    pydantic is loaded by every command since issue 16: settings are read once, by
    pydantic-settings, and charge details and document snapshots are typed records.
    """
    import subprocess
    import sys

    from tests.support import run_cli

    url = f"sqlite:///{tmp_path / 'current.db'}"
    ensure_schema(make_engine(url))
    assert run_cli(url, "school", "add", "--urn", "100279", "--name", "A", "--type", "academy").exit_code == 0
    probe = ("import sys; from cli.main import main\n"
             "try:\n    main(['--db', sys.argv[1], *sys.argv[2:]])\nexcept SystemExit as exc:\n"
             "    assert not exc.code, exc.code\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'fpdf'}))")
    for command in (["school", "list"], ["invoice", "list"], ["statement", "100279"]):
        out = subprocess.run([sys.executable, "-c", probe, url, *command], capture_output=True, text=True,
                             check=True).stdout
        assert out.strip().splitlines()[-1] == "[]", command
