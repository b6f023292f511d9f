"""The learner's page of one credential (at its unguessable ``/credentials/{id}`` link) and its downloads.

The page shows the credential, and offers the JSON, the badge image baked as PNG and as SVG (OB 3.0 baking), a QR
code of the verification link, a "verify this credential" link that opens the verifier with the credential loaded,
an add-to-LinkedIn-profile link. Only at the learner's private link (``/credentials/{id}/learner/{key}``, see
``app.learner_keys``) does it have an "Add to a wallet" button (a form posting the key to
``/credentials/{id}/wallet``, which opens the wallet page of an offer of this credential; not shown while it is
revoked or suspended): the public link lets anyone see and verify, not re-issue.
https://www.imsglobal.org/spec/ob/v3p0/#baking ; https://www.linkedin.com/help/linkedin/answer/a567169
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlencode

import segno
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from microcred.app.core.deps import ServicesDep, SessionDep
from microcred.app.core.settings import Settings
from microcred.app.db.tables import IssuedCredential
from microcred.app.issuance import data as issuance_data
from microcred.app.issuance.learner_keys import learner_page_url, with_learner_key
from microcred.app.pages.templating import render
from microcred.app.pages.view import CredentialView, credential_view
from microcred.app.status.data import set_statuses
from microcred.issuer.baking import badge_png, badge_svg, bake_png, bake_svg

__all__ = ["LearnerLinks", "learner_links", "learner_page", "router"]

router = APIRouter(tags=["pages"], include_in_schema=False)
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class LearnerLinks:
    """Where the learner page's buttons lead."""

    page: str
    json: str
    elm: str
    """The credential's ELM v3 (Europass) form, signed: ``GET /credentials/{id}/elm``."""
    png: str
    svg: str
    verify: str
    linkedin: str
    wallet: str
    """The "Add to a wallet" form's target (POST): offers this credential to a wallet, see ``docs/wallets.md``."""


def verifier_url(settings: Settings) -> str:
    """The verifier's public address (its home page)."""
    return (settings.public_verifier_url or settings.verifier_base_url).rstrip("/")


def learner_links(settings: Settings, public_id: str, view: CredentialView) -> LearnerLinks:
    """Every link of the learner page for the credential ``public_id``."""
    page = learner_page_url(settings.base_url, public_id)
    json_url = f"{page}/credential.json"
    verify = f"{verifier_url(settings)}/?url={quote(json_url, safe='')}"
    when = view.issued_date
    linkedin = {
        "startTask": "CERTIFICATION_NAME",
        "name": view.title,
        "organizationName": view.awarding_body,
        **({"issueYear": str(when.year), "issueMonth": str(when.month)} if when else {}),
        "certUrl": verify,
        "certId": view.credential_id,
    }
    return LearnerLinks(
        page=page,
        json=json_url,
        elm=f"{page}/elm",
        png=f"{page}/badge.png",
        svg=f"{page}/badge.svg",
        verify=verify,
        linkedin=f"{LINKEDIN_ADD}?{urlencode(linkedin, quote_via=quote)}",
        wallet=f"{page}/wallet",
    )


@lru_cache(maxsize=512)
def _qr(link: str) -> segno.QRCode:
    """The QR code of ``link`` (choosing the mask is most of the ~40 ms it takes, so it is made once per link)."""
    return segno.make(link, error="m")


def _qr_svg(link: str) -> str:
    return str(_qr(link).svg_inline(scale=3, title="QR code of the verification link"))


def learner_page(settings: Settings, row: IssuedCredential, *, key: str | None = None) -> HTMLResponse:
    """The rendered learner page of ``row`` (saying so when the issuer has revoked or suspended it); with the
    learner's ``key`` (their private link) the "Add to a wallet" form carries it, without it there is no form."""
    document = json.loads(row.document)
    view = credential_view(document)
    links = learner_links(settings, row.public_id, view)
    return render(
        "learner.html",
        view=view,
        links=links,
        qr=_qr_svg(links.verify),
        statuses=set_statuses(row),
        suite=row.suite,
        learner_key=key,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"},
    )


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}


def _filename(view: CredentialView, extension: str) -> str:
    stem = "".join(ch if ch.isalnum() else "-" for ch in view.title.lower()).strip("-")[:60] or "credential"
    return f"{stem}.{extension}"


def _row(session: SessionDep, credential_id: str) -> tuple[IssuedCredential, CredentialView]:
    row = issuance_data.find_credential(session, public_id=credential_id.removeprefix("urn:uuid:"))
    return row, credential_view(json.loads(row.document))


@router.get("/credentials/{credential_id}/learner/{key}", response_class=HTMLResponse)
def private_learner_page(
    credential_id: str, key: str, session: SessionDep, services: ServicesDep
) -> HTMLResponse:
    """The learner's private link: their page, whose "Add to a wallet" works (404 for a wrong or revoked key)."""
    row = with_learner_key(session, public_id=credential_id.removeprefix("urn:uuid:"), key=key)
    return learner_page(services.settings, row, key=key)


@router.get("/credentials/{credential_id}/credential.json")
def download_json(credential_id: str, session: SessionDep) -> Response:
    """The signed credential as a JSON file (exactly as issued)."""
    row, view = _row(session, credential_id)
    return Response(
        row.document, media_type="application/ld+json", headers=_attachment(_filename(view, "json"))
    )


@router.get("/credentials/{credential_id}/badge.png")
def download_png(credential_id: str, session: SessionDep) -> Response:
    """The badge image as a PNG with the credential baked in (iTXt ``openbadgecredential``)."""
    row, view = _row(session, credential_id)
    return Response(
        bake_png(badge_png(), row.document),
        media_type="image/png",
        headers=_attachment(_filename(view, "png")),
    )


@router.get("/credentials/{credential_id}/badge.svg")
def download_svg(credential_id: str, session: SessionDep) -> Response:
    """The badge image as an SVG with the credential baked in (``openbadges:credential``)."""
    row, view = _row(session, credential_id)
    year = str(view.issued_date.year) if view.issued_date else ""
    image = badge_svg(title=view.title, issuer=view.awarding_body, year=year)
    return Response(
        bake_svg(image, row.document), media_type="image/svg+xml", headers=_attachment(_filename(view, "svg"))
    )


@router.get("/credentials/{credential_id}/qr.svg")
def qr_code(credential_id: str, session: SessionDep, services: ServicesDep) -> Response:
    """The QR code of the credential's verification link, as an SVG image."""
    row, view = _row(session, credential_id)
    link = learner_links(services.settings, row.public_id, view).verify
    return Response(
        _qr(link).svg_inline(scale=4).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1),
        media_type="image/svg+xml",
    )
