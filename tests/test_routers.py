"""The primary/replica router, with two database aliases pointing at the same server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections, router
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from centres.models import Region
from config import routers
from config.routers import (
    PIN_COOKIE,
    REPLICA,
    PrimaryPinMiddleware,
    primary_scope,
    reading_from_replica,
    replica_reads,
)
from tests.faults.servers import unused_port


@pytest.fixture(scope="module")
def replica(django_db_setup: None) -> Iterator[str]:
    """A `replica` alias with the primary's (test) settings: a second connection to the
    same server and database, as a streaming replica would be. Module-scoped, so that
    it exists before a test's database access is set up."""
    added = REPLICA not in connections.settings
    if added:
        connections.settings[REPLICA] = {**connections["default"].settings_dict}
    yield REPLICA
    if added:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def replica_current(settings: Any) -> Iterator[None]:
    """The replica taken as current (its lag check is tested on a real standby in
    tests/faults/test_replica.py); checked again after each test."""
    settings.REPLICA_CHECK_SECONDS = 3600
    routers._state = routers.ReplicaState(True, "ok", 0.0, time.monotonic())
    yield
    routers.replica_state_forget()


def test_reads_use_the_primary_when_no_replica_is_configured(monkeypatch: Any) -> None:
    monkeypatch.delitem(connections.settings, REPLICA, raising=False)
    with primary_scope(), reading_from_replica():
        assert Region.objects.all().db == "default"


def test_only_declared_reads_go_to_the_replica(replica: str) -> None:
    with primary_scope():
        assert Region.objects.all().db == "default"
        with reading_from_replica():
            assert Region.objects.all().db == REPLICA
        assert Region.objects.all().db == "default"


def test_writes_go_to_the_primary_and_pin_the_reads_that_follow(replica: str) -> None:
    with primary_scope() as wrote, reading_from_replica():
        assert Region.objects.all().db == REPLICA
        assert router.db_for_write(Region) == "default"
        assert wrote()
        assert Region.objects.all().db == "default"
    with primary_scope(), reading_from_replica():
        assert Region.objects.all().db == REPLICA  # the next request starts afresh


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_a_replica_read_runs_on_the_second_alias_and_sees_the_primarys_rows(
    replica: str,
) -> None:
    Region.objects.create(code="330000000000", name="浙江省", level="province")
    with primary_scope(), reading_from_replica(), \
            CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        names = list(Region.objects.values_list("name", flat=True))
    assert names == ["浙江省"]
    assert len(on_replica.captured_queries) == 1
    assert len(on_primary.captured_queries) == 0
    assert connections[REPLICA].connection is not connections["default"].connection


def _view(request: HttpRequest) -> HttpResponse:
    if request.GET.get("write"):
        router.db_for_write(Region)
    return HttpResponse(Region.objects.all().db)


dashboard = replica_reads(_view)


def test_after_a_write_the_client_reads_from_the_primary_for_a_while(
    replica: str, settings: Any
) -> None:
    settings.REPLICA_PIN_SECONDS = 5
    middleware = PrimaryPinMiddleware(dashboard)
    factory = RequestFactory()
    assert middleware(factory.get("/")).content == b"replica"
    wrote = middleware(factory.get("/", {"write": "1"}))
    assert wrote.content == b"default"  # it read after it wrote
    pin = wrote.cookies[PIN_COOKIE]
    assert 0 < float(pin.value) - time.time() <= 5.5
    pinned = factory.get("/")
    pinned.COOKIES[PIN_COOKIE] = pin.value
    assert middleware(pinned).content == b"default"
    expired = factory.get("/")
    expired.COOKIES[PIN_COOKIE] = f"{time.time() - 1:.0f}"
    assert middleware(expired).content == b"replica"
    assert PIN_COOKIE not in middleware(factory.get("/")).cookies


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_a_replica_that_does_not_answer_is_passed_over_and_the_health_check_says_so(
    replica: str, client: Any, caplog: Any, settings: Any
) -> None:
    settings.REPLICA_CHECK_SECONDS = 0
    routers.replica_state_forget()
    down = {**connections[REPLICA].settings_dict, "HOST": "127.0.0.1", "PORT": unused_port(),
            "NAME": "nowhere", "ENGINE": "django.db.backends.postgresql"}
    saved = connections[REPLICA].settings_dict
    connections[REPLICA].close()
    connections[REPLICA].settings_dict = down
    try:
        with primary_scope(), reading_from_replica():
            assert Region.objects.all().db == "default"
        assert "Read replica unreachable" in caplog.text
        assert client.get("/healthz/").json()["replica"] == "down"
    finally:
        connections[REPLICA].close()
        connections[REPLICA].settings_dict = saved


def test_the_dashboards_statistics_and_exports_are_the_replica_views() -> None:
    for name in ("dashboards:home", "dashboards:area", "dashboards:export", "api:stats-cases",
                 "api:stats-targets", "veterans:export", "visits:export"):
        assert routers.replica_view(name), name
    for name in ("api:visit-list", "visits:new", "cases:detail", "veterans:list"):
        assert not routers.replica_view(name), name
