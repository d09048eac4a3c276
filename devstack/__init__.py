"""Real services on one machine: embedded PostgreSQL, Redis and Elasticsearch."""
