"""``microcred verify FILE|URL`` prints the same report as the API; exit 0 verified, 2 not verified, 1 unreadable."""

from __future__ import annotations

import json
import socket
import struct
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.app.cli import cli
from tests.verifier.factories import World, controller, key_signer
from tests.verifier.factories import loader as loader
from tests.verifier.factories import world as world

runner = CliRunner()


@pytest.fixture(autouse=True)
def _settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCRED_DATA_DIR", str(tmp_path / "data"))
    # the dev trust registry is the local issuer app's: point it at a closed port, so a `make run` on this
    # machine cannot answer these tests ("trusted" is then null: no registry could be asked)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("MICROCRED_ISSUER_PORT", str(sock.getsockname()[1]))


def signed_file(world: World, tmp_path: Path, *, tamper: bool = False) -> Path:
    credential = world.credential()
    credential["validFrom"] = "2020-01-01T00:00:00Z"
    signed = world.sign(credential)
    if tamper:
        signed["name"] = "Forged"
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(signed))
    return path


def test_verify_file_prints_each_check_and_exits_0(world: World, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["verify", str(signed_file(world, tmp_path))])
    assert result.exit_code == 0, result.output
    assert "verified: true   trusted: null   EU complete: false" in result.output  # JSON spellings
    assert "[ok  ] proof: The signature verifies (" in result.output
    assert "[----] status:" in result.output
    assert "eu:M2" in result.output


def test_verify_json_output_matches_the_api_shape(world: World, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["verify", "--json", str(signed_file(world, tmp_path))])
    body = json.loads(result.output)
    assert body["verified"] is True
    assert "proof" in body["checks"]
    assert {"warnings", "errors", "report", "verdict"} <= set(body)


def test_tampered_file_exits_2(world: World, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["verify", str(signed_file(world, tmp_path, tamper=True))])
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith("NOT VALID: ")
    assert "Not valid" not in first  # the verdict is said once
    assert "[FAIL] proof:" in result.output


def test_baked_png_file(world: World, tmp_path: Path) -> None:
    text = signed_file(world, tmp_path).read_bytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", b"\0" * 13)
        + chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0" + text)
    )
    path = tmp_path / "badge.png"
    path.write_bytes(png + chunk(b"IEND", b""))
    result = runner.invoke(cli, ["verify", str(path)])
    assert result.exit_code == 0, result.output


def test_unreadable_input_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json")
    result = runner.invoke(cli, ["verify", str(path)])
    assert result.exit_code == 1
    assert "error:" in result.output


def test_refused_url_exits_1() -> None:
    result = runner.invoke(cli, ["verify", "https://10.1.2.3/badge.json"])
    assert result.exit_code == 1
    assert "non-public" in result.output


def presentation_file(world: World, tmp_path: Path) -> Path:
    holder = key_signer(bytes(range(100, 132)))
    credential = world.credential()
    credential["validFrom"] = "2020-01-01T00:00:00Z"
    credential["credentialSubject"]["id"] = controller(holder)
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": controller(holder),
        "verifiableCredential": [world.sign(credential)],
    }
    signed = world.sign(vp, holder, purpose="authentication", challenge="c-123", domain="verifier.example")
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(signed))
    return path


def _holder_proof(output: str) -> dict[str, str]:
    return next(c for c in json.loads(output)["report"]["checks"] if c["id"] == "holderProof")


def test_presentation_with_challenge_and_domain_checks_the_holder_proof(world: World, tmp_path: Path) -> None:
    path = str(presentation_file(world, tmp_path))
    result = runner.invoke(
        cli, ["verify", "--json", "--challenge", "c-123", "--domain", "verifier.example", path]
    )
    assert result.exit_code == 0, result.output
    assert _holder_proof(result.output)["status"] == "passed"

    wrong = runner.invoke(
        cli, ["verify", "--json", "--challenge", "other", "--domain", "verifier.example", path]
    )
    assert wrong.exit_code == 2
    assert _holder_proof(wrong.output)["status"] == "failed"
    assert "challenge" in _holder_proof(wrong.output)["sentence"]

    without = runner.invoke(cli, ["verify", "--json", path])
    assert without.exit_code == 2
    assert _holder_proof(without.output)["status"] == "not-checked"
