"""Fixtures for the verifier tests (the builders are in factories.py)."""

from __future__ import annotations

import pytest

from microcred.contexts import DocumentLoader, offline_loader

# World and make_world serve the fixtures below; the other names are here only because tests/app still imports
# them from this conftest. The app tests move to tests.verifier.factories in the same release; then they go.
from tests.verifier.factories import NOW as NOW
from tests.verifier.factories import STATUS_URL as STATUS_URL
from tests.verifier.factories import WEB_DID as WEB_DID
from tests.verifier.factories import World, make_world
from tests.verifier.factories import controller as controller
from tests.verifier.factories import key_signer as key_signer
from tests.verifier.factories import ob3_credential as ob3_credential
from tests.verifier.factories import status_entry as status_entry
from tests.verifier.factories import status_list as status_list


@pytest.fixture(scope="session")
def loader() -> DocumentLoader:
    return offline_loader()


@pytest.fixture
def world(loader: DocumentLoader) -> World:
    return make_world(loader)
