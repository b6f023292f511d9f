"""Liveness (``/healthz``) and readiness (``/readyz``: the database answers, when the app has one)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from microcred.app.core.problems import problem_response

__all__ = ["health_router"]


def health_router(ready: Callable[[], bool] | None) -> APIRouter:
    """The two probes; ``ready`` is None for an app with no database (always ready)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "the database is unreachable"}})
    def readyz() -> JSONResponse:
        """The process can serve requests (its database is reachable)."""
        if ready is not None and not ready():
            return problem_response(
                status=503, title="Service Unavailable", detail="the database is not reachable"
            )
        return JSONResponse({"status": "ready"})

    return router
