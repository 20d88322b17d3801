"""Alembic environment: the schema is `routing`'s metadata; the connection comes from `Database`."""

from alembic import context

from routing.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
context.run_migrations()
