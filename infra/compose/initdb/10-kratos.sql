-- Runs once, when the Compose Postgres volume is first initialised: a separate database for the
-- optional Ory Kratos profile (identity-relay's own database is POSTGRES_DB).
CREATE DATABASE kratos;
