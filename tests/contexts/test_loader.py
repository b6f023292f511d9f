"""The offline loader serves only pinned contexts, never touches the network, and refuses anything else."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

import microcred.contexts.loader as loader_module
from microcred.contexts import context_document, offline_loader
from microcred.vc.errors import ContextNotAllowed, MicrocredError

OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to open a socket or resolve a name is recorded and fails."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def ob3_credential() -> dict[str, Any]:
    return {
        "@context": [VC2, OB3],
        "id": "urn:uuid:2f4b1c52-4b0e-4c1a-9d1e-0f0a6e3c8a11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:example.org", "type": ["Profile"], "name": "Example University"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Data Literacy",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:learner",
            "achievement": {
                "id": "https://example.org/achievements/1",
                "type": ["Achievement"],
                "name": "Data Literacy",
                "description": "Reads and reasons with data.",
                "criteria": {"narrative": "Pass the exam."},
            },
        },
    }


def test_expanding_an_ob3_credential_uses_no_network(no_network: list[Any]) -> None:
    expanded = jsonld.expand(ob3_credential(), {"documentLoader": offline_loader()})
    assert expanded[0]["@type"] == [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
    ]
    assert no_network == []


def test_unknown_context_url_is_refused_and_named(no_network: list[Any]) -> None:
    doc = ob3_credential()
    doc["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(jsonld.JsonLdError) as info:
        jsonld.expand(doc, {"documentLoader": offline_loader()})
    cause: BaseException | None = info.value
    while cause is not None and not isinstance(cause, ContextNotAllowed):
        cause = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
    assert isinstance(cause, ContextNotAllowed)
    assert "https://evil.example/context.jsonld" in str(cause)
    assert no_network == []


def test_loader_direct_call_refuses_unknown_url() -> None:
    with pytest.raises(ContextNotAllowed, match=r"https://example\.com/other"):
        offline_loader()("https://example.com/other", {})


def test_loader_returns_static_tagged_copies() -> None:
    load = offline_loader()
    first = load(VC2, {})
    assert first["tag"] == "static"
    assert first["documentUrl"] == VC2
    first["document"]["@context"]["tampered"] = "x"
    assert "tampered" not in load(VC2, {})["document"]["@context"]
    assert "tampered" not in context_document(VC2)["@context"]


def test_extra_documents_are_served_only_by_that_loader(tmp_path: Path) -> None:
    extra = {"https://www.w3.org/ns/credentials/examples/v2": {"@context": {"@vocab": "https://ex#"}}}
    assert (
        offline_loader(extra)("https://www.w3.org/ns/credentials/examples/v2", {})["document"]
        == extra["https://www.w3.org/ns/credentials/examples/v2"]
    )
    with pytest.raises(ContextNotAllowed):
        offline_loader()("https://www.w3.org/ns/credentials/examples/v2", {})


def test_a_modified_context_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A context file whose bytes no longer match the pinned digest is never served."""
    files = tmp_path / "files"
    files.mkdir()
    for entry in loader_module.manifest_entries():
        data = (loader_module.FILES_DIR / entry.file).read_bytes()
        if entry.url == VC2:
            obj = json.loads(data)
            obj = copy.deepcopy(obj)
            obj["@context"]["VerifiableCredential"] = "https://evil.example/vc"
            data = json.dumps(obj).encode()
        (files / entry.file).write_bytes(data)
    monkeypatch.setattr(loader_module, "FILES_DIR", files)
    loader_module._pinned_documents.cache_clear()
    try:
        with pytest.raises(MicrocredError, match="sha256"):
            offline_loader()
    finally:
        monkeypatch.undo()
        loader_module._pinned_documents.cache_clear()
