"""Fixtures for the app tests (defined in factories.py, which the security and reliability tests share)."""

from tests.app.factories import admin as admin
from tests.app.factories import app as app
from tests.app.factories import client as client
from tests.app.factories import new_institution as new_institution
from tests.app.factories import settings as settings
