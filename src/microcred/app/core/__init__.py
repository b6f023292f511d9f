"""What every feature of the app shares: settings, dependency wiring (``deps``), problem+json responses,
middleware, JSON logs, rate limits, the health route and the key ring of every DID that signs. Nothing here
imports a feature folder except ``deps``, which authenticates callers (ADR 0007)."""
