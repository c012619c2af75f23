"""Shared fixtures: a small world of regions and the three people every test meets.

Alice owns the work (staff of 枫桥镇), Bob is her colleague at the same station,
Charlie is an outsider from another county (浏阳市).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from centres.models import User
from config.celery import app as celery_app
from tests.factories.centres import UserFactory, regions_make
from tests.matrix_world import World, world_build

WORLD = [
    ("330000", "浙江省"),
    ("330600", "绍兴市"),
    ("330681", "诸暨市"),
    ("330681107", "枫桥镇"),
    ("330681107201", "枫源村"),
    ("330681107202", "陈家村"),
    ("330681108", "店口镇"),
    ("330681108201", "店口村"),
    ("330603", "柯桥区"),
    ("330603101", "柯岩街道"),
    ("330603101201", "柯岩村"),
    ("430000", "湖南省"),
    ("430100", "长沙市"),
    ("430181", "浏阳市"),
    ("430181101", "淮川街道"),
    ("430181101201", "淮川村"),
]


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache() -> Iterator[None]:
    """Tasks run in-process unless a test asks for a worker; each test starts with a cold cache."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def world(db: Any) -> None:
    regions_make(*WORLD, model_years={"330681000000": 2021})


def _user(username: str, code: str | None, role: str = User.Role.STAFF) -> User:
    from tests.factories.centres import region

    home = region(code) if code else None
    user: User = UserFactory.create(username=username, region=home, role=role)
    return user


@pytest.fixture
def alice(world: None) -> User:
    return _user("alice", "330681107")


@pytest.fixture
def bob(world: None) -> User:
    return _user("bob", "330681107")


@pytest.fixture
def charlie(world: None) -> User:
    return _user("charlie", "430181")


@pytest.fixture
def county_staff(world: None) -> User:
    return _user("county", "330681")


@pytest.fixture
def city_official(world: None) -> User:
    return _user("city", "330600", User.Role.OFFICIAL)


@pytest.fixture
def ministry(world: None) -> User:
    return _user("ministry", None, User.Role.OFFICIAL)


@pytest.fixture
def token_cache(settings: Any) -> None:
    """API tokens cached as with Redis, in this process's own memory: the other test
    workers clear the shared Redis database whenever one of their tests starts."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "token-tests"}}
    settings.API_TOKEN_CACHE_SECONDS = 30


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_as(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests refresh the dashboards' rollups explicitly, as Celery beat does in production.
    settings.ROLLUPS_REFRESH_ON_READ = False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded files (evidence) go to a temporary directory, never into the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def matrix_world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[World]:
    """The jurisdiction matrix's world (tests/matrix_world.py), built once per module.

    It lives in a transaction rolled back when the module is done; every test runs in a
    savepoint inside it (through `matrix`), so what a test writes is undone after it.
    """
    from django.db import transaction
    from django.test import override_settings

    from dashboards.rollups import rollups_refresh

    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        world = world_build()
        rollups_refresh()
        world.media = media
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def matrix(matrix_world: World, db: Any, settings: Any) -> World:
    settings.MEDIA_ROOT = matrix_world.media  # the evidence files of the world
    return matrix_world


@pytest.fixture
def beat_started(transactional_db: Any) -> None:
    """What `celery beat` with django-celery-beat's DatabaseScheduler does when it starts:
    write CELERY_BEAT_SCHEDULE (config/settings.py) to its table."""
    from django_celery_beat.schedulers import DatabaseScheduler

    DatabaseScheduler(app=celery_app)
