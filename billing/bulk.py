"""Inserting many rows at once: the ledger's bulk path (bill runs, interest runs, audit).

On PostgreSQL, a multi-row ``INSERT ... VALUES`` carries one placeholder per
value, and psycopg rewrites every placeholder of a statement that long in
Python before sending it; a national bill run spent about a third of its time
there. So PostgreSQL gets ``COPY ... FROM STDIN`` instead, whose rows psycopg
formats in compiled code. COPY returns nothing, so when the caller needs the
new rows' ids they are taken from the table's own sequence first (``nextval``,
safe under concurrent writers) and written with the rows. SQLite gets the
driver's own executemany, ids counted on from the highest under the write
lock. Either way every value goes through its column's own type (exact
decimals, UTC instants, JSON) first, so what lands in the table is what any
other insert would store, without SQLAlchemy's per-row bookkeeping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import JSON, ColumnElement, Connection, Table, any_, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from billing.models import Base

T = TypeVar("T")

IN_CHUNK = 900
"""Values per :func:`among` test that callers send at once (SQLite takes a bounded number of parameters)."""


def chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices of :data:`IN_CHUNK`, one :func:`among` test each."""
    for at in range(0, len(values), IN_CHUNK):
        yield values[at:at + IN_CHUNK]


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
                return_ids: bool = False) -> list[int]:
    """Insert ``rows`` (all with the same keys) into ``model``'s table in the session's transaction.

    With ``return_ids``, the new rows' ids come back in the order of ``rows``.
    """
    if not rows:
        return []
    table = model.__table__
    assert isinstance(table, Table)
    names = list(rows[0])
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"rows for {table.name} must all have the same columns")
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        ids = list(connection.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        )) if return_ids else []
        _copy(connection, table, (["id"] if ids else []) + names, _values(connection, table, names, rows, ids))
        return ids
    if dialect == "sqlite":
        # Every write transaction holds SQLite's write lock from its start (BEGIN IMMEDIATE,
        # billing.db), so no one else can take the ids after the current highest meanwhile.
        ids = []
        if return_ids:
            highest = connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))
            ids = list(range(highest + 1, highest + 1 + len(rows)))
        columns = (["id"] if ids else []) + names
        sql = (f"INSERT INTO {table.name} ({', '.join(_quoted(connection, columns))}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        connection.exec_driver_sql(sql, [tuple(values) for values in _values(connection, table, names, rows, ids)])
        return ids
    raise NotImplementedError(f"bulk inserts are written for PostgreSQL and SQLite, not {dialect}")


def _values(connection: Connection, table: Table, names: list[str], rows: Sequence[Mapping[str, Any]],
            ids: list[int]) -> Iterator[list[Any]]:
    """Each row's values in column order (id first when given), each through its column's own type."""
    first = 1 if ids else 0
    # Only columns whose type changes the value on the way in need a call per row.
    converters = [(col, convert) for col, name in enumerate(names, start=first)
                  if (convert := _converter(table, name, connection.dialect)) is not None]
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    for at, row in enumerate(rows):
        values = [ids[at], *pick(row)] if ids else list(pick(row))
        for col, convert in converters:
            values[col] = convert(values[col])
        yield values


def _copy(connection: Connection, table: Table, columns: list[str], values: Iterator[list[Any]]) -> None:
    listed = ", ".join(_quoted(connection, columns))
    raw = connection.connection.driver_connection
    assert raw is not None
    statement = f"COPY {table.name} ({listed}) FROM STDIN"
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except raw.Error as exc:
        # The driver's own error, as SQLAlchemy would have raised it (IntegrityError for a duplicate key).
        raise DBAPIError.instance(statement, None, exc, type(raw).Error, dialect=connection.dialect) from exc


def _quoted(connection: Connection, names: list[str]) -> list[str]:
    return [connection.dialect.identifier_preparer.quote(name) for name in names]


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
