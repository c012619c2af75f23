"""Login lockout (issue 8, point 5; issue 15, finding 10): five failures lock a username
at one address, fifty lock the address; an administrator unlocks; 429 says Retry-After."""

from __future__ import annotations

import datetime
import re
from typing import Any

import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.test import Client
from django.urls import reverse

from centres.models import User

PASSWORD = "pw-for-tests"  # tests/factories/centres.py


def _login(client: Client, username: str, password: str) -> tuple[int, str]:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code, response.content.decode()


def _fail(client: Client, username: str, times: int) -> list[int]:
    return [_login(client, username, "wrong-password")[0] for _ in range(times)]


def test_the_cool_off_lasts_at_least_fifteen_minutes_after_five_failures() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) <= settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]
    assert settings.AXES_IP_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT


def test_four_failures_still_let_the_right_password_in(client: Client, alice: User) -> None:
    assert _fail(client, "alice", 4) == [200, 200, 200, 200]
    status, _ = _login(client, "alice", PASSWORD)
    assert status == 302
    assert client.session.get("_auth_user_id") == str(alice.pk)


def test_the_fifth_failure_locks_the_username_with_a_chinese_page(
    client: Client, alice: User
) -> None:
    statuses = _fail(client, "alice", 5)
    assert statuses == [200, 200, 200, 200, 429]
    status, page = _login(client, "alice", PASSWORD)
    assert status == 429
    assert "账号已被临时锁定" in page
    assert "30 分钟" in page
    assert "_auth_user_id" not in client.session


def test_failures_from_elsewhere_do_not_lock_the_owner_out(
    client: Client, alice: User, bob: User
) -> None:
    """Someone who guesses alice's username from another address cannot lock her out."""
    attacker = Client(REMOTE_ADDR="10.6.6.6")
    assert _fail(attacker, "alice", 6)[-2:] == [429, 429]
    assert _login(attacker, "alice", PASSWORD)[0] == 429
    her_desk = Client(REMOTE_ADDR="10.9.9.9")
    assert _login(her_desk, "alice", PASSWORD)[0] == 302
    assert _login(Client(REMOTE_ADDR="10.6.6.6"), "bob", PASSWORD)[0] == 302


def test_an_address_trying_many_usernames_is_locked_at_its_own_limit(
    alice: User, settings: Any
) -> None:
    settings.AXES_IP_FAILURE_LIMIT = 8
    sprayer = Client(REMOTE_ADDR="10.7.7.7")
    statuses = [_login(sprayer, f"guess{n}", "wrong")[0] for n in range(8)]
    assert statuses == [200] * 7 + [429]  # never five for one username, eight in all
    assert _login(sprayer, "alice", PASSWORD)[0] == 429
    assert _login(Client(REMOTE_ADDR="10.8.8.8"), "alice", PASSWORD)[0] == 302


def test_a_lockout_answers_429_with_retry_after(client: Client, alice: User) -> None:
    _fail(client, "alice", 5)
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())


def test_an_administrator_unlocks_an_account_from_the_user_list(
    client: Client, alice: User
) -> None:
    _fail(client, "alice", 5)
    assert _login(client, "alice", PASSWORD)[0] == 429
    admin = User.objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
    auditor = Client()
    auditor.force_login(admin)
    answer = auditor.post(reverse("admin:centres_user_changelist"),
                          {"action": "unlock", "_selected_action": [alice.pk]})
    assert answer.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert _login(client, "alice", PASSWORD)[0] == 302


def test_the_lock_lifts_after_the_cool_off(client: Client, alice: User) -> None:
    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=False) as traveller:
        _fail(client, "alice", 5)
        assert _login(client, "alice", PASSWORD)[0] == 429
        traveller.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
        assert _login(client, "alice", PASSWORD)[0] == 302


def _normalised(page: str, username: str) -> str:
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return page.replace(f'value="{username}"', 'value=""')


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(
    client: Client, alice: User
) -> None:
    wrong_password = _login(client, "alice", "wrong-password")
    unknown_user = _login(client, "nobody", "wrong-password")
    assert wrong_password[0] == unknown_user[0] == 200
    assert _normalised(wrong_password[1], "alice") == _normalised(unknown_user[1], "nobody")
    assert 'role="alert"' in wrong_password[1]


def test_an_unknown_username_is_locked_the_same_way(client: Client, world: None) -> None:
    assert _fail(client, "nobody", 5) == [200, 200, 200, 200, 429]
    assert "账号已被临时锁定" in _login(client, "nobody", "anything")[1]


def test_lockouts_are_recorded_and_shown_in_the_admin(client: Client, alice: User) -> None:
    _fail(client, "alice", 5)
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.failures_since_start == 5
    assert AccessFailureLog.objects.filter(username="alice", locked_out=True).exists()

    admin = User.objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
    auditor = Client()
    auditor.force_login(admin)
    for model in ["accessattempt", "accessfailurelog", "accesslog"]:
        page = auditor.get(reverse(f"admin:axes_{model}_changelist"))
        assert page.status_code == 200
    assert "alice" in auditor.get(reverse("admin:axes_accessattempt_changelist")).content.decode()


def test_a_successful_login_clears_earlier_failures(client: Client, alice: User) -> None:
    _fail(client, "alice", 3)
    assert _login(client, "alice", PASSWORD)[0] == 302
    client.logout()
    assert _fail(client, "alice", 4) == [200, 200, 200, 200]
    assert _login(client, "alice", PASSWORD)[0] == 302


def test_programmatic_logins_without_a_request_still_work(client: Client, alice: User) -> None:
    assert client.login(username="alice", password=PASSWORD)
