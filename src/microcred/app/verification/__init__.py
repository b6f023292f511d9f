"""Verification: the verifier app's HTTP API over the ``microcred.verifier`` library."""
