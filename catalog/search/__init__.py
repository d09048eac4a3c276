"""Product search: one interface, an Elasticsearch and a PostgreSQL backend (catalog.search.service)."""
