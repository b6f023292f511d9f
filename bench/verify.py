"""Verification speed (issue 6, point 8): full verifications per second per core, library and HTTP, with latency.

Run: ``.venv/bin/python bench/verify.py`` (``--seconds`` per measurement, ``--requests`` per HTTP series,
``--no-node`` to skip node).

Measures, on the realistic OB 3.0.3 credential of ``bench/samples.py`` (EU elements, evidence, schema):

1. the library: ``Verifier.verify_credential`` (every check: structure, OB3 schema, contexts, eddsa-rdfc-2022
   proof, issuer did:key binding, validity, status, trust, EU elements) per CPU second of this process, next to
   ``suites.verify`` alone (the proof step) — one process = one core;
2. the node ``@digitalbazaar/vc`` verifier on the same credential in the same run (``bench/node_proofs.mjs``);
3. HTTP: the verifier app started as its own uvicorn process; one client posts ``/credentials/verify``
   sequentially; p50/p95 latency for a did:key credential, and for a did:web credential with a
   BitstringStatusList entry whose DID document and list are served by a local server (fetched once, then
   cached by Cache-Control max-age, as in production); server CPU per verification from /proc.

Figures go into docs/benchmarks.md (## Verification).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx

from bench import samples
from bench.proofs import node_rates, rate
from microcred import suites
from microcred.contexts import offline_loader
from microcred.keys import (
    Ed25519Signer,
    PublishedKey,
    did_key,
    did_key_verification_method,
    did_web,
    did_web_document,
)
from microcred.vc.encodings import encode_bitstring
from microcred.verifier import DidResolver, GuardedFetcher, Verifier

ROOT = Path(__file__).resolve().parents[1]
SEED = bytes(range(32))  # node_proofs.mjs signs with the did:key of this seed
WEB_SEED = bytes(range(64, 96))
CREATED = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 1, tzinfo=UTC)
TARGET_RATE, TARGET_NODE_RATIO, TARGET_P95_MS = 1000.0, 10.0, 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def did_key_credential(signer: Ed25519Signer, index: int = 0) -> dict[str, Any]:
    document = samples.ob3_credential(index)
    document["issuer"]["id"] = signer.verification_method.split("#")[0]
    del document["credentialStatus"]
    return document


class _Static(http.server.BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}
    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path)
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "max-age=300")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def static_issuer(port: int) -> Iterator[type[_Static]]:
    """The issuer's public files (DID document, status list) on 127.0.0.1:port, in a thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Static)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Static
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def verifier_app(port: int, issuer_port: int, data_dir: str) -> Iterator[int]:
    """The verifier app in its own uvicorn process, allowed to reach the local issuer's origin over http."""
    env = {
        **os.environ,
        # production mode (no dev defaults such as a demo trust registry); the local issuer allowed explicitly
        "MICROCRED_MODE": "production",
        "MICROCRED_DATA_DIR": data_dir,
        "MICROCRED_VERIFIER_HTTP_HOSTS": json.dumps([f"127.0.0.1:{issuer_port}"]),
        "MICROCRED_VERIFIER_ALLOW_PRIVATE": json.dumps(["127.0.0.1"]),
        "MICROCRED_LOG_LEVEL": "WARNING",
        "MICROCRED_RATE_LIMIT_ENABLED": "false",  # a benchmark is one client sending thousands of requests
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "microcred.app.main:verifier_app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the verifier app did not start")
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency_series(client: httpx.Client, url: str, body: dict[str, Any], count: int) -> list[float]:
    payload = json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    for _ in range(20):  # warm-up: fills the DID document and status list caches
        response = client.post(url, content=payload, headers=headers)
        assert response.status_code == 200, response.text[:500]
        assert response.json()["verified"], response.text[:2000]
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.post(url, content=payload, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each rate measurement")
    parser.add_argument("--requests", type=int, default=500, help="requests per HTTP latency series")
    parser.add_argument("--no-node", action="store_true", help="skip the node comparison")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per library measurement")
    args = parser.parse_args()

    loader = offline_loader()
    probe = Ed25519Signer.from_seed(SEED, verification_method="-")
    signer = Ed25519Signer.from_seed(
        SEED, verification_method=did_key_verification_method(probe.public_key_multibase)
    )
    assert signer.verification_method.startswith(did_key(probe.public_key_multibase))
    documents = [did_key_credential(signer, i) for i in range(64)]
    signed = [suites.sign(d, signer=signer, loader=loader, created=CREATED) for d in documents]
    fetcher = GuardedFetcher(httpx.Client())
    verifier = Verifier(document_loader=loader, fetcher=fetcher, resolver=DidResolver(fetcher))
    first = verifier.verify_credential(signed[0], now=NOW)
    assert first.verified, [(c.id, c.sentence) for c in first.checks if c.status != "passed"]

    def cycling(fn: Callable[[dict[str, Any]], object]) -> Callable[[], object]:
        state = {"i": 0}

        def once() -> object:
            state["i"] = (state["i"] + 1) % len(signed)
            return fn(signed[state["i"]])

        return once

    load = os.getloadavg()
    print(
        f"# verification benchmark — {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} at start"
    )
    key_resolver = suites.DidKeyResolver()
    full_once = cycling(lambda d: verifier.verify_credential(d, now=NOW))
    proof_once = cycling(lambda d: suites.verify(d, resolver=key_resolver, loader=loader))
    # Alternate short rounds and keep each side's best: load from other processes comes and goes, and this way
    # both figures see the same conditions.
    rounds: dict[str, list[float]] = {"full": [], "proof": []}
    for _ in range(args.rounds):
        rounds["full"].append(rate(full_once, args.seconds / args.rounds))
        rounds["proof"].append(rate(proof_once, args.seconds / args.rounds))
    library, proof_only = max(rounds["full"]), max(rounds["proof"])
    node = None if args.no_node else node_rates(documents[0], args.seconds)

    print()
    print("| library, one core (CPU time) | verifications/s | ms each |")
    print("|---|---:|---:|")
    print(f"| `Verifier.verify_credential`, did:key, every check | {library:,.0f} | {1000 / library:.2f} |")
    print(f"| `suites.verify` alone (the proof step) | {proof_only:,.0f} | {1000 / proof_only:.2f} |")
    if node is not None:
        print(
            f"| node `@digitalbazaar/vc` `verifyCredential` (eddsa-rdfc-2022) | {node['verify_per_s']:,.0f} | "
            f"{1000 / node['verify_per_s']:.2f} |"
        )
    print()
    print(f"verifier checks beyond the proof: {1000 / library - 1000 / proof_only:.2f} ms per credential")
    print(
        f"rounds (verifications/s): full {[round(r) for r in rounds['full']]}, proof {[round(r) for r in rounds['proof']]}"
    )
    print(f"target ≥ {TARGET_RATE:,.0f}/s per core: {'met' if library >= TARGET_RATE else 'NOT met'}")
    if node is not None:
        ratio = library / node["verify_per_s"]
        print(
            f"ratio to node: {ratio:.1f}x (target ≥ {TARGET_NODE_RATIO:.0f}x): "
            f"{'met' if ratio >= TARGET_NODE_RATIO else 'NOT met'}"
        )
        print(f"node versions: {json.dumps(node['versions'])}")

    # --- HTTP --------------------------------------------------------------------------------------------
    issuer_port, app_port = free_port(), free_port()
    web_did = did_web(f"http://127.0.0.1:{issuer_port}")
    web_probe = Ed25519Signer.from_seed(WEB_SEED, verification_method="-")
    web_signer = Ed25519Signer.from_seed(WEB_SEED, verification_method=f"{web_did}#key-1")
    status_url = f"http://127.0.0.1:{issuer_port}/status/1"
    status_list = samples.status_list_credential(encode_bitstring(bytes(16384)))
    status_list["id"], status_list["issuer"] = status_url, web_did
    status_list["credentialSubject"]["id"] = status_url + "#list"
    web_credential = samples.ob3_credential(7)
    web_credential["issuer"]["id"] = web_did
    web_credential["credentialStatus"].update(
        {"id": f"{status_url}#7", "statusListCredential": status_url, "statusListIndex": "7"}
    )
    with tempfile.TemporaryDirectory() as data_dir, static_issuer(issuer_port) as static:
        static.pages["/.well-known/did.json"] = json.dumps(
            did_web_document(web_did, [PublishedKey("key-1", web_probe.public_key_multibase)])
        ).encode()
        static.pages["/status/1"] = json.dumps(
            suites.sign(status_list, signer=web_signer, loader=loader, created=CREATED)
        ).encode()
        web_signed = suites.sign(web_credential, signer=web_signer, loader=loader, created=CREATED)
        with verifier_app(app_port, issuer_port, data_dir) as pid, httpx.Client(timeout=10) as client:
            url = f"http://127.0.0.1:{app_port}/credentials/verify"
            series = {}
            for name, credential in (("did:key", signed[0]), ("did:web + status list (cached)", web_signed)):
                cpu_before = cpu_seconds(pid)
                times = latency_series(client, url, {"verifiableCredential": credential}, args.requests)
                server_cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / (args.requests + 20)
                series[name] = (times, server_cpu_ms)
        fetched = dict(static.hits)

    print()
    print(
        "| HTTP `POST /credentials/verify`, one client, sequential | p50 ms | p95 ms | mean ms | server CPU ms/req | verifications/s per server core |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (times, server_cpu_ms) in series.items():
        print(
            f"| {name} | {statistics.median(times):.2f} | {percentile(times, 95):.2f} | "
            f"{statistics.fmean(times):.2f} | {server_cpu_ms:.2f} | {1000 / server_cpu_ms:,.0f} |"
        )
    print()
    print(f"issuer files fetched during the whole HTTP run (cache at work): {fetched}")
    p95_web = percentile(series["did:web + status list (cached)"][0], 95)
    print(
        f"target p95 < {TARGET_P95_MS:.0f} ms with cached did:web + status list: "
        f"{'met' if p95_web < TARGET_P95_MS else 'NOT met'} ({p95_web:.2f} ms)"
    )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
