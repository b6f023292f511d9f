"""The verifier's pages: ``GET /`` (drop or choose a file, paste JSON, paste a link) and ``POST /check`` (the result).

Plain HTML forms, so the whole flow works without JavaScript. ``GET /?url=…`` opens the verifier with a credential
URL loaded (the learner page's "verify this credential" link); the URL is fetched through the guarded client.
Input that is not a credential gets a page saying what was wrong (never a stack trace or a 500).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from microcred.app.pages.templating import render
from microcred.app.pages.view import CredentialView, credential_view
from microcred.app.verification.runtime import run_verification
from microcred.app.verification.service import verify_read
from microcred.suites import jose
from microcred.vc.errors import (
    DeadlineExceeded,
    InputTooLarge,
    InvalidInput,
    MicrocredError,
    UnsupportedMediaType,
)
from microcred.verifier.credential import Verifier
from microcred.verifier.eu import MANDATORY_ELEMENTS
from microcred.verifier.inputs import InputLimits, ReadInput, read_input

__all__ = ["CHECK_NAMES", "is_verifier_page", "router"]

router = APIRouter(tags=["pages"], include_in_schema=False)

CHECK_NAMES: dict[str, str] = {
    "structure": "Structure",
    "schema": "Open Badges 3.0 schema",
    "contexts": "JSON-LD contexts",
    "proof": "Digital signature",
    "issuer": "Issuer identity",
    "validity": "Validity dates",
    "status": "Revocation and suspension",
    "trust": "Trust registry",
    "declaredSchemas": "Other declared schemas",
    "endorsements": "Endorsements",
    "holder": "Holder's signature",
}
_VERDICT_CLASS = {"valid": "valid", "not valid": "invalid", "could not fully check": "partial"}
_ACCEPT_URL = "application/vc, application/ld+json, application/json, image/png, image/svg+xml, text/plain"
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "This is a PDF document, not a credential."),
    (b"\xff\xd8\xff", "This is a JPEG photo; only PNG and SVG badge images can carry a credential."),
    (b"GIF8", "This is a GIF image; only PNG and SVG badge images can carry a credential."),
    (b"PK\x03\x04", "This is a ZIP archive or office document, not a credential."),
)
_HINT = "Upload the credential's JSON file or its badge image (PNG or SVG), paste its JSON, or paste a link to it."


def is_verifier_page(method: str, path: str, accept: str) -> bool:
    """The verifier's page URLs: their errors are always HTML pages (whatever the client accepts)."""
    return path in ("/", "/check")


def _check_name(check_id: str) -> str:
    if check_id.startswith("eu:"):
        code = check_id[3:]
        return f"EU element {code}: {MANDATORY_ELEMENTS.get(code, code)}"
    return CHECK_NAMES.get(check_id, check_id.replace("-", " ").capitalize())


def _problem(title: str, detail: str, *, status: int = 400, **context: Any) -> HTMLResponse:
    return render("error.html", status=status, title=title, detail=detail, hint=_HINT, home="/", **context)


def _jwt_claims(jws: str) -> Mapping[str, Any]:
    """The (not yet verified) credential inside a VC-JWT, for showing what it claims."""
    try:
        payload = jose.read_compact(jws).payload_json()
    except InvalidInput:
        return {}
    if not isinstance(payload, dict):
        return {}
    inner = payload.get("vc", payload)
    return inner if isinstance(inner, dict) else {}


def _views(read: ReadInput) -> list[CredentialView]:
    document: Mapping[str, Any] = read.document or (_jwt_claims(read.jws) if read.jws else {})
    types = document.get("type")
    if "VerifiablePresentation" in (types if isinstance(types, list) else [types]):
        inner = document.get("verifiableCredential")
        items = inner if isinstance(inner, list) else [inner]
        return [credential_view(c) for c in items if isinstance(c, dict)]
    return [credential_view(document)] if document else []


def _checks(report: Mapping[str, Any]) -> list[dict[str, str]]:
    checks = report.get("report", {}).get("checks", [])
    return [
        {"id": c["id"], "name": _check_name(c["id"]), "status": c["status"], "sentence": c["sentence"]}
        for c in checks
    ]


def _result_page(read: ReadInput, report: dict[str, Any], *, source: str) -> HTMLResponse:
    verdict = str(report.get("verdict", "could not fully check"))
    inner = [
        {"verdict": r.get("verdict"), "sentence": r.get("verdictSentence"), "checks": _checks(r)}
        for r in report.get("credentials", [])
    ]
    return render(
        "verifier_result.html",
        verdict=verdict,
        verdict_class=_VERDICT_CLASS.get(verdict, "partial"),
        verdict_sentence=report.get("verdictSentence", ""),
        checks=_checks(report),
        inner=inner,
        views=_views(read),
        confirmed=verdict == "valid" or bool(report.get("verified")),
        source=source,
        fmt=read.source,
    )


def _limits(request: Request) -> InputLimits:
    limits: InputLimits = request.app.state.verifier_limits
    return limits


def _clock(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.verifier_clock
    return clock()


def _precheck(data: bytes, limits: InputLimits) -> HTMLResponse | None:
    """A friendly page for what is plainly not a credential (empty, too large, a PDF, a photo)."""
    if not data.strip():
        return _problem(
            "The file is empty", "The file has no content, so there is no credential to check.", status=422
        )
    if len(data) > limits.max_bytes:
        return _problem(
            "The file is too large",
            f"The file is {len(data):,} bytes; credentials and badge images up to {limits.max_bytes:,} bytes "
            "are accepted.",
            status=413,
        )
    for magic, sentence in _SIGNATURES:
        if data.startswith(magic):
            return _problem("This file is not a credential", sentence, status=415)
    return None


def _title_for(exc: MicrocredError, data: bytes) -> str:
    if isinstance(exc, InputTooLarge):
        return "The file is too large"
    if isinstance(exc, UnsupportedMediaType):
        return "This file is not a credential"
    if data.startswith(b"\x89PNG") or data.lstrip().startswith(b"<"):
        return "This image does not contain a credential"
    if data.lstrip()[:1] in (b"{", b"["):
        return "The JSON could not be read"
    return "We could not read a credential from this input"


async def _verify(request: Request, *, data: bytes | None, url: str | None, source: str) -> HTMLResponse:
    limits = _limits(request)
    now = _clock(request)
    if data is not None:
        early = _precheck(data, limits)
        if early is not None:
            return early

    def run(verifier: Verifier) -> tuple[ReadInput, dict[str, Any]]:
        if url is not None:
            fetched = verifier.fetcher.get(url, accept=_ACCEPT_URL)
            read = read_input(fetched.body, media_type=fetched.content_type or None, limits=limits)
        else:
            read = read_input(data or b"", media_type=None, limits=limits)
        return read, verify_read(verifier, read, now=now)

    try:
        read, report = await run_verification(request, run)
    except MicrocredError as exc:
        title = "The link could not be checked" if url is not None else _title_for(exc, data or b"")
        shown = exc.status < 500 or isinstance(exc, DeadlineExceeded)
        detail = exc.detail[:1].upper() + exc.detail[1:] if shown else "The service is misconfigured."
        return _problem(title, detail, status=exc.status if 400 <= exc.status < 600 else 400, url=url or "")
    return _result_page(read, report, source=source)


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    url: Annotated[str | None, Query(max_length=2000, description="a credential URL")] = None,
) -> HTMLResponse:
    """The verifier's home page, or with ``?url=`` the result for the credential at that URL."""
    if url:
        return await _verify(request, data=None, url=url.strip(), source=url.strip())
    return render("verifier_home.html", max_bytes=_limits(request).max_bytes)


@router.post("/check", response_class=HTMLResponse)
async def check(request: Request) -> HTMLResponse:
    """The form's answer: the result page for the chosen file, the pasted JSON or the pasted link."""
    limits = _limits(request)
    async with request.form(max_files=1, max_fields=6, max_part_size=limits.max_bytes + 1) as form:
        upload, text, url = form.get("file"), form.get("text"), form.get("url")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(limits.max_bytes + 1)
            return await _verify(request, data=data, url=None, source=upload.filename)
    if isinstance(text, str) and text.strip():
        return await _verify(request, data=text.encode("utf-8"), url=None, source="pasted text")
    if isinstance(url, str) and url.strip():
        return await _verify(request, data=None, url=url.strip(), source=url.strip())
    return _problem(
        "Nothing to check", "Choose a file, paste a credential or paste a link, then press Check."
    )
