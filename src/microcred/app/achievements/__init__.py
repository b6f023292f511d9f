"""Achievements: micro-credential definitions, their published versions and the public catalogue."""
