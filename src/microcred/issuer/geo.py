"""Country and region codes of an institution (EU element M3: country/region of the issuer), from
the code lists shipped as data files.

What is checked:

- country: one of the 249 officially assigned ISO 3166-1 alpha-2 codes (list below, ISO 3166 Maintenance Agency);
- region (optional), either
  - ISO 3166-2 *format* ``CC-X``…``CC-XXX`` whose ``CC`` is the institution's country (the full subdivision list is
    not shipped: a well-formed code of the right country is accepted), or
  - a NUTS code ``CCx``…``CCxxx`` (levels 0-3) for an EU/EEA country or Switzerland, whose first two letters are the
    country's NUTS code (``EL`` for Greece, otherwise the ISO code).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from microcred.vc.errors import InvalidInput

__all__ = ["ISO_3166_1_ALPHA2", "NUTS_COUNTRIES", "check_country", "check_region"]

_DATA = Path(__file__).resolve().parent / "data"

ISO_3166_1_ALPHA2: frozenset[str] = frozenset(
    json.loads((_DATA / "iso-3166-1-alpha2.json").read_text(encoding="utf-8"))["codes"]
)
"""ISO 3166-1 alpha-2, officially assigned codes (``data/iso-3166-1-alpha2.json``)."""

NUTS_COUNTRIES: dict[str, str] = json.loads((_DATA / "nuts-countries.json").read_text(encoding="utf-8"))[
    "countries"
]
"""ISO country code → its NUTS country code (EU 27, EEA, Switzerland; ``data/nuts-countries.json``)."""

_ISO_3166_2 = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")
_NUTS = re.compile(r"^([A-Z]{2})[0-9A-Z]{0,3}$")


def check_country(country: str, *, pointer: str = "#/country") -> str:
    """The country code if it is an assigned ISO 3166-1 alpha-2 code, else InvalidInput naming the field."""
    if country not in ISO_3166_1_ALPHA2:
        raise InvalidInput(
            f'"country" must be an ISO 3166-1 alpha-2 code such as "IE", not "{country[:20]}"',
            pointer=pointer,
        )
    return country


def check_region(region: str, *, country: str, pointer: str = "#/region") -> str:
    """The region if it is an ISO 3166-2 code or NUTS code of ``country``, else InvalidInput naming the field."""
    iso = _ISO_3166_2.match(region)
    if iso and iso.group(1) == country:
        return region
    nuts = _NUTS.match(region)
    if nuts and country in NUTS_COUNTRIES and nuts.group(1) == NUTS_COUNTRIES[country]:
        return region
    raise InvalidInput(
        f'"region" must be an ISO 3166-2 code ("{country}-…") or a NUTS code of country "{country}", '
        f'not "{region[:20]}"',
        pointer=pointer,
    )
