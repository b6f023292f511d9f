"""The trust registry over HTTP: operator API (admin token), TRQP query, signed and DCC exports, DID document.

Public: ``GET /registry/entries[/{id}]``, ``POST /registry/authorization`` (TRQP v2 HTTPS binding),
``GET /registry/export`` (compact JWS signed by the registry's key), ``GET /registry/dcc.json`` (DCC issuer
registry), ``GET /registry/did.json`` (``did:web:HOST:registry``). Operator (``Authorization: Bearer <admin
token>``): ``POST /registry/entries``, ``PUT /registry/entries/{id}``, ``POST /registry/entries/{id}/state``,
``POST /registry/institutions/{slug}`` (list an institution from its microcred record).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from microcred.app.core.deps import AdminDep, ServicesDep, SessionDep
from microcred.app.registry.keys import registry_did_document, registry_signer
from microcred.app.registry.service import (
    EntryFields,
    add_entry,
    change_state,
    ensure_listed,
    get_entry,
    list_entries,
    registry_did,
    update_entry,
)
from microcred.registry import dcc_export, export_document, parse_query, sign_export, trqp_response
from microcred.suites import parse_json
from microcred.vc.errors import InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/registry", tags=["trust registry"])
_ADMIN: dict[int | str, dict[str, Any]] = {401: {"description": "missing or wrong admin token"}}
EXPORT_MAX_AGE = 60
"""Seconds a verifier may cache the export before asking again (the document itself is valid for days)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class QualityAssuranceIn(_In):
    """The accreditation or quality-assurance body, its identifier and the reference of the decision."""

    body: str = Field(max_length=300, examples=["Quality and Qualifications Ireland"])
    body_id: str | None = Field(None, max_length=200, examples=["EQAR agency 42"])
    reference: str | None = Field(
        None, max_length=500, examples=["https://backend.deqar.eu/webapi/v2/browse/reports/47914/"]
    )


class ScopeIn(_In):
    """What the provider is recognised for; an empty list means any."""

    achievement_types: list[str] = Field(default_factory=list, max_length=40, examples=[["MicroCredential"]])
    eqf_levels: list[str] = Field(default_factory=list, max_length=8, examples=[["5", "6"]])
    isced_f: list[str] = Field(default_factory=list, max_length=50, examples=[["06"]])


class EntryIn(_In):
    """A provider to list (or the new facts of a listed one)."""

    dids: list[str] = Field(min_length=1, max_length=20, examples=[["did:web:uni.example"]])
    legal_name: str = Field(max_length=300, examples=["University of Zed"])
    country: str = Field(max_length=2, examples=["IE"])
    region: str | None = Field(None, max_length=10, examples=["IE-D"])
    url: str | None = Field(None, max_length=2000, examples=["https://uni.example"])
    quality_assurance: QualityAssuranceIn
    scope: ScopeIn = Field(default_factory=ScopeIn)
    valid_from: datetime
    valid_until: datetime | None = None

    def fields(self, *, institution: str | None = None) -> EntryFields:
        """The store's view."""
        return EntryFields(
            dids=self.dids,
            legal_name=self.legal_name,
            country=self.country,
            region=self.region,
            url=self.url,
            qa_body=self.quality_assurance.body,
            qa_body_id=self.quality_assurance.body_id,
            qa_reference=self.quality_assurance.reference,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            achievement_types=self.scope.achievement_types,
            eqf_levels=self.scope.eqf_levels,
            isced_fields=self.scope.isced_f,
            institution=institution,
        )


class StateIn(_In):
    """A state change: ``active``, ``suspended`` or ``withdrawn``, and why."""

    state: str = Field(examples=["withdrawn"])
    reason: str = Field("", max_length=500, examples=["accreditation not renewed"])


class ListInstitutionIn(_In):
    """Listing a microcred institution: its QA body and reference, and optionally a scope and period."""

    quality_assurance: QualityAssuranceIn
    scope: ScopeIn = Field(default_factory=ScopeIn)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def _name(base_url: str) -> str:
    return f"the microcred trust registry at {base_url}/registry"


@router.get("/entries")
def entries(
    session: SessionDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The entries with their state histories, oldest first, a page at a time (the register is public; the
    signed export holds all of them at once). ``next`` is the following page, when there is one."""
    page = list_entries(session, limit=limit + 1, offset=offset)
    answer: dict[str, Any] = {"entries": [e.as_json() for e in page[:limit]]}
    if len(page) > limit:
        answer["next"] = (
            f"{services.settings.base_url}/registry/entries?limit={limit}&offset={offset + limit}"
        )
    return answer


@router.get("/entries/{entry_id}", responses={404: {}})
def entry(entry_id: str, session: SessionDep) -> dict[str, Any]:
    """One entry."""
    return get_entry(session, entry_id=entry_id).as_json()


@router.post(
    "/entries",
    status_code=201,
    dependencies=[AdminDep],
    responses={**_ADMIN, 409: {"description": "a DID is listed for an overlapping period"}, 422: {}},
)
def create(body: EntryIn, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    """List a provider (active from now on in its history)."""
    return add_entry(session, fields=body.fields(), now=services.clock()).as_json()


@router.put("/entries/{entry_id}", dependencies=[AdminDep], responses={**_ADMIN, 404: {}, 409: {}, 422: {}})
def replace(entry_id: str, body: EntryIn, session: SessionDep) -> dict[str, Any]:
    """Replace an entry's facts (DIDs, names, QA, scope, period); its state changes through ``/state``."""
    current = get_entry(session, entry_id=entry_id)
    return update_entry(
        session, entry_id=entry_id, fields=body.fields(institution=current.institution)
    ).as_json()


@router.post(
    "/entries/{entry_id}/state", dependencies=[AdminDep], responses={**_ADMIN, 404: {}, 409: {}, 422: {}}
)
def set_state(entry_id: str, body: StateIn, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    """Suspend, reactivate or withdraw (final) an entry; the change joins its history."""
    return change_state(
        session, entry_id=entry_id, state=body.state, reason=body.reason, now=services.clock()
    ).as_json()


@router.post("/institutions/{slug}", dependencies=[AdminDep], responses={**_ADMIN, 404: {}, 409: {}, 422: {}})
def list_institution(
    slug: str, body: ListInstitutionIn, session: SessionDep, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """List a microcred institution from its record (201 when created, 200 when it already was listed)."""
    entry, created = ensure_listed(
        session,
        slug=slug,
        qa_body=body.quality_assurance.body,
        qa_body_id=body.quality_assurance.body_id,
        qa_reference=body.quality_assurance.reference,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        achievement_types=body.scope.achievement_types,
        eqf_levels=body.scope.eqf_levels,
        isced_fields=body.scope.isced_f,
        now=services.clock(),
    )
    response.status_code = 201 if created else 200
    return entry.as_json()


@router.post("/authorization", responses={422: {"description": "not a TRQP authorization request"}})
async def authorization(request: Request, services: ServicesDep) -> JSONResponse:
    """TRQP v2 authorization query: is ``entity_id`` authorized for ``action`` on ``resource`` at ``context.time``?"""
    data = await request.body()

    def answer() -> dict[str, Any]:
        # parsing, the database read and the evaluation block: never on the event loop
        try:
            body = parse_json(data)
        except InvalidInput as exc:
            raise InvalidInput(
                f"the body must be a JSON object (a TRQP authorization request): {exc.detail}"
            ) from None
        query = parse_query(body)
        with services.sessions() as session:
            listed = list_entries(session)
        return trqp_response(
            query,
            entries=listed,
            authority_id=registry_did(services.settings.base_url),
            registry=_name(services.settings.base_url),
            now=services.clock(),
        )

    return JSONResponse(await run_in_threadpool(answer))


@router.get("/export", response_class=Response)
def export(session: SessionDep, services: ServicesDep) -> Response:
    """Every entry as one document signed by the registry's key (compact JWS; cache it, check the signature)."""
    now = services.clock()
    base = services.settings.base_url
    signer = registry_signer(session, keystore=services.keystore, base_url=base, now=now)
    document = export_document(
        list_entries(session),
        registry_did=registry_did(base),
        name=_name(base),
        url=f"{base}/registry",
        now=now,
    )
    return Response(
        sign_export(document, signer=signer),
        media_type="application/jose",
        headers={"Cache-Control": f"max-age={EXPORT_MAX_AGE}"},
    )


@router.get("/dcc.json")
def dcc(session: SessionDep, services: ServicesDep) -> JSONResponse:
    """The providers active now, in the Digital Credentials Consortium issuer-registry format."""
    listed = list_entries(session)
    created = min((e.history[0].at for e in listed), default=services.clock())
    return JSONResponse(
        dcc_export(listed, now=services.clock(), created=created),
        headers={"Cache-Control": f"max-age={EXPORT_MAX_AGE}"},
    )


@router.get("/did.json")
def did_document(session: SessionDep, services: ServicesDep) -> JSONResponse:
    """The registry's DID document (``did:web:HOST:registry``), listing the key that signs the export."""
    document = registry_did_document(
        session, keystore=services.keystore, base_url=services.settings.base_url, now=services.clock()
    )
    return JSONResponse(document, media_type="application/did+json")
