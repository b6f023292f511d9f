"""Wiring: the services an app holds, and the ``Annotated`` dependencies routes ask for."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from microcred.app.core.settings import Settings
from microcred.app.db.tables import Institution
from microcred.app.institutions.service import authenticate
from microcred.keys import KeyStore
from microcred.vc.errors import Unauthorized

__all__ = [
    "AdminDep",
    "CallerDep",
    "Services",
    "ServicesDep",
    "SessionDep",
    "utc_now",
]


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass
class Services:
    """What one app instance works with; built once by ``create_app`` (tests swap parts of it)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keystore: KeyStore = field(repr=False)
    admin_token: str | None = field(repr=False)
    clock: Callable[[], datetime] = utc_now


def get_services(request: Request) -> Services:
    """The app's services."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """One session and one transaction per request: committed when the route returns, rolled back if it raises."""
    with services.sessions() as session, session.begin():
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is never reported as success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_api_key_scheme = HTTPBearer(
    auto_error=False, scheme_name="ApiKey", description="an institution API key (mc_…)"
)
_admin_scheme = HTTPBearer(auto_error=False, scheme_name="AdminToken", description="the admin token")


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key_scheme)],
) -> Institution:
    """The institution whose API key came as ``Authorization: Bearer``; 401 when missing, wrong or revoked."""
    return authenticate(session, key=credentials.credentials if credentials else None)


CallerDep = Annotated[Institution, Depends(get_caller)]


def require_admin(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_admin_scheme)],
) -> None:
    """Admin routes need ``Authorization: Bearer <admin token>``; with no token configured they are closed."""
    expected = services.admin_token
    if expected is None:
        raise Unauthorized("the admin API is disabled: set MICROCRED_ADMIN_TOKEN")
    given = credentials.credentials if credentials else ""
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("the admin token is missing or wrong")


AdminDep = Depends(require_admin)
