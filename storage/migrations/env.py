"""Alembic environment: migrations run on the engine handed over by ``storage.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storage.models  # noqa: F401  (registers the tables on the metadata)
from storage.models import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
            compare_type=False,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
