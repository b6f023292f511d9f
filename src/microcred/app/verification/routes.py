"""The verifier's HTTP API: VC-API verify endpoints and an upload/URL endpoint, all answering with the full report.

A verification result is HTTP 200 with ``verified`` beside ``checks``, ``warnings`` and ``errors`` (as common VC-API
verifiers answer) plus our report; only input that cannot be read as a credential at all is a 4xx problem+json.

https://w3c-ccg.github.io/vc-api/#verify-credential ; https://w3c-ccg.github.io/vc-api/#verify-presentation
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote, urlsplit

import anyio
import anyio.to_thread
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from microcred.app.core.settings import Settings
from microcred.contexts import offline_loader
from microcred.suites.isolation import ProcessCanonicalizer, WorkDeadline
from microcred.vc.errors import DeadlineExceeded, InvalidInput, UnsupportedMediaType
from microcred.verifier.credential import Verifier
from microcred.verifier.did import DidResolver
from microcred.verifier.fetch import (
    FetchPolicy,
    GuardedFetcher,
    HostResolver,
    deadline_transport,
    fetch_allowance,
    system_resolver,
)
from microcred.verifier.inputs import JSON_MEDIA_TYPES, InputLimits, ReadInput, parse_json, read_input
from microcred.verifier.limits import Limits, SizedCache
from microcred.verifier.presentation import verify_presentation
from microcred.verifier.report import Policy
from microcred.verifier.trust_policy import TrustSource, build_trust, dev_sources

__all__ = [
    "VerifierDep",
    "VerifierRuntime",
    "build_verifier",
    "fetch_policy",
    "install_verifier",
    "router",
    "run_verification",
    "trust_sources",
    "verifier_limits",
    "verify_read",
]

T = TypeVar("T")

router = APIRouter(tags=["verifier"])
_ENVELOPED_JWT = ("data:application/vc+jwt,", "data:application/vc+ld+json+jwt,", "data:application/jwt,")


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The guarded client's limits from settings; in dev, the local issuer's origin is reachable over http."""
    http_hosts = set(settings.verifier_http_hosts)
    allow_private = set(settings.verifier_allow_private)
    if settings.mode == "dev":
        issuer = urlsplit(settings.base_url)
        if issuer.hostname:
            http_hosts.add(f"{issuer.hostname}:{issuer.port or 80}")
            allow_private.add(issuer.hostname)
        http_hosts.add(f"{settings.host}:{settings.issuer_port}")
        allow_private.add(settings.host)
    return FetchPolicy(
        http_hosts=frozenset(http_hosts),
        allow_private=frozenset(allow_private),
        max_bytes=settings.verifier_fetch_max_bytes,
        timeout=settings.verifier_fetch_timeout_seconds,
        max_cache_age=settings.verifier_cache_max_age_seconds,
        cache_entries=settings.verifier_cache_entries,
        cache_bytes=settings.verifier_cache_bytes,
    )


def trust_sources(settings: Settings) -> list[TrustSource]:
    """The registries to consult: as configured; in dev, by default the demo registry inside the issuer app."""
    if settings.verifier_trust_registries or settings.mode != "dev":
        return list(settings.verifier_trust_registries)
    return dev_sources(settings.base_url)


def build_verifier(
    settings: Settings, *, client: httpx.Client | None = None, resolve: HostResolver = system_resolver
) -> Verifier:
    """The verifier's collaborators wired once from settings (offline contexts, guarded fetcher, did resolver)."""
    policy = fetch_policy(settings)
    fetcher = GuardedFetcher(
        client or httpx.Client(transport=deadline_transport(), follow_redirects=False, trust_env=False),
        policy=policy,
        resolve=resolve,
    )
    resolver = DidResolver(fetcher, policy=policy)
    return Verifier(
        document_loader=offline_loader(),
        fetcher=fetcher,
        resolver=resolver,
        trust=build_trust(trust_sources(settings), fetcher=fetcher, resolver=resolver),
        policy=Policy(
            require_trust=settings.verifier_require_trust,
            require_eu_complete=settings.verifier_require_eu_complete,
        ),
        skew_seconds=settings.verifier_clock_skew_seconds,
        decoded_lists=SizedCache(max_entries=16, max_bytes=settings.verifier_cache_bytes),
    )


def verifier_limits(settings: Settings) -> Limits:
    """The fan-out and memory bounds of one verification, from settings."""
    return Limits(
        max_status_entries=settings.verifier_max_status_entries,
        max_proofs=settings.verifier_max_proofs,
        max_presentation_credentials=settings.verifier_max_presentation_credentials,
        max_fetches=settings.verifier_max_fetches,
        max_status_list_bits=settings.verifier_max_status_list_bits,
    )


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


def verify_read(verifier: Verifier, read: ReadInput, *, now: datetime) -> dict[str, Any]:
    """The JSON report for one read input: a VC-JWT, a presentation (holder proof unchecked) or a credential."""
    if read.kind == "jwt" and read.jws is not None:
        return verifier.verify_jwt(read.jws, now=now, fmt=read.source).as_json()
    document = read.document or {}
    types = document.get("type")
    if "VerifiablePresentation" in (types if isinstance(types, list) else [types]):
        return verify_presentation(document, verifier=verifier, now=now, challenge=None).as_json()
    return verifier.verify_credential(document, now=now, fmt=read.source).as_json()


@dataclass
class VerifierRuntime:
    """How verification requests run: in a worker thread under a total deadline, JSON-LD work in worker processes
    (``suites.isolation``) under a per-request work budget, with bounded fan-out."""

    deadline_seconds: float
    work_seconds: float
    limits: Limits
    pool: ProcessCanonicalizer | None = None

    def bind(self, verifier: Verifier) -> Verifier:
        """``verifier`` for one request: its JSON-LD work goes to the pool with this request's budget (when the
        verifier uses the pinned loader, the one the workers use), and the configured limits apply."""
        budget = replace(verifier.budget, max_proofs=self.limits.max_proofs)
        if self.pool is not None and verifier.document_loader is offline_loader():
            budget = replace(budget, runner=self.pool.until(WorkDeadline.after(self.work_seconds)))
        return replace(verifier, budget=budget, limits=self.limits)


async def run_verification(request: Request, work: Callable[[Verifier], T]) -> T:
    """Run ``work`` with the app's verifier in a worker thread, never on the event loop; past the total deadline
    the request is answered with a 503 problem and the thread is abandoned (its fetches and JSON-LD work end at
    their own deadlines)."""
    runtime: VerifierRuntime = request.app.state.verifier_runtime
    verifier = runtime.bind(request.app.state.verifier)

    def run() -> T:
        with fetch_allowance(runtime.limits.max_fetches):
            return work(verifier)

    try:
        with anyio.fail_after(runtime.deadline_seconds):
            return await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
    except TimeoutError:
        raise DeadlineExceeded(
            f"the verification did not finish within {runtime.deadline_seconds:g} s; try again later"
        ) from None


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
