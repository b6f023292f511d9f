"""The pinned contexts are exactly the files the manifest names, with the digests it records."""

from __future__ import annotations

import hashlib
import json

import pytest

from microcred.contexts import (
    allowed_urls,
    context_document,
    context_variants,
    manifest_entries,
    offline_loader,
)
from microcred.contexts.loader import FILES_DIR, MANIFEST_PATH
from tests.factories import SHARED

OB_BETA = "f6c4c3b3b800cb9ffc87828d8105e3dd0d20692e5936d2cc4dead2b247e11a08"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"

# Canonical-JSON digests of the published contexts, independently recorded in the project's standards notes
# (shared/standards-w3c-ob3.md §8): a copy that differs in content from the published one fails here.
PUBLISHED_CANONICAL_SHA256 = {
    "https://www.w3.org/ns/credentials/v2": "b463c8d6a066214123ddd9827b135e1b50e1fc73322cc52a9b12a4f1fc7d86cf",
    "https://www.w3.org/2018/credentials/v1": "b01e671e873981f19a9102a9a57f666dbcaeb31b99e3e124378d143e71549247",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "3b11e1df8c618447e9f79f3737e3c30fc0841537eb95f36003742c633672bb9f",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "c5e555a91a5cf48e32ae0a05674c61ddd5c053b680b5643b2f57f9965e386d99",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "bdd1d11a55a660322f24660862a1d430ee80cce584465f750909daa43684357c",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "8bb2354552b70cbdf2066f6d3e24bc5c2be2619145737580ad2aebdc366e77d5",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "2c54acaa1cffda2420be32ab61f0a2082051211131c6337686f36f2537aa859b",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "15f4c347c6fe4380d9b6b93795859e33747ef48d5c55b91a71c52fb51c7bcbd7",
    "https://w3id.org/security/data-integrity/v2": "7ba3c50acf2689d5e07927267343eb353249c7c22a9f2d00307cc970e855e305",
    "https://w3id.org/security/data-integrity/v1": "9505bf85338a4c2121ad03992ac90061bc85d43bcfa34d9d47b779381cf08b5f",
    "https://w3id.org/security/multikey/v1": "be20c3ee6af6e9c4102e66a85c26617831218e32216bdf050f870e389e737cdc",
    "https://w3id.org/security/suites/ed25519-2020/v1": "fb517f09d990829aed734c9bad8cbbb2ac3d5063b865c7e3d81f246074bf5691",
    "https://www.w3.org/ns/credentials/status/v1": "b2fcebfbaf4e6beae2be370fda8a5f9f99c28540c798a75a8cdccc0fb1a12492",
    "https://w3id.org/vc/status-list/2021/v1": "9768f9aa81ab6c3e2ad96b2d669eaba67afe13fff0140a853f1e3d313fab13b6",
    "https://www.w3.org/ns/did/v1": "a7e146c40fcec005d3f0f14ae745665f446da58d7914a9d8f733746686fad82b",
    # the OB 3.0 beta text (§8: "old plugfest badges"), at the URLs the JFF plugfest 1 and early issuers used
    "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json": OB_BETA,
    "https://imsglobal.github.io/openbadges-specification/ob_v3p0.html": OB_BETA,
}

# Contexts the standards notes do not record: pinned here as vendored from the source the manifest names (npm
# package, or for CLR 2.0, which no npm package ships, the 1EdTech validator's bundled copy), so an edit fails.
VENDORED_CANONICAL_SHA256 = {
    "https://w3id.org/dcc/v1": "72bbeeb602655938f472f98317cab12c1bf6abc96a915d1fcc3fe18e79f92a42",
    "https://w3id.org/security/v1": "d87de2ce3ce407bcac481f8af31e211e54beb5cbd7dd459826ed0502302ee234",
    "https://w3id.org/security/v2": "38a9ef19cf3a75bf856202bd1ed4cbd55c985ad4a809eb7f4ef584ba9d51dc90",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "ff5ab3cbe89f16a7a57b802718b2fe9673d911cd319e5727799f6d327d87e38d",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "76e77733bcd0ddec3f13dce0ab8fdbe435f286b710c2a250d3974ffdae2ec019",
    # the 2018 suite's context as ed25519-signature-2018-context 1.1.0 ships it (tests/interop/test_suites_interop.py
    # compares our copies with what the installed packages give Digital Bazaar's suites)
    "https://w3id.org/security/suites/ed25519-2018/v1": "b4cb4ede62cd5c1e98b54340bf9d5ae636e6ba6e92b6bffb50be3c12b473a2de",
    "http://data.europa.eu/snb/model/context/edc-ap": "8b2aec7cb1ab330c91a88ddf4ac45866dff7011ea364380f1dcf237c279caa5b",
}
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"


# Our own contexts (source "microcred"): pinned here so that any edit of a published version fails.
OWN_CANONICAL_SHA256 = {
    "https://microcred.eu/contexts/eu-microcredential/v1.jsonld": "c12026e7b45634d58e06c738c02bec95002bba1690b79cefb84e489ed82b4da6",
}


def canonical_sha256(obj: object) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_every_file_matches_its_pinned_sha256() -> None:
    for entry in manifest_entries():
        data = (FILES_DIR / entry.file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256, entry.file


def test_manifest_records_source_package_and_canonical_digest() -> None:
    raw = json.loads(MANIFEST_PATH.read_text())["contexts"]
    for entry in raw:
        if entry["url"] in OWN_CANONICAL_SHA256:
            assert entry["source"] == "microcred", entry
        elif entry["url"] == EDC_CONTEXT:
            assert entry["source"].startswith("github:european-commission-empl/European-Learning-Model@"), (
                entry
            )
        elif "/clr/" in entry["url"]:
            assert entry["source"].startswith("github:1EdTech/digital-credentials-public-validator@"), entry
        else:
            assert entry["source"].startswith("npm:"), entry
        data = json.loads((FILES_DIR / entry["file"]).read_bytes())
        assert canonical_sha256(data) == entry["canonicalSha256"], entry["url"]


PINNED = PUBLISHED_CANONICAL_SHA256 | VENDORED_CANONICAL_SHA256 | OWN_CANONICAL_SHA256


@pytest.mark.parametrize("url", sorted(PINNED))
def test_content_equals_the_published_context(url: str) -> None:
    assert canonical_sha256(context_document(url)) == PINNED[url]


@pytest.mark.shared
def test_the_edc_context_is_byte_for_byte_the_commissions_reference_copy() -> None:
    entry = next(e for e in manifest_entries() if e.url == EDC_CONTEXT)
    assert (FILES_DIR / entry.file).read_bytes() == (SHARED / "elm" / "edc-ap-context.jsonld").read_bytes()


def test_allow_list_is_exactly_the_required_contexts() -> None:
    assert allowed_urls() == frozenset(PINNED)


def test_the_ob_beta_text_is_a_variant_of_context_json_never_served_in_its_place() -> None:
    assert [(name, canonical_sha256(doc)) for name, doc in context_variants(OB_CONTEXT)] == [
        ("3.0-beta", OB_BETA)
    ]
    assert canonical_sha256(context_document(OB_CONTEXT)) == PUBLISHED_CANONICAL_SHA256[OB_CONTEXT]
    assert (
        canonical_sha256(offline_loader()(OB_CONTEXT)["document"]) == PUBLISHED_CANONICAL_SHA256[OB_CONTEXT]
    )


def test_no_unlisted_file_in_the_folder() -> None:
    listed = {e.file for e in manifest_entries()}
    assert {p.name for p in FILES_DIR.iterdir()} == listed
