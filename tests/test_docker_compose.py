"""The production shape (docker-compose.yml and Dockerfile), checked without a Docker engine.

Every command must point at code that exists: the WSGI application, the Celery
app, the beat scheduler; every environment variable must be one the settings read.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery.app.utils import find_app
from celery.utils.imports import symbol_by_name
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SERVICES = {"postgres", "redis", "web", "worker", "beat", "proxy"}
APP_SERVICES = {"web", "worker", "beat"}
REQUIRED_ENV = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
# Read by gunicorn itself: its default number of workers.
GUNICORN_ENV = {"WEB_CONCURRENCY"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _option(command: list[str], name: str) -> str | None:
    """The value of `--name=value` or `--name value` in a command line."""
    for index, word in enumerate(command):
        if word.startswith(f"{name}="):
            return word.split("=", 1)[1]
        if word == name and index + 1 < len(command):
            return command[index + 1]
    return None


def _names_read_by_settings() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:_bool|_list)?\(\s*\"([A-Z_]+)\"", source))


def _names_read_by_entrypoint() -> set[str]:
    return set(re.findall(r"\$\{?([A-Z_]+)", (ROOT / "docker" / "entrypoint.sh").read_text()))


def test_the_six_services_of_the_production_shape(services: dict[str, Any]) -> None:
    assert set(services) == SERVICES
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert (ROOT / "Dockerfile").is_file()


def test_every_service_has_a_health_check(services: dict[str, Any]) -> None:
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert not check.get("disable"), name


def test_services_wait_for_what_they_need_to_be_healthy(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        assert {"postgres", "redis"} <= set(depends), name
        assert all(dep["condition"] == "service_healthy" for dep in depends.values()), name
    # Worker and beat start once the web service has migrated the database.
    for name in ["worker", "beat"]:
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_nginx_fronts_the_web_service_with_the_tested_template(
    services: dict[str, Any],
) -> None:
    proxy, web = services["proxy"], services["web"]
    assert proxy["image"].startswith("nginx:")
    assert "ports" not in web and proxy["ports"] == ["80:80"]
    template = "./docker/nginx/portal.conf.template"
    assert f"{template}:/etc/nginx/templates/portal.conf.template:ro" in proxy["volumes"]
    assert (ROOT / template).is_file()
    port = web["command"][web["command"].index("--bind=0.0.0.0:8000")].rsplit(":", 1)[1]
    assert proxy["environment"]["PORTAL_UPSTREAM"] == f"web:{port}"
    placeholders = set(re.findall(r"\$\{([A-Z_]+)\}", (ROOT / template).read_text()))
    assert placeholders == set(proxy["environment"])
    static = [v for v in proxy["volumes"] if v.startswith("static:")]
    assert static == [f"static:{proxy['environment']['PORTAL_STATIC_ROOT']}:ro"]


def test_the_data_lives_in_volumes(compose: dict[str, Any], services: dict[str, Any]) -> None:
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])


def test_the_web_service_runs_gunicorn_on_the_real_wsgi_application(
    services: dict[str, Any],
) -> None:
    command = _command(services["web"])
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    application = getattr(importlib.import_module(module), attribute)
    assert callable(application)
    assert f"{module}.{attribute}" == settings.WSGI_APPLICATION
    assert services["web"]["environment"]["MIGRATE_ON_START"] == "1"
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])


def test_gunicorn_runs_sync_workers_as_many_as_web_concurrency(
    services: dict[str, Any],
) -> None:
    """One number of workers, set by WEB_CONCURRENCY in the image and in compose."""
    command = _command(services["web"])
    assert _option(command, "--worker-class") == "sync"
    assert _option(command, "--workers") is None and _option(command, "-w") is None
    assert services["web"]["environment"]["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-5}"
    instructions = _dockerfile()
    assert ("ENV", "WEB_CONCURRENCY=5") in instructions
    cmd = json.loads(dict(instructions)["CMD"])
    assert _option(cmd, "--worker-class") == "sync" and _option(cmd, "--workers") is None


def test_the_health_check_url_answers(client: Any, db: None) -> None:
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_worker_and_beat_use_the_project_celery_app(services: dict[str, Any]) -> None:
    from config.celery import app

    for name in ["worker", "beat"]:
        command = _command(services[name])
        assert command[:2] == ["celery", "-A"]
        assert find_app(command[2]) is app
        assert command[3] == name
    assert app.main == "fengqiao"


def test_the_worker_consumes_every_queue_tasks_are_sent_to(services: dict[str, Any]) -> None:
    from config.celery import app

    queues = set((_option(_command(services["worker"]), "--queues") or "").split(","))
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    routed = {route["queue"] for route in routes.values() if "queue" in route}
    assert {app.conf.task_default_queue, *routed} <= queues


def test_the_worker_health_check_pings_this_worker(services: dict[str, Any]) -> None:
    check = services["worker"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    words = shlex.split(check[1])
    assert words[:4] == ["celery", "-A", "config", "inspect"]
    assert "ping" in words
    # Compose turns $$HOSTNAME into $HOSTNAME, the worker's default node name celery@%h.
    assert _option(words, "-d") == "celery@$$HOSTNAME"
    assert _option(_command(services["worker"]), "-n") is None


def test_beat_uses_the_database_scheduler(services: dict[str, Any]) -> None:
    scheduler = _option(_command(services["beat"]), "--scheduler")
    assert scheduler == settings.CELERY_BEAT_SCHEDULER
    assert symbol_by_name(scheduler).__name__ == "DatabaseScheduler"
    pidfile = _option(_command(services["beat"]), "--pidfile")
    assert pidfile and pidfile in " ".join(services["beat"]["healthcheck"]["test"])


def test_the_environment_is_what_the_settings_read(services: dict[str, Any]) -> None:
    known = _names_read_by_settings() | _names_read_by_entrypoint() | GUNICORN_ENV
    assert _names_read_by_settings() >= REQUIRED_ENV
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert set(environment) >= REQUIRED_ENV, name
        assert set(environment) <= known, f"{name}: {set(environment) - known}"
        assert environment["DEBUG"] == "0"
        assert "127.0.0.1" in environment["ALLOWED_HOSTS"].split(",")
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        # No secret key in the file: it must come from the environment or .env.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_builds_from_python_3_11_slim_and_runs_as_a_user() -> None:
    instructions = _dockerfile()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "pip install ." in runs
    assert "manage.py compile_translations" in runs
    assert "manage.py collectstatic --noinput" in runs
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] not in {"root", "0"}
    ops = [op for op, _ in instructions]
    assert ops.index("USER") < ops.index("CMD")
    # pyproject.toml is copied before installing, so dependencies install from it.
    copies = [arg for op, arg in instructions if op == "COPY"]
    assert copies[0] == "pyproject.toml ./"


def test_the_dockerfile_entrypoint_and_command_exist() -> None:
    instructions = dict(_dockerfile())
    workdir = instructions["WORKDIR"]
    entrypoint = json.loads(instructions["ENTRYPOINT"])
    script = ROOT / Path(entrypoint[0]).relative_to(workdir)
    assert script.is_file()
    assert os.access(script, os.X_OK)
    assert script.read_text().startswith("#!/bin/sh")
    assert 'exec "$@"' in script.read_text()
    command = json.loads(instructions["CMD"])
    assert command[:2] == ["gunicorn", "config.wsgi:application"]
    assert (ROOT / "config" / "wsgi.py").is_file()
    assert (ROOT / "manage.py").is_file()
