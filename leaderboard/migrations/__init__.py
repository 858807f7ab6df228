"""Alembic migrations of the leaderboard schema (run by :func:`rigorgym.leaderboard.store.migrate`)."""
