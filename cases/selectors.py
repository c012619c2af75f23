"""Reads of dispute cases that users see: always through `Case.objects.visible_to`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Arrival, Case, CaseEvent, Notification, Status
from centres import codes
from centres.models import Level, Region, User, within_q
from centres.selectors import region_get_for_user
from config.days import local_day_end, local_day_start


def case_list(*, user: User) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related(
        "centre", "received_centre", "assignee"
    )


def case_get_for_user(*, user: User, pk: Any) -> Case:
    """The case, if the user may see it; 404 for missing and forbidden alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    case = case_list(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_detail_for_user(*, user: User, pk: Any) -> Case:
    """The case with its veterans and timeline loaded (a fixed number of queries)."""
    case = case_get_for_user(user=user, pk=pk)
    events = CaseEvent.objects.select_related("by", "from_centre", "to_centre").order_by(
        "at", "id"
    )
    case_qs = Case.objects.filter(pk=case.pk).prefetch_related(
        "veterans", Prefetch("events", queryset=events)
    ).select_related("centre", "received_centre", "assignee", "opened_by", "visit")
    return case_qs.get()


# --- the queue -------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any
    condition: Q


def queue_tabs(*, user: User, now: datetime.datetime | None = None) -> list[Tab]:
    """The queue's tabs, each a condition on the cases the user sees.

    "Escalated to us" is what was escalated to the user's own centre; the other
    tabs cover the whole jurisdiction (a county follows its townships' work).
    """
    now = now or timezone.now()
    held_here = Q(region_id=user.region_id) if user.region_id else Q()
    open_ = Q(status=Status.OPEN)
    return [
        Tab("new", _("New (not accepted)"), open_ & Q(accepted_at__isnull=True)),
        Tab("mediation", _("In mediation"), open_ & Q(accepted_at__isnull=False)),
        Tab("escalated", _("Escalated to us"),
            open_ & held_here & Q(arrival=Arrival.ESCALATED)),
        Tab("referred", _("Referred down"), open_ & Q(arrival=Arrival.REFERRED_DOWN)),
        Tab("overdue", _("Overdue"), open_ & Q(deadline__lt=now)),
        Tab("follow_up", _("Awaiting follow-up"), Q(status=Status.RESOLVED)),
        Tab("closed", _("Closed"), Q(status=Status.CLOSED)),
    ]


def queue_counts(*, user: User, tabs: list[Tab]) -> dict[str, int]:
    """Every tab's count in one aggregate query."""
    return Case.objects.visible_to(user).aggregate(
        **{tab.key: Count("id", filter=tab.condition) for tab in tabs}
    )


def queue_cases(*, user: User, tab: Tab) -> QuerySet[Case]:
    order = ["deadline", "id"] if tab.key not in ("closed",) else ["-closed_at", "-id"]
    return case_list(user=user).filter(tab.condition).order_by(*order)


def notification_list(*, user: User, limit: int = 10) -> list[Notification]:
    """The latest reminders to the centres in the user's jurisdiction, for open cases."""
    return list(
        Notification.objects.visible_to(user)
        .filter(case__status=Status.OPEN)
        .select_related("case", "centre")
        .order_by("-created_at", "-id")[:limit]
    )


# --- statistics (docs/design.md §4) ---------------------------------------------


def case_stats(
    *,
    user: User,
    region: Region | str,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Case statistics of the cases RECEIVED in the region's subtree, in one query.

    The region must lie in the user's jurisdiction (404 otherwise). `since` and
    `until` bound the received date (inclusive, Asia/Shanghai days).
    """
    if isinstance(region, str):
        region = region_get_for_user(user=user, code=region)
    elif not user.may_see(region.code):
        raise Http404
    return case_stats_aggregate(code=region.code, since=since, until=until, now=now)


def case_stats_aggregate(
    *,
    code: str | None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The same figures by one aggregation over the raw cases of a subtree (None: the
    nation), with no jurisdiction check: the reference the rollups are tested and
    benchmarked against."""
    now = now or timezone.now()
    cases = Case.objects.all()
    if code is not None:
        cases = cases.filter(within_q(code, "received_region"))
    if since is not None:
        cases = cases.filter(received_at__gte=local_day_start(since))
    if until is not None:
        cases = cases.filter(received_at__lt=local_day_end(until))
    done = Q(status__in=[Status.RESOLVED, Status.CLOSED])
    figures = cases.aggregate(
        open=Count("id", filter=Q(status=Status.OPEN)),
        resolved=Count("id", filter=Q(status=Status.RESOLVED)),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        resolved_locally=Count(
            "id", filter=done & Q(resolved_level__in=[Level.VILLAGE, Level.TOWNSHIP])
        ),
        escalated=Count("id", filter=Q(escalated_count__gt=0)),
        overdue=Count("id", filter=Q(status=Status.OPEN, deadline__lt=now)),
        **{
            f"level_{level}": Count("id", filter=done & Q(resolved_level=level))
            for level in Level.values
        },
    )
    finished = figures["resolved"] + figures["closed"]
    return {
        "region": code or codes.NATION,
        "total": figures["open"] + figures["resolved"] + figures["closed"],
        "open": figures["open"],
        "resolved": figures["resolved"],
        "closed": figures["closed"],
        "resolved_locally": figures["resolved_locally"],
        "local_resolution_rate": (
            figures["resolved_locally"] / finished if finished else None
        ),
        "escalated": figures["escalated"],
        "overdue": figures["overdue"],
        "by_resolved_level": {
            level: figures[f"level_{level}"]
            for level in ["village", "township", "county", "city", "province"]
        },
    }
