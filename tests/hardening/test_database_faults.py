"""PostgreSQL drops the connections: the next request succeeds without a restart.

Issue 8, point 3. The requests go through the real WSGI application (the test
client skips the connection bookkeeping that runs at the start and end of a
request), so the persistent connection (CONN_MAX_AGE) survives between them as
in production, until PostgreSQL terminates it.
"""

from __future__ import annotations

import io
import wsgiref.util
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from centres.models import User
from centres.services import api_token_create
from config.wsgi import application
from tests.hardening.postgres import connect, only_on_postgresql

pytestmark = [only_on_postgresql, pytest.mark.django_db(transaction=True)]


def _get(path: str, token: str | None = None) -> int:
    environ: dict[str, Any] = {"PATH_INFO": path, "wsgi.input": io.BytesIO()}
    wsgiref.util.setup_testing_defaults(environ)
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    body = application(environ, start_response)
    try:
        b"".join(body)
    finally:
        body.close()  # ends the request (request_finished), as a WSGI server does
    return int(statuses[0].split()[0])


def _terminate_the_portal_s_connections() -> int:
    """What a failover or an administrator does: end every other backend of the database."""
    with connect() as admin, admin.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        (terminated,) = cursor.fetchone()
    admin.close()
    return int(terminated)


def test_the_settings_keep_connections_and_check_them_before_use() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert (settings.DATABASES["default"]["CONN_MAX_AGE"] or 0) > 0


def test_the_next_request_succeeds_after_postgresql_drops_the_connections(
    ministry: User,
) -> None:
    token = api_token_create(user=ministry).key
    assert _get("/healthz/") == 200
    assert connection.connection is not None  # kept open between requests
    before = connection.connection

    assert _terminate_the_portal_s_connections() >= 1

    assert _get("/healthz/") == 200
    assert _get("/api/v1/regions/", token) == 200
    assert connection.connection is not before  # a fresh connection, no restart


def test_without_health_checks_the_dropped_connection_would_fail_a_request(
    monkeypatch: pytest.MonkeyPatch, world: None
) -> None:
    """The control: this is the failure CONN_HEALTH_CHECKS prevents."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    connection.close()  # the setting is read when a connection opens
    assert _get("/healthz/") == 200
    assert getattr(connection, "health_check_enabled", None) is False
    assert _terminate_the_portal_s_connections() >= 1
    assert _get("/healthz/") == 500
    assert _get("/healthz/") == 200  # Django closed the broken connection after the error
