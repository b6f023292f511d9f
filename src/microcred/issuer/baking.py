"""Badge images: a server-drawn badge (an SVG with the title, a small PNG medal), baked by :mod:`microcred.vc.baking`.

The PNG is drawn with zlib and struct (no imaging library is needed for a 128-pixel medal). Baking and reading a
baked credential live in :mod:`microcred.vc.baking`, shared with the verifier; ``bake_png``, ``bake_svg``,
``OB_SVG_NS`` and ``PNG_KEYWORD`` are re-exported here for the issuer's callers.

https://www.imsglobal.org/spec/ob/v3p0/#baking
"""

from __future__ import annotations

import math
import struct
import zlib
from functools import cache
from xml.sax.saxutils import escape, quoteattr

from microcred.vc.baking import OB_SVG_NS, PNG_KEYWORD, PNG_SIGNATURE, bake_png, bake_svg, png_chunk

__all__ = ["OB_SVG_NS", "PNG_KEYWORD", "badge_png", "badge_svg", "bake_png", "bake_svg"]

_NAVY = (31, 58, 110)
_GOLD = (226, 170, 52)
_WHITE = (255, 255, 255)


def _wrap(text: str, width: int, lines: int) -> list[str]:
    words, out, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        out.append(line)
    if len(out) > lines:
        out = [*out[: lines - 1], out[lines - 1][: width - 1] + "…"]
    return out


def badge_svg(*, title: str, issuer: str, year: str) -> str:
    """A simple round badge naming the micro-credential, its awarding body and the year (not yet baked)."""
    title_lines = _wrap(title, 18, 3)
    first = 118 - 11 * (len(title_lines) - 1)
    tspans = "".join(
        f'<tspan x="128" y="{first + 22 * i}">{escape(line)}</tspan>' for i, line in enumerate(title_lines)
    )
    issuer_line = escape(_wrap(issuer, 26, 1)[0] if issuer else "")
    navy, gold = "#1f3a6e", "#e2aa34"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" '
        f"aria-label={quoteattr(f'{title}, {issuer}, {year}')}>"
        f"<title>{escape(title)}</title>"
        f'<circle cx="128" cy="128" r="124" fill="{navy}"/>'
        f'<circle cx="128" cy="128" r="108" fill="none" stroke="{gold}" stroke-width="8"/>'
        '<g font-family="DejaVu Sans, Arial, sans-serif" fill="#ffffff" text-anchor="middle">'
        f'<text font-size="17" font-weight="bold">{tspans}</text>'
        f'<text x="128" y="190" font-size="11">{issuer_line}</text>'
        f'<text x="128" y="64" font-size="10" fill="{gold}">MICRO-CREDENTIAL · {escape(year)}</text>'
        "</g></svg>"
    )


def _coverage(distance: float) -> float:
    """How much of a pixel lies inside a shape whose edge is ``distance`` away (positive = inside)."""
    return min(1.0, max(0.0, distance + 0.5))


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - a[0] - t * dx, y - a[1] - t * dy)


@cache
def badge_png(size: int = 128) -> bytes:
    """A small round medal with a check mark (navy, gold ring, white tick), drawn pixel by pixel; not baked."""
    c = size / 2
    tick = ((0.31 * size, 0.52 * size), (0.44 * size, 0.65 * size), (0.70 * size, 0.37 * size))
    rows = bytearray()
    for py in range(size):
        rows.append(0)
        for px in range(size):
            x, y = px + 0.5, py + 0.5
            r = math.hypot(x - c, y - c)
            alpha = _coverage(c - 2 - r)
            ring = _coverage(3.5 - abs(r - 0.82 * c))
            tick_d = min(_segment_distance(x, y, tick[0], tick[1]), _segment_distance(x, y, tick[1], tick[2]))
            mark = _coverage(0.055 * size - tick_d)
            color = _mix(_mix(_NAVY, _GOLD, ring), _WHITE, mark)
            rows += bytes((*color, round(255 * alpha)))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + png_chunk(b"IEND", b"")
    )
