"""issuer package."""
