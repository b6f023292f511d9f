"""The human view of a credential reads untrusted JSON: any JSON object gives a view and renders, never raises."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.app.pages.templating import render_text
from microcred.app.pages.view import credential_view
from microcred.issuer import DEMO_ACHIEVEMENT

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
KEYS = [
    "credentialSubject",
    "achievement",
    "issuer",
    "awardedDate",
    "validFrom",
    "validUntil",
    "identifier",
    "result",
    "learningOutcome",
    "eqfLevel",
    "address",
    "creditsEarned",
    "name",
    "image",
]
shaped = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(
    document=st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), shaped | json_values, max_size=6)
)
def test_any_json_object_gives_a_view_that_renders(document: dict[str, Any]) -> None:
    view = credential_view(document)
    html = render_text("_credential.html", view=view)
    assert isinstance(html, str)


def test_the_demo_achievement_shows_its_labels_not_its_uris() -> None:
    view = credential_view(
        {
            "issuer": {
                "name": "Demo University",
                "address": {"addressCountry": "Ireland", "addressRegion": "IE-D"},
            },
            "awardedDate": "2026-06-30T12:00:00Z",
            "credentialSubject": {
                "achievement": DEMO_ACHIEVEMENT | {"eqfLevel": "http://data.europa.eu/snb/eqf/6"},
                "creditsEarned": 2,
                "result": [{"value": "Pass"}],
            },
        }
    )
    assert view.country == "Ireland (IE-D)"
    assert view.issued == "30 June 2026"
    assert view.ects == "2 ECTS credits"
    assert view.level.startswith("EQF level 6")
    assert view.grade == "Pass"
    assert "http" not in view.level
