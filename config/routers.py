"""Reads that may be a second stale go to a read replica; everything else to the primary.

A replica is used only when `DATABASE_REPLICA_URL` configures the `replica` alias,
and only for reads made inside `reading_from_replica()` (or a view decorated with
`replica_reads`): dashboards and the statistics API declare it, nothing else does.

Reads that follow a write go to the primary: once a request has written, the
rest of it reads from the primary, and `PrimaryPinMiddleware` sets a cookie so
that the same browser or client reads from the primary for REPLICA_PIN_SECONDS
more (the replica's lag), and a staff member sees the visit just logged.
Celery tasks and commands never enter the replica context: rollups read raw rows
from the primary.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "fq_primary_until"

_replica_reads: ContextVar[bool] = ContextVar("fengqiao_replica_reads", default=False)
_pinned: ContextVar[bool] = ContextVar("fengqiao_primary_pinned", default=False)
_wrote: ContextVar[bool] = ContextVar("fengqiao_wrote", default=False)

F = TypeVar("F", bound=Callable[..., Any])


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads inside may come from the replica (unless this request has written)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads(view: F) -> F:
    """A view whose reads may come from the replica: dashboards, statistics."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def primary_scope(*, pinned: bool = False) -> Iterator[Callable[[], bool]]:
    """One request (or test): starts unpinned unless told; yields "has it written?"."""
    tokens = (_pinned.set(pinned), _wrote.set(False), _replica_reads.set(False))
    try:
        yield _wrote.get
    finally:
        _replica_reads.reset(tokens[2])
        _wrote.reset(tokens[1])
        _pinned.reset(tokens[0])


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if _replica_reads.get() and not _pinned.get() and replica_configured():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        _pinned.set(True)
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool | None:
        return db != REPLICA  # it replicates the primary's schema


class PrimaryPinMiddleware:
    """Scope the routing to the request; after a write, read from the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            until = 0.0
        with primary_scope(pinned=until > time.time()) as wrote:
            response = self.get_response(request)
            if wrote() and replica_configured():
                seconds = settings.REPLICA_PIN_SECONDS
                response.set_cookie(PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds,
                                    httponly=True, samesite="Lax",
                                    secure=settings.SESSION_COOKIE_SECURE)
        return response
