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
from config.routers import (
    PIN_COOKIE,
    REPLICA,
    PrimaryPinMiddleware,
    primary_scope,
    reading_from_replica,
    replica_reads,
)


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
