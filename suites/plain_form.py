"""Plain compacted form: a signed JSON-LD document whose JSON keys mean exactly what a JSON reader assumes.

https://www.w3.org/TR/json-ld11-api/#compaction-algorithms ; https://www.w3.org/TR/vc-data-integrity/#verify-proof

A Data Integrity proof signs the RDF dataset, not the JSON. Many JSON documents give the same dataset: a term
spelled as its full or compact IRI, ``@nest``, ``@graph`` wrapping, ``@included``, keyword aliases, value
objects. Checks that read JSON keys (``credentialStatus``, ``validUntil``...) would then read something the
signature does not vouch for, or miss something it does. :func:`plain_form_problem` accepts only the form a
JSON reader can trust, walking every node object with the same active contexts (top-level, embedded,
property- and type-scoped) that ``suites.jsonld_fast`` uses for signing and verifying:

- ``@context`` is a pinned URL or a list of them (no inline context can redefine a term);
- every other key of a node object is a term of the active context that maps to an IRI (or the ``id`` /
  ``type`` aliases of ``@id`` / ``@type``); raw keywords (``@id``, ``@type``, ``@nest``, ``@graph``,
  ``@included``, ``@reverse``...), keyword aliases, reverse and nested terms and any key with a colon (a full
  or compact IRI) are refused; an undefined plain key falls under ``@vocab`` (issuer-dependent) and is
  accepted only if its IRI is no term's IRI;
- a key whose IRI a term the checks read (:data:`CHECKED`) also maps to is refused (the checks read that name);
- a ``type`` value written as an IRI that a term maps to is refused (type-scoped contexts key on the term);
- a value object appears only where compaction needs one: with ``@language``, or with an ``@type`` the term
  does not already coerce to; ``{"@value": ...}`` alone or on a coerced term (``validUntil``) is refused;
- single-valued fields the checks read (:data:`SINGLE_VALUED`) hold one value, never an array.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver

from contexts import DocumentLoader
from suites.jsonld_contexts import Active, Contexts, Plan, Unsupported, contexts_for

__all__ = ["CHECKED", "SINGLE_VALUED", "plain_form_problem"]

SINGLE_VALUED = frozenset(
    {
        "issuer",
        "holder",
        "validFrom",
        "validUntil",
        "issuanceDate",
        "expirationDate",
        "name",
        "description",
        "achievement",
        "achievementType",
        "criteria",
        "narrative",
        "creditsAvailable",
        "creditsEarned",
        "creditSystem",
        "eqfLevel",
        "participationForm",
        "address",
        "addressCountry",
        "addressCountryCode",
        "addressRegion",
        "targetUrl",
        "targetFramework",
        "targetName",
        "identityHash",
        "statusPurpose",
        "statusListIndex",
        "statusListCredential",
        "statusSize",
        "encodedList",
        "ttl",
        "cryptosuite",
        "proofPurpose",
        "verificationMethod",
        "created",
        "expires",
        "proofValue",
        "challenge",
        "domain",
        "nonce",
    }
)
"""Fields the verifier reads (and shows) as one value: ``x`` and ``[x]`` sign alike, so only ``x`` is plain."""

CHECKED = SINGLE_VALUED | {
    "type",
    "credentialSubject",
    "credentialStatus",
    "credentialSchema",
    "proof",
    "evidence",
    "endorsement",
    "endorsementJwt",
    "alignment",
    "learningOutcome",
    "assessmentType",
    "qualityAssuranceType",
    "accreditations",
    "identifier",
    "statusMessage",
    "verifiableCredential",
    "previousProof",
}
"""Keys the verifier reads: another term for the same IRI would hide a value from it."""

_VALUE_KEYS = frozenset({"@value", "@language", "@type"})


class _Refused(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def plain_form_problem(document: Mapping[str, Any], *, loader: DocumentLoader | None = None) -> str | None:
    """None when ``document`` is in plain compacted form for its own contexts; else why not, naming the
    offending key and its JSON path (``$.credentialSubject.achievement``). Contexts come from the pinned set,
    or from ``loader`` (a test loader with extra documents) for URLs that are not pinned."""
    try:
        _Walker(_contexts(document, loader)).root(document)
    except _Refused as refused:
        return f"{refused.reason} at {refused.path}"
    except Unsupported as exc:
        return f"the document uses JSON-LD this verifier does not read as plain JSON ({exc})"
    except RecursionError:
        return "the document is nested too deeply"
    return None


class _Loadable:
    """The URLs a loader serves, as ``Contexts.allowed`` asks (``url in allowed``)."""

    def __init__(self, loader: DocumentLoader) -> None:
        self.loader = loader

    def __contains__(self, url: object) -> bool:
        try:
            self.loader(str(url), {})
        except Exception:  # any loader failure means the URL is not served
            return False
        return True


_BY_LOADER: weakref.WeakKeyDictionary[DocumentLoader, Contexts] = weakref.WeakKeyDictionary()


def _contexts(document: Mapping[str, Any], loader: DocumentLoader | None) -> Contexts:
    """The process-wide pinned contexts, unless the document names others that ``loader`` serves."""
    raw = document.get("@context") if isinstance(document, Mapping) else None
    urls = raw if isinstance(raw, list) else [raw]
    if loader is None or all(isinstance(u, str) and u in contexts_for(None).allowed for u in urls):
        return contexts_for(None)
    contexts = _BY_LOADER.get(loader)
    if contexts is None:
        contexts = _BY_LOADER[loader] = Contexts()
        contexts.loader = loader
        contexts.options["documentLoader"] = loader
        contexts.options["contextResolver"] = ContextResolver(LRUCache(maxsize=256), loader)
        contexts.allowed = _Loadable(loader)  # type: ignore[assignment]
    return contexts


def _context_urls(value: Any, path: str) -> tuple[str, ...]:
    urls = tuple(value) if isinstance(value, list) else (value,)
    if not urls or not all(isinstance(url, str) for url in urls):
        raise _Refused(
            f"{path}.@context", "an inline @context (only pinned context URLs are read as plain JSON)"
        )
    return urls


class _Walker:
    """One walk over a document; the context selection mirrors ``jsonld_fast._Writer.element``."""

    def __init__(self, contexts: Contexts) -> None:
        self.contexts = contexts

    def root(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            raise _Refused("$", "not a JSON object")
        urls = _context_urls(document.get("@context"), "$")
        if not all(url in self.contexts.allowed for url in urls):
            raise _Refused("$.@context", "a context that is not pinned")
        self.node(self.contexts.for_urls(urls), None, document, "$", top=True)

    def node(
        self, active: Active, plan: Plan | None, element: Mapping[str, Any], path: str, *, top: bool
    ) -> None:
        contexts = self.contexts
        if plan is not None:
            # as jsonld_fast: a type-scoped context does not reach nested nodes (except value objects and
            # bare references), a property-scoped one does
            keeps_type_scope = False
            if active.raw.get("previousContext") and len(element) <= 2 and "@context" not in element:
                expanded = {active.try_vocab(k) for k in element}
                keeps_type_scope = "@value" in expanded or (expanded == {"@id"} and len(element) == 1)
            if not keeps_type_scope and active.previous is not None:
                active = active.previous
            if plan.value_scoped is not None:
                active = contexts.apply(active, plan.value_scoped, propagate=True, override=True)
        if "@context" in element and not top:
            urls = _context_urls(element["@context"], path)
            if not all(url in contexts.allowed for url in urls):
                raise _Refused(f"{path}.@context", "a context that is not pinned")
            active = contexts.apply_urls(active, list(urls) if len(urls) > 1 else urls[0])

        if any(k in _VALUE_KEYS or active.try_vocab(k) == "@value" for k in element if k != "@context"):
            self.value_object(active, plan, element, path)
            return

        type_keys = [k for k in element if k in active.type_keys]
        if "@type" in type_keys:
            raise _Refused(f"{path}.@type", 'the keyword "@type" (the plain form writes "type")')
        type_ctx = active
        if type_keys:
            raw_types = element[type_keys[0]]
            types = tuple(raw_types) if isinstance(raw_types, list) else (raw_types,)
            if not types or not all(isinstance(t, str) for t in types):
                raise _Refused(f"{path}.{type_keys[0]}", "a type that is not a string")
            for t in types:
                if ":" in t and type_ctx.try_vocab(t) in _iris(type_ctx):
                    raise _Refused(
                        f"{path}.{type_keys[0]}", f'the type "{t}" written as an IRI a term stands for'
                    )
            for t in sorted(types):
                scoped = type_ctx.scoped_context(t)
                if scoped is not None and scoped is not False:
                    active = contexts.apply(active, scoped, propagate=False, override=False)

        for key, value in element.items():
            if key == "@context" or key in type_keys:
                continue
            where = f"{path}.{key}"
            key_plan = self.plan(active, key, where)
            if key_plan.keyword == "@id":
                if not isinstance(value, str):
                    raise _Refused(where, "an id that is not a string")
                continue
            if key_plan.keyword is not None:
                raise _Refused(where, f'the keyword {key_plan.keyword} under the key "{key}"')
            self.values(active, key, key_plan, value, where)

    def plan(self, active: Active, key: str, where: str) -> Plan:
        if key.startswith("@"):
            raise _Refused(where, f'the keyword "{key}" (the plain form has none outside value objects)')
        if ":" in key:
            raise _Refused(where, f'the key "{key}" is an IRI, not a term of the context')
        mapping = active.raw["mappings"].get(key)
        if mapping is None:
            if key in active.raw["mappings"]:
                raise _Refused(where, f'the key "{key}" is a term the context sets to null')
            expanded = active.try_vocab(key)
            if expanded is None or expanded.startswith("@"):
                raise _Refused(where, f'the key "{key}" is not a term of the context')
            if expanded in _iris(active):
                raise _Refused(where, f'the undefined key "{key}" stands for the IRI of a term')
        else:
            iri = mapping.get("@id")
            if not isinstance(iri, str) or mapping.get("reverse") or "@nest" in mapping:
                raise _Refused(where, f'the key "{key}" is a reverse or nested term')
            if iri.startswith("@") and iri not in ("@id", "@type"):
                raise _Refused(where, f'the key "{key}" is an alias of the keyword {iri}')
            others = [t for t in _iris(active).get(iri, ()) if t != key and t in CHECKED]
            if others and key not in CHECKED:
                raise _Refused(where, f'the key "{key}" stands for the same IRI as "{others[0]}"')
        key_plan = active.plans.get(key)
        if key_plan is None:
            key_plan = Plan(self.contexts, active, key)
        return key_plan

    def values(self, active: Active, key: str, plan: Plan, value: Any, where: str) -> None:
        if plan.json:
            return  # an @json literal is signed as the JSON text itself
        if isinstance(value, list):
            if key in SINGLE_VALUED:
                raise _Refused(where, f'an array where "{key}" holds one value')
            items = value
        else:
            items = [value]
        for index, item in enumerate(items):
            at = f"{where}[{index}]" if isinstance(value, list) else where
            if isinstance(item, Mapping):
                self.node(plan.term_ctx, plan, item, at, top=False)
            elif isinstance(item, list):
                raise _Refused(at, "a nested array")

    def value_object(self, active: Active, plan: Plan | None, element: Mapping[str, Any], path: str) -> None:
        if plan is None:
            raise _Refused(path, "a value object as the document")
        keywords = {}
        for key in element:
            expanded = key if key in _VALUE_KEYS else active.try_vocab(key)
            if expanded not in _VALUE_KEYS:
                raise _Refused(f"{path}.{key}", f'the key "{key}" in a value object')
            keywords[expanded] = key
        if "@value" not in keywords:
            raise _Refused(path, "a value object without @value")
        if "@language" in keywords:
            return  # a language-tagged string has no plainer form
        if "@type" not in keywords or plan.value_type is not None:
            raise _Refused(path, "a value object where the plain form writes the value itself")


_IRIS: dict[int, dict[str, tuple[str, ...]]] = {}


def _iris(active: Active) -> dict[str, tuple[str, ...]]:
    """IRI → the terms of ``active`` that map to it (memoised per active context, which lives for the process)."""
    found = _IRIS.get(id(active))
    if found is None:
        collected: dict[str, list[str]] = {}
        for term, mapping in active.raw["mappings"].items():
            if mapping is not None and isinstance(mapping.get("@id"), str) and not mapping.get("reverse"):
                collected.setdefault(mapping["@id"], []).append(term)
        found = _IRIS[id(active)] = {iri: tuple(terms) for iri, terms in collected.items()}
    return found
