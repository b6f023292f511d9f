"""Secrets (seeds, sealed seeds, KEK, API keys, admin token) never appear in logs, responses or exception texts."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from microcred.app import Settings
from microcred.app.cli import cli
from microcred.app.core.logs import JsonFormatter
from microcred.app.db.tables import Institution, SigningKey
from microcred.app.institutions.keys import institution_keys
from microcred.keys import LocalKeyStore
from microcred.vc.encodings import b64url_encode
from microcred.vc.errors import KeyMaterialError
from tests.app.factories import ADMIN_TOKEN, KEK

NewInstitution = Callable[..., dict[str, Any]]


def _forms(secret: bytes) -> list[str]:
    return [secret.hex(), b64url_encode(secret), base64.b64encode(secret).decode(), repr(secret)[2:-1]]


def test_no_secret_leaks(
    client: TestClient,
    admin: dict[str, str],
    new_institution: NewInstitution,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with caplog.at_level(logging.DEBUG):
        created = new_institution("uni-a")
        api_key = created["apiKey"]["key"]
        extra_key = client.post("/admin/institutions/uni-a/api-keys", headers=admin).json()["key"]
        monkeypatch.setenv("MICROCRED_DATABASE_URL", settings.resolved_database_url)
        monkeypatch.setenv("MICROCRED_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("MICROCRED_KEY_ENCRYPTION_KEY", KEK)
        rotated = CliRunner().invoke(cli, ["keys", "rotate", "uni-a", "--json"])
        assert rotated.exit_code == 0, rotated.output
        bodies = [
            client.get(path, headers=headers).text
            for path, headers in [
                ("/institutions/uni-a", {"Authorization": f"Bearer {api_key}"}),
                ("/institutions/uni-a/keys", {"Authorization": f"Bearer {api_key}"}),
                ("/issuers/uni-a", {}),
                ("/issuers/uni-a/did.json", {}),
                ("/admin/institutions", admin),
                ("/admin/institutions/uni-a/api-keys", admin),
                ("/openapi.json", {}),
            ]
        ]
        bodies.append(rotated.output)
        bodies.append(client.get("/institutions/uni-a", headers={"Authorization": f"Bearer {api_key}x"}).text)

    services = client.app.state.services
    with services.sessions() as session:
        sealed = list(session.scalars(select(SigningKey.sealed_secret)))
        institution = session.scalar(select(Institution))
        assert institution is not None
        # Open the sealed seeds here (as an attacker with the KEK would) to know what must never be printed.
        seeds = []
        for key in session.scalars(select(SigningKey)):
            vm = f"{institution.did}#{key.kid}"
            seeds.append(
                ChaCha20Poly1305(settings.kek()).decrypt(
                    key.sealed_secret[1:13], key.sealed_secret[13:], vm.encode()
                )
            )
        # A KeyMaterialError (wrong KEK) names the key, not the material.
        with pytest.raises(KeyMaterialError) as info:
            institution_keys(institution).signer(session, keystore=LocalKeyStore(bytes(32)))
        signer = institution_keys(institution).signer(session, keystore=services.keystore)
    assert len(seeds) == 2
    assert all(len(s) == 32 for s in seeds)

    secrets = [api_key, extra_key, ADMIN_TOKEN, KEK, api_key.split("_", 2)[2]]
    for raw in [*seeds, *sealed, settings.kek()]:
        secrets.extend(_forms(raw))
    logs = "\n".join(JsonFormatter().format(r) for r in caplog.records) + caplog.text
    texts = {
        "logs": logs,
        "responses": "\n".join(bodies),
        "exception": str(info.value) + repr(info.value),
        "reprs": repr(services) + repr(signer) + repr(services.keystore) + repr(settings),
    }
    assert caplog.records  # the requests were logged
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret appeared in {where}"
