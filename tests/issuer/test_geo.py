"""Country (ISO 3166-1 alpha-2) and region (ISO 3166-2 format or NUTS) checks."""

from __future__ import annotations

import pytest

from microcred.issuer.geo import ISO_3166_1_ALPHA2, check_country, check_region
from microcred.vc.errors import InvalidInput


def test_country_list_is_the_249_assigned_codes() -> None:
    assert len(ISO_3166_1_ALPHA2) == 249
    assert {"IE", "DE", "GR", "GB", "XK"} & ISO_3166_1_ALPHA2 == {
        "IE",
        "DE",
        "GR",
        "GB",
    }  # XK is user-assigned


@pytest.mark.parametrize("country", ["XX", "EL", "UK", "ie", "I", "IRL", ""])
def test_bad_country(country: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_country(country)
    assert info.value.pointer == "#/country"


@pytest.mark.parametrize(
    ("region", "country"),
    [
        ("IE-D", "IE"),  # ISO 3166-2
        ("FR-IDF", "FR"),
        ("US-CA", "US"),  # ISO 3166-2 works outside Europe too
        ("IE061", "IE"),  # NUTS 3
        ("IE", "IE"),  # NUTS 0
        ("EL30", "GR"),  # NUTS uses EL for Greece
        ("NO08", "NO"),  # EEA
        ("CH01", "CH"),
    ],
)
def test_good_region(region: str, country: str) -> None:
    assert check_region(region, country=country) == region


@pytest.mark.parametrize(
    ("region", "country"),
    [
        ("FR-IDF", "IE"),  # another country's subdivision
        ("GR30", "GR"),  # Greece's NUTS code is EL
        ("DE21", "IE"),
        ("US06", "US"),  # NUTS only for EU/EEA/CH
        ("IE-ABCD", "IE"),  # ISO 3166-2 suffix is 1-3 characters
        ("IE0611", "IE"),  # NUTS has at most 3 levels
        ("ie-d", "IE"),
        ("", "IE"),
    ],
)
def test_bad_region(region: str, country: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_region(region, country=country)
    assert info.value.pointer == "#/region"
