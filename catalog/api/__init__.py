"""The REST API: read endpoints served from the read side, command endpoints, API-key auth."""
