"""OB 3.0 baking: a credential inside a badge image, written and read — PNG ``iTXt`` and SVG element, pure and bounded.

PNG: one ``iTXt`` chunk keyed ``openbadgecredential`` (written uncompressed, right after ``IHDR``; read compressed
or not). SVG: ``xmlns:openbadges`` on the root and one ``<openbadges:credential>`` right after the ``<svg>`` start
tag, the JSON in CDATA or a compact JWS in its ``verify`` attribute. The issuer bakes with :func:`bake_png` /
:func:`bake_svg`; the verifier reads with :func:`read_png` / :func:`read_svg`.

Why PNG chunks are walked here rather than through Pillow: Pillow reaches a text chunk that follows the image data
(where other bakers put it: 1EdTech's validator samples carry it after ``IDAT``) only by decoding every pixel, so a
1 MiB upload of a 20000 x 20000 image would cost gigabytes before the credential is even found; its ``text``
mapping keeps only the last of several chunks with one keyword, so a second, contradicting credential could not be
refused; and writing through it re-encodes the image and drops chunks it does not know. The walk below touches
no pixel, checks every length and CRC, and caps the chunk count and the inflated text. Tests check it against
Pillow both ways (a Pillow-written ``iTXt`` is read here; our baked PNG opens in Pillow with the same text).

SVG is parsed with defusedxml: no entity declarations, no external references, no internal DTD subset, nothing
fetched. Only a DOCTYPE naming one of the W3C's published SVG DTDs (what Inkscape and Illustrator write) is let
through; expat never loads the DTD it names.

https://www.imsglobal.org/spec/ob/v3p0/#baking ; https://www.w3.org/TR/png-3/#11iTXt
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from microcred.vc.errors import InputTooLarge, InvalidInput

__all__ = [
    "MAX_BAKED_BYTES",
    "MAX_PNG_CHUNKS",
    "OB_SVG_NS",
    "PNG_KEYWORD",
    "PNG_SIGNATURE",
    "bake_png",
    "bake_svg",
    "png_chunk",
    "png_chunks",
    "read_png",
    "read_svg",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB_SVG_NS = "https://purl.imsglobal.org/ob/v3p0"
MAX_BAKED_BYTES = 1_048_576
"""Default cap on an image, on one chunk and on the inflated credential text."""
MAX_PNG_CHUNKS = 1024
_SVG_NS = "http://www.w3.org/2000/svg"
_SVG_START = re.compile(r"<svg\b[^>]*>")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_SVG_DOCTYPES = {
    # public identifier -> system identifier, as the SVG 1.0 / 1.1 recommendations publish them
    "-//W3C//DTD SVG 1.1//EN": "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
    "-//W3C//DTD SVG 1.1 Basic//EN": "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-basic.dtd",
    "-//W3C//DTD SVG 1.1 Tiny//EN": "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-tiny.dtd",
    "-//W3C//DTD SVG 1.0//EN": "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
    "-//W3C//DTD SVG 20010904//EN": "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
}


# --- PNG ----------------------------------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type and data. https://www.w3.org/TR/png-3/#5Chunk-layout"""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunks(
    png: bytes, *, max_bytes: int = MAX_BAKED_BYTES, max_chunks: int = MAX_PNG_CHUNKS
) -> Iterator[tuple[bytes, bytes]]:
    """(type, data) of each chunk up to and including ``IEND``, every length, CRC and count checked first.

    https://www.w3.org/TR/png-3/#5DataRep
    """
    if not png.startswith(PNG_SIGNATURE):
        raise InvalidInput("the image is not a PNG file")
    offset = len(PNG_SIGNATURE)
    for _ in range(max_chunks):
        if offset + 8 > len(png):
            raise InvalidInput("the PNG file is truncated")
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        if length > max_bytes:
            raise InputTooLarge(f"PNG chunk {kind!r} declares {length} bytes; the limit is {max_bytes}")
        if offset + 12 + length > len(png):
            raise InvalidInput(f"the PNG file is truncated inside chunk {kind!r}")
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        if zlib.crc32(kind + data) != crc:
            raise InvalidInput(f"PNG chunk {kind!r} has a bad CRC")
        offset += 12 + length
        yield kind, data
        if kind == b"IEND":
            return
    raise InputTooLarge(f"the PNG has more than {max_chunks} chunks")


def _is_credential_chunk(kind: bytes, data: bytes) -> bool:
    return kind == b"iTXt" and data.split(b"\x00", 1)[0] == PNG_KEYWORD


def bake_png(png: bytes, credential: str) -> bytes:
    """The PNG with ``credential`` (JSON text or a compact JWS) in one uncompressed ``openbadgecredential`` iTXt.

    An earlier baked credential is replaced, so the result always holds exactly one; every other chunk is kept
    byte for byte. https://www.imsglobal.org/spec/ob/v3p0/#png
    """
    # keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL, text
    itxt = PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + credential.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, data in png_chunks(png, max_bytes=len(png), max_chunks=len(png) // 12 + 1):
        if _is_credential_chunk(kind, data):
            continue
        out.append(png_chunk(kind, data))
        if kind == b"IHDR":
            out.append(png_chunk(b"iTXt", itxt))
    return b"".join(out)


def read_png(png: bytes, *, max_bytes: int = MAX_BAKED_BYTES, max_chunks: int = MAX_PNG_CHUNKS) -> str:
    """The text of the one ``iTXt`` chunk keyed ``openbadgecredential``; InvalidInput if none, several or malformed.

    https://www.imsglobal.org/spec/ob/v3p0/#png
    """
    found: str | None = None
    for kind, data in png_chunks(png, max_bytes=max_bytes, max_chunks=max_chunks):
        if _is_credential_chunk(kind, data):
            if found is not None:
                raise InvalidInput("the PNG holds more than one openbadgecredential chunk")
            found = _itxt_text(data, max_bytes=max_bytes)
    if found is None:
        raise InvalidInput('the PNG carries no "openbadgecredential" iTXt chunk (it is not a baked badge)')
    return found


def _itxt_text(data: bytes, *, max_bytes: int) -> str:
    """https://www.w3.org/TR/png-3/#11iTXt: keyword NUL flag method language NUL translated-keyword NUL text."""
    rest = data[len(PNG_KEYWORD) + 1 :]
    if len(rest) < 2:
        raise InvalidInput("the openbadgecredential iTXt chunk is malformed")
    compressed, method = rest[0], rest[1]
    parts = rest[2:].split(b"\x00", 2)
    if len(parts) != 3:
        raise InvalidInput("the openbadgecredential iTXt chunk is malformed")
    text = parts[2]
    if compressed:
        if method != 0:
            raise InvalidInput("the openbadgecredential iTXt chunk uses an unknown compression method")
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, max_bytes)
        except zlib.error:
            raise InvalidInput("the openbadgecredential iTXt chunk does not decompress") from None
        if inflater.unconsumed_tail:
            raise InputTooLarge(
                f"the compressed credential expands past {max_bytes} bytes (decompression bomb)"
            )
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the openbadgecredential text is not UTF-8") from None


# --- SVG ----------------------------------------------------------------------------------------------------------


def bake_svg(svg: str, credential: str) -> str:
    """The SVG with ``credential`` in one ``<openbadges:credential>`` element right after the ``<svg>`` start tag.

    JSON goes into CDATA (a ``]]>`` inside it is split across two sections); a compact JWS into ``verify``.
    https://www.imsglobal.org/spec/ob/v3p0/#svg
    """
    start = _SVG_START.search(svg)
    if start is None:
        raise InvalidInput("the badge image is not an SVG document")
    if "openbadges:credential" in svg:
        raise InvalidInput("the SVG badge is already baked")
    tag = start.group(0)
    if "xmlns:openbadges=" not in tag:
        closing = "/>" if tag.endswith("/>") else ">"
        tag = tag[: -len(closing)] + f' xmlns:openbadges="{OB_SVG_NS}"' + closing
    text = credential.strip()
    if _COMPACT_JWS.match(text):
        element = f"<openbadges:credential verify={quoteattr(text)}></openbadges:credential>"
    else:
        body = text.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>"
    return svg[: start.start()] + tag + element + svg[start.end() :]


class _SvgParser(DefusedXMLParser):
    """defusedxml with DTDs refused, except a DOCTYPE that only names a published SVG DTD."""

    def __init__(self) -> None:
        super().__init__(forbid_dtd=True, forbid_entities=True, forbid_external=True)

    def defused_start_doctype_decl(
        self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
    ) -> None:
        standard = pubid in _SVG_DOCTYPES and sysid == _SVG_DOCTYPES[pubid]
        bare = pubid is None and sysid is None
        if name != "svg" or has_internal_subset or not (standard or bare):
            raise DTDForbidden(name, sysid, pubid)


def read_svg(svg: bytes, *, max_bytes: int = MAX_BAKED_BYTES) -> str:
    """The credential in the ``openbadges:credential`` element: its ``verify`` attribute or its text.

    Entities, internal DTD subsets, external references and any DOCTYPE but the SVG ones are refused; the element
    must hold text only (an XInclude or any other element inside it is refused, never expanded).
    https://www.imsglobal.org/spec/ob/v3p0/#svg
    """
    if len(svg) > max_bytes:
        raise InputTooLarge(f"the SVG is {len(svg)} bytes; the limit is {max_bytes}")
    parser = _SvgParser()
    try:
        parser.feed(svg)
        root: Any = parser.close()
    except DefusedXmlException:
        raise InvalidInput(
            "the SVG declares entities, an internal DTD subset, an external reference or a DOCTYPE other "
            "than SVG's, which are refused"
        ) from None
    except ParseError as exc:
        raise InvalidInput(f"the SVG is not well-formed XML: {str(exc).splitlines()[0][:160]}") from None
    if root.tag not in (f"{{{_SVG_NS}}}svg", "svg"):
        raise InvalidInput("the document is not an SVG image")
    elements = root.findall(f"{{{OB_SVG_NS}}}credential")
    if not elements:
        raise InvalidInput('the SVG carries no "openbadges:credential" element (it is not a baked badge)')
    if len(elements) > 1:
        raise InvalidInput('the SVG holds more than one "openbadges:credential" element')
    element = elements[0]
    if len(element):
        raise InvalidInput('the "openbadges:credential" element must hold text only, not other elements')
    verify = element.get("verify")
    text: str = verify if verify else (element.text or "")
    if not text.strip():
        raise InvalidInput('the "openbadges:credential" element is empty')
    return text
