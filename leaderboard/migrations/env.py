"""Alembic environment: runs on the connection that :func:`rigorgym.leaderboard.store.migrate` passes in.

There is no alembic.ini: the server migrates its own database on start, so an
operator never runs alembic by hand (``rigorgym leaderboard migrate`` exists
for deployments that prefer to migrate before starting).
"""

from __future__ import annotations

from alembic import context
from rigorgym.leaderboard.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
