"""Reads of dispute cases that users see: always through `Case.objects.visible_to`."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
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
from veterans.models import Veteran
from veterans.selectors import veteran_search_q


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


def agreement_mediation(
    events: list[CaseEvent],
) -> tuple[CaseEvent | None, CaseEvent | None]:
    """The last resolution, and the mediation that reached it: the last one recorded
    by the resolving centre before it (an earlier failed attempt below is not it)."""
    resolve_index = next(
        (i for i in range(len(events) - 1, -1, -1) if events[i].kind == CaseEvent.Kind.RESOLVE),
        None,
    )
    if resolve_index is None:
        return None, None
    resolve = events[resolve_index]
    mediation = next(
        (
            e for e in reversed(events[:resolve_index])
            if e.kind == CaseEvent.Kind.MEDIATE and e.to_centre_id == resolve.to_centre_id
        ),
        None,
    )
    return resolve, mediation


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
        Tab("overdue", _("Overdue"), overdue_q(now)),
        Tab("follow_up", _("Awaiting follow-up"), Q(status=Status.RESOLVED)),
        Tab("closed", _("Closed"), Q(status=Status.CLOSED)),
    ]


def queue_search_q(*, user: Any, query: str) -> Q:
    """Who and what: the case number, the summary, the other parties, a veteran's name,
    phone or ID number (as the visit page finds veterans).

    Numbers match only veterans of the user's jurisdiction, as on the visit page: a
    case may concern someone from elsewhere, whose full number is not to be confirmed.
    """
    query = query.strip()
    if not query:
        return Q()
    veterans = Veteran.objects.all()
    if any(char.isdigit() for char in query):
        veterans = Veteran.objects.visible_to(user)
    who = veterans.filter(veteran_search_q(query)).values("pk")
    return (
        Q(number__icontains=query) | Q(summary__icontains=query)
        | Q(other_parties__icontains=query)
        | Q(pk__in=Case.veterans.through.objects.filter(veteran__in=who).values("case_id"))
    )


def queue_counts(*, user: Any, tabs: list[Tab], query: str = "") -> dict[str, int]:
    """Every tab's count in one aggregate query."""
    found = Case.objects.visible_to(user).filter(queue_search_q(user=user, query=query))
    return found.aggregate(**{tab.key: Count("id", filter=tab.condition) for tab in tabs})


def queue_cases(*, user: Any, tab: Tab, query: str = "") -> QuerySet[Case]:
    """The tab's cases with who they concern (veterans prefetched: no query per row)."""
    order = ["deadline", "id"] if tab.key not in ("closed",) else ["-closed_at", "-id"]
    return (
        case_list(user=user).filter(tab.condition)
        .filter(queue_search_q(user=user, query=query))
        .prefetch_related(Prefetch("veterans", queryset=Veteran.objects.order_by("name", "id")))
        .order_by(*order)
    )


def notification_list(*, user: User, limit: int = 10) -> list[Notification]:
    """The latest reminders to the centres in the user's jurisdiction, for open cases."""
    return list(
        Notification.objects.visible_to(user)
        .filter(case__status=Status.OPEN)
        .select_related("case", "centre")
        .order_by("-created_at", "-id")[:limit]
    )


# --- statistics (docs/design.md §4) -------------------------------------------------
#
# The case counters are defined here once. The raw aggregate below is the reference;
# the dashboards' rollups sum the same counters per region and day, and their tests
# check every figure read from the rollups against `case_stats_aggregate`.

RESOLVED_LEVELS = ("village", "township", "county", "city", "province")
LOCAL_LEVELS = (Level.VILLAGE, Level.TOWNSHIP)
DONE = Q(status__in=[Status.RESOLVED, Status.CLOSED])


def case_counters() -> dict[str, Count]:
    """What each case counter counts, as aggregates over cases (named as the rollup columns)."""
    return {
        "cases_open": Count("id", filter=Q(status=Status.OPEN)),
        "cases_resolved": Count("id", filter=Q(status=Status.RESOLVED)),
        "cases_closed": Count("id", filter=Q(status=Status.CLOSED)),
        "cases_resolved_locally": Count(
            "id", filter=DONE & Q(resolved_level__in=LOCAL_LEVELS)
        ),
        "cases_escalated": Count("id", filter=Q(escalated_count__gt=0)),
        **{
            f"cases_resolved_{level}": Count("id", filter=DONE & Q(resolved_level=level))
            for level in RESOLVED_LEVELS
        },
    }


def overdue_q(now: datetime.datetime) -> Q:
    """Open and past the deadline at `now`."""
    return Q(status=Status.OPEN, deadline__lt=now)


def rate(part: int, whole: int) -> float | None:
    """A share between 0 and 1, None when there is nothing to divide."""
    return part / whole if whole else None


def case_figures(counts: Mapping[str, int], *, overdue: int, code: str) -> dict[str, Any]:
    """The case statistics (`GET /api/v1/stats/cases/`) from the counters of `case_counters`."""
    finished = counts["cases_resolved"] + counts["cases_closed"]
    return {
        "region": code,
        "total": counts["cases_open"] + finished,
        "open": counts["cases_open"],
        "resolved": counts["cases_resolved"],
        "closed": counts["cases_closed"],
        "resolved_locally": counts["cases_resolved_locally"],
        "local_resolution_rate": rate(counts["cases_resolved_locally"], finished),
        "escalated": counts["cases_escalated"],
        "overdue": overdue,
        "by_resolved_level": {
            level: counts[f"cases_resolved_{level}"] for level in RESOLVED_LEVELS
        },
    }


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


def cases_received(
    *, since: datetime.date | None = None, until: datetime.date | None = None
) -> QuerySet[Case]:
    """Every case received within the days (inclusive, Asia/Shanghai), with no scoping."""
    cases = Case.objects.all()
    if since is not None:
        cases = cases.filter(received_at__gte=local_day_start(since))
    if until is not None:
        cases = cases.filter(received_at__lt=local_day_end(until))
    return cases


def case_stats_aggregate(
    *,
    code: str | None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
    own_only: bool = False,
) -> dict[str, Any]:
    """The same figures by one aggregation over the raw cases of a subtree (None: the
    nation; `own_only`: the cases received at that very region), with no jurisdiction
    check: the reference the rollups are tested and benchmarked against."""
    now = now or timezone.now()
    cases = cases_received(since=since, until=until)
    if code is not None:
        cases = cases.filter(
            Q(received_region_id=code) if own_only else within_q(code, "received_region")
        )
    elif own_only:
        cases = cases.none()  # the nation has no centre of its own
    counts = cases.aggregate(**case_counters(), overdue=Count("id", filter=overdue_q(now)))
    return case_figures(counts, overdue=counts["overdue"], code=code or codes.NATION)
