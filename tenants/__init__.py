"""The domain: models, business rules and tenancy (no Flask, no RQ)."""
from pathlib import Path

CATALOGS = Path(__file__).resolve().parent / "translations"  # Japanese and English UI and mail texts
MIGRATIONS = Path(__file__).resolve().parent / "migrations"  # the Alembic chain
