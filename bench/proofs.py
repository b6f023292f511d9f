"""Proof speed (issue 4, point 7): eddsa-rdfc-2022 sign/s and verify/s per core on a realistic OB3 credential.

Run: ``.venv/bin/python bench/proofs.py`` (``--seconds`` per measurement, ``--no-node`` to skip node).

Prints, for one process (= one core; rates are per CPU second of the process, so other load on the machine does
not skew them): our ``suites.sign`` / ``suites.verify`` rates with the fast JSON-LD path,
the same with the pyld reference path only, a pure-pyld pipeline (``jsonld.normalize`` + SHA-256 + Ed25519),
the node ``@digitalbazaar/vc`` + eddsa-rdfc-2022 rates measured in the same run (``bench/node_proofs.mjs``),
the time split of one sign and one verify (JSON-LD → RDF, RDFC-1.0, hashing, Ed25519, the rest) and the ratio
to raw Ed25519. Figures go into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

import microcred.suites.rdf
from bench import samples
from microcred.contexts import offline_loader
from microcred.keys import Ed25519Signer, did_key, did_key_verification_method
from microcred.suites import DidKeyResolver, canonicalize, jsonld_contexts, sign, to_dataset, verify
from microcred.suites.jsonld_fast import fast_to_dataset

ROOT = Path(__file__).resolve().parents[1]
SEED = bytes(range(32))  # the node script derives the same key from the same seed
CREATED = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
TARGET_SIGN, TARGET_VERIFY, TARGET_NODE_RATIO = 800.0, 1000.0, 10.0


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per CPU second of ``operation`` run back to back for about ``seconds`` of CPU (after a warm-up).

    CPU time of this process, not wall time, so the figure is per core even when other work shares the machine.
    """
    for _ in range(20):
        operation()
    count = 0
    start = time.process_time()
    elapsed = 0.0
    while elapsed < seconds:
        for _ in range(10):
            operation()
        count += 10
        elapsed = time.process_time() - start
    return count / elapsed


def per_call_ms(operation: Callable[[], object], seconds: float) -> float:
    return 1000.0 / rate(operation, seconds)


def cycle(items: list[Any]) -> Callable[[], Any]:
    iterator: Iterator[Any] = iter(())

    def following() -> Any:
        nonlocal iterator
        try:
            return next(iterator)
        except StopIteration:
            iterator = iter(items)
            return next(iterator)

    return following


def credential(index: int, issuer: str) -> dict[str, Any]:
    """The credential our issuer builds (OB 3.0.3 + EU context, every EU element), issued by ``issuer``."""
    return samples.issuer_credential(index, issuer_did=issuer)


def proof_config(document: dict[str, Any], verification_method: str) -> dict[str, Any]:
    return {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-06-30T12:00:00Z",
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }


def node_rates(document: dict[str, Any], seconds: float) -> dict[str, Any] | None:
    if not (ROOT / "tests" / "interop" / "node_modules").is_dir():
        print("node: tests/interop/node_modules missing (run `make node`); skipped", file=sys.stderr)
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(document, handle)
    try:
        completed = subprocess.run(
            ["node", str(ROOT / "bench" / "node_proofs.mjs"), handle.name, str(seconds)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "UV_THREADPOOL_SIZE": "1"},
        )
    finally:
        os.unlink(handle.name)
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    parser.add_argument("--no-node", action="store_true", help="skip the node comparison")
    args = parser.parse_args()
    seconds: float = args.seconds

    loader = offline_loader()
    probe = Ed25519Signer.from_seed(SEED, verification_method="-")
    issuer = did_key(probe.public_key_multibase)
    method = did_key_verification_method(probe.public_key_multibase)
    signer = Ed25519Signer.from_seed(SEED, verification_method=method)
    resolver = DidKeyResolver()
    documents = [credential(index, issuer) for index in range(64)]
    signed_documents = [sign(d, signer=signer, loader=loader, created=CREATED) for d in documents]
    document, signed = documents[0], signed_documents[0]
    config = proof_config(document, method)
    assert verify(signed, resolver=resolver, loader=loader).verified
    fast_document, fast_config = fast_to_dataset(document), fast_to_dataset(config)
    assert fast_document is not None, "the benchmark credential must take the fast path"
    assert fast_config is not None, "the proof configuration must take the fast path"

    next_document, next_signed = cycle(documents), cycle(signed_documents)

    def sign_once() -> object:
        return sign(next_document(), signer=signer, loader=loader, created=CREATED)

    def verify_once() -> object:
        return verify(next_signed(), resolver=resolver, loader=loader)

    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# proof benchmark — {platform.python_implementation()} {platform.python_version()}, load average {load}, "
        f"{os.cpu_count()} cores, one process; {len(fast_document)} + {len(fast_config)} quads per credential"
    )

    ours_sign, ours_verify = rate(sign_once, seconds), rate(verify_once, seconds)

    # the same API with the fast path switched off: pyld expansion + to_rdf + our RDFC-1.0
    saved = microcred.suites.rdf._FAST_PATH
    microcred.suites.rdf._FAST_PATH = None
    try:
        ref_sign, ref_verify = rate(sign_once, seconds), rate(verify_once, seconds)
        ref_to_rdf_ms = per_call_ms(lambda: to_dataset(document, loader=loader), seconds)
    finally:
        microcred.suites.rdf._FAST_PATH = saved

    # pure pyld: jsonld.normalize (URDNA2015) of document and proof configuration, SHA-256, Ed25519
    normalize_options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}

    def pyld_sign() -> object:
        doc = jsonld.normalize(document, normalize_options)
        cfg = jsonld.normalize(config, normalize_options)
        return signer.sign(hashlib.sha256(cfg.encode()).digest() + hashlib.sha256(doc.encode()).digest())

    pyld_rate = rate(pyld_sign, seconds)

    # time split of one signature (verification does the same work with Ed25519 verify instead of sign)
    dataset_doc, dataset_cfg = to_dataset(document, loader=loader), to_dataset(config, loader=loader)
    canonical_doc, canonical_cfg = canonicalize(dataset_doc), canonicalize(dataset_cfg)
    digest = hashlib.sha256(canonical_cfg.encode()).digest() + hashlib.sha256(canonical_doc.encode()).digest()
    signature = signer.sign(digest)
    public_key = probe.public_key
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    # context processing happens once per process: time the first credential on empty caches
    jsonld_contexts.CONTEXTS.clear()
    started = time.process_time()
    fast_to_dataset(document)
    fast_to_dataset(config)
    cold_ms = (time.process_time() - started) * 1000
    split = {
        "JSON-LD → RDF (cached contexts + expansion), document": per_call_ms(
            lambda: to_dataset(document, loader=loader), seconds
        ),
        "JSON-LD → RDF, proof configuration": per_call_ms(lambda: to_dataset(config, loader=loader), seconds),
        "RDFC-1.0, document": per_call_ms(lambda: canonicalize(dataset_doc), seconds),
        "RDFC-1.0, proof configuration": per_call_ms(lambda: canonicalize(dataset_cfg), seconds),
        "SHA-256 x2": per_call_ms(
            lambda: (
                hashlib.sha256(canonical_cfg.encode()).digest()
                + hashlib.sha256(canonical_doc.encode()).digest()
            ),
            seconds,
        ),
        "Ed25519 sign": per_call_ms(lambda: signer.sign(digest), seconds),
        "Ed25519 verify": per_call_ms(lambda: verifier.verify(signature, digest), seconds),
    }
    raw_sign = 1000.0 / split["Ed25519 sign"]
    raw_verify = 1000.0 / split["Ed25519 verify"]
    raw_both = 1000.0 / (split["Ed25519 sign"] + split["Ed25519 verify"])

    node = None if args.no_node else node_rates(document, seconds)

    print()
    print("| pipeline (one core) | sign/s | verify/s |")
    print("|---|---:|---:|")
    print(
        f"| microcred, fast JSON-LD path (`suites.sign` / `suites.verify`) | {ours_sign:,.0f} | {ours_verify:,.0f} |"
    )
    print(f"| microcred, pyld reference path only | {ref_sign:,.0f} | {ref_verify:,.0f} |")
    print(f"| pyld alone (`jsonld.normalize` x2 + SHA-256 + Ed25519) | {pyld_rate:,.0f} | — |")
    if node is not None:
        print(
            f"| node `@digitalbazaar/vc` + eddsa-rdfc-2022 | {node['sign_per_s']:,.1f} | {node['verify_per_s']:,.1f} |"
        )
    print(f"| raw Ed25519 (`cryptography`) | {raw_sign:,.0f} | {raw_verify:,.0f} |")
    print()
    sign_ms, verify_ms = 1000.0 / ours_sign, 1000.0 / ours_verify
    print("| time split, one credential | ms |")
    print("|---|---:|")
    print(
        f"| JSON-LD context processing, once per process (first credential + proof config, cold) | {cold_ms:.1f} |"
    )
    for name, ms in split.items():
        print(f"| {name} | {ms:.3f} |")
    accounted = sum(v for k, v in split.items() if k != "Ed25519 verify")
    print(f"| whole `suites.sign` | {sign_ms:.3f} |")
    print(
        f"| of which other (copies, checks, memo keys, multibase, proof assembly) | {sign_ms - accounted:.3f} |"
    )
    print(f"| whole `suites.verify` | {verify_ms:.3f} |")
    print(f"| reference path: pyld JSON-LD → RDF of the document alone | {ref_to_rdf_ms:.3f} |")
    print()
    print(
        f"ratio to raw Ed25519: sign {ours_sign / raw_sign:.3f}x, verify {ours_verify / raw_verify:.3f}x, "
        f"sign+verify {1 / (sign_ms + verify_ms) * 1000 / raw_both:.3f}x "
        f"(a signature costs {raw_sign / ours_sign:.1f}x a raw Ed25519 signature)"
    )
    print(
        f"fast path speed-up over the pyld reference path: sign {ours_sign / ref_sign:.1f}x, "
        f"verify {ours_verify / ref_verify:.1f}x"
    )
    verdicts = [
        f"sign {ours_sign:,.0f}/s vs target {TARGET_SIGN:,.0f}: {'met' if ours_sign >= TARGET_SIGN else 'NOT met'}",
        f"verify {ours_verify:,.0f}/s vs target {TARGET_VERIFY:,.0f}: "
        f"{'met' if ours_verify >= TARGET_VERIFY else 'NOT met'}",
    ]
    if node is not None:
        sign_ratio, verify_ratio = ours_sign / node["sign_per_s"], ours_verify / node["verify_per_s"]
        print(
            f"ratio ours/node: sign {sign_ratio:.1f}x, verify {verify_ratio:.1f}x (target ≥ {TARGET_NODE_RATIO:.0f}x)"
        )
        verdicts.append(
            f"≥ {TARGET_NODE_RATIO:.0f}x node: "
            f"{'met' if min(sign_ratio, verify_ratio) >= TARGET_NODE_RATIO else 'NOT met'}"
        )
        # interop sanity: node's signature verifies here, on the same credential
        cross = verify(node["signed"], resolver=resolver, loader=loader).verified
        print(f"node-signed credential verifies with suites.verify: {cross}")
        print(f"node versions: {json.dumps(node['versions'])}")
    print("targets: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
