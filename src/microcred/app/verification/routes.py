"""The verifier's HTTP API: VC-API verify endpoints and an upload/URL endpoint, all answering with the full report.

A verification result is HTTP 200 with ``verified`` beside ``checks``, ``warnings`` and ``errors`` (as common VC-API
verifiers answer) plus our report; only input that cannot be read as a credential at all is a 4xx problem+json.

https://w3c-ccg.github.io/vc-api/#verify-credential ; https://w3c-ccg.github.io/vc-api/#verify-presentation
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from microcred.app.core.settings import Settings
from microcred.app.verification.runtime import VerifierRuntime, run_verification
from microcred.app.verification.service import build_verifier, verifier_limits, verify_read
from microcred.suites.isolation import ProcessCanonicalizer
from microcred.vc.errors import InvalidInput, UnsupportedMediaType
from microcred.verifier.credential import Verifier
from microcred.verifier.inputs import JSON_MEDIA_TYPES, InputLimits, ReadInput, parse_json, read_input
from microcred.verifier.presentation import verify_presentation

__all__ = ["VerifierDep", "get_verifier", "install_verifier", "router"]

T = TypeVar("T")

router = APIRouter(tags=["verifier"])
_ENVELOPED_JWT = ("data:application/vc+jwt,", "data:application/vc+ld+json+jwt,", "data:application/jwt,")


def install_verifier(app: FastAPI, settings: Settings) -> None:
    """Mount the verifier routes on ``app`` with a verifier built from ``settings``; the JSON-LD worker processes
    start with the app and stop with it."""
    app.state.verifier = build_verifier(settings)
    pool = (
        ProcessCanonicalizer(
            workers=settings.verifier_workers, memory_bytes=settings.verifier_worker_memory_bytes
        )
        if settings.verifier_workers
        else None
    )
    app.state.verifier_runtime = VerifierRuntime(
        deadline_seconds=settings.verifier_deadline_seconds,
        work_seconds=settings.verifier_work_seconds,
        limits=verifier_limits(settings),
        pool=pool,
    )
    if pool is not None:
        outer = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[Any]:
            pool.start()
            try:
                async with outer(app) as state:
                    yield state
            finally:
                pool.stop()

        app.router.lifespan_context = lifespan
    app.state.verifier_clock = lambda: datetime.now(UTC)
    app.state.verifier_limits = InputLimits(max_bytes=settings.max_body_bytes)
    app.include_router(router)


async def get_verifier(request: Request) -> Verifier:
    """The app's verifier (async, so FastAPI does not hand it to a thread)."""
    verifier: Verifier = request.app.state.verifier
    return verifier


VerifierDep = Annotated[Verifier, Depends(get_verifier)]


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.verifier_clock
    return clock()


def _limits(request: Request) -> InputLimits:
    limits: InputLimits = request.app.state.verifier_limits
    return limits


async def _json_body(request: Request) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(f'send the request as application/json, not "{media or "no media type"}"')
    data, limits = await request.body(), _limits(request)
    body = await anyio.to_thread.run_sync(lambda: parse_json(data, limits=limits))
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def _options(body: Mapping[str, Any]) -> Mapping[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, Mapping):
        raise InvalidInput('"options" must be an object', pointer="/options")
    return options


def _credential_input(value: Any) -> ReadInput:
    """A VC-API ``verifiableCredential``: an object, an EnvelopedVerifiableCredential, or a compact JWS."""
    if isinstance(value, str):
        return ReadInput(kind="jwt", source="jwt", jws=value)
    if not isinstance(value, dict):
        raise InvalidInput(
            '"verifiableCredential" must be a credential object', pointer="/verifiableCredential"
        )
    types = value.get("type")
    if "EnvelopedVerifiableCredential" in (types if isinstance(types, list) else [types]):
        data_url = value.get("id")
        for prefix in _ENVELOPED_JWT:
            if isinstance(data_url, str) and data_url.startswith(prefix):
                return ReadInput(kind="jwt", source="jwt", jws=unquote(data_url[len(prefix) :]))
        raise InvalidInput(
            "the enveloped credential must be a data: URL of a VC-JWT", pointer="/verifiableCredential/id"
        )
    return ReadInput(kind="json", source="json", document=value)


@router.post("/credentials/verify", summary="Verify a credential (VC-API)")
async def verify_credential_route(request: Request) -> JSONResponse:
    """``{verifiableCredential, options}`` → 200 ``{verified, checks, warnings, errors, …report}``."""
    body = await _json_body(request)
    if "verifiableCredential" not in body:
        raise InvalidInput('the body needs "verifiableCredential"', pointer="/verifiableCredential")
    _options(body)
    read = _credential_input(body["verifiableCredential"])
    now = _now(request)
    return JSONResponse(
        await run_verification(request, lambda verifier: verify_read(verifier, read, now=now))
    )


@router.post("/presentations/verify", summary="Verify a presentation (VC-API)")
async def verify_presentation_route(request: Request) -> JSONResponse:
    """``{verifiablePresentation, options: {challenge, domain}}`` → 200 with the holder check and each credential."""
    body = await _json_body(request)
    presentation = body.get("verifiablePresentation", body.get("presentation"))
    if not isinstance(presentation, dict):
        raise InvalidInput(
            'the body needs a "verifiablePresentation" object', pointer="/verifiablePresentation"
        )
    options = _options(body)
    challenge, domain = options.get("challenge"), options.get("domain")
    if challenge is not None and not isinstance(challenge, str):
        raise InvalidInput('"options.challenge" must be a string', pointer="/options/challenge")
    if domain is not None and not isinstance(domain, str):
        raise InvalidInput('"options.domain" must be a string', pointer="/options/domain")
    now = _now(request)

    def run(verifier: Verifier) -> dict[str, Any]:
        return verify_presentation(
            presentation, verifier=verifier, now=now, challenge=challenge, domain=domain
        ).as_json()

    return JSONResponse(await run_verification(request, run))


@router.post("/verify", summary="Verify an upload (JSON, VC-JWT, baked PNG/SVG) or a URL")
async def verify_upload_route(request: Request) -> JSONResponse:
    """A file (multipart field ``file`` or the raw body) or a URL (form field or ``{"url": …}``) → 200 report."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limits = _limits(request)
    url: str | None = None
    data: bytes | None = None
    data_media: str | None = None
    if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
        async with request.form(max_files=1, max_fields=4) as form:
            upload, field_url = form.get("file"), form.get("url")
            if isinstance(upload, UploadFile):
                data = await upload.read(limits.max_bytes + 1)
                given = (upload.content_type or "").lower()
                data_media = None if given in ("", "application/octet-stream") else given
            elif isinstance(field_url, str) and field_url.strip():
                url = field_url.strip()
            else:
                raise InvalidInput('send a "file" or a "url" field')
    else:
        data, data_media = await request.body(), media or None
        if media in JSON_MEDIA_TYPES:
            raw = data
            body = await anyio.to_thread.run_sync(lambda: parse_json(raw, limits=limits))
            if isinstance(body, dict) and set(body) == {"url"}:
                if not isinstance(body["url"], str):
                    raise InvalidInput('"url" must be a string', pointer="/url")
                url, data = body["url"], None
    now = _now(request)

    def run(verifier: Verifier) -> dict[str, Any]:
        if url is not None:
            fetched = verifier.fetcher.get(
                url,
                accept="application/vc, application/ld+json, application/json, image/png, image/svg+xml, text/plain",
            )
            read = read_input(fetched.body, media_type=fetched.content_type or None, limits=limits)
        else:
            read = read_input(data or b"", media_type=data_media, limits=limits)
        result = verify_read(verifier, read, now=now)
        result["input"] = {"source": read.source, **({"url": url} if url else {})}
        return result

    return JSONResponse(await run_verification(request, run))
