"""The database: engine and sessions (``engine``), the SQLAlchemy tables (``tables``) and Alembic migration
commands (``migrate``)."""
