"""The EU check on microcred's own shape: each element's sentence says where its value was found, and a value that
is not the element (an EQF level outside 1..8) is refused with the reason."""

from __future__ import annotations

from microcred.verifier.eu import check_eu_elements
from tests.verifier.factories import WEB_DID, ob3_credential


def test_each_element_of_our_shape_says_where_it_was_found() -> None:
    checks, complete = check_eu_elements(ob3_credential(WEB_DID, eu=True))
    sentences = {c.id: c.sentence.split(": ", 1)[1] for c in checks}
    assert complete is True
    assert sentences == {
        "eu:M1": "found in the credential subject's id.",
        "eu:M2": "Digital credentials for educators, from the achievement's name.",
        "eu:M3": "found in the issuer's address (addressCountryCode, addressCountry).",
        "eu:M4": "University of Zed, from the issuer's profile.",
        "eu:M5": "found in the credential's validFrom and awardedDate.",
        "eu:M6": "found in alignments to ESCO skills.",
        "eu:M7": ("2 ECTS, from the achievement's creditsAvailable and the achievement's creditSystem term."),
        "eu:M8": "EQF level 6, from the achievement's eqfLevel term.",
        "eu:M9": "found in the achievement's assessmentType term.",
        "eu:M10": "found in the achievement's participationForm.",
        "eu:M11": "found in the achievement's quality assurance term.",
    }


def test_an_eqf_level_term_outside_1_to_8_is_refused_and_said() -> None:
    credential = ob3_credential(WEB_DID, eu=True)
    credential["credentialSubject"]["achievement"]["eqfLevel"] = "http://data.europa.eu/snb/eqf/12"
    checks, complete = check_eu_elements(credential)
    m8 = next(c for c in checks if c.id == "eu:M8")
    assert complete is False
    assert m8.status == "failed"
    assert m8.sentence.endswith(
        ": missing (the achievement's eqfLevel 'http://data.europa.eu/snb/eqf/12' is not an EQF level 1 to 8)."
    )
