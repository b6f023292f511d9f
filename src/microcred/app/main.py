"""The two ASGI apps: ``create_app`` (issuer side, with the database) and ``create_verifier_app`` (no database)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from microcred.app.achievements import catalogue_routes
from microcred.app.achievements import routes as achievement_routes
from microcred.app.batches import routes as batch_routes
from microcred.app.batches.runner import BatchRunner
from microcred.app.core.deps import Services
from microcred.app.core.health import health_router
from microcred.app.core.logs import configure_logging
from microcred.app.core.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from microcred.app.core.problems import install_problem_handlers
from microcred.app.core.rate_limits import (
    ISSUER_ROUTES,
    VERIFIER_ROUTES,
    LimitedRoute,
    RateLimitMiddleware,
    limiter_from_settings,
)
from microcred.app.core.settings import Settings
from microcred.app.db.engine import database_reachable, make_engine, make_sessions
from microcred.app.institutions import admin_routes, issuer_routes
from microcred.app.institutions import routes as institution_routes
from microcred.app.issuance import learner_link_routes
from microcred.app.issuance import routes as issuance_routes
from microcred.app.pages import install_issuer_pages, install_verifier_pages
from microcred.app.registry import routes as registry_routes
from microcred.app.status import routes as status_routes
from microcred.app.verification.routes import install_verifier
from microcred.app.wallets import exchange_routes, oid4vci_routes
from microcred.app.wallets import routes as wallet_routes
from microcred.keys import LocalKeyStore

__all__ = ["create_app", "create_verifier_app", "issuer_app_from_env", "verifier_app_from_env"]

VERSION = "0.1.0"


def _base_app(
    settings: Settings, *, title: str, description: str, stores: bool, limited: tuple[LimitedRoute, ...]
) -> FastAPI:
    app = FastAPI(title=title, description=description, version=VERSION)
    install_problem_handlers(app)
    # Added last = outermost: every response (413 and 429 included) carries the request id. An app that stores
    # what it is sent refuses NUL characters in JSON strings the same way on SQLite and PostgreSQL.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, refuse_nul=stores)
    limiter = limiter_from_settings(settings)
    # Outside the body limit: a client over its limit is refused before its body is read.
    if limiter is not None:
        app.add_middleware(RateLimitMiddleware, limiter=limiter, routes=limited)
    app.add_middleware(RequestContextMiddleware)
    return app


def create_app(settings: Settings) -> FastAPI:
    """The issuer app: admin API, institution API, public issuer profiles and DID documents."""
    settings.validate_for_start()
    engine = make_engine(settings.resolved_database_url)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=make_sessions(engine),
        keystore=LocalKeyStore(settings.kek()),
        admin_token=settings.resolved_admin_token(),
    )
    app = _base_app(
        settings,
        title="microcred issuer",
        description="Issues EU micro-credentials as Open Badges 3.0 credentials (W3C VC 2.0, Data Integrity).",
        stores=True,
        limited=ISSUER_ROUTES,
    )
    app.state.services = services
    runner = BatchRunner(services, interval=settings.batch_resume_interval_seconds)
    app.state.batch_runner = runner
    app.router.lifespan_context = _lifespan(
        services, runner, resume=settings.batch_resume_interval_seconds > 0
    )
    app.include_router(health_router(lambda: database_reachable(services.engine)))
    app.include_router(admin_routes.router)
    app.include_router(institution_routes.router)
    app.include_router(issuer_routes.router)
    # Issuance.
    for router in (
        achievement_routes.router,
        issuance_routes.router,
        catalogue_routes.router,
        batch_routes.router,
    ):
        app.include_router(router)
    for router in (wallet_routes.router, oid4vci_routes.router, exchange_routes.router):  # wallets
        app.include_router(router)
    app.include_router(learner_link_routes.router)
    app.include_router(status_routes.router)  # status lists
    install_issuer_pages(app)  # pages
    app.include_router(registry_routes.router)  # trust registry
    app.add_middleware(SecurityHeadersMiddleware)  # last added = outermost: error pages get the headers too
    return app


def _lifespan(
    services: Services, runner: BatchRunner, *, resume: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """While the app serves, the batch-resuming thread runs (batches left pending by a crash or a restart are
    finished without ``microcred worker``); at shutdown it stops and the pooled connections are closed (not left
    to the garbage collector)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if resume:
            runner.start()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(runner.stop)
            services.engine.dispose()

    return lifespan


def create_verifier_app(settings: Settings) -> FastAPI:
    """The verifier app (its own process and port); it needs no database."""
    app = _base_app(
        settings,
        title="microcred verifier",
        description="Verifies Open Badges 3.0 / W3C Verifiable Credentials and reports every check.",
        stores=False,
        limited=VERIFIER_ROUTES,
    )
    app.include_router(health_router(None))
    install_verifier(app, settings)
    install_verifier_pages(app)  # pages
    app.add_middleware(SecurityHeadersMiddleware)  # last added = outermost: error pages get the headers too
    return app


def issuer_app_from_env() -> FastAPI:
    """uvicorn factory: settings from the environment, JSON logs."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def verifier_app_from_env() -> FastAPI:
    """uvicorn factory for the verifier."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_verifier_app(settings)
