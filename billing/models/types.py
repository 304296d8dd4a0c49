"""Column types that keep money exact and instants in UTC on every backend.

SQLite has no exact decimal type (SQLAlchemy would round-trip NUMERIC through
float), so on SQLite amounts are stored as scaled integers (pence, hundredths
of an hour); PostgreSQL gets real NUMERIC columns. Either way Python sees
``Decimal`` and never ``float``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from pricing.money import MONEY_PRECISION, MONEY_SCALE


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(precision, scale) on PostgreSQL; a scaled BIGINT on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 12, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)
        self._factor = Decimal(10) ** scale
        self._limit = Decimal(10) ** (precision - scale)  # NUMERIC(p, s) holds less than this

    def __repr__(self) -> str:
        return f"ExactDecimal({self.precision}, {self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("refusing to store a float in an exact decimal column")
        exact = Decimal(value)
        if exact != exact.quantize(self._unit):
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if abs(exact) >= self._limit:  # SQLite's integers would take it; NUMERIC(p, s) would not
            raise ValueError(f"{value} does not fit NUMERIC({self.precision},{self.scale})")
        if dialect.name == "sqlite":
            return int(exact * self._factor)
        return exact.quantize(self._unit)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):  # only reachable through hand-written SQL arithmetic
                raise TypeError("exact decimal column came back as a float")
            return (Decimal(int(value)) / self._factor).quantize(self._unit)
        return Decimal(value).quantize(self._unit)


def Money() -> ExactDecimal:  # noqa: N802 - reads like a type in column declarations
    """NUMERIC(12,2): the bound pricing.money.MAX_AMOUNT, which the money parser enforces."""
    return ExactDecimal(MONEY_PRECISION, MONEY_SCALE)


def Hours() -> ExactDecimal:  # noqa: N802
    return ExactDecimal(8, 2)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: stored as UTC (timestamptz on PostgreSQL), returned aware in UTC."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime(timezone=False))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime as an instant")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return cast(datetime, value.replace(tzinfo=UTC))
        return cast(datetime, value.astimezone(UTC))
