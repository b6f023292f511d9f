"""Issuance: signing credentials for learners (VC-API and awards), their idempotency, and learner links."""
