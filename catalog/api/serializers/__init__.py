"""Serializers: request validation for commands, and the documented shape of every response."""
