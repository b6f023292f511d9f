"""Controlled vocabularies of the EU micro-credential elements, shipped as data files in ``issuer/data/``.

Council Recommendation 2022/C 243/01, Annex I; EU concept URIs per ``docs/eu-elements.md``.
A value may be given as the short code (``"6"``, ``"online"``) or as the concept URI; it is stored as the URI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from microcred.vc.errors import InvalidInput

__all__ = ["VOCABULARIES", "Concept", "Vocabulary", "vocabulary"]

DATA_DIR = Path(__file__).resolve().parent / "data"

VOCABULARIES = (
    "assessment-types",
    "countries",
    "eqf-levels",
    "isced-f",
    "languages",
    "participation-forms",
    "qf-ehea-cycles",
    "quality-assurance-types",
    "stackability",
    "supervision-verification",
)
"""The names of the controlled vocabularies shipped in ``issuer/data/``."""


@dataclass(frozen=True)
class Concept:
    """One concept: its short code, its (EU vocabulary) URI and an English label."""

    code: str
    uri: str
    label: str


@dataclass(frozen=True)
class Vocabulary:
    """A controlled list with its scheme URI; looks values up by code or URI."""

    name: str
    scheme: str
    concepts: tuple[Concept, ...]
    by_code: Mapping[str, Concept]
    by_uri: Mapping[str, Concept]

    def find(self, value: str) -> Concept | None:
        """The concept whose code or URI is ``value``, or None."""
        return self.by_code.get(value) or self.by_uri.get(value)

    def resolve(self, value: str, *, field: str, pointer: str | None = None) -> Concept:
        """The concept for ``value``; InvalidInput naming ``field`` and the allowed codes otherwise."""
        concept = self.find(value)
        if concept is None:
            raise InvalidInput(self.explain(value, field=field), pointer=pointer)
        return concept

    def explain(self, value: str, *, field: str) -> str:
        """The error message for a value that is not in this vocabulary."""
        allowed = ", ".join(c.code for c in self.concepts)
        return f'"{field}" must be one of {allowed} (or their URIs in {self.scheme}); got "{value}"'


@cache
def vocabulary(name: str) -> Vocabulary:
    """The shipped vocabulary ``name`` (one of VOCABULARIES)."""
    if name not in VOCABULARIES:
        raise KeyError(name)
    raw = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    concepts = tuple(Concept(code=c["code"], uri=c["uri"], label=c["label"]) for c in raw["concepts"])
    return Vocabulary(
        name=name,
        scheme=raw["scheme"],
        concepts=concepts,
        by_code={c.code: c for c in concepts},
        by_uri={c.uri: c for c in concepts},
    )
