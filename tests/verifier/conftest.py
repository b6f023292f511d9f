"""Fixtures for the verifier tests (defined beside the builders in factories.py, which tests/app shares)."""

from tests.verifier.factories import loader as loader
from tests.verifier.factories import world as world
