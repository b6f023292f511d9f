"""The wallet tests' fixtures: an institution to issue from, and the app's clock under the test's control."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.app.wallets.factories import Clock
from tests.issuer.factories import Issuing, issuing


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    clock = Clock()
    app.state.services.clock = clock
    return clock


@pytest.fixture
def it(client: TestClient, new_institution: Callable[..., Any], clock: Clock) -> Issuing:
    # defined on the test's clock: an award may not be dated before its achievement existed
    return issuing(client, new_institution())
