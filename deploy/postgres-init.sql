-- Runs once, when the postgres container initialises an empty data directory
-- (mounted into /docker-entrypoint-initdb.d by docker-compose.yml), connected to
-- POSTGRES_DB ("catalog") as POSTGRES_USER ("catalog").

-- Write side: trigram similarity for admin search and the PostgreSQL search backend.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Read side: the denormalized read model lives in its own database (alias "read").
CREATE DATABASE catalog_read;

\connect catalog_read
CREATE EXTENSION IF NOT EXISTS pg_trgm;
