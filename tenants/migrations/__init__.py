"""The database schema's history: one Alembic chain over tenants' metadata (shipped with the package
so an installed panel can migrate its database)."""
