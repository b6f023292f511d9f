"""The web, database and CLI layer: ``create_app`` (issuer) and ``create_verifier_app`` (verifier)."""

from microcred.app.core.settings import Settings
from microcred.app.main import create_app, create_verifier_app

__all__ = ["Settings", "create_app", "create_verifier_app"]
