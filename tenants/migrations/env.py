"""Alembic environment wired to tenants' metadata and DATABASE_URL."""
from alembic import context

import tenants.models  # noqa: F401  (registers every table)
from tenants.db import Base, make_engine
from tenants.settings import load_settings

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Write our UTC datetime type as a plain DateTime, so revisions never import app code."""
    from tenants.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def database_url() -> str:
    return config.attributes.get("database_url") or load_settings().database_url


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"), compare_type=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=url.startswith("sqlite"), compare_type=True,
                              render_item=render_item)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
