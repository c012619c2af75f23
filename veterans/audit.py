"""The audit log (审计日志): one append-only row per change, unmasked read or export.

Other rooms may record their own events here with `audit_record`.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from centres.models import User
from veterans.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime.date | datetime.datetime | decimal.Decimal):
        return str(value)
    return value


def audit_record(
    *, actor: User | None, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry: `actor` did `action` (an AuditEntry.Action value) to `obj`."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk) if obj.pk is not None else "",
        changes={key: _jsonable(value) for key, value in (changes or {}).items()},
    )


def audit_record_many(
    *,
    actor: User | None,
    action: str,
    objs: Iterable[models.Model],
    changes: dict[str, Any] | None = None,
) -> int:
    """The same entry for many records at once (imports), in one bulk insert."""
    data = {key: _jsonable(value) for key, value in (changes or {}).items()}
    entries = [
        AuditEntry(
            actor=actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            changes=data,
        )
        for obj in objs
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def audit_trail(*, obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.for_object(obj).select_related("actor")
