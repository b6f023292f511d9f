"""The trust registry: entries, state history, TRQP queries and signed exports."""
