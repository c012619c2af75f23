"""Idempotent creates: the one rule for every POST that makes a record under a key.

A client that may retry (a phone on a weak link, a double click) sends an
`Idempotency-Key` with the request. The key is stored on the record it created,
unique per owner (a partial `UniqueConstraint` on the model, blank keys never
clash), beside `request_digest`, a SHA-256 of the request body. The same key again:

- with the same body answers the first record (`created` is False) and creates
  nothing — while the caller can still see that record. A record that has left
  the caller's sight since (a case escalated away, a veteran moved) is not found
  (404) and nothing new is made: the key is spent, and its answer would show a
  record outside the caller's jurisdiction;
- with a different body answers 422 (`IdempotencyKeyReused`): the key names
  another request.

Concurrent requests with one key meet the unique constraint: the loser rolls back
to its savepoint (with everything its `create` did) and answers the winner's
record. A model takes part with two fields (`idempotency_key`, `request_digest`),
the constraint, and `visible_to(user)` on its queryset; its service calls
`create_once`, its API view `idempotency_from(request)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

HEADER = "Idempotency-Key"
KEY_LENGTH = 100

M = TypeVar("M", bound=models.Model)


class IdempotencyKeyReused(APIException):
    """The key was sent before with another body (422)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request body.")
    default_code = "idempotency_key_reused"


class Idempotency(NamedTuple):
    """A request's key ("" for none) and the digest of its body."""

    key: str = ""
    digest: str = ""


NO_KEY = Idempotency()


def request_digest(data: Any) -> str:
    """SHA-256 of the body as parsed: the same JSON in another order or spacing agrees."""
    if hasattr(data, "lists"):  # a QueryDict (form or multipart body): every value kept
        data = {key: values for key, values in data.lists()}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_from(request: Any) -> Idempotency:
    """The `Idempotency-Key` header and the body's digest of a DRF request (400 if too long)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return Idempotency()
    if len(key) > KEY_LENGTH:
        raise ValidationError({HEADER: [_("At most 100 characters.")]})
    return Idempotency(key, request_digest(request.data))


def find_once(
    *, rows: models.QuerySet[M], visible: models.QuerySet[M], once: Idempotency
) -> M | None:
    """The record the caller already made under this key, checked against this retry (see
    the module); None for a new key. A new key, the common case, costs one single-table
    query on the unique index; the record itself is read only for a retry."""
    if not once.key:
        return None
    found = rows.filter(idempotency_key=once.key).values_list("pk", "request_digest")[:1]
    hit = next(iter(found), None)
    if hit is None:
        return None
    pk, stored = hit
    if stored and once.digest and stored != once.digest:
        raise IdempotencyKeyReused
    if not visible.filter(pk=pk).exists():
        raise Http404
    return rows.get(pk=pk)


def create_once(
    *,
    rows: models.QuerySet[M],
    visible: models.QuerySet[M],
    once: Idempotency,
    create: Callable[[Mapping[str, str]], M],
) -> tuple[M, bool]:
    """(record, created): `create` runs at most once per key of the caller.

    `rows` are the caller's own records of the model (the owner half of the unique
    constraint), `visible` the caller's view of the model (`visible_to(user)`);
    `create` receives the fields to store (`idempotency_key`, `request_digest`).
    The look-up comes first, so a retry is answered by the key's rule before its body
    is checked again; the savepoint around `create` is what a concurrent twin needs.
    """
    first = find_once(rows=rows, visible=visible, once=once)
    if first is not None:
        return first, False
    stored = {"idempotency_key": once.key, "request_digest": once.digest if once.key else ""}
    if not once.key:
        return create(stored), True
    try:
        with transaction.atomic():
            return create(stored), True
    except IntegrityError:
        winner = find_once(rows=rows, visible=visible, once=once)
        if winner is None:  # another constraint refused the row
            raise
        return winner, False
