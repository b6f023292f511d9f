"""End to end (issue 7, point 6): issue -> the verifier says valid -> revoke -> revoked; suspend -> suspended;
reinstate -> valid. The real verifier (``app.verifier_routes.build_verifier``: guarded fetcher, did:web resolver,
status check) reads the issuer app through a TestClient transport, and the latency is the documented default:
a verifier that refetches within 1 s (the list's ttl and max-age) sees the change."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from microcred.app import Settings, create_verifier_app
from microcred.app.verification.service import build_verifier
from microcred.verifier.credential import Verifier
from tests.app.status.factories import Clock, entries, issue, new_institution, set_status, status_app


class Monotonic:
    """The verifier fetcher's cache clock, advanced by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _verifier(settings: Settings, client: TestClient, cache_clock: Monotonic) -> Verifier:
    verifier = build_verifier(settings, client=client, resolve=lambda host, port: ["127.0.0.1"])
    verifier.fetcher.clock = cache_clock  # type: ignore[attr-defined]
    return verifier


def _status(verifier: Verifier, credential: dict[str, Any], clock: Clock) -> tuple[bool, str, str]:
    report = verifier.verify_credential(credential, now=clock())
    check = report.check("status")
    return report.verified, check.status, check.sentence


def test_issue_verify_revoke_suspend_reinstate_with_the_real_verifier(
    settings: Settings, admin: dict[str, str]
) -> None:
    dev = settings.model_copy(update={"status_suspension_institutions": {"uni-s": True}})
    with status_app(dev) as (_app, client, clock):
        it = new_institution(client, admin, "uni-s")
        first, second = issue(it), issue(it)
        assert sorted(entries(first)) == ["revocation", "suspension"]
        cache_clock = Monotonic()
        verifier = _verifier(dev, client, cache_clock)

        verified, status, sentence = _status(verifier, first, clock)
        assert (verified, status) == (True, "passed"), sentence
        assert "not been revoked" in sentence
        assert "not suspended" in sentence
        assert _status(verifier, second, clock)[:2] == (True, "passed")

        # Revoke: a verifier refetching 1 s later (ttl 1000 ms, max-age=1) reports it revoked.
        assert set_status(it, second["id"], "revocation", True, reason="issued in error").status_code == 200
        cache_clock.now += 1.0
        verified, status, sentence = _status(verifier, second, clock)
        assert (verified, status) == (False, "failed")
        assert "revoked" in sentence
        # ...and a verifier without a cached copy at once.
        assert _status(_verifier(dev, client, Monotonic()), second, clock)[:2] == (False, "failed")

        # Suspend -> suspended; reinstate -> valid again, each seen within 1 s.
        assert set_status(it, first["id"], "suspension", True, reason="under review").status_code == 200
        cache_clock.now += 1.0
        verified, status, sentence = _status(verifier, first, clock)
        assert (verified, status) == (False, "failed")
        assert "suspended" in sentence
        assert set_status(it, first["id"], "suspension", False, reason="cleared").status_code == 200
        cache_clock.now += 1.0
        verified, status, sentence = _status(verifier, first, clock)
        assert (verified, status) == (True, "passed"), sentence

        # The revoked credential stays revoked (and cannot be reinstated).
        assert set_status(it, second["id"], "suspension", False).status_code == 409
        cache_clock.now += 1.0
        assert _status(verifier, second, clock)[:2] == (False, "failed")


def test_the_verifier_app_reports_a_revoked_credential(settings: Settings, admin: dict[str, str]) -> None:
    with status_app(settings) as (_app, client, clock):
        it = new_institution(client, admin, "uni-a")
        credential = issue(it)
        verifier_app = create_verifier_app(settings)
        cache_clock = Monotonic()
        verifier_app.state.verifier = _verifier(settings, client, cache_clock)
        verifier_app.state.verifier_clock = clock
        with TestClient(verifier_app) as verifier_client:
            before = verifier_client.post(
                "/credentials/verify", json={"verifiableCredential": credential}
            ).json()
            assert before["verified"] is True, before["errors"]
            assert "status" in before["checks"]
            set_status(it, credential["id"], "revocation", True)
            cache_clock.now += 1.0  # the list's ttl: the verifier refetches
            after = verifier_client.post(
                "/credentials/verify", json={"verifiableCredential": credential}
            ).json()
            assert after["verified"] is False
            assert "status" not in after["checks"]
