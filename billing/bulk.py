"""Inserting many rows at once: the ledger's bulk path (bill runs, interest runs, audit).

On PostgreSQL, a multi-row ``INSERT ... VALUES`` carries one placeholder per
value, and psycopg rewrites every placeholder of a statement that long in
Python before sending it; a national bill run spent about a third of its time
there. So PostgreSQL gets ``COPY ... FROM STDIN`` instead, whose rows psycopg
formats in compiled code. COPY returns nothing, so the new rows' ids are taken
from the table's own sequence first (``nextval``, safe under concurrent
writers) and written with the rows, when the caller needs them. Every value still goes through its
column's own type (exact decimals, UTC instants) before it is sent, so what
lands in the table is what any other insert would store. Other backends use
SQLAlchemy's batched multi-row insert.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, Table, any_, bindparam, cast, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from billing.models import Base

IN_CHUNK = 900
"""Values per :func:`among` test that callers send at once (SQLite takes a bounded number of parameters)."""


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter instead of hundreds.

    psycopg rewrites every placeholder of a statement in Python, so a bill run's
    IN lists of 900 ids cost more to send than to run.
    """
    if session.get_bind().dialect.name == "postgresql":
        array = ARRAY(column.type)
        return column == any_(cast(bindparam("among", list(values), type_=array, unique=True), array))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]], *,
                key: str | None = None) -> list[int]:
    """Insert ``rows`` (all with the same keys) into ``model``'s table in the session's transaction.

    With ``key`` (a unique column of the rows), the new rows' ids come back in
    the order of ``rows``; without it, nothing does.
    """
    if not rows:
        return []
    table = model.__table__
    assert isinstance(table, Table)
    names = list(rows[0])
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"rows for {table.name} must all have the same columns")
    if session.get_bind().dialect.name == "postgresql":
        return _copy_rows(session, table, names, rows, with_ids=key is not None)
    options = {"render_nulls": True}  # None as NULL, so rows with and without a value share one statement
    if key is None:
        session.execute(insert(model), list(rows), execution_options=options)
        return []
    # Matched back by the unique key: asking for parameter order would make SQLite insert row by row.
    returned = dict(session.execute(insert(model).returning(table.c[key], table.c.id), list(rows),
                                    execution_options=options).all())
    return [returned[row[key]] for row in rows]


def _copy_rows(session: Session, table: Table, names: list[str], rows: Sequence[Mapping[str, Any]],
               with_ids: bool) -> list[int]:
    connection = session.connection()
    dialect = connection.dialect
    ids: list[int] = []
    if with_ids:
        ids = list(connection.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        ))
    # Only columns whose type changes the value on the way in need a call per row.
    first = 1 if with_ids else 0
    converters = [(col, convert) for col, name in enumerate(names, start=first)
                  if (convert := _converter(table, name, dialect)) is not None]
    quoted = [dialect.identifier_preparer.quote(name) for name in names]
    columns = ", ".join(["id", *quoted] if with_ids else quoted)
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for at, row in enumerate(rows):
            values = [ids[at], *pick(row)] if with_ids else list(pick(row))
            for col, convert in converters:
                values[col] = convert(values[col])
            copy.write_row(values)
    return ids


def _converter(table: Table, name: str, dialect: Any) -> Callable[[Any], Any] | None:
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return _json_dumper()  # None becomes a JSON null, as SQLAlchemy stores it in a JSON column
    return column_type.dialect_impl(dialect).bind_processor(dialect)


_NOTHING = object()


def _json_dumper() -> Callable[[Any], str]:
    """json.dumps, remembering the last document: a batch of invoices shares one supplier snapshot."""
    last: list[Any] = [_NOTHING, ""]

    def dump(value: Any) -> str:
        if value is not last[0]:
            last[0], last[1] = value, json.dumps(value)
        return str(last[1])

    return dump
