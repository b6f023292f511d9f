"""Fixtures for the security tests that verify documents directly (the builders are in tests/verifier/factories.py)."""

from __future__ import annotations

import pytest

from microcred.contexts import DocumentLoader, offline_loader
from tests.verifier.factories import World, make_world


@pytest.fixture(scope="session")
def loader() -> DocumentLoader:
    return offline_loader()


@pytest.fixture
def world(loader: DocumentLoader) -> World:
    return make_world(loader)
