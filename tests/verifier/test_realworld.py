"""The credentials that exist: every file in ../shared/realworld/credentials gets the outcome its README names.

The README's table is parsed here (the expectation is not copied), each file goes through the path the app's
``POST /verify`` and ``microcred verify`` take (``read_input`` -> ``verify_read``), and the URLs the README lists are
answered from ``mirror/`` through a mock transport behind the guarded fetcher. Every row runs offline (nothing
answers, as for a verifier that cannot reach the issuer's hosts) and mirrored (the README's URLs answer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from microcred.app.verification.service import verify_read
from microcred.contexts import offline_loader
from microcred.verifier.credential import Verifier
from microcred.verifier.did import DidResolver
from microcred.verifier.fetch import FetchPolicy, GuardedFetcher
from microcred.verifier.inputs import InputLimits, read_input
from tests.factories import SHARED

pytestmark = pytest.mark.shared

REALWORLD = SHARED / "realworld"
CREDENTIALS = REALWORLD / "credentials"
MIRROR = REALWORLD / "mirror"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OUTCOMES = ("verified", "not valid", "not checked")
_OUTCOME = re.compile(r"\b(verified|not valid|not checked)\b")
_MEDIA = {".png": "image/png", ".svg": "image/svg+xml", ".jwt": "text/plain", ".json": "application/json"}

# Rows the README expects "verified" whose proof suite another branch adds (issue 16 point 3): until that branch is
# merged this one answers "not checked", naming the suite it lacks. The lead empties this set at merge.
NEEDS_SUITE: dict[str, str] = {}

# Rows whose README outcome the evidence does not support: the outcome given instead and the words of the check
# that decides it. Digital Bazaar's pinned stack gives the same verdict for each (tests/interop/test_realworld_interop.py);
# docs/adr/0013-realworld-disputed-rows.md says why.
DISPUTED: dict[str, tuple[str, str, str]] = {
    # No known text of the OB context reproduces this signature (the current one, the beta, 3.0.1-3.0.3), with
    # pyld or with jsonld.js; the file in its origin repository was edited around its proof (created 2022-10-19,
    # issuanceDate 2022-11-14; an earlier version carried another key's Ed25519Signature2020 proof).
    "jff-plugfest2-ed2018.json": ("not valid", "proof", "the signature does not verify"),
    # Signed without safe mode: the signature covers the data minus the relative type "profile", which JSON-LD
    # drops. jsonld-signatures 11.6 (the 2018 suite's own library) refuses it in safe mode, as we do.
    "kpop-ob3-ed2018.json": (
        "not valid",
        "proof",
        'type "profile" at /issuer/type/0 is a relative IRI (not defined by the contexts) and would be dropped',
    ),
}

# Options the README's "origin says" column gives for a row (the presentation was made for this challenge).
OPTIONS: dict[str, dict[str, str]] = {"dcc-didauth-vp-ed2020.json": {"challenge": "test123"}}


@dataclass(frozen=True)
class Row:
    """One line of the README's table: the file, and the outcomes accepted offline and with mirror/ answering."""

    file: str
    offline: frozenset[str]
    mirrored: frozenset[str]
    why: str


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _outcomes(text: str) -> frozenset[str]:
    found = frozenset(_OUTCOME.findall(text))
    assert found, f"no outcome in {text!r}"
    return found


def parse_readme(text: str) -> tuple[dict[str, str], list[Row]]:
    """The mirror table (URL -> file) and the credential table of ``realworld/README.md``."""
    mirror: dict[str, str] = {}
    rows: list[Row] = []
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = _cells(line)
        if cells[0] in ("URL", "file"):
            header = cells
            continue
        if header[:2] == ["URL", "file"]:
            mirror[cells[0]] = cells[1]
        elif header and header[0] == "file":
            expected = cells[header.index("expected outcome")]
            offline_text, _, mirrored_text = expected.partition(";")
            offline = _outcomes(offline_text.replace("offline", ""))
            mirrored = _outcomes(re.sub(r"with mirror/\S*", "", mirrored_text)) if mirrored_text else offline
            rows.append(Row(cells[0], offline, mirrored, cells[header.index("why")]))
    return mirror, rows


def _readme() -> tuple[dict[str, str], list[Row]]:
    if not REALWORLD.is_dir():
        return {}, []
    return parse_readme((REALWORLD / "README.md").read_text(encoding="utf-8"))


MIRROR_URLS, ROWS = _readme()


def web(mirrored: bool) -> httpx.MockTransport:
    """The README's URLs answered from mirror/ (when ``mirrored``); any other request fails to connect."""

    def handler(request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.headers['host']}{request.url.raw_path.decode()}"
        if mirrored and url in MIRROR_URLS:
            body = (MIRROR / MIRROR_URLS[url]).read_bytes()
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        raise httpx.ConnectError(f"offline: {url}", request=request)

    return httpx.MockTransport(handler)


def verify_file(name: str, *, mirrored: bool, content: bytes | None = None) -> dict[str, Any]:
    """The JSON report for one realworld file (or ``content`` in its place), as ``microcred verify FILE`` computes
    it."""
    fetcher = GuardedFetcher(
        httpx.Client(transport=web(mirrored)),
        policy=FetchPolicy(),
        resolve=lambda host, port: ["93.184.215.14"],
    )
    verifier = Verifier(
        document_loader=offline_loader(), fetcher=fetcher, resolver=DidResolver(fetcher, policy=FetchPolicy())
    )
    path = CREDENTIALS / name
    data = path.read_bytes() if content is None else content
    read = read_input(data, media_type=_MEDIA.get(path.suffix), limits=InputLimits())
    return verify_read(verifier, read, now=NOW, **OPTIONS.get(name, {}))


def outcome(report: Mapping[str, Any]) -> str:
    """The README's three outcomes, read from a report."""
    if report["verified"]:
        return "verified"
    return "not valid" if report["verdict"] == "not valid" else "not checked"


def check(report: Mapping[str, Any], check_id: str) -> Mapping[str, Any]:
    """The check ``check_id`` of a report."""
    return next(c for c in report["report"]["checks"] if c["id"] == check_id)


def _explain(report: Mapping[str, Any]) -> str:
    lines = [f"{report['verdict']}: {report['verdictSentence']}"]
    for inner in [report, *report.get("credentials", [])]:
        lines += [f"  {c['id']} {c['status']}: {c['sentence']}" for c in inner["report"]["checks"]]
    return "\n".join(lines)


def test_the_readme_lists_every_credential_file() -> None:
    assert sorted(row.file for row in ROWS) == sorted(p.name for p in CREDENTIALS.iterdir())
    assert len(ROWS) == 30
    assert all((MIRROR / file).is_file() for file in MIRROR_URLS.values())
    assert NEEDS_SUITE.keys() <= {row.file for row in ROWS if row.offline == {"verified"}}
    assert DISPUTED.keys() <= {row.file for row in ROWS if row.offline == {"verified"}}


@pytest.mark.parametrize("mirrored", [False, True], ids=["offline", "mirrored"])
@pytest.mark.parametrize("row", ROWS, ids=[row.file for row in ROWS])
def test_realworld_outcome(row: Row, mirrored: bool) -> None:
    report = verify_file(row.file, mirrored=mirrored)
    got = outcome(report)
    if row.file in NEEDS_SUITE:
        assert got == "not checked", _explain(report)
        assert NEEDS_SUITE[row.file] in check(report, "proof")["sentence"], _explain(report)
        return
    if row.file in DISPUTED:
        disputed, check_id, words = DISPUTED[row.file]
        assert got == disputed, _explain(report)
        assert check(report, check_id)["status"] == "failed", _explain(report)
        assert words in check(report, check_id)["sentence"], _explain(report)
        return
    expected = row.mirrored if mirrored else row.offline
    assert got in expected, f"{row.file} ({row.why}): expected {' or '.join(sorted(expected))}\n" + _explain(
        report
    )


@pytest.mark.parametrize(
    ("name", "suite", "key"),
    [
        (
            "1ed-ob30-ecdsa-sd-derived.json",
            "ecdsa-sd-2023",
            'the signing key could not be retrieved (could not fetch "https://1edtech.edu/issuers/565049"',
        ),
        (
            "ebsi4austria-diploma-secp256k1.json",
            "EcdsaSecp256k1Signature2019",
            'the signing key could not be retrieved ("did:ebsi:FqiyP831qX5xUD66CCAKMDs225QNb9Sp3UHvbJ9tSDn6" uses a '
            "DID method this verifier does not resolve",
        ),
    ],
)
def test_a_known_suite_whose_key_cannot_be_obtained_is_not_checked_for_the_key(
    name: str, suite: str, key: str
) -> None:
    document = json.loads((CREDENTIALS / name).read_text())
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    assert [p.get("cryptosuite", p["type"]) for p in proofs] == [suite]  # a suite this verifier implements
    report = verify_file(name, mirrored=True)
    proof = check(report, "proof")
    assert proof["status"] == "not-checked"
    assert key in proof["sentence"]
    assert "which this verifier does not check" not in proof["sentence"]
    assert "altered" not in report["verdictSentence"]
    assert report["verdict"] == "could not fully check"


def test_a_suite_this_verifier_lacks_is_named_and_never_called_altered() -> None:
    # A real credential whose key resolves (did:key), its proof renamed to a suite that is really missing here.
    name = "dcc-v2-eddsa-didkey-basic.json"
    assert outcome(verify_file(name, mirrored=False)) == "verified"
    document = json.loads((CREDENTIALS / name).read_text())
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    document["proof"]["cryptosuite"] = "bbs-2023"
    report = verify_file(name, mirrored=True, content=json.dumps(document).encode())
    proof = check(report, "proof")
    assert proof["status"] == "not-checked"
    assert "signed with bbs-2023, which this verifier does not check" in proof["sentence"]
    assert "altered" not in report["verdictSentence"]
    assert report["verdict"] == "could not fully check"


def test_a_context_this_verifier_lacks_is_named_not_refused() -> None:
    report = verify_file("ebsi4austria-diploma-secp256k1.json", mirrored=True)
    contexts = check(report, "contexts")
    assert contexts["status"] == "not-checked"
    assert "https://essif.europa.eu/schemas/vc/2020/v1" in contexts["sentence"]


def test_a_plain_did_issuer_passes_the_published_ob3_schema() -> None:
    # the schema 1EdTech publishes lets the issuer be a bare DID string, unlike the spec's prose: no warning
    report = verify_file("dcc-v2-ed2020-string-issuer.json", mirrored=False)
    assert check(report, "schema")["status"] == "passed"
    assert report["verified"] is True
    assert not any(w["check"] == "schema" for w in report["warnings"])


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("dcc-v1-both-issuer-image-url.json", "the issuer's image is a plain URL, not an Image object"),
    ],
)
def test_an_undeclared_ob3_schema_deviation_is_a_warning_in_words(name: str, sentence: str) -> None:
    report = verify_file(name, mirrored=False)
    schema = check(report, "schema")
    assert (schema["status"], schema["value"]) == ("failed", "advisory")
    assert sentence in schema["sentence"]
    assert report["verified"] is True
    assert any(w["check"] == "schema" for w in report["warnings"])
    assert report["errors"] == []


def test_a_declared_ob3_schema_decides_and_this_one_matches() -> None:
    report = verify_file("dcc-v2-eddsa-with-schema.json", mirrored=False)
    assert check(report, "schema")["status"] == "passed"
    assert check(report, "schema")["value"] is None


def test_a_dcc_status_list_signed_by_another_did_and_too_short_is_a_warning() -> None:
    report = verify_file("dcc-v1-ed2020-valid-status.json", mirrored=True)
    status = check(report, "status")
    assert (status["status"], status["value"]) == ("not-checked", "advisory")
    assert status["problemType"].endswith("#STATUS_LIST_LENGTH_ERROR")
    assert "100000 entries, fewer than the 131072" in status["sentence"]
    assert report["verified"] is True
    # the list's issuer is not the credential's: the spec allows it, and its own proof binds it to its issuer
    listed = (MIRROR / MIRROR_URLS[_status_url("dcc-v1-ed2020-valid-status.json")]).read_text()
    assert report["issuer"] not in listed


def test_a_presentation_is_checked_with_the_challenge_it_was_made_for() -> None:
    report = verify_file("dcc-didauth-vp-ed2020.json", mirrored=False)
    holder = check(report, "holderProof")
    assert holder["status"] == "failed"
    assert 'identifier "123" at /id is a relative IRI' in holder["sentence"]


def _status_url(name: str) -> str:
    document = json.loads((CREDENTIALS / name).read_text())
    return str(document["credentialStatus"]["statusListCredential"])
