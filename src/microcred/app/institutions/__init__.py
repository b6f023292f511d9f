"""Institutions: the admin and institution APIs, API keys, public issuer profiles and DID documents, and the key
ring of their signing keys."""
