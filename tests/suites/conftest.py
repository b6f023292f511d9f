"""Fixtures for the suites tests (the builders are in factories.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from microcred.contexts import DocumentLoader, offline_loader
from tests.suites.factories import CREDENTIAL, Issuer, make_issuer


@pytest.fixture
def credential() -> dict[str, Any]:
    return copy.deepcopy(CREDENTIAL)


@pytest.fixture(scope="session")
def loader() -> DocumentLoader:
    return offline_loader()


@pytest.fixture(scope="session")
def issuer() -> Issuer:
    return make_issuer()
