"""Wallets: credential offers and their delivery over OpenID4VCI and VC-API exchanges."""
