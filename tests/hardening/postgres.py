"""Helpers for tests that run against the real PostgreSQL server."""

from __future__ import annotations

from typing import Any

import psycopg2
import pytest
from django.db import connection

only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)",
)


def connect(dbname: str | None = None) -> Any:
    """A connection of the test's own, beside Django's, in autocommit mode."""
    settings = connection.settings_dict
    raw = psycopg2.connect(
        dbname=dbname or settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    raw.autocommit = True
    return raw


def libpq_env() -> dict[str, str]:
    """PGHOST, PGPORT, PGUSER, PGPASSWORD for pg_dump and pg_restore."""
    settings = connection.settings_dict
    pairs = {
        "PGHOST": settings["HOST"],
        "PGPORT": settings["PORT"],
        "PGUSER": settings["USER"],
        "PGPASSWORD": settings["PASSWORD"],
    }
    return {key: str(value) for key, value in pairs.items() if value}
