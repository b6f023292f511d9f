"""Batches: bulk issuance from CSV / JSON Lines, processed in chunks by signing workers."""
