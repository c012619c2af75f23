"""The transactional outbox: Celery tasks owed by a write, stored with the write.

Why a room of its own: the outbox is infrastructure, not a piece of the domain.
Both the registry (veterans: imports) and the demonstration room (target
snapshots) owe tasks after their writes, and a lower room may not import a
higher one; `centres` is the lowest room but it is about regions and centres,
and an outbox there would make every room depend on centres for plumbing. So
`outbox` is a tiny app below all the rooms (first of them in INSTALLED_APPS),
which imports none of them: it knows tasks only by their Celery names.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """One Celery task owed by a committed write; `sent_at` is set once the broker has it."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox task")
        verbose_name_plural = _("outbox tasks")
        ordering = ["id"]
        indexes = [
            # The flush reads only the unsent rows, oldest first.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
