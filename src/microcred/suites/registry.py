"""The suite registry: which (proof type, cryptosuite) pairs we sign and verify.

https://www.w3.org/TR/vc-data-integrity/#cryptographic-suites

Dispatch is on the exact pair; nothing is tried "just in case" (standards notes §9.5). Adding a suite is one
module implementing :class:`suites.base.Cryptosuite` plus one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.suites.base import Cryptosuite
from microcred.suites.ecdsa_jcs_2019 import EcdsaJcs2019
from microcred.suites.ecdsa_rdfc_2019 import EcdsaRdfc2019
from microcred.suites.ecdsa_sd_2023 import EcdsaSd2023
from microcred.suites.ecdsa_secp256k1_signature_2019 import EcdsaSecp256k1Signature2019
from microcred.suites.ed25519_signature_2018 import Ed25519Signature2018
from microcred.suites.ed25519_signature_2020 import Ed25519Signature2020
from microcred.suites.eddsa_2022 import Eddsa2022
from microcred.suites.eddsa_jcs_2022 import EddsaJcs2022
from microcred.suites.eddsa_rdfc_2022 import EddsaRdfc2022
from microcred.vc.errors import UnknownCryptosuite

__all__ = ["SUITES", "suite_for", "suite_named"]

SUITES: dict[tuple[str, str | None], Cryptosuite] = {
    ("DataIntegrityProof", "eddsa-rdfc-2022"): EddsaRdfc2022(),
    ("Ed25519Signature2020", None): Ed25519Signature2020(),
    ("DataIntegrityProof", "eddsa-jcs-2022"): EddsaJcs2022(),
    ("DataIntegrityProof", "ecdsa-rdfc-2019"): EcdsaRdfc2019(),
    ("DataIntegrityProof", "ecdsa-jcs-2019"): EcdsaJcs2019(),
    ("DataIntegrityProof", "ecdsa-sd-2023"): EcdsaSd2023(),
    ("DataIntegrityProof", "eddsa-2022"): Eddsa2022(),
    ("Ed25519Signature2018", None): Ed25519Signature2018(),
    ("EcdsaSecp256k1Signature2019", None): EcdsaSecp256k1Signature2019(),
}
"""Every cryptosuite this package verifies, by (proof ``type``, ``cryptosuite``)."""


def _supported() -> str:
    return ", ".join(f'"{t}"' + (f' / "{c}"' if c else "") for t, c in SUITES)


def suite_for(proof: Mapping[str, Any]) -> Cryptosuite:
    """The suite for a proof's ``(type, cryptosuite)``; UnknownCryptosuite names the pair and what we support."""
    proof_type = proof.get("type")
    cryptosuite = proof.get("cryptosuite")
    if not isinstance(proof_type, str) or (cryptosuite is not None and not isinstance(cryptosuite, str)):
        raise UnknownCryptosuite('"proof.type" must be a string and "proof.cryptosuite" a string if present')
    suite = SUITES.get((proof_type, cryptosuite))
    if suite is None:
        named = f'"proof.type" "{proof_type}"' + (
            f' with "proof.cryptosuite" "{cryptosuite}"'
            if cryptosuite is not None
            else " without a cryptosuite"
        )
        raise UnknownCryptosuite(f"{named} is not supported; supported: {_supported()}")
    return suite


def suite_named(name: str) -> Cryptosuite:
    """The suite a caller asks for by name (``eddsa-rdfc-2022``, ``Ed25519Signature2020``)."""
    for suite in SUITES.values():
        if suite.name == name:
            return suite
    names = ", ".join(f'"{s.name}"' for s in SUITES.values())
    raise UnknownCryptosuite(f'suite "{name}" is not supported; supported: {names}')
