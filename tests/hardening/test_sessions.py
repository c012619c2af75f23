"""Session lifetime (issue 8, point 5): idle timeout, a cap per login, no persistent cookie."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from centres.models import User

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def _logged_in(user: User) -> Client:
    client = Client()
    credentials = {"username": user.username, "password": "pw-for-tests"}
    response = client.post(reverse("login"), credentials)
    assert response.status_code == 302
    return client


def _still_logged_in(client: Client) -> bool:
    response = client.get(reverse("centres:directory"))
    return response.status_code == 200


def test_the_session_cookie_ends_with_the_browser_and_is_http_only(alice: User) -> None:
    client = Client()
    client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"]
    assert settings.SESSION_COOKIE_AGE <= 30 * 60


def test_thirty_idle_minutes_log_the_user_out(alice: User, clock: time_machine.Traveller) -> None:
    client = _logged_in(alice)
    clock.shift(31 * MINUTE)
    assert not _still_logged_in(client)


def test_activity_keeps_the_session_alive(alice: User, clock: time_machine.Traveller) -> None:
    client = _logged_in(alice)
    for _ in range(6):  # two hours, a page every twenty minutes
        clock.shift(20 * MINUTE)
        assert _still_logged_in(client)


def test_a_login_lasts_at_most_twelve_hours_however_active(
    alice: User, clock: time_machine.Traveller
) -> None:
    client = _logged_in(alice)
    for _ in range(12 * 3):
        clock.shift(20 * MINUTE)
        assert _still_logged_in(client)
    clock.shift(20 * MINUTE)
    assert not _still_logged_in(client)


def test_the_session_is_written_at_most_every_five_minutes(
    alice: User, clock: time_machine.Traveller
) -> None:
    client = _logged_in(alice)
    key = client.session.session_key

    def expiry() -> datetime.datetime:
        return Session.objects.get(session_key=key).expire_date

    at_login = expiry()
    clock.shift(2 * MINUTE)
    assert _still_logged_in(client)
    assert expiry() == at_login
    clock.shift(4 * MINUTE)
    assert _still_logged_in(client)
    assert expiry() == at_login + 6 * MINUTE
