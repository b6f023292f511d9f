"""The suites the issuer signs with: named once, beside the suite registry, and checked in one place."""

from __future__ import annotations

import pytest

from microcred.issuer.signing import SIGNING_SUITES, check_signing_suite
from microcred.suites import SUITES, suite_named
from microcred.vc.errors import InvalidInput


def test_the_issuer_signs_with_two_of_the_registry_suites() -> None:
    assert SIGNING_SUITES == ("eddsa-rdfc-2022", "Ed25519Signature2020")
    registered = {suite.name for suite in SUITES.values()}
    assert set(SIGNING_SUITES) < registered
    assert all(suite_named(name).name == name for name in SIGNING_SUITES)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_a_signing_suite_passes(suite: str) -> None:
    assert check_signing_suite(suite, pointer="/cryptosuite") == suite


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "ecdsa-rdfc-2019", ""])
def test_a_suite_the_issuer_does_not_sign_with_is_refused_at_the_pointer(suite: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_signing_suite(suite, pointer="/options/cryptosuite")
    assert info.value.pointer == "/options/cryptosuite"
    assert str(info.value.detail) == '"cryptosuite" must be one of eddsa-rdfc-2022, Ed25519Signature2020'
