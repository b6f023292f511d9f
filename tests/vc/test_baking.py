"""vc/baking.py: OB 3.0 baking written and read in one place — round trips, Pillow as an independent PNG reader and
writer, a real baked badge, and hostile PNGs and SVGs."""

from __future__ import annotations

import contextlib
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from microcred.issuer.baking import badge_png, badge_svg
from microcred.suites import jose
from microcred.vc.baking import (
    OB_SVG_NS,
    PNG_KEYWORD,
    PNG_SIGNATURE,
    bake_png,
    bake_svg,
    png_chunk,
    png_chunks,
    read_png,
    read_svg,
)
from microcred.vc.errors import InputTooLarge, InvalidInput
from microcred.verifier.inputs import read_input
from microcred.verifier.jwt import decode_jwt_credential

REALWORLD = Path(__file__).resolve().parents[2].parent / "shared" / "realworld" / "credentials"
CREDENTIAL = json.dumps({"id": "urn:uuid:1", "name": 'Ünïcode ]]> and <tags> & "quotes"', "n": 1})
JWS = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
SVG11_DOCTYPE = (
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
)


def png_of(*chunks: bytes) -> bytes:
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return PNG_SIGNATURE + header + b"".join(chunks) + png_chunk(b"IEND", b"")


def itxt(text: bytes, *, compressed: bool = False, keyword: bytes = PNG_KEYWORD) -> bytes:
    body = zlib.compress(text) if compressed else text
    return png_chunk(b"iTXt", keyword + b"\x00" + bytes([int(compressed), 0]) + b"\x00\x00" + body)


def svg_doc(inner: str, *, prolog: str = "", root_attrs: str = "") -> bytes:
    return (
        f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_SVG_NS}"{root_attrs}>'
        f"{inner}<circle r='1'/></svg>"
    ).encode()


# --- PNG round trips and Pillow both ways -------------------------------------------------------------------------


@pytest.mark.parametrize("credential", [CREDENTIAL, JWS, "{}"])
def test_png_bake_then_read_round_trips_and_keeps_every_other_chunk(credential: str) -> None:
    image = badge_png(32)
    baked = bake_png(image, credential)
    assert read_png(baked) == credential
    kinds = [kind for kind, _ in png_chunks(baked)]
    assert kinds == [b"IHDR", b"iTXt", b"IDAT", b"IEND"], "the credential comes right after IHDR"
    assert [c for c in png_chunks(baked) if c[0] != b"iTXt"] == list(png_chunks(image))
    rebaked = bake_png(baked, JWS)
    assert read_png(rebaked) == JWS, "baking again replaces the credential, never adds a second one"


def test_pillow_reads_our_baked_png_with_the_same_text_and_pixels() -> None:
    image = badge_png(48)
    with Image.open(io.BytesIO(bake_png(image, CREDENTIAL))) as baked, Image.open(io.BytesIO(image)) as plain:
        baked.load()
        assert baked.text == {"openbadgecredential": CREDENTIAL}  # type: ignore[attr-defined]
        assert baked.tobytes() == plain.tobytes()


@pytest.mark.parametrize("compressed", [False, True])
def test_a_png_baked_by_pillow_is_read(compressed: bool) -> None:
    """Pillow writes the iTXt after re-encoding the image; where it puts it and how it fills the fields is its own."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Pillow")
    info.add_itxt("openbadgecredential", CREDENTIAL, lang="", tkey="", zip=compressed)
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (31, 58, 110, 255)).save(out, format="PNG", pnginfo=info)
    assert read_png(out.getvalue()) == CREDENTIAL
    assert read_input(out.getvalue()).source == "png"


@pytest.mark.shared
def test_the_1edtech_baked_badge_gives_its_vc_jwt() -> None:
    """A badge baked by another implementation (1EdTech's validator tests): iTXt after IDAT in a 16-bit PNG."""
    data = (REALWORLD / "1ed-ob30-baked-jwt.png").read_bytes()
    kinds = [kind for kind, _ in png_chunks(data)]
    assert kinds.index(b"iTXt") > kinds.index(b"IDAT")
    read = read_input(data, media_type="image/png")
    assert (read.kind, read.source) == ("jwt", "png")
    assert read.jws is not None
    credential = decode_jwt_credential(read.jws)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == "http://example.com/credentials/3527"
    token = jose.read_compact(read.jws)
    assert token.alg == "RS256"
    assert jose.verify_compact(token, jose.public_key_from_jwk(token.header["jwk"]), algorithms={"RS256"})


# --- hostile PNGs -------------------------------------------------------------------------------------------------


def test_a_chunk_length_that_lies_is_refused() -> None:
    good = png_of(itxt(CREDENTIAL.encode()))
    at = len(PNG_SIGNATURE) + 25  # the iTXt chunk's length field, after IHDR (8 + 13 + 4)
    (length,) = struct.unpack(">I", good[at : at + 4])
    longer = good[:at] + struct.pack(">I", length + 10_000) + good[at + 4 :]
    with pytest.raises(InvalidInput, match="truncated"):
        read_png(longer)
    shorter = good[:at] + struct.pack(">I", length - 5) + good[at + 4 :]
    with pytest.raises(InvalidInput, match="bad CRC"):
        read_png(shorter)
    huge = good[:at] + struct.pack(">I", 0xFFFFFFF0) + good[at + 4 :]
    with pytest.raises(InputTooLarge):
        read_png(huge)


def test_a_bad_crc_is_refused() -> None:
    good = bytearray(png_of(itxt(CREDENTIAL.encode())))
    good[len(PNG_SIGNATURE) + 25 + 8 + 30] ^= 0x01  # a byte of the credential text
    with pytest.raises(InvalidInput, match="bad CRC"):
        read_png(bytes(good))


def test_a_huge_itxt_is_refused_before_it_is_read() -> None:
    with pytest.raises(InputTooLarge, match="declares"):
        read_png(png_of(itxt(b"{" + b" " * 5000 + b"}")), max_bytes=4096)


def test_a_compressed_bomb_is_stopped_at_the_cap() -> None:
    bomb = itxt(b'{"a":"' + b"A" * 50_000_000 + b'"}', compressed=True)
    assert len(bomb) < 100_000
    with pytest.raises(InputTooLarge, match="decompression bomb"):
        read_png(png_of(bomb))


def test_several_credential_chunks_are_refused_even_when_equal() -> None:
    with pytest.raises(InvalidInput, match="more than one"):
        read_png(png_of(itxt(CREDENTIAL.encode()), itxt(CREDENTIAL.encode(), compressed=True)))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"GIF89a" + b"\x00" * 20, "not a PNG"),
        (png_of()[:-6], "truncated"),
        (png_of(png_chunk(b"tEXt", b"openbadgecredential\x00{}")), 'no "openbadgecredential" iTXt'),
        (png_of(itxt(b"{}", keyword=b"openbadges")), 'no "openbadgecredential" iTXt'),
        (png_of(png_chunk(b"iTXt", PNG_KEYWORD + b"\x00\x00")), "malformed"),
        (png_of(png_chunk(b"iTXt", PNG_KEYWORD + b"\x00\x00\x00{}")), "malformed"),
        (png_of(png_chunk(b"iTXt", PNG_KEYWORD + b"\x00\x01\x07\x00\x00xx")), "compression method"),
        (png_of(png_chunk(b"iTXt", PNG_KEYWORD + b"\x00\x01\x00\x00\x00not zlib")), "does not decompress"),
        (png_of(itxt(b"\xff\xfe{}")), "UTF-8"),
    ],
)
def test_malformed_pngs_are_refused(data: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        read_png(data)


def test_too_many_chunks_are_refused() -> None:
    with pytest.raises(InputTooLarge, match="more than 20 chunks"):
        read_png(png_of(*[png_chunk(b"tEXt", b"a\x00b")] * 50), max_chunks=20)


# --- SVG ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("credential", [CREDENTIAL, JWS])
def test_svg_bake_then_read_round_trips(credential: str) -> None:
    baked = bake_svg(badge_svg(title="T", issuer="I", year="2026"), credential)
    assert read_svg(baked.encode()) == credential


def test_the_standard_svg_doctype_is_read_without_fetching_its_dtd() -> None:
    """Had expat asked for the external DTD, defusedxml's external-reference guard would have refused the file."""
    baked = bake_svg(badge_svg(title="T", issuer="I", year="2026"), CREDENTIAL)
    prolog = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + SVG11_DOCTYPE + "\n"
    assert read_svg((prolog + baked).encode()) == CREDENTIAL
    assert read_input((prolog + baked).encode(), media_type="image/svg+xml").document == json.loads(
        CREDENTIAL
    )
    svg10 = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.0//EN" "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd">'
    assert read_svg((svg10 + baked).encode()) == CREDENTIAL


def test_an_undefined_entity_under_the_standard_doctype_is_refused() -> None:
    """The DTD is not loaded, so &nbsp; and friends stay undefined: an error, never a lookup."""
    with pytest.raises(InvalidInput, match="not well-formed"):
        read_svg(svg_doc("<openbadges:credential>&nbsp;{}</openbadges:credential>", prolog=SVG11_DOCTYPE))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg ['
    '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


@pytest.mark.parametrize(
    ("prolog", "inner"),
    [
        (BILLION_LAUGHS, "<openbadges:credential>&lol3;</openbadges:credential>"),
        (
            '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            "<openbadges:credential>&xxe;</openbadges:credential>",
        ),
        (
            '<!DOCTYPE svg [<!ENTITY % ext SYSTEM "http://evil.example/x.dtd"> %ext;]>',
            "<openbadges:credential>{}</openbadges:credential>",
        ),
        (  # the SVG 1.1 DOCTYPE with an internal subset: still a place to declare entities
            SVG11_DOCTYPE[:-1] + ' [<!ENTITY a "{}">]>',
            "<openbadges:credential>&a;</openbadges:credential>",
        ),
        (  # the SVG public identifier with somebody else's DTD URL
            '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://evil.example/svg11.dtd">',
            "<openbadges:credential>{}</openbadges:credential>",
        ),
        ('<!DOCTYPE svg SYSTEM "file:///etc/passwd">', "<openbadges:credential>{}</openbadges:credential>"),
        (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x">',
            "<openbadges:credential>{}</openbadges:credential>",
        ),
    ],
)
def test_entities_internal_subsets_and_foreign_dtds_are_refused(prolog: str, inner: str) -> None:
    with pytest.raises(InvalidInput, match="refused"):
        read_svg(svg_doc(inner, prolog=prolog))


def test_xinclude_is_refused_not_expanded() -> None:
    inner = (
        '<openbadges:credential><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        'href="file:///etc/passwd" parse="text"/></openbadges:credential>'
    )
    with pytest.raises(InvalidInput, match="text only"):
        read_svg(svg_doc(inner))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<svg><unclosed></svg>", "not well-formed"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "not an SVG"),
        (svg_doc(""), 'no "openbadges:credential"'),
        (svg_doc("<openbadges:credential>{}</openbadges:credential>" * 2), "more than one"),
        (svg_doc("<openbadges:credential>  </openbadges:credential>"), "empty"),
    ],
)
def test_svgs_without_one_credential_are_refused(data: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        read_svg(data)


def test_an_oversized_svg_is_refused_before_parsing() -> None:
    with pytest.raises(InputTooLarge):
        read_svg(svg_doc("<openbadges:credential>{}</openbadges:credential>" + " " * 5000), max_bytes=1000)


# --- any input: a credential or InvalidInput, never another exception --------------------------------------------

BAKED = bake_png(badge_png(16), CREDENTIAL)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(BAKED) - 1), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(8, len(BAKED)),
)
def test_a_damaged_baked_png_is_read_or_refused_with_invalid_input(
    changes: list[tuple[int, int]], cut: int
) -> None:
    damaged = bytearray(BAKED)
    for at, value in changes:
        damaged[at] = value
    with contextlib.suppress(InvalidInput):
        assert read_png(bytes(damaged[:cut])) == CREDENTIAL


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_as_an_svg_or_refused_with_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        read_svg(svg_doc(text).replace(b"<circle r='1'/>", b""))
