"""Reading what a person or program hands the verifier: JSON, a VC-JWT, or an OB3 baked PNG / SVG.

Every reader is bounded before or while it reads: body size, JSON nesting depth, PNG chunk count and size,
decompressed text size, and XML without entities or DTDs other than SVG's (:mod:`microcred.vc.baking`).

https://www.imsglobal.org/spec/ob/v3p0/#baking ; https://www.w3.org/TR/vc-data-model-2.0/#media-types
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from microcred.vc.baking import PNG_SIGNATURE, read_png, read_svg
from microcred.vc.errors import InputTooLarge, InvalidInput, UnsupportedMediaType
from microcred.vc.json_text import lone_surrogate_escape

__all__ = [
    "JSON_MEDIA_TYPES",
    "JWT_MEDIA_TYPES",
    "InputLimits",
    "ReadInput",
    "extract_png",
    "extract_svg",
    "parse_json",
    "read_input",
]

JSON_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/ld+json",
        "application/vc",
        "application/vp",
        "application/vc+ld+json",
        "application/vp+ld+json",
    }
)
JWT_MEDIA_TYPES = frozenset({"application/vc+jwt", "application/vp+jwt", "application/jwt", "text/plain"})
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class InputLimits:
    """Caps applied while reading untrusted input."""

    max_bytes: int = 1_048_576
    max_depth: int = 64
    max_png_chunks: int = 1024


@dataclass(frozen=True)
class ReadInput:
    """A credential as read: a JSON object or a compact JWS, and where it came from."""

    kind: Literal["json", "jwt"]
    source: Literal["json", "jwt", "png", "svg"]
    document: dict[str, Any] | None = None
    jws: str | None = None


def parse_json(data: bytes | str, *, limits: InputLimits = InputLimits()) -> Any:
    """Parse JSON after checking its size and nesting depth (never recursing past ``max_depth``)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > limits.max_bytes:
        raise InputTooLarge(f"the JSON document is {len(raw)} bytes; the limit is {limits.max_bytes}")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise InvalidInput(f"the JSON document nests deeper than {limits.max_depth} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"the body is not valid UTF-8 JSON: {_short(exc)}") from None
    if lone_surrogate_escape(raw):
        raise InvalidInput("the JSON has a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair)")
    _check_depth(value, limits.max_depth)
    return value


def _check_depth(value: Any, max_depth: int) -> None:
    """Walk the parsed value level by level (no recursion); the C parser itself stops at the interpreter's limit."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise InvalidInput(f"the JSON document nests deeper than {max_depth} levels")
        below: list[Any] = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, dict | list):
                    below.append(child)
        level = below


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160]


def read_input(
    data: bytes, *, media_type: str | None = None, limits: InputLimits = InputLimits()
) -> ReadInput:
    """Read one credential (or presentation) from bytes, by media type or, when absent, by content."""
    if len(data) > limits.max_bytes:
        raise InputTooLarge(f"the upload is {len(data)} bytes; the limit is {limits.max_bytes}")
    kind = _kind(data, media_type)
    if kind == "png":
        return _from_text(extract_png(data, limits=limits), source="png", limits=limits)
    if kind == "svg":
        return _from_text(extract_svg(data, limits=limits), source="svg", limits=limits)
    if kind == "jwt":
        return _from_text(data.decode("ascii", "replace"), source="jwt", limits=limits)
    return _from_text(data, source="json", limits=limits)


def _kind(data: bytes, media_type: str | None) -> str:
    media = (media_type or "").split(";")[0].strip().lower()
    head = data.lstrip()[:1]
    if media == "image/png" or (not media and data.startswith(PNG_SIGNATURE)):
        return "png"
    if media == "image/svg+xml" or (not media and head == b"<"):
        return "svg"
    if media in JSON_MEDIA_TYPES:
        return "json"
    if media in JWT_MEDIA_TYPES:
        return "jwt" if head != b"{" else "json"
    if media in ("", "application/octet-stream"):
        if data.startswith(PNG_SIGNATURE):
            return "png"
        if head in (b"{", b"["):
            return "json"
        if _COMPACT_JWS.match(data.strip().decode("ascii", "replace")):
            return "jwt"
        raise UnsupportedMediaType("the upload is not JSON, a VC-JWT, a baked PNG or a baked SVG")
    raise UnsupportedMediaType(
        f'media type "{media}" is not accepted; send JSON, a VC-JWT (text/plain), image/png or image/svg+xml'
    )


def _from_text(
    text: str | bytes, *, source: Literal["json", "jwt", "png", "svg"], limits: InputLimits
) -> ReadInput:
    stripped = text.strip()
    as_str = stripped.decode("utf-8", "replace") if isinstance(stripped, bytes) else stripped
    if as_str.startswith("{"):
        document = parse_json(stripped, limits=limits)
        if not isinstance(document, dict):
            raise InvalidInput("the credential must be a JSON object")
        return ReadInput(kind="json", source=source, document=document)
    if _COMPACT_JWS.match(as_str):
        return ReadInput(kind="jwt", source=source, jws=as_str)
    if source == "json":
        parse_json(stripped, limits=limits)  # raises the precise JSON error
        raise InvalidInput("the credential must be a JSON object")
    raise InvalidInput(f"the {source} input holds neither a JSON credential nor a compact JWS")


def extract_png(data: bytes, *, limits: InputLimits = InputLimits()) -> str:
    """The text of the one ``iTXt`` chunk keyed ``openbadgecredential`` (OB3 baking), read with limits.

    https://www.imsglobal.org/spec/ob/v3p0/#png
    """
    return read_png(data, max_bytes=limits.max_bytes, max_chunks=limits.max_png_chunks)


def extract_svg(data: bytes, *, limits: InputLimits = InputLimits()) -> str:
    """The credential in the ``openbadges:credential`` element: its ``verify`` attribute or its text.

    The standard SVG DOCTYPE is read; entities, internal DTD subsets and external references are refused.
    https://www.imsglobal.org/spec/ob/v3p0/#svg
    """
    return read_svg(data, max_bytes=limits.max_bytes)
