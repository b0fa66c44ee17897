"""Alembic environment: runs on the connection PeerLine hands it (see db.migrate)."""

from alembic import context

from service.adapters.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
