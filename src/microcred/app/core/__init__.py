"""What every feature of the app shares: settings, dependency wiring, problem responses, middleware, logs and
rate limits. Nothing here imports a feature folder except ``deps`` (which authenticates callers)."""
