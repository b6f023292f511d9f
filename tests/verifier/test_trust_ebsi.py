"""An EBSI Trusted Issuers Registry-shaped endpoint, faked locally with the documented TIR v4/v5 response shapes.

Shapes per shared/eu-elements.md §6a: ``GET .../issuers/{did}`` → ``{did, attributes: <URL>, hasAttributes}`` (v5) or
``{did, attributes: [{hash, body, issuerType, tao, rootTao}]}`` (v4 / deprecated); 404 problem+json when unknown;
``.../attributes`` → ``{items: [{id, href}], total, pageSize, self, links}``; each attribute → ``{did, attribute}``.
"""

from __future__ import annotations

import json
from typing import Any

from tests.verifier.conftest import NOW, World, controller
from tests.verifier.conftest import loader as loader
from tests.verifier.conftest import world as world
from vc.encodings import b64url_encode
from verifier.trust_policy import TrustSource, build_trust

TIR = "https://api-pilot.ebsi.example/trusted-issuers-registry/v5"
TAO = "did:ebsi:zTAOexample"


def accreditation_jwt(
    did: str,
    *,
    types: list[str],
    valid_from: str = "2025-01-01T00:00:00Z",
    valid_until: str = "2030-01-01T00:00:00Z",
) -> str:
    """A VerifiableAccreditationToAttest as a VC-JWT (the signature part is not checked by the client)."""
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential", "VerifiableAttestation", "VerifiableAccreditationToAttest"],
        "issuer": TAO,
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": {
            "id": did,
            "reservedAttributeId": "60ae46e4fe9adffe0bc83c5e5be825aafe6b5246676398cd1ac36b8999e088a8",
            "accreditedFor": [
                {
                    "schemaId": "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/0x1",
                    "types": types,
                    "limitJurisdiction": "https://publications.europa.eu/resource/authority/atu/FIN",
                }
            ],
        },
        "credentialStatus": {"id": f"{TIR}/issuers/{did}/attributes/60ae", "type": "EbsiAccreditationEntry"},
    }
    header = b64url_encode(json.dumps({"alg": "ES256", "typ": "JWT", "kid": f"{TAO}#key"}).encode())
    return f"{header}.{b64url_encode(json.dumps({'iss': TAO, 'sub': did, 'vc': vc}).encode())}.c2ln"


def attribute(did: str, *, issuer_type: str = "TI", **jwt: Any) -> dict[str, Any]:
    return {
        "hash": "b40fd9b404418a44d2d9911377a03130dde450eb546c755b5b80acd782902e6d",
        "body": accreditation_jwt(did, **{"types": ["VerifiableCredential", "OpenBadgeCredential"], **jwt}),
        "issuerType": issuer_type,
        "tao": TAO,
        "rootTao": "did:ebsi:zRootTAO",
    }


def publish_v5(world: World, did: str, attr: dict[str, Any]) -> None:
    base = f"{TIR}/issuers/{did}"
    world.web.put_json(base, {"did": did, "attributes": f"{base}/attributes", "hasAttributes": True})
    world.web.put_json(
        f"{base}/attributes",
        {
            "self": f"{base}/attributes?page[after]=1&page[size]=10",
            "items": [{"id": "60ae", "href": f"{base}/attributes/60ae"}],
            "total": 1,
            "pageSize": 10,
            "links": {"first": "", "prev": "", "next": "", "last": ""},
        },
    )
    world.web.put_json(f"{base}/attributes/60ae", {"did": did, "attribute": attr})


def verify(world: World) -> Any:
    trust = build_trust(
        [TrustSource(type="ebsi", url=TIR)], fetcher=world.web.fetcher(), resolver=world.verifier().resolver
    )
    return world.verifier(trust=trust).verify_credential(world.sign(world.credential()), now=NOW)


def test_accredited_issuer_in_the_v5_shape_is_trusted(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, attribute(did))
    report = verify(world)
    assert report.trusted is True
    sentence = report.check("trust").sentence
    assert f"registered in the EBSI Trusted Issuers Registry at {TIR}" in sentence
    assert f"accredited by {TAO}" in sentence


def test_the_v4_shape_with_inline_attributes_is_read_too(world: World) -> None:
    did = controller(world.issuer)
    world.web.put_json(f"{TIR}/issuers/{did}", {"did": did, "attributes": [attribute(did)]})
    assert verify(world).trusted is True


def test_a_revoked_attribute_is_not_trusted(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, attribute(did, issuer_type="Revoked"))
    report = verify(world)
    assert report.trusted is False
    assert "revoked" in report.check("trust").sentence


def test_types_and_dates_outside_the_accreditation_are_not_trusted(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, attribute(did, types=["VerifiableCredential", "EuropeanDigitalCredential"]))
    report = verify(world)
    assert report.trusted is False
    assert "not accredited to issue credentials of type OpenBadgeCredential" in report.check("trust").sentence
    publish_v5(world, did, attribute(did, valid_from="2026-03-01T00:00:00Z"))
    assert "after this credential was issued" in verify(world).check("trust").sentence


def test_unknown_issuer_404_is_not_listed(world: World) -> None:
    did = controller(world.issuer)
    world.web.put_json(
        f"{TIR}/issuers/{did}",
        {
            "type": "about:blank",
            "title": "Issuer Not Found",
            "status": 404,
            "detail": f"Issuer {did} not found",
        },
        status=404,
    )
    report = verify(world)
    assert report.trusted is False
    assert "is not registered in the EBSI" in report.check("trust").sentence


def test_unreachable_or_wrong_shape_is_not_checked(world: World) -> None:
    did = controller(world.issuer)
    world.web.put_json(f"{TIR}/issuers/{did}", {}, status=500)
    assert verify(world).trusted is None
    world.web.put_json(f"{TIR}/issuers/{did}", {"did": did, "attributes": 7})
    report = verify(world)
    assert report.trusted is None
    assert "unexpected shape" in report.check("trust").sentence
