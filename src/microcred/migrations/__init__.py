"""Alembic migrations: the only way the schema changes (run them with ``microcred migrate``)."""
