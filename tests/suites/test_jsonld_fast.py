"""The fast JSON-LD → RDF path gives exactly pyld's dataset (pyld is the reference), or None.

Equality is checked on canonical N-Quads: pyld's URDNA2015 over pyld's own ``to_rdf`` versus pyld's URDNA2015
over the fast path's quads, so blank-node labels do not matter but every quad does (duplicates included).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from pyld.canon import URDNA2015

from bench import samples
from microcred.contexts import offline_loader
from microcred.suites import jsonld_contexts
from microcred.suites.jsonld_fast import fast_to_dataset
from tests.factories import EDDSA_VECTORS, EXAMPLES_V2, EXAMPLES_V2_URL, load_json

TEST_VECTORS = EDDSA_VECTORS
EXAMPLES_URL = EXAMPLES_V2_URL
# From ../shared; without it the tests marked ``shared`` below are left out (tests/conftest.py), and no other
# test here uses the examples context.
EXAMPLES = {EXAMPLES_URL: load_json(EXAMPLES_V2)} if EXAMPLES_V2.is_file() else {}
LOADER = offline_loader(extra=EXAMPLES)
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
DEFAULT_BASE = "http://example.org/base/"  # where pyld resolves relative IRIs


_UNESCAPE = re.compile(r'\\(["\\tnr])')
_ESCAPED = {'"': '"', "\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def pyld_term(term: str) -> dict[str, str]:
    """One N-Quads term string of the fast path as a pyld RDF term (the inverse of pyld's serializer)."""
    if term.startswith("<"):
        return {"type": "IRI", "value": term[1:-1]}
    if term.startswith("_:"):
        return {"type": "blank node", "value": term}
    end = term.rindex('"')
    node = {"type": "literal", "value": _UNESCAPE.sub(lambda m: _ESCAPED[m[1]], term[1:end])}
    rest = term[end + 1 :]
    if rest.startswith("@"):
        node |= {"datatype": RDF_LANGSTRING, "language": rest[1:]}
    elif rest.startswith("^^<"):
        node["datatype"] = rest[3:-1]
    else:
        node["datatype"] = XSD_STRING
    return node


def canonical_fast(document: dict[str, Any], extra: dict[str, Any] | None = None) -> str | None:
    """pyld's URDNA2015 over the fast path's quads (fed as pyld's own dataset structure, no parsing)."""
    dataset = fast_to_dataset(document, extra_contexts=extra)
    if dataset is None:
        return None
    graphs: dict[str, list[dict[str, Any]]] = {}
    for s, p, o, g in dataset:
        triple = {"subject": pyld_term(s), "predicate": pyld_term(p), "object": pyld_term(o)}
        graphs.setdefault(g[1:-1] if g.startswith("<") else g or "@default", []).append(triple)
    return str(URDNA2015().main(graphs, {"algorithm": "URDNA2015", "format": "application/n-quads"}))


def canonical_pyld(document: dict[str, Any]) -> str:
    return str(
        jsonld.normalize(
            copy.deepcopy(document),
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": LOADER},
        )
    )


def pyld_drops(document: dict[str, Any]) -> list[Any]:
    dropped: list[Any] = []
    jsonld.JsonLdProcessor(on_property_dropped=dropped.append).expand(
        copy.deepcopy(document), {"documentLoader": LOADER}
    )
    return dropped


def assert_same_as_pyld(document: dict[str, Any]) -> str:
    assert pyld_drops(document) == [], "the sample itself must be clean JSON-LD"
    fast = canonical_fast(document)
    assert fast is not None, "the fast path must handle this document"
    expected = canonical_pyld(document)
    assert fast == expected
    return fast


# --- W3C vc-di-eddsa vectors (examples context passed as a test-only extra) -----------------------------------


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# (the employ/ vectors need the citizenship context, which is not vendored)
VECTOR_CASES = [
    ("unsigned.json", "eddsa-rdfc-2022/canonDocDataInt.txt"),
    ("eddsa-rdfc-2022/proofConfigDataInt.json", "eddsa-rdfc-2022/proofCanonDataInt.txt"),
    ("unsigned.json", "Ed25519Signature2020/canonDocEdSig.txt"),
    ("Ed25519Signature2020/proofConfigEdSig.json", "Ed25519Signature2020/proofCanonEdSig.txt"),
]


@pytest.mark.shared
@pytest.mark.parametrize(("document", "canonical"), VECTOR_CASES)
def test_vectors_byte_for_byte(document: str, canonical: str) -> None:
    doc = json.loads(_read(TEST_VECTORS / document))
    fast = canonical_fast(doc, EXAMPLES)
    assert fast == _read(TEST_VECTORS / canonical)
    assert fast == canonical_pyld(doc)


@pytest.mark.shared
def test_examples_context_is_not_fast_without_the_extra() -> None:
    assert fast_to_dataset(json.loads(_read(TEST_VECTORS / "unsigned.json"))) is None


# --- realistic documents -------------------------------------------------------------------------------------


def _vc11_data_integrity() -> dict[str, Any]:
    """A VC 1.1 credential as eddsa-rdfc-2022 prepares it (the Data Integrity context appended)."""
    credential = samples.vc11_credential()
    credential["@context"] = [*credential["@context"], samples.DATA_INTEGRITY]
    return credential


def _ed25519_2020_config() -> dict[str, Any]:
    config = samples.proof_config(samples.vc11_credential())
    config["type"] = "Ed25519Signature2020"
    del config["cryptosuite"]
    return config


REALISTIC = {
    "ob3-achievement-credential": samples.ob3_credential,
    "ob3-proof-configuration": lambda: samples.proof_config(samples.ob3_credential()),
    "ob3-signed": lambda: samples.signed(samples.ob3_credential()),
    "vc11-ob302": lambda: samples.vc11_credential(samples.OB302),
    "vc11-ob301": lambda: samples.vc11_credential(samples.OB301),
    "bitstring-status-list-credential": samples.status_list_credential,
    "presentation-with-signed-credentials": lambda: samples.presentation(
        [samples.signed(samples.ob3_credential(1)), samples.signed(samples.ob3_credential(2))]
    ),
    "did-document": samples.did_document,
    "vc11-with-data-integrity-context": _vc11_data_integrity,
    "vc11-data-integrity-proof-configuration": lambda: samples.proof_config(_vc11_data_integrity()),
    "vc11-ed25519signature2020-proof-configuration": _ed25519_2020_config,
    "issuer-built-eu-credential": samples.issuer_credential,
    "issuer-built-eu-credential-signed": lambda: samples.signed(samples.issuer_credential()),
    "issuer-built-eu-proof-configuration": lambda: samples.proof_config(samples.issuer_credential()),
}


@pytest.mark.parametrize("name", sorted(REALISTIC))
def test_realistic_documents_take_the_fast_path_and_match_pyld(name: str) -> None:
    assert_same_as_pyld(REALISTIC[name]())


def test_presentation_keeps_credentials_and_proofs_in_their_own_graphs() -> None:
    vp = samples.presentation([samples.signed(samples.ob3_credential(1))])
    dataset = fast_to_dataset(vp)
    assert dataset is not None
    graphs = {g for *_, g in dataset}
    assert len(graphs) == 3  # default graph, the credential's graph, the proof's graph


def test_contexts_are_processed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    document = samples.ob3_credential()
    assert fast_to_dataset(document) is not None
    calls: list[Any] = []
    processor = jsonld_contexts.contexts_for(None).processor
    original = processor._process_context
    monkeypatch.setattr(processor, "_process_context", lambda *a, **k: calls.append(a) or original(*a, **k))
    for index in range(5):
        assert fast_to_dataset(samples.ob3_credential(index)) is not None
    assert calls == []


# --- numbers, booleans and literals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [0, 1, -7, 5.0, 2.5, -0.0, 1e20, 123456789012345678, 0.1, 1.5e-7, True, False, "5", 'x\ty\n"q"\\'],
)
@pytest.mark.parametrize("term", ["creditsAvailable", "version", "humanCode"])
def test_numbers_and_literals_match_pyld(term: str, value: Any) -> None:
    credential = samples.ob3_credential()
    credential["credentialSubject"]["achievement"][term] = value
    assert_same_as_pyld(credential)


def test_coordinates_are_canonical_doubles() -> None:
    credential = samples.ob3_credential()
    credential["issuer"]["address"]["geo"] = {
        "type": "GeoCoordinates",
        "latitude": 52.0116,
        "longitude": 4.3571,
    }
    canonical = assert_same_as_pyld(credential)
    assert '"5.20116E1"^^<http://www.w3.org/2001/XMLSchema#double>' in canonical


def test_language_tagged_values_and_json_literals_match_pyld() -> None:
    credential = samples.ob3_credential()
    credential["name"] = [
        {"@value": "Gegevensbescherming", "@language": "NL"},
        {"@value": "Data protection", "@language": "en-GB"},
    ]
    credential["description"] = {"@value": "Typed", "@type": "https://schema.org/Text"}
    assert_same_as_pyld(credential)


def test_one_node_written_twice_matches_pyld() -> None:
    credential = samples.ob3_credential()
    description = credential["credentialSubject"]["achievement"]["resultDescription"][0]
    description["allowedValue"] = ["A", "B"]
    credential["credentialSubject"]["achievement"]["resultDescription"].append(copy.deepcopy(description))
    assert_same_as_pyld(credential)


def test_lists_match_pyld_including_the_empty_list() -> None:
    credential = samples.ob3_credential()
    description = credential["credentialSubject"]["achievement"]["resultDescription"][0]
    description["allowedValue"] = ["A", "B", "A", "C"]
    assert_same_as_pyld(credential)
    description["allowedValue"] = []
    assert_same_as_pyld(credential)


# --- what the fast path must refuse (the reference path then applies safe mode) -------------------------------


def _refused(mutate: Any) -> dict[str, Any]:
    credential = samples.ob3_credential()
    mutate(credential)
    return credential


REFUSED = {
    "undefined term": lambda c: c["credentialSubject"].update(nickname="x"),
    "undefined term in a nested node": lambda c: c["credentialSubject"]["achievement"].update(ects=5),
    "undefined type": lambda c: c.update(type=["VerifiableCredential", "MicroCredentialX"]),
    "relative id": lambda c: c.update(id="credentials/1"),
    "relative IRI value": lambda c: c["credentialSubject"]["achievement"].update(image="images/badge.png"),
    "inline context": lambda c: c.update({"@context": [*c["@context"], {"nickname": "https://ex.org/nick"}]}),
    "embedded inline context": lambda c: c["credentialSubject"].update(
        {"@context": {"x": "https://ex.org/x"}}
    ),
    "unpinned context": lambda c: c.update({"@context": [*c["@context"], "https://example.org/ctx.jsonld"]}),
    "null value": lambda c: c.update(name=None),
    "empty array": lambda c: c.update(evidence=[]),
    "control character": lambda c: c.update(name="bell\x07"),
    "@direction": lambda c: c.update(name={"@value": "x", "@language": "ar", "@direction": "rtl"}),
    "reverse keyword": lambda c: c.update({"@reverse": {}}),
    "nested array": lambda c: c["credentialSubject"]["achievement"].update(tag=[["a"]]),
    "typed duplicate of a plain value": lambda c: c.update(
        name=["x", {"@value": "x", "@type": "http://www.w3.org/2001/XMLSchema#string"}]
    ),
    "xsd:double typed string": lambda c: c.update(
        description={"@value": "1.50", "@type": "http://www.w3.org/2001/XMLSchema#double"}
    ),
    "huge integer": lambda c: c["credentialSubject"]["achievement"].update(version=10**21),
    # pyld merges the two nodes but keeps both empty lists: the rdf:nil quad twice
    "one node written twice with empty lists": lambda c: c["credentialSubject"]["achievement"].update(
        resultDescription=[{"id": "urn:x:rd", "type": "ResultDescription", "allowedValue": []}] * 2
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refuses_what_it_cannot_reproduce_exactly(case: str) -> None:
    assert fast_to_dataset(_refused(REFUSED[case])) is None


def test_undefined_term_is_refused_where_pyld_would_silently_drop_it() -> None:
    credential = _refused(REFUSED["undefined term"])
    assert pyld_drops(credential) == ["nickname"]
    assert fast_to_dataset(credential) is None


def test_non_documents_are_refused() -> None:
    assert fast_to_dataset({"@context": samples.VC2}) is None
    assert fast_to_dataset({"@context": [samples.VC2], "id": "urn:x:1"}) is None
    assert fast_to_dataset({"id": "urn:x:1", "type": "VerifiableCredential"}) is None
    assert fast_to_dataset({"@context": [], "type": "VerifiableCredential"}) is None
    not_json = samples.ob3_credential()
    not_json["credentialSubject"][1] = "x"  # a non-string key: not JSON, left to the reference path
    assert fast_to_dataset(not_json) is None


# --- generated corpus ----------------------------------------------------------------------------------------

_UNPORTABLE = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127])
text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters=_UNPORTABLE), max_size=24
) | st.sampled_from(['quote " and \\ backslash', "tab\there\nnewline\r", "ünïcødé ✓ 😀", "", " "])
slug = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=12)
iri = st.one_of(
    slug.map(lambda s: f"https://example.edu/{s}"),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.sampled_from([samples.ISSUER_DID, samples.SUBJECT_DID, "did:example:ebfeb1f712ebc6f1c276e12ec21"]),
)
node_id = iri | slug.map(lambda s: f"_:{s}")
number = st.one_of(
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(min_value=-1e20, max_value=1e20, allow_nan=False, allow_infinity=False),
)
when = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
language = st.sampled_from(["en", "nl", "fr-BE", "de-CH", "EN-gb"])
lang_value = st.builds(lambda v, lang: {"@value": v, "@language": lang}, text, language)
name_value = st.one_of(text, lang_value, st.lists(lang_value, min_size=1, max_size=3))


def one_or_many(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


def typed(name: str) -> st.SearchStrategy[Any]:
    return st.sampled_from([name, [name]])


address = st.fixed_dictionaries(
    {"type": typed("Address")},
    optional={
        "addressCountry": text,
        "addressCountryCode": st.sampled_from(["NL", "BE", "DE"]),
        "addressRegion": text,
        "addressLocality": text,
        "postalCode": text,
        "geo": st.fixed_dictionaries(
            {"type": st.just("GeoCoordinates"), "latitude": number, "longitude": number}
        ),
    },
)
profile = st.one_of(
    iri,
    st.fixed_dictionaries(
        {"id": iri, "type": typed("Profile")},
        optional={
            "name": name_value,
            "url": iri,
            "email": text,
            "phone": text,
            "description": name_value,
            "address": address,
            "official": text,
        },
    ),
)
alignment = st.fixed_dictionaries(
    {"type": typed("Alignment"), "targetName": text, "targetUrl": iri},
    optional={
        "targetCode": text,
        "targetDescription": text,
        "targetFramework": text,
        "targetType": st.sampled_from(["ext:ESCOSkill", "CFItem", "ceasn:Competency"]),
    },
)
rubric_level = st.fixed_dictionaries(
    {"id": iri, "type": typed("RubricCriterionLevel"), "name": text},
    optional={"level": text, "points": text, "description": text},
)
result_description = st.fixed_dictionaries(
    {
        "id": iri,
        "type": typed("ResultDescription"),
        "name": text,
        "resultType": st.sampled_from(["Percent", "Status"]),
    },
    optional={
        "allowedValue": st.lists(text, max_size=4),
        "valueMin": text,
        "valueMax": text,
        "requiredValue": text,
        "requiredLevel": iri,
        "rubricCriterionLevel": st.lists(rubric_level, min_size=1, max_size=2),
    },
)
image = st.one_of(
    iri, st.fixed_dictionaries({"id": iri, "type": st.just("Image")}, optional={"caption": name_value})
)
achievement = st.fixed_dictionaries(
    {
        "id": iri,
        "type": typed("Achievement"),
        "name": name_value,
        "description": name_value,
        "criteria": st.one_of(iri, st.fixed_dictionaries({}, optional={"id": iri, "narrative": text})),
    },
    optional={
        "achievementType": st.sampled_from(["MicroCredential", "Course", "ext:Custom"]),
        "alignment": st.lists(alignment, min_size=1, max_size=3),
        "creditsAvailable": number,
        "fieldOfStudy": text,
        "humanCode": text,
        "inLanguage": language,
        "tag": one_or_many(text),
        "version": text | number,
        "resultDescription": st.lists(result_description, min_size=1, max_size=2),
        "image": image,
        "creator": profile,
        "otherIdentifier": st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.just("IdentifierEntry"),
                    "identifier": text,
                    "identifierType": st.just("sourcedId"),
                }
            ),
            min_size=1,
            max_size=2,
        ),
    },
)
identity = st.fixed_dictionaries(
    {
        "type": st.just("IdentityObject"),
        "hashed": st.booleans(),
        "identityHash": text,
        "identityType": st.sampled_from(["emailAddress", "studentId"]),
    },
    optional={"salt": text},
)
result = st.fixed_dictionaries(
    {"type": typed("Result")},
    optional={
        "resultDescription": iri,
        "value": text,
        "status": st.sampled_from(["Completed", "Enrolled", "Failed"]),
        "achievedLevel": iri,
    },
)
subject = st.fixed_dictionaries(
    {"type": typed("AchievementSubject"), "achievement": achievement},
    optional={
        "id": node_id,
        "identifier": st.lists(identity, min_size=1, max_size=2),
        "creditsEarned": number,
        "result": st.lists(result, min_size=1, max_size=2),
        "activityStartDate": when,
        "activityEndDate": when,
        "licenseNumber": text,
        "role": text,
        "term": text,
        "image": image,
        "source": profile,
    },
)
evidence = st.fixed_dictionaries(
    {"type": typed("Evidence")},
    optional={
        "id": iri,
        "name": text,
        "narrative": text,
        "description": text,
        "genre": text,
        "audience": text,
    },
)
status_entry = st.fixed_dictionaries(
    {
        "id": iri,
        "type": st.just("BitstringStatusListEntry"),
        "statusPurpose": st.sampled_from(["revocation", "suspension"]),
        "statusListIndex": st.integers(min_value=0, max_value=10**6).map(str),
        "statusListCredential": iri,
    }
)
schema = st.fixed_dictionaries({"id": iri, "type": st.just("1EdTechJsonSchemaValidator2019")})
proof = st.fixed_dictionaries(
    {
        "type": st.just("DataIntegrityProof"),
        "cryptosuite": st.just("eddsa-rdfc-2022"),
        "created": when,
        "verificationMethod": iri,
        "proofPurpose": st.sampled_from(["assertionMethod", "authentication"]),
        "proofValue": slug.map(lambda s: "z" + s),
    }
)
credential = st.fixed_dictionaries(
    {
        "@context": st.just([samples.VC2, samples.OB303, samples.OB_EXT]),
        "id": iri,
        "type": st.sampled_from(
            [
                ["VerifiableCredential", "OpenBadgeCredential"],
                ["VerifiableCredential", "AchievementCredential"],
                ["AchievementCredential", "VerifiableCredential"],
            ]
        ),
        "issuer": profile,
        "validFrom": when,
        "credentialSubject": one_or_many(subject),
    },
    optional={
        "name": name_value,
        "description": name_value,
        "validUntil": when,
        "awardedDate": when,
        "image": image,
        "evidence": st.lists(evidence, min_size=1, max_size=2),
        "credentialStatus": status_entry,
        "credentialSchema": one_or_many(schema),
        "proof": one_or_many(proof),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credential)
def test_generated_ob3_credentials_match_pyld(document: dict[str, Any]) -> None:
    assert pyld_drops(document) == []
    expected = canonical_pyld(document)
    fast = canonical_fast(document)
    if fast is None:
        # the one refusal a clean credential may meet: pyld would emit a quad twice (a node written twice
        # with an empty list), which the fast path does not imitate
        lines = expected.splitlines()
        assert len(lines) != len(set(lines)), "the fast path refused a clean credential"
        return
    assert fast == expected


# Messier documents: mostly defined terms and well-typed values, with a sprinkling of what must be refused
# (undefined terms, keywords, nulls, empty arrays, relative and blank-node ids, values of the wrong shape).
GOOD_KEYS = [
    "id", "type", "name", "description", "issuer", "validFrom", "credentialSubject", "achievement", "alignment",
    "targetUrl", "targetName", "tag", "creditsAvailable", "allowedValue", "resultDescription", "image",
    "evidence", "narrative", "criteria", "https://schema.org/keywords", "proof", "proofValue", "hashed",
]  # fmt: skip
BAD_KEYS = ["nickname", "@id", "@type", "@value", "@language", "@list", "@set", "@graph", "_:b", "schema:foo"]
TYPE_NAMES = ["VerifiableCredential", "Achievement", "AchievementSubject", "Alignment", "ResultDescription",
              "Profile", "Evidence", "Image", "IdentityObject", "DataIntegrityProof", "Unknown"]  # fmt: skip
scalar = st.integers(min_value=0, max_value=40).flatmap(
    lambda n: (
        st.none()
        if n == 0
        else st.sampled_from(["_:x", "relative/path", ""])
        if n == 1
        else st.one_of(text, iri, iri, number, st.booleans(), st.sampled_from(TYPE_NAMES))
    )
)
key = st.sampled_from(GOOD_KEYS * 4 + BAD_KEYS)
messy = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=4),
    max_leaves=12,
)
messy_document = st.builds(
    lambda body, contexts: {"@context": contexts, **body},
    st.dictionaries(key, messy, min_size=1, max_size=5),
    st.sampled_from(
        [
            [samples.VC2, samples.OB303],
            [samples.VC2],
            [samples.VC1, samples.OB302],
            [
                samples.VC2,
                samples.OB303,
                samples.OB_EXT,
                "https://microcred.eu/contexts/eu-microcredential/v1.jsonld",
            ],
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_document)
def test_messy_documents_are_either_refused_or_exactly_pyld(document: dict[str, Any]) -> None:
    fast = canonical_fast(document)
    if fast is None:
        return
    assert pyld_drops(document) == []
    expected = canonical_pyld(document)
    assert DEFAULT_BASE not in expected  # no relative IRI was accepted
    assert fast == expected


def _slots(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in a document, outside @context."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "@context":
                found.append((node, k))
                _slots(v, found)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found.append((node, i))
            _slots(v, found)
    return found


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credential, st.data())
def test_mutated_credentials_are_either_refused_or_exactly_pyld(document: dict[str, Any], data: Any) -> None:
    """Realistic credentials with random edits: new values of any shape, new keys (defined or not), deletions."""
    document = copy.deepcopy(document)  # the strategies share constant lists (contexts, types)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        container, slot = data.draw(st.sampled_from(_slots(document, [])))
        action = data.draw(st.sampled_from(["replace", "replace", "add", "delete"]))
        if action == "replace":
            container[slot] = data.draw(messy)
        elif action == "add" and isinstance(container, dict):
            container[data.draw(key)] = data.draw(messy)
        elif isinstance(container, dict):
            del container[slot]
        else:
            container.pop(slot)
    fast = canonical_fast(document)
    if fast is None:
        return
    assert pyld_drops(document) == []
    expected = canonical_pyld(document)
    assert DEFAULT_BASE not in expected
    assert fast == expected
