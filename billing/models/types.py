"""Column types that keep money exact, instants in UTC and JSON typed on every backend.

SQLite has no exact decimal type (SQLAlchemy would round-trip NUMERIC through
float), so on SQLite amounts are stored as scaled integers (pence, hundredths
of an hour); PostgreSQL gets real NUMERIC columns. Either way Python sees
``Decimal`` and never ``float``.

A JSON column may hold a pydantic model (:class:`ModelJSON`): stored as the
JSON it dumps, read back as the model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from pricing.money import MONEY_PRECISION, MONEY_SCALE

ModelT = TypeVar("ModelT", bound=BaseModel)


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


class ModelJSON(TypeDecorator[ModelT]):
    """A JSON column holding one pydantic model: the JSON of its fields that were set, read back as the model.

    Only the keys the model was given are written (``exclude_unset``), money and
    dates as text, so a value read from an older row and written again is the
    same JSON. A plain dict is read as the model first, so nothing the model
    could not read back is ever stored.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, model: type[ModelT]) -> None:
        super().__init__()
        self.model = model

    def __repr__(self) -> str:
        return f"ModelJSON({self.model.__name__})"

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            value = self.model.model_validate(value)
        if not isinstance(value, self.model):
            raise TypeError(f"a {self.model.__name__} column cannot store {type(value).__name__}")
        return value.model_dump(mode="json", exclude_unset=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> ModelT | None:
        if value is None:
            return None
        return self.model.model_validate(value)
