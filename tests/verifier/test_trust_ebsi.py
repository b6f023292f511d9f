"""An EBSI Trusted Issuers Registry-shaped endpoint, faked locally with the documented TIR v4/v5 response shapes.

Shapes per shared/eu-elements.md §6a: ``GET .../issuers/{did}`` → ``{did, attributes: <URL>, hasAttributes}`` (v5) or
``{did, attributes: [{hash, body, issuerType, tao, rootTao}]}`` (v4 / deprecated); 404 problem+json when unknown;
``.../attributes`` → ``{items: [{id, href}], total, pageSize, self, links}``; each attribute → ``{did, attribute}``.
The accreditation VC-JWTs are signed ES256 by the TAO, whose did:ebsi document (publicKeyJwk) the fake EBSI DID
Registry serves at ``.../did-registry/v5/identifiers/{did}``.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from microcred.vc.encodings import b64url_decode, b64url_encode
from microcred.verifier.trust_policy import TrustSource, build_trust
from tests.verifier.factories import NOW, World, controller

TIR = "https://api-pilot.ebsi.example/trusted-issuers-registry/v5"
DID_REGISTRY = "https://api-pilot.ebsi.example/did-registry/v5"
TAO = "did:ebsi:zTAOexample"
TAO_KEY = ec.derive_private_key(0x7A0, ec.SECP256R1())
OTHER_KEY = ec.derive_private_key(0xBAD, ec.SECP256R1())


def es256(signing_input: bytes, key: ec.EllipticCurvePrivateKey) -> str:
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def publish_tao(world: World, key: ec.EllipticCurvePrivateKey = TAO_KEY) -> None:
    """The TAO's did:ebsi document, as the EBSI DID Registry serves it (an ES256 key as publicKeyJwk)."""
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "secp256k1" if isinstance(key.curve, ec.SECP256K1) else "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }
    method = {"id": f"{TAO}#key", "type": "JsonWebKey2020", "controller": TAO, "publicKeyJwk": jwk}
    world.web.put_json(
        f"{DID_REGISTRY}/identifiers/{TAO}",
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": TAO,
            "verificationMethod": [method],
            "authentication": [method["id"]],
            "assertionMethod": [method["id"]],
        },
    )


def accreditation_jwt(
    did: str,
    *,
    types: list[str],
    valid_from: str = "2025-01-01T00:00:00Z",
    valid_until: str = "2030-01-01T00:00:00Z",
    key: ec.EllipticCurvePrivateKey = TAO_KEY,
) -> str:
    """A VerifiableAccreditationToAttest as a VC-JWT, signed ES256 by ``key`` (the TAO's, unless a test forges)."""
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
    alg = "ES256K" if isinstance(key.curve, ec.SECP256K1) else "ES256"
    header = b64url_encode(json.dumps({"alg": alg, "typ": "JWT", "kid": f"{TAO}#key"}).encode())
    payload = b64url_encode(json.dumps({"iss": TAO, "sub": did, "vc": vc}).encode())
    return f"{header}.{payload}.{es256(f'{header}.{payload}'.encode(), key)}"


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


def verify(world: World, tao_key: ec.EllipticCurvePrivateKey = TAO_KEY) -> Any:
    publish_tao(world, tao_key)
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
    assert f"accredited by {TAO} (the accreditation's signature verifies)" in sentence


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


def test_an_accreditation_not_signed_by_its_tao_is_not_trusted(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, attribute(did, key=OTHER_KEY))
    report = verify(world)
    assert report.trusted is False
    assert "is not validly signed: the JWS signature does not verify" in report.check("trust").sentence
    forged = attribute(did)
    header, payload, signature = forged["body"].split(".")
    claims = json.loads(b64url_decode(payload))
    claims["vc"]["validUntil"] = "2099-01-01T00:00:00Z"  # a longer accreditation than the TAO signed
    forged["body"] = f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
    publish_v5(world, did, forged)
    assert verify(world).trusted is False


def test_an_accreditation_signed_by_another_did_than_its_tao_is_not_trusted(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, {**attribute(did), "tao": "did:ebsi:zSomeoneElse"})
    report = verify(world)
    assert report.trusted is False
    assert (
        f"signed by {TAO}, not by its accrediting TAO did:ebsi:zSomeoneElse" in report.check("trust").sentence
    )


def test_an_unreachable_did_registry_leaves_trust_not_checked(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, attribute(did))
    trust = build_trust(
        [TrustSource(type="ebsi", url=TIR, did_registry="https://dids.ebsi.example/did-registry/v5")],
        fetcher=world.web.fetcher(),
        resolver=world.verifier().resolver,
    )
    world.web.put_json(f"https://dids.ebsi.example/did-registry/v5/identifiers/{TAO}", {}, status=503)
    report = world.verifier(trust=trust).verify_credential(world.sign(world.credential()), now=NOW)
    assert report.trusted is None
    assert "could not be retrieved" in report.check("trust").sentence


def test_an_es256k_tao_key_is_verified_too(world: World) -> None:
    """EBSI natural-person and some legal-entity keys are secp256k1 (ES256K, RFC 8812)."""
    key = ec.derive_private_key(0x51, ec.SECP256K1())
    did = controller(world.issuer)
    publish_v5(world, did, attribute(did, key=key))
    assert verify(world, tao_key=key).trusted is True
    assert verify(world).trusted is False  # the TAO's published key is P-256 again: the ES256K JWT fails


def test_an_accreditation_of_another_did_is_not_trusted(world: World) -> None:
    did = controller(world.issuer)
    publish_v5(world, did, attribute("did:ebsi:zAnotherUniversity"))
    report = verify(world)
    assert report.trusted is False
    assert (
        "its accreditation is for 'did:ebsi:zAnotherUniversity', not for this issuer"
        in report.check("trust").sentence
    )
