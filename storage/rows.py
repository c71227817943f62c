"""Objects for rows that a transaction wrote itself with a Core INSERT.

Through the unit of work, one new row (add, flush) took 2.5 (PostgreSQL) to 4.7 (SQLite) times
the CPU of its INSERT alone, and SQLModel's ``__init__`` sets every field through the
instrumentation one by one (about a tenth of a turn batch's CPU for outbox rows). So the turn
path writes its rows with Core statements, and the objects it still needs (the reporter of a
first message, a filed ticket, the outbox rows a sender is handed) are built here as the ORM
builds the ones it loads: state set directly, then joined to the session as persistent and
clean, so a later change to one is written like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class
from sqlmodel import Session, SQLModel

M = TypeVar("M", bound=SQLModel)


class RowObjects(Generic[M]):
    """Rows of one table model as loaded objects."""

    def __init__(self, model: type[M]) -> None:
        self._manager = manager_of_class(model)
        keys = {c.name for c in model.__table__.primary_key.columns}  # type: ignore[attr-defined]
        # The model's plain defaults, for the fields an INSERT leaves out; never the primary
        # key, which the database assigns.
        self.defaults: dict[str, Any] = {
            name: info.default
            for name, info in model.model_fields.items()
            if name not in keys and not info.is_required() and info.default_factory is None
        }

    def complete(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with the model's default for every field they leave out: a whole row,
        for the INSERT and for the object alike."""
        return {**self.defaults, **values}

    def build(self, values: Mapping[str, Any]) -> M:
        """An object holding the row's values, not yet in a session."""
        row: M = self._manager.new_instance()
        row.__dict__.update(self.complete(values))
        return row

    def attach(self, session: Session, row: M) -> M:
        """Join the session as a row it loaded (its primary key must be set by now)."""
        make_transient_to_detached(row)
        session.add(row)
        return row

    def loaded(self, session: Session, values: Mapping[str, Any]) -> M:
        """``build`` and ``attach``: the object of a row just inserted, primary key included."""
        return self.attach(session, self.build(values))
