"""Reading uploads: JSON with size and depth caps, VC-JWT, baked PNG (iTXt) and SVG, each hostile case refused."""

from __future__ import annotations

import json
import struct
import time
import zlib

import pytest

from microcred.vc.errors import InputTooLarge, InvalidInput, UnsupportedMediaType
from microcred.verifier.inputs import InputLimits, extract_png, extract_svg, parse_json, read_input

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "id": "urn:x",
}
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5OnoifQ.c2ln"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*chunks: bytes) -> bytes:
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\0\0\0\0\0"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(chunks) + idat + chunk(b"IEND", b"")


def itxt(text: bytes, *, keyword: bytes = b"openbadgecredential", compressed: bool = False) -> bytes:
    body = zlib.compress(text) if compressed else text
    return chunk(b"iTXt", keyword + b"\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0" + body)


def svg(inner: str, *, prolog: str = "") -> bytes:
    return (
        f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" '
        f'width="10" height="10">{inner}<rect width="10" height="10"/></svg>'
    ).encode()


def test_json_object_is_read() -> None:
    result = read_input(json.dumps(CREDENTIAL).encode(), media_type="application/json")
    assert result.kind == "json"
    assert result.document == CREDENTIAL


@pytest.mark.parametrize(
    "media",
    ["application/ld+json", "application/vc", "application/vc+ld+json", "application/json; charset=utf-8"],
)
def test_json_media_types(media: str) -> None:
    assert read_input(json.dumps(CREDENTIAL).encode(), media_type=media).document == CREDENTIAL


def test_jwt_by_media_type_and_by_content() -> None:
    assert read_input(JWS.encode(), media_type="text/plain").jws == JWS
    assert read_input(JWS.encode(), media_type="application/vc+jwt").jws == JWS
    assert read_input(JWS.encode() + b"\n").jws == JWS


def test_baked_png_with_json() -> None:
    result = read_input(png(chunk(b"tEXt", b"Comment\0hi"), itxt(json.dumps(CREDENTIAL).encode())))
    assert result.source == "png"
    assert result.document == CREDENTIAL


def test_baked_png_with_jwt() -> None:
    result = read_input(png(itxt(JWS.encode())), media_type="image/png")
    assert result.kind == "jwt"
    assert result.jws == JWS


def test_png_compressed_itxt_within_limits_is_read() -> None:
    assert extract_png(png(itxt(json.dumps(CREDENTIAL).encode(), compressed=True))) == json.dumps(CREDENTIAL)


def test_png_decompression_bomb_is_refused_quickly() -> None:
    bomb = png(itxt(b" " * 50_000_000, compressed=True))
    assert len(bomb) < 100_000
    start = time.monotonic()
    with pytest.raises(InputTooLarge, match="decompression bomb"):
        read_input(bomb, limits=InputLimits(max_bytes=1_000_000))
    assert time.monotonic() - start < 1


def test_png_chunk_declaring_a_huge_length_is_refused() -> None:
    data = png()[:33] + struct.pack(">I", 0x7FFFFFFF) + b"iTXt" + b"x" * 20
    with pytest.raises(InputTooLarge):
        extract_png(data)


def test_png_with_too_many_chunks_is_refused() -> None:
    with pytest.raises(InputTooLarge, match="chunks"):
        extract_png(png(*[chunk(b"tEXt", b"a\0b")] * 50), limits=InputLimits(max_png_chunks=20))


def test_png_bad_crc_and_truncation_are_refused() -> None:
    good = png(itxt(b"{}"))
    corrupted = bytearray(good)
    corrupted[40] ^= 0xFF
    with pytest.raises(InvalidInput):
        extract_png(bytes(corrupted))
    with pytest.raises(InvalidInput, match="truncated"):
        extract_png(good[:-20])


def test_png_without_a_credential_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a baked badge"):
        read_input(png(itxt(b"{}", keyword=b"openbadges")))


def test_png_with_two_credentials_is_refused() -> None:
    with pytest.raises(InvalidInput, match="more than one"):
        extract_png(png(itxt(b"{}"), itxt(b"{}")))


def test_svg_with_cdata_json() -> None:
    body = svg(f"<openbadges:credential><![CDATA[{json.dumps(CREDENTIAL)}]]></openbadges:credential>")
    result = read_input(body, media_type="image/svg+xml")
    assert result.source == "svg"
    assert result.document == CREDENTIAL


def test_svg_with_verify_attribute() -> None:
    body = svg(f'<openbadges:credential verify="{JWS}"></openbadges:credential>')
    assert read_input(body).jws == JWS


def test_svg_entity_bomb_is_refused() -> None:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with pytest.raises(InvalidInput, match="DTD"):
        extract_svg(svg("<openbadges:credential>&lol3;</openbadges:credential>", prolog=lol))


def test_svg_external_entity_is_refused() -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    with pytest.raises(InvalidInput):
        extract_svg(svg("<openbadges:credential>&xxe;</openbadges:credential>", prolog=xxe))


def test_svg_without_a_credential_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a baked badge"):
        read_input(svg(""), media_type="image/svg+xml")


def test_svg_malformed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="well-formed"):
        extract_svg(b"<svg><unclosed></svg>")


@pytest.mark.parametrize("body", [b"not json", b"{", b"[1,2]", b'{"a": NaN}', b"\xff\xfe{}", b""])
def test_non_json_is_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        read_input(body, media_type="application/json")


def test_deeply_nested_json_is_refused_fast() -> None:
    start = time.monotonic()
    for body in (b"[" * 200_000, b'{"a":' * 100 + b"1" + b"}" * 100):
        with pytest.raises(InvalidInput, match="nests deeper"):
            parse_json(body)
    assert time.monotonic() - start < 1


def test_huge_body_is_refused_before_parsing() -> None:
    with pytest.raises(InputTooLarge):
        read_input(b"{" + b" " * 2_000_000 + b"}", limits=InputLimits(max_bytes=1_000_000))


@pytest.mark.parametrize("media", ["application/xml", "image/jpeg", "text/html", "multipart/form-data"])
def test_wrong_media_types_are_refused(media: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        read_input(json.dumps(CREDENTIAL).encode(), media_type=media)


def test_unrecognisable_bytes_are_refused() -> None:
    with pytest.raises(UnsupportedMediaType):
        read_input(b"GIF89a\x01\x00")
