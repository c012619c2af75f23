"""The production settings pass Django's deployment checklist (issue 8, point 6).

Run in subprocesses, since settings are read once per process: `check --deploy`,
then `collectstatic` into a temporary STATIC_ROOT and a few requests with DEBUG=0.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PRODUCTION_SMOKE = """
from django.test import Client
client = Client(HTTP_HOST="portal.example")
page = client.get("/accounts/login/", secure=True)
assert page.status_code == 200, page.status_code
assert page["Strict-Transport-Security"].startswith("max-age=31536000"), page.headers
policy = page["Content-Security-Policy"]
assert "default-src 'self'" in policy and "script-src 'self';" in policy + ";", policy
assert page["X-Frame-Options"] == "DENY"
html = page.content.decode()
assert "/static/css/portal." in html and "/static/css/portal.css" not in html, "no manifest"
assert client.get("/accounts/login/").status_code == 301
assert client.get("/healthz/").status_code == 200
print("production smoke ok")
"""


def _production_env(tmp_path: Path) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS="portal.example",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_passes_with_debug_off_and_a_strong_secret_key(tmp_path: Path) -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_a_weak_secret_key(tmp_path: Path) -> None:
    env = _production_env(tmp_path) | {"SECRET_KEY": "short"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_production_serves_hashed_static_files_over_https_only(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    collected = _manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    assert list((tmp_path / "static" / "js").glob("portal.*.js"))
    smoke = _manage("shell", "-c", PRODUCTION_SMOKE, env=env)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "production smoke ok" in smoke.stdout
