"""Find one record or refuse: the "not found" every command gives for a wrong id, number or URN."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from pricing.errors import NotFound

T = TypeVar("T")


def get_or_refuse(session: Session, model: type[T], message: str, code: str, *,
                  key: object = None, **where: Any) -> T:
    """The row of ``model`` with primary key ``key``, or the one matching ``where`` (column=value).

    Refuses with ``NotFound(message, code)`` when there is none, so each command
    names the record the user asked for in one line.
    """
    if key is not None:
        found = session.get(model, key)
    else:
        found = session.scalar(select(model).filter_by(**where))
    if found is None:
        raise NotFound(message, code=code)
    return found
