"""Declarative base with constraint names Alembic can rely on."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Index, MetaData, text
from sqlalchemy.orm import DeclarativeBase

from contracts.states import values

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def one_of(column: str, kind: type[StrEnum]) -> str:
    """A CHECK constraint's text holding ``column`` to the stored words of a state kind (contracts.states)."""
    words = ",".join(f"'{word}'" for word in values(kind))
    return f"{column} IN ({words})"


def optional_ref_index(table: str, column: str) -> Index:
    """An index on an optional reference (a charge's case or order, say), over the rows that have one.

    Most charges have no case, order or session. A full index would be mostly
    NULLs, and SQLite's planner, reading statistics gathered while the column
    was nearly all NULL, then scans the table (a school statement took 40 ms
    instead of 15 at 22,000 schools). A lookup by value (= or IN) implies
    IS NOT NULL, so SQLite and PostgreSQL both use the partial index.
    """
    where = text(f"{column} IS NOT NULL")
    return Index(f"ix_{table}_{column}", column, sqlite_where=where, postgresql_where=where)


OPTIONAL_REFERENCES = {
    "sessions": ("case_id", "order_id"),
    "charges": ("subscription_id", "order_id", "case_id", "session_id", "late_invoice_id"),
    "invoices": ("corrects_id",),
}
"""The optional references indexed by :func:`optional_ref_index` (migration 0002 made them partial)."""
