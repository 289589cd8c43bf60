"""The store: a lazily opened psycopg pool, the embedded server, migrations and SQL per area."""
