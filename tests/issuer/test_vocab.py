"""The controlled vocabularies ship as data with the EU concept URIs of docs/eu-elements.md."""

from __future__ import annotations

import pytest

from microcred.issuer import VOCABULARIES, vocabulary
from microcred.vc.errors import InvalidInput


@pytest.mark.parametrize("name", VOCABULARIES)
def test_every_vocabulary_loads_with_unique_codes_and_uris(name: str) -> None:
    vocab = vocabulary(name)
    assert vocab.concepts
    assert len(vocab.by_code) == len(vocab.concepts) == len(vocab.by_uri)


@pytest.mark.parametrize(
    ("name", "code", "uri"),
    [
        ("eqf-levels", "6", "http://data.europa.eu/snb/eqf/6"),
        ("assessment-types", "written-examination", "http://data.europa.eu/snb/assessment/6e6cb2cc78"),
        ("assessment-types", "artefact-assessment", "http://data.europa.eu/snb/assessment/de4d165a6c"),
        ("participation-forms", "online", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"),
        ("participation-forms", "onsite", "http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
        ("participation-forms", "blended", "http://data.europa.eu/snb/learning-assessment/e92d221e4d"),
        ("quality-assurance-types", "institutional-qa", "http://data.europa.eu/snb/accreditation/bb4618238e"),
        (
            "supervision-verification",
            "unsupervised-no-id-verification",
            "http://data.europa.eu/snb/supervision-verification/c598449d64",
        ),
        (
            "supervision-verification",
            "onsite-id-verification",
            "http://data.europa.eu/snb/supervision-verification/70be69aaf9",
        ),
        ("isced-f", "0613", "http://data.europa.eu/snb/isced-f/0613"),
        ("languages", "en", "http://publications.europa.eu/resource/authority/language/ENG"),
        ("countries", "IE", "http://publications.europa.eu/resource/authority/country/IRL"),
    ],
)
def test_codes_map_to_the_eu_concept_uris(name: str, code: str, uri: str) -> None:
    vocab = vocabulary(name)
    assert vocab.resolve(code, field="x").uri == uri
    assert vocab.resolve(uri, field="x").code == code


def test_eqf_has_exactly_levels_one_to_eight() -> None:
    assert [c.code for c in vocabulary("eqf-levels").concepts] == [str(i) for i in range(1, 9)]


def test_the_four_supervision_options_of_the_recommendation() -> None:
    assert len(vocabulary("supervision-verification").concepts) == 4


def test_unknown_code_names_the_field_and_the_allowed_values() -> None:
    with pytest.raises(InvalidInput) as caught:
        vocabulary("participation-forms").resolve(
            "hybrid", field="participationForm", pointer="/participationForm"
        )
    assert caught.value.detail.startswith('"participationForm" must be one of online, onsite, blended')
    assert caught.value.pointer == "/participationForm"
