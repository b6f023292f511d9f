"""Badge images and OB 3.0 baking (issue 9, point 2): PNG iTXt and SVG element, read back by the verifier's readers."""

from __future__ import annotations

import json
import struct
import zlib

import defusedxml.ElementTree as SafeET
import pytest

from microcred.issuer.baking import OB_SVG_NS, badge_png, badge_svg, bake_png, bake_svg
from microcred.vc.errors import InvalidInput
from microcred.verifier.inputs import extract_png, extract_svg, read_input

CREDENTIAL = json.dumps({"id": "urn:uuid:1", "name": 'Ünïcode ]]> and <tags> & "quotes"', "n": 1})
JWS = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset, found = 8, []
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        found.append((kind, data))
        offset += 12 + length
    return found


def test_badge_png_is_a_valid_rgba_png_of_the_given_size() -> None:
    parts = chunks(badge_png(64))
    assert [k for k, _ in parts] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color = struct.unpack(">IIBB", parts[0][1][:10])
    assert (width, height, depth, color) == (64, 64, 8, 6)
    raw = zlib.decompress(parts[1][1])
    assert len(raw) == 64 * (1 + 64 * 4)
    row = raw[32 * (1 + 64 * 4) + 1 :][: 64 * 4]
    assert row[0:4][3] == 0, "the corner is transparent (a round badge)"
    assert row[32 * 4 + 3] == 255, "the middle is opaque"


def test_png_baking_is_one_uncompressed_itxt_chunk_after_ihdr_that_the_verifier_reads() -> None:
    baked = bake_png(badge_png(), CREDENTIAL)
    parts = chunks(baked)
    assert [k for k, _ in parts] == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    keyword, rest = parts[1][1].split(b"\x00", 1)
    assert keyword == b"openbadgecredential"
    assert rest[:4] == b"\x00\x00\x00\x00", (
        "compression flag 0, method 0, empty language tag and translated keyword"
    )
    assert rest[4:].decode("utf-8") == CREDENTIAL
    assert extract_png(baked) == CREDENTIAL
    assert read_input(baked).document == json.loads(CREDENTIAL)


def test_png_rebaking_replaces_the_credential_so_there_is_exactly_one() -> None:
    twice = bake_png(bake_png(badge_png(), CREDENTIAL), JWS)
    assert [k for k, _ in chunks(twice)].count(b"iTXt") == 1
    assert extract_png(twice) == JWS


def test_png_baking_refuses_what_is_not_a_png() -> None:
    with pytest.raises(InvalidInput):
        bake_png(b"GIF89a", CREDENTIAL)


def test_svg_baking_puts_one_element_first_with_the_json_in_cdata() -> None:
    image = badge_svg(title="Digital credentials <for> educators", issuer="Demo & Co", year="2026")
    baked = bake_svg(image, CREDENTIAL)
    root = SafeET.fromstring(baked.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    first = next(iter(root))
    assert first.tag == f"{{{OB_SVG_NS}}}credential", "the element comes right after the <svg> start tag"
    assert len(root.findall(f"{{{OB_SVG_NS}}}credential")) == 1
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert "<![CDATA[" in baked
    assert extract_svg(baked.encode()) == CREDENTIAL, "a ]]> inside the JSON survives the CDATA split"
    assert read_input(baked.encode()).document == json.loads(CREDENTIAL)
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Digital credentials <for> educators"  # type: ignore[union-attr]


def test_svg_baking_of_a_jwt_uses_the_verify_attribute_and_refuses_a_second_bake() -> None:
    baked = bake_svg(badge_svg(title="T", issuer="I", year="2026"), JWS)
    element = SafeET.fromstring(baked.encode()).find(f"{{{OB_SVG_NS}}}credential")
    assert element is not None
    assert element.get("verify") == JWS
    assert not (element.text or "").strip()
    assert extract_svg(baked.encode()) == JWS
    with pytest.raises(InvalidInput, match="already baked"):
        bake_svg(baked, CREDENTIAL)
