"""HTTP routes, one concept per module."""
