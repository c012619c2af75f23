"""Reads that may be a second stale go to a read replica; everything else to the primary.

A replica is used only when `DATABASE_REPLICA_URL` configures the `replica` alias,
and only for reads made inside `reading_from_replica()`: the views named in
`REPLICA_READ_VIEWS` (dashboards, the statistics API, exports and the ledger) enter
it through `PrimaryPinMiddleware.process_view`, a task or command by the context
manager; nothing else does.

A replica that does not answer, or whose replay lags more than
`REPLICA_MAX_LAG_SECONDS` behind what it has received, is passed over: reads go to
the primary, a warning is logged once per change of state, and `/healthz/` says
so. The check costs one query per `REPLICA_CHECK_SECONDS` per process.

Reads that follow a write go to the primary: once a request has written, the
rest of it reads from the primary, and `PrimaryPinMiddleware` sets a cookie so
that the same browser or client reads from the primary for REPLICA_PIN_SECONDS
more (the replica's lag), and a staff member sees the visit just logged.
Celery tasks and commands never enter the replica context: rollups read raw rows
from the primary.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from config.urlnames import resolved_view_in, view_name_matches

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "fq_primary_until"

_replica_reads: ContextVar[bool] = ContextVar("fengqiao_replica_reads", default=False)
_pinned: ContextVar[bool] = ContextVar("fengqiao_primary_pinned", default=False)
_wrote: ContextVar[bool] = ContextVar("fengqiao_wrote", default=False)

logger = logging.getLogger(__name__)

# Replay lag in seconds: none while the standby has replayed all it received,
# otherwise how long ago the last replayed transaction committed on the primary.
LAG_SQL = """
    SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
           END
"""

F = TypeVar("F", bound=Callable[..., Any])


def replica_configured() -> bool:
    return REPLICA in connections.settings


@dataclass
class ReplicaState:
    usable: bool
    reason: str  # "ok", "lagging", "down" or "not configured"
    lag_seconds: float | None
    checked_at: float


_state: ReplicaState | None = None


def replica_state(*, fresh: bool = False) -> ReplicaState:
    """Whether the replica may serve reads now, checked at most every REPLICA_CHECK_SECONDS."""
    global _state
    now = time.monotonic()
    if not replica_configured():
        return ReplicaState(False, "not configured", None, now)
    recent = _state is not None and now - _state.checked_at < settings.REPLICA_CHECK_SECONDS
    if recent and not fresh:
        assert _state is not None
        return _state
    previous = _state
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            # Only PostgreSQL reports replay; another engine's "replica" is taken as current.
            cursor.execute(LAG_SQL if replica.vendor == "postgresql" else "SELECT 0")
            lag = float(cursor.fetchone()[0])
    except DatabaseError as exc:
        replica.close()
        _state = ReplicaState(False, "down", None, now)
        if previous is None or previous.reason != "down":
            logger.warning("Read replica unreachable, reading from the primary: %s", exc)
        return _state
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        _state = ReplicaState(False, "lagging", lag, now)
        if previous is None or previous.reason != "lagging":
            logger.warning("Read replica lags %.1f s (limit %s s), reading from the primary",
                           lag, settings.REPLICA_MAX_LAG_SECONDS)
    else:
        _state = ReplicaState(True, "ok", lag, now)
        if previous is not None and previous.reason != "ok":
            logger.warning("Read replica back (lag %.1f s), reading from it again", lag)
    return _state


def replica_state_forget() -> None:
    """Check the replica again at the next read (tests, and after a failover)."""
    global _state
    _state = None


def replica_view(view_name: str) -> bool:
    """Whether a URL name is one whose reads may come from the replica."""
    return view_name_matches(view_name, settings.REPLICA_READ_VIEWS)


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
        if _replica_reads.get() and not _pinned.get() and replica_state().usable:
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
    """Scope the routing to the request; after a write, read from the primary for a while.

    The views named in REPLICA_READ_VIEWS read from the replica (when one is usable).
    """

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

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any,
                     kwargs: Any) -> None:
        if resolved_view_in(request, settings.REPLICA_READ_VIEWS):
            _replica_reads.set(True)  # reset with the request's scope in __call__
