"""Realistic documents for benchmarks and equivalence tests: OB 3.0.3 AchievementCredentials with the EU
micro-credential elements, their VC 1.1 / OB 3.0.1-3.0.2 forms, status-list credentials, presentations and
DID documents. Plain functions returning fresh dicts; no I/O.
"""

from __future__ import annotations

from typing import Any

VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB302 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
OB301 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
OB_EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"
STATUS_2021 = "https://w3id.org/vc/status-list/2021/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY = "https://w3id.org/security/multikey/v1"

ISSUER_DID = "did:web:credentials.tudelft.example:issuers:tu-delft"
VERIFICATION_METHOD = f"{ISSUER_DID}#key-1"
SUBJECT_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
PUBLIC_KEY_MULTIBASE = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


def issuer_profile() -> dict[str, Any]:
    """The awarding body (EU element M4) with its country and region (M3)."""
    return {
        "id": ISSUER_DID,
        "type": ["Profile"],
        "name": "Technische Universiteit Delft",
        "url": "https://www.tudelft.example/",
        "email": "microcredentials@tudelft.example",
        "official": "Executive Board",
        "address": {
            "type": ["Address"],
            "addressCountry": "Netherlands",
            "addressCountryCode": "NL",
            "addressRegion": "Zuid-Holland",
            "addressLocality": "Delft",
        },
    }


def achievement() -> dict[str, Any]:
    """The micro-credential itself: title (M2), learning outcomes (M6), workload (M7), level (M8), ..."""
    return {
        "id": "https://credentials.tudelft.example/achievements/dpe-2026/v1",
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": "Data Protection Engineering",
        "description": "A 5 ECTS micro-credential on privacy by design, threat modelling and GDPR compliance.",
        "criteria": {
            "narrative": (
                "Learning outcomes: the learner can (1) model personal-data flows, (2) apply privacy-by-design "
                'patterns, (3) assess a system against GDPR Art. 25 and 32.\nAssessment: written exam "on site", '
                "identity verified; form of participation: online, part-time; quality assurance: NVAO accredited."
            )
        },
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": "apply data protection principles",
                "targetUrl": "http://data.europa.eu/esco/skill/6fb3b5a1-1b6e-4b8a-9e6f-2a5a3d2c5f11",
                "targetDescription": "ESCO skill (learning outcome M6)",
                "targetFramework": "ESCO",
                "targetType": "ext:ESCOSkill",
                "targetCode": "6fb3b5a1-1b6e-4b8a-9e6f-2a5a3d2c5f11",
            },
            {
                "type": ["Alignment"],
                "targetName": "EQF level 6",
                "targetUrl": "http://data.europa.eu/snb/eqf/6",
                "targetFramework": "European Qualifications Framework",
                "targetType": "ext:EQFLevel",
                "targetCode": "6",
            },
        ],
        "creditsAvailable": 5.0,
        "fieldOfStudy": "Information and Communication Technologies",
        "humanCode": "DPE-2026",
        "inLanguage": "en",
        "tag": ["privacy", "GDPR", "security engineering", "micro-credential"],
        "version": "1.0",
        "resultDescription": [
            {
                "id": "urn:uuid:4c2f0e5e-2b6b-4b43-9a4c-0d6f1d0e9a10",
                "type": ["ResultDescription"],
                "name": "Final grade",
                "resultType": "GradePointAverage",
                "valueMin": "1",
                "valueMax": "10",
                "requiredValue": "5.5",
            }
        ],
    }


def ob3_credential(index: int = 0) -> dict[str, Any]:
    """A realistic OB 3.0.3 AchievementCredential (VC 2.0) with EU elements, status and schema."""
    return {
        "@context": [VC2, OB303, OB_EXT],
        "id": f"urn:uuid:1f7b3a2e-6c55-4e0a-9b7d-{index:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Protection Engineering (micro-credential)",
        "description": "Awarded for completing the Data Protection Engineering micro-credential.",
        "issuer": issuer_profile(),
        "validFrom": "2026-06-30T12:00:00Z",
        "validUntil": "2031-06-30T12:00:00Z",
        "awardedDate": "2026-06-30T12:00:00Z",
        "credentialSubject": {
            "id": SUBJECT_DID,
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
                    "identityType": "emailAddress",
                    "salt": "Kosher",
                }
            ],
            "activityStartDate": "2026-02-02T00:00:00Z",
            "activityEndDate": "2026-06-19T00:00:00Z",
            "creditsEarned": 5.0,
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": "urn:uuid:4c2f0e5e-2b6b-4b43-9a4c-0d6f1d0e9a10",
                    "value": "8.5",
                    "status": "Completed",
                }
            ],
            "achievement": achievement(),
        },
        "evidence": [
            {
                "id": "https://credentials.tudelft.example/evidence/dpe-2026/exam",
                "type": ["Evidence"],
                "name": "Supervised written examination",
                "narrative": "On-site written exam with identity verification (optional element O2).",
                "genre": "Assessment",
            }
        ],
        "credentialStatus": {
            "id": f"https://credentials.tudelft.example/status/1#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": "https://credentials.tudelft.example/status/1",
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def proof_options(created: str = "2026-06-30T12:00:00Z") -> dict[str, Any]:
    """An eddsa-rdfc-2022 proof configuration without ``@context`` (the signer adds the document's)."""
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": VERIFICATION_METHOD,
        "proofPurpose": "assertionMethod",
    }


def proof_config(document: dict[str, Any]) -> dict[str, Any]:
    """The proof configuration as hashed by eddsa-rdfc-2022 (the document's contexts)."""
    return {"@context": document["@context"], **proof_options()}


def vc11_credential(ob_context: str = OB302) -> dict[str, Any]:
    """The VC 1.1 form (verification only) with an older OB context and the Ed25519Signature2020 context."""
    credential = ob3_credential(7)
    credential["@context"] = [VC1, ob_context, OB_EXT, ED25519_2020]
    credential["issuanceDate"] = credential.pop("validFrom")
    credential["expirationDate"] = credential.pop("validUntil")
    # not defined by the older OB contexts under VC 1.1 (safe mode would refuse them)
    del credential["credentialStatus"], credential["awardedDate"]
    achievement_ = credential["credentialSubject"]["achievement"]
    del achievement_["inLanguage"]
    if ob_context == OB301:
        del achievement_["resultDescription"]
    return credential


def status_list_credential(
    encoded_list: str = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
) -> dict[str, Any]:
    """A BitstringStatusListCredential (VC 2.0)."""
    return {
        "@context": [VC2],
        "id": "https://credentials.tudelft.example/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-06-30T12:00:00Z",
        "credentialSubject": {
            "id": "https://credentials.tudelft.example/status/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }


def presentation(credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """A VerifiablePresentation embedding credentials (their proofs become nested named graphs)."""
    return {
        "@context": [VC2, OB303, OB_EXT],
        "id": "urn:uuid:9a3c4f0e-0c1d-4d55-8f7e-5b2a1c3d4e5f",
        "type": ["VerifiablePresentation"],
        "holder": SUBJECT_DID,
        "verifiableCredential": credentials,
    }


def signed(document: dict[str, Any], proof_value: str = "z" + "5" * 86) -> dict[str, Any]:
    """``document`` with a (fake-valued) embedded eddsa-rdfc-2022 proof, for shape tests."""
    return {**document, "proof": {**proof_options(), "proofValue": proof_value}}


def did_document() -> dict[str, Any]:
    """A did:web document listing the key as Multikey and as Ed25519VerificationKey2020."""
    return {
        "@context": [DID_V1, MULTIKEY, ED25519_2020],
        "id": ISSUER_DID,
        "verificationMethod": [
            {
                "id": VERIFICATION_METHOD,
                "type": "Multikey",
                "controller": ISSUER_DID,
                "publicKeyMultibase": PUBLIC_KEY_MULTIBASE,
            },
            {
                "id": f"{VERIFICATION_METHOD}-2020",
                "type": "Ed25519VerificationKey2020",
                "controller": ISSUER_DID,
                "publicKeyMultibase": PUBLIC_KEY_MULTIBASE,
            },
        ],
        "assertionMethod": [VERIFICATION_METHOD, f"{VERIFICATION_METHOD}-2020"],
        "authentication": [VERIFICATION_METHOD],
    }


def issuer_credential(index: int = 0, issuer_did: str = ISSUER_DID) -> dict[str, Any]:
    """An AchievementCredential exactly as ``issuer.build_credential`` makes it (VC 2.0, OB 3.0.3, our EU
    context) for the demo micro-credential, with a grade, evidence and a BitstringStatusListEntry.
    """
    from datetime import UTC, datetime

    from microcred.issuer import (
        DEMO_ACHIEVEMENT,
        AchievementDefinition,
        Award,
        IssuerProfile,
        Learner,
        achievement_document,
        build_credential,
    )

    definition = AchievementDefinition.model_validate(DEMO_ACHIEVEMENT).normalized()
    achievement_ = achievement_document(
        definition, achievement_id="https://credentials.tudelft.example/achievements/dce/v1", version=1
    )
    profile = IssuerProfile(
        did=issuer_did,
        name="Technische Universiteit Delft",
        url="https://www.tudelft.example/",
        country="NL",
        region="Zuid-Holland",
    )
    award = Award(
        learner=Learner(did=SUBJECT_DID, name="Ada Lovelace", email="ada@example.org"),
        awarded_date=datetime(2026, 6, 30, 12, tzinfo=UTC),
        valid_from=datetime(2026, 6, 30, 12, tzinfo=UTC),
        valid_until=datetime(2031, 6, 30, 12, tzinfo=UTC),
        grade="Pass",
        ects_awarded=2.0,
        assessment_date=datetime(2026, 6, 19, 9, tzinfo=UTC),
        evidence=[{"id": "https://credentials.tudelft.example/evidence/dce/portfolio", "name": "Portfolio"}],
    )
    status = {
        "id": f"https://credentials.tudelft.example/status/1#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": "https://credentials.tudelft.example/status/1",
    }
    return build_credential(
        credential_id=f"urn:uuid:7d1e0b3c-4f2a-4c8e-9a61-{index:012d}",
        issuer=profile,
        achievement=achievement_,
        award=award,
        salt=f"salt-{index}",
        credential_status=status,
    )
