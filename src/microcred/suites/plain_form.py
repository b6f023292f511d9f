"""Plain compacted form: a signed JSON-LD document whose JSON keys mean exactly what a JSON reader assumes.

https://www.w3.org/TR/json-ld11-api/#compaction-algorithms ; https://www.w3.org/TR/vc-data-integrity/#verify-proof

A Data Integrity proof signs the RDF dataset, not the JSON. Many JSON documents give the same dataset: a term
spelled as its full or compact IRI, ``@nest``, ``@graph`` wrapping, ``@included``, keyword aliases, value
objects. Checks that read JSON keys (``credentialStatus``, ``validUntil``...) would then read something the
signature does not vouch for, or miss something it does. :func:`plain_form_problem` accepts only the form a
JSON reader can trust, walking every node object with the same active contexts (top-level, embedded,
property- and type-scoped) that ``suites.jsonld_fast`` uses for signing and verifying:

- ``@context`` is a pinned URL or a list of them (no inline context can redefine a term), at the top or on an
  embedded document (one with its own proof, or an enveloped credential) or a proof;
- every other key of a node object is a term of the active context that maps to an IRI (or the ``id`` /
  ``type`` aliases of ``@id`` / ``@type``); raw keywords (``@id``, ``@type``, ``@nest``, ``@graph``,
  ``@included``, ``@reverse``...), keyword aliases, reverse and nested terms and any key with a colon (a full
  or compact IRI) are refused; an undefined plain key falls under ``@vocab`` (issuer-dependent) and is
  accepted only if its IRI is no term's IRI;
- a key whose IRI a term the checks read (:data:`CHECKED`) also maps to is refused (the checks read that name);
- a ``type`` value written as an IRI that a term maps to is refused (type-scoped contexts key on the term);
- a value object appears only where compaction needs one: with ``@language``, or with an ``@type`` the term
  does not already coerce to; ``{"@value": ...}`` alone or on a coerced term (``validUntil``) is refused;
- single-valued fields the checks read (:data:`SINGLE_VALUED`) hold one value, never an array, and a single
  credential subject is not wrapped in an array (:data:`ONE_ELEMENT`).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver

from microcred.contexts import DocumentLoader
from microcred.suites.jsonld_contexts import (
    MAX_CACHED_KEYS,
    Active,
    Contexts,
    Plan,
    Unsupported,
    contexts_for,
)

__all__ = ["CHECKED", "ONE_ELEMENT", "SINGLE_VALUED", "plain_form_problem"]

SINGLE_VALUED = frozenset(
    {
        "issuer",
        "holder",
        "validFrom",
        "validUntil",
        "issuanceDate",
        "expirationDate",
        "awardedDate",
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

ONE_ELEMENT = frozenset({"credentialSubject"})
"""Fields that may hold several values but whose single value the OB3 schema wants unwrapped."""

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
_ENVELOPED = frozenset({"EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"})
_PROOF = "<https://w3id.org/security#proof>"


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Refused(Exception):
    def __init__(self, path: Path, reason: str) -> None:
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
        return f"{refused.reason} at {_render(refused.path)}"
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


def _context_urls(value: Any, path: Path) -> tuple[str, ...]:
    urls = tuple(value) if isinstance(value, list) else (value,)
    if not urls or not all(isinstance(url, str) for url in urls):
        raise _Refused(
            (path, "@context"), "an inline @context (only pinned context URLs are read as plain JSON)"
        )
    return urls


Path = tuple[Any, str | int] | str
"""A JSON path built only when a refusal names it: ``(parent, key or index)``, ``"$"`` at the root."""


def _render(path: Path) -> str:
    parts: list[str] = []
    while not isinstance(path, str):
        path, step = path
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return path + "".join(reversed(parts))


class _Memo:
    """What the walker derives from one active context, kept for the life of the process like the context."""

    __slots__ = ("active", "decisions", "iris", "value_keys")

    def __init__(self, active: Active) -> None:
        self.active = active  # held, so the id() it is filed under is never reused for another context
        collected: dict[str, list[str]] = {}
        for term, mapping in active.raw["mappings"].items():
            if mapping is not None and isinstance(mapping.get("@id"), str) and not mapping.get("reverse"):
                collected.setdefault(mapping["@id"], []).append(term)
        self.iris = {iri: tuple(terms) for iri, terms in collected.items()}
        self.value_keys = {"@value"} | {
            t for t, m in active.raw["mappings"].items() if m and m.get("@id") == "@value"
        }
        self.decisions: dict[str, Plan | str] = {}


_MEMOS: dict[int, _Memo] = {}


def _memo(active: Active) -> _Memo:
    memo = _MEMOS.get(id(active))
    if memo is None:
        if len(_MEMOS) >= MAX_CACHED_KEYS:  # only test loaders' contexts come and go
            _MEMOS.clear()
        memo = _MEMOS[id(active)] = _Memo(active)
    return memo


class _Walker:
    """One walk over a document; the context selection mirrors ``jsonld_fast._Writer.element``."""

    def __init__(self, contexts: Contexts) -> None:
        self.contexts = contexts

    def root(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            raise _Refused("$", "not a JSON object")
        if "@context" not in document:
            raise _Refused("$", "no @context")
        urls = _context_urls(document["@context"], "$")
        if not all(url in self.contexts.allowed for url in urls):
            raise _Refused(("$", "@context"), "a context that is not pinned")
        self.node(self.contexts.for_urls(urls), None, document, "$", top=True)

    def node(
        self, active: Active, plan: Plan | None, element: Mapping[str, Any], path: Path, *, top: bool
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
            embedded = "proof" in element or _ENVELOPED.intersection(_types(element.get("type")))
            if not embedded and (plan is None or plan.predicate != _PROOF):
                # only an embedded document (a credential in a presentation, an endorsement) and a proof (the
                # JCS suites copy the document's contexts into it) bring their own contexts; elsewhere pinned
                # contexts applied again could give a key another meaning mid-way
                raise _Refused((path, "@context"), "a @context on a node that is not an embedded credential")
            urls = _context_urls(element["@context"], path)
            if not all(url in contexts.allowed for url in urls):
                raise _Refused((path, "@context"), "a context that is not pinned")
            active = contexts.apply_urls(active, list(urls) if len(urls) > 1 else urls[0])

        memo = _memo(active)
        if not memo.value_keys.isdisjoint(element):
            self.value_object(active, plan, element, path)
            return

        type_key = None
        for alias in active.type_keys:
            if alias in element:
                if alias == "@type":
                    raise _Refused((path, "@type"), 'the keyword "@type" (the plain form writes "type")')
                type_key = alias
        if type_key is not None:
            raw_types = element[type_key]
            types = tuple(raw_types) if isinstance(raw_types, list) else (raw_types,)
            if not types or not all(isinstance(t, str) for t in types):
                raise _Refused((path, type_key), "a type that is not a string")
            for t in types:
                if ":" in t and active.try_vocab(t) in memo.iris:
                    raise _Refused((path, type_key), f'the type "{t}" written as an IRI a term stands for')
            typed = active.typed.get(types)  # the fast path's memo of the same type-scoped contexts
            if typed is not None:
                active = typed[0]
            else:
                type_ctx = active
                for t in sorted(types):
                    scoped = type_ctx.scoped_context(t)
                    if scoped is not None and scoped is not False:
                        active = contexts.apply(active, scoped, propagate=False, override=False)
            memo = _memo(active)

        decisions = memo.decisions
        for key, value in element.items():
            if key == type_key or key == "@context":
                continue
            key_plan = decisions.get(key)
            if key_plan is None:
                key_plan = self.decide(active, memo, key)
                if len(decisions) < MAX_CACHED_KEYS:
                    decisions[key] = key_plan
            if isinstance(key_plan, str):
                raise _Refused((path, key), key_plan)
            if key_plan.keyword == "@id":
                if type(value) is not str:
                    raise _Refused((path, key), "an id that is not a string")
                continue
            if key_plan.json or type(value) is str:
                continue  # an @json literal is signed as the JSON text itself; a string is a plain value
            self.values(key, key_plan, value, (path, key))

    def decide(self, active: Active, memo: _Memo, key: str) -> Plan | str:
        """The key's plan when it is a plain term here, else why it is refused."""
        if key.startswith("@"):
            return f'the keyword "{key}" (the plain form has none outside value objects)'
        if ":" in key:
            return f'the key "{key}" is an IRI, not a term of the context'
        mappings = active.raw["mappings"]
        mapping = mappings.get(key)
        if mapping is None:
            if key in mappings:
                return f'the key "{key}" is a term the context sets to null'
            expanded = active.try_vocab(key)
            if expanded is None or expanded.startswith("@"):
                return f'the key "{key}" is not a term of the context'
            if expanded in memo.iris:
                return f'the undefined key "{key}" stands for the IRI of a term'
        else:
            iri = mapping.get("@id")
            if not isinstance(iri, str) or mapping.get("reverse") or "@nest" in mapping:
                return f'the key "{key}" is a reverse or nested term'
            if iri.startswith("@") and iri not in ("@id", "@type"):
                return f'the key "{key}" is an alias of the keyword {iri}'
            others = [t for t in memo.iris.get(iri, ()) if t != key and t in CHECKED]
            if others and key not in CHECKED:
                return f'the key "{key}" stands for the same IRI as "{others[0]}"'
        try:
            key_plan = active.plans.get(key) or Plan(self.contexts, active, key)
        except Unsupported as exc:
            return f'the key "{key}" cannot be read as plain JSON ({exc})'
        if key_plan.keyword is not None and key_plan.keyword != "@id":
            return f'the keyword {key_plan.keyword} under the key "{key}"'
        return key_plan

    def values(self, key: str, plan: Plan, value: Any, path: Path) -> None:
        # type() first: parsed JSON is dicts, lists and scalars, and the Mapping ABC check is slow
        if type(value) is dict or isinstance(value, Mapping):
            self.node(plan.term_ctx, plan, value, path, top=False)
        elif value is None:
            # JSON-LD drops a null (it signs as if the key were absent) and compaction never writes one, while a
            # check reading the key sees it present: "credentialStatus": null beside no status at all
            raise _Refused(path, f'"{key}" is null (JSON-LD signs it as if the key were absent)')
        elif type(value) is list:
            if key in SINGLE_VALUED or (key in ONE_ELEMENT and len(value) == 1):
                raise _Refused(path, f'an array where "{key}" holds one value')
            for index, item in enumerate(value):
                if type(item) is str:
                    continue
                if item is None:
                    raise _Refused(
                        (path, index), f'a null in "{key}" (JSON-LD drops it from the signed data)'
                    )
                if type(item) is dict or isinstance(item, Mapping):
                    self.node(plan.term_ctx, plan, item, (path, index), top=False)
                elif isinstance(item, list):
                    raise _Refused((path, index), "a nested array")

    def value_object(self, active: Active, plan: Plan | None, element: Mapping[str, Any], path: Path) -> None:
        if plan is None:
            raise _Refused(path, "a value object as the document")
        keywords: dict[str, str] = {}
        for key in element:
            expanded = key if key in _VALUE_KEYS else active.try_vocab(key)
            if expanded is None or expanded not in _VALUE_KEYS:
                raise _Refused((path, key), f'the key "{key}" in a value object')
            keywords[expanded] = key
        if "@value" not in keywords:
            raise _Refused(path, "a value object without @value")
        if "@language" in keywords:
            return  # a language-tagged string has no plainer form
        datatype = element[keywords["@type"]] if "@type" in keywords else None
        if (
            not isinstance(datatype, str)
            or plan.value_type is not None
            or active.try_vocab(datatype) == _XSD_STRING
            or (not isinstance(path, str) and path[1] in CHECKED)
        ):
            raise _Refused(path, "a value object where the plain form writes the value itself")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
