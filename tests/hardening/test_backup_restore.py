"""Backups: a real pg_dump -> pg_restore round trip into a scratch database.

Issue 8, point 7; the procedure is the one in docs/operations.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db import connection

from centres.models import Centre, Region, User
from tests.hardening.postgres import connect, libpq_env, only_on_postgresql

pytestmark = [only_on_postgresql, pytest.mark.django_db(transaction=True)]


def _run(*command: str) -> None:
    executable = shutil.which(command[0])
    assert executable, f"{command[0]} is not installed (apt-get install postgresql-client)"
    result = subprocess.run(  # noqa: S603 (fixed PostgreSQL client commands)
        [executable, *command[1:]],
        env=os.environ | libpq_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_drill"
    admin = connect("postgres")
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _table_rows(dbname: str, table: str, columns: str) -> list[tuple[object, ...]]:
    with connect(dbname) as raw, raw.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY 1")  # noqa: S608 (fixed names)
        rows = list(cursor.fetchall())
    raw.close()
    return rows


def test_a_dump_restores_every_row_into_an_empty_database(
    alice: User, tmp_path: Path, scratch_database: str
) -> None:
    AccessAttempt.objects.create(
        username="alice", ip_address="10.0.0.1", user_agent="x", failures_since_start=3
    )
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "fengqiao.dump"

    _run("pg_dump", "--format=custom", "--no-owner", f"--dbname={source}", f"--file={dump}")
    _run(
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={scratch_database}",
        str(dump),
    )

    for model, columns in [
        (Region, "code, name, parent_id"),
        (Centre, "id, region_id, name"),
        (User, "id, username, password, region_id, role"),
        (AccessAttempt, "username, failures_since_start"),
    ]:
        table = model._meta.db_table
        restored = _table_rows(scratch_database, table, columns)
        assert restored == _table_rows(source, table, columns), table
        assert len(restored) == model.objects.count() > 0, table
    migrations = "app, name"
    assert _table_rows(scratch_database, "django_migrations", migrations) == _table_rows(
        source, "django_migrations", migrations
    )
