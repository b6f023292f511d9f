"""Several registries in one policy: one confirmation suffices; null only when no registry could be asked."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from microcred.verifier.trust import NoRegistry, TrustAnswer, TrustQuery, trust_query
from microcred.verifier.trust_policy import TrustRegistries, TrustSource, build_trust, dev_sources
from tests.verifier.factories import NOW, World, controller


class Fixed:
    def __init__(self, trusted: bool | None, name: str) -> None:
        self.trusted, self.name = trusted, name

    def evaluate(self, query: TrustQuery) -> TrustAnswer:
        return TrustAnswer(self.trusted, self.name, f"{self.name} says {self.trusted}.")

    def lookup(self, issuer: str, *, resource: str, when: datetime) -> TrustAnswer:
        return self.evaluate(TrustQuery(issuer=issuer, issued=when, now=when))


QUERY = TrustQuery(issuer="did:web:uni.example", issued=NOW, now=NOW)


def test_one_confirmation_suffices_and_every_answer_is_kept() -> None:
    answer = TrustRegistries([Fixed(None, "A"), Fixed(False, "B"), Fixed(True, "C")]).evaluate(QUERY)
    assert answer.trusted is True
    assert answer.registry == "C"
    assert answer.sentence.startswith("C says True.")
    assert [r["registry"] for r in (answer.details or {})["registries"]] == ["A", "B", "C"]


def test_not_listed_anywhere_that_answered_is_false_and_null_only_when_none_answered() -> None:
    assert TrustRegistries([Fixed(None, "A"), Fixed(False, "B")]).evaluate(QUERY).trusted is False
    assert TrustRegistries([Fixed(None, "A"), Fixed(None, "B")]).evaluate(QUERY).trusted is None


def test_sources_are_checked_and_none_means_no_registry(world: World) -> None:
    with pytest.raises(ValidationError, match="needs the registry"):
        TrustSource(type="microcred", url="https://r.example/registry/export")
    with pytest.raises(ValidationError, match='needs "path"'):
        TrustSource(type="file", did="did:web:r.example:registry")
    with pytest.raises(ValidationError):
        TrustSource(type="trusted-list", url="https://r.example")
    assert isinstance(
        build_trust([], fetcher=world.web.fetcher(), resolver=world.verifier().resolver), NoRegistry
    )


def test_the_dev_default_is_the_local_demo_registry() -> None:
    (source,) = dev_sources("http://127.0.0.1:8000")
    assert source.url == "http://127.0.0.1:8000/registry/export"
    assert source.did == "did:web:127.0.0.1%3A8000:registry"


def test_the_query_reads_issuance_date_and_scope_from_the_credential(world: World) -> None:
    credential = world.credential(eu=True)
    credential["credentialSubject"]["achievement"]["iscedF"] = ["http://data.europa.eu/snb/isced-f/0613"]
    query = trust_query(credential, issuer=controller(world.issuer), now=NOW)
    assert query.issued.isoformat() == "2026-01-01T00:00:00+00:00"
    assert query.achievement_types == ("MicroCredential",)
    assert query.eqf_levels == ("6",)
    assert query.isced_fields == ("0613",)
    assert query.credential_types == ("VerifiableCredential", "OpenBadgeCredential")
    del credential["validFrom"]
    assert trust_query(credential, issuer="x", now=NOW).issued == NOW
