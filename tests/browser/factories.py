"""Builders for the real-browser suite: loopback ports, an app served by uvicorn in a thread, a trust registry
listing the test institution, and the running stack the tests drive."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from microcred.verifier.trust import TrustAnswer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parent.parent / "output"
KEK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # bytes 0..31, base64url: a test KEK, never a real one
ADMIN = "browser-admin-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Listed:
    """A trust registry listing the test institution (the real registries are issue 8's)."""

    issuers: set[str] = field(default_factory=set)

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        listed = issuer in self.issuers
        return TrustAnswer(listed, "test", "The test registry lists the issuer." if listed else "Not listed.")


class Served:
    """One app under uvicorn in a thread on a loopback port."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Stack:
    """The running issuer and verifier, an institution with an API key and a published achievement."""

    issuer: str
    verifier: str
    api: httpx.Client
    headers: dict[str, str]
    did: str
    achievement_url: str

    def issue(self) -> dict[str, Any]:
        subject = {
            "achievement": {"id": self.achievement_url},
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": False,
                    "identityHash": "ana@example.org",
                },
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": "Ana Andromeda",
                },
            ],
            "result": [{"type": ["Result"], "value": "Pass"}],
        }
        response = self.api.post(
            "/credentials/issue", json={"credential": {"credentialSubject": subject}}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body
