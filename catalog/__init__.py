"""The catalog app: write model, event store, projections, read side, API."""
