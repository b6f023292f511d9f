"""Reliability tests reuse the app fixtures (temp SQLite, or PostgreSQL when MICROCRED_DATABASE_URL is set)."""

from tests.app.factories import admin, app, client, new_institution, settings

__all__ = ["admin", "app", "client", "new_institution", "settings"]
