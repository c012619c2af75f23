"""Writes to dispute cases: one service per transition.

Each service checks the state and who may act (`case_check_*`, shared with the
pages that show only the actions a user may take), saves with `update_fields`
and appends the event. A user who cannot see a case never reaches a service
(the selectors answer 404); a user who can see it but may not act gets
`Refused` (409), or `Forbidden` (403) when the user's role never may (an official).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Arrival,
    Case,
    CaseCounter,
    CaseEvent,
    Category,
    MediationMethod,
    Notification,
    RiskLevel,
    Status,
)
from centres import codes
from centres.errors import DomainError, Forbidden, Refused
from centres.idempotency import Idempotency, create_once, find_once
from centres.models import Centre, User, within_q
from config.days import local_day_end
from veterans.models import Veteran, Visit

ACCEPT_DAYS = 15
RESOLVE_DAYS = 60
MAX_EXTENSION_DAYS = 30
REMIND_DAYS_BEFORE = 7


# --- who may act -----------------------------------------------------------


def _require_actor(case: Case, by: User) -> None:
    if not getattr(by, "is_staff_member", False):
        raise Forbidden(_("Officials follow cases; only staff act on them."))
    if not by.may_act_at(case.region_id):
        raise Refused(
            _("This case is now held by %(centre)s; only that centre or a centre above it may act.")
            % {"centre": case.centre.name}
        )


def _require_status(case: Case, *statuses: str) -> None:
    if case.status not in statuses:
        raise Refused(
            _("Not possible while the case is “%(status)s”.")
            % {"status": case.get_status_display()}
        )


def _require_accepted(case: Case) -> None:
    if not case.is_accepted:
        raise Refused(_("Accept the case first."))


def case_check_accept(*, case: Case, by: User) -> None:
    _require_actor(case, by)
    _require_status(case, Status.OPEN)
    if case.is_accepted:
        raise Refused(_("The case has already been accepted."))


def case_check_assign(*, case: Case, by: User) -> None:
    _require_actor(case, by)
    _require_status(case, Status.OPEN)


def case_check_mediate(*, case: Case, by: User) -> None:
    _require_actor(case, by)
    _require_status(case, Status.OPEN)
    _require_accepted(case)


def _arrival_event_id(case: Case) -> int:
    """The id of the event that brought the case to its holder now (0: received here)."""
    last = (
        CaseEvent.objects.filter(
            case=case, kind__in=[CaseEvent.Kind.ESCALATE, CaseEvent.Kind.REFER_DOWN]
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return last or 0


def case_mediated_here(case: Case) -> bool:
    """Whether the holding centre has recorded a mediation since the case last arrived."""
    return CaseEvent.objects.filter(
        case=case,
        kind=CaseEvent.Kind.MEDIATE,
        to_centre_id=case.centre_id,
        id__gt=_arrival_event_id(case),
    ).exists()


def _parent_centre(case: Case) -> Centre | None:
    """The centre of the nearest ancestor region that has one."""
    candidates = codes.ancestor_candidates(case.region_id)
    found = {c.region_id: c for c in Centre.objects.filter(region_id__in=candidates)}
    return next((found[code] for code in candidates if code in found), None)


def case_check_escalate(*, case: Case, by: User) -> Centre:
    """The centre the case would go to; refused when escalation is not allowed."""
    _require_actor(case, by)
    _require_status(case, Status.OPEN)
    _require_accepted(case)
    if codes.level_of(case.region_id) == "province":
        raise Refused(
            _("A provincial centre cannot escalate: the case must be resolved here.")
        )
    if not case_mediated_here(case):
        raise Refused(
            _("Record at least one mediation attempt at %(centre)s before escalating.")
            % {"centre": case.centre.name}
        )
    parent = _parent_centre(case)
    if parent is None:
        raise Refused(_("There is no centre above this one to escalate to."))
    return parent


def case_check_refer_down(*, case: Case, by: User) -> None:
    _require_actor(case, by)
    _require_status(case, Status.OPEN)
    if codes.level_of(case.region_id) == "village":
        raise Refused(_("A village station has no centre below it."))


def case_check_resolve(*, case: Case, by: User) -> None:
    _require_actor(case, by)
    _require_status(case, Status.OPEN)
    _require_accepted(case)


def case_check_follow_up(*, case: Case, by: User) -> None:
    """The holding centre follows up, and so may the centre that received the case.

    The Fengqiao rule: the station that received the case usually knows the
    family, so a village keeps its follow-up visit (回访) after a township
    resolved the case it escalated.
    """
    if not by.may_act_at(case.received_region_id):
        _require_actor(case, by)  # officials: 403; outside the holding centre's area: 409
    _require_status(case, Status.RESOLVED)


def case_check_extend(*, case: Case, by: User) -> None:
    _require_actor(case, by)
    _require_status(case, Status.OPEN)
    _require_accepted(case)
    if case.extended:
        raise Refused(_("The deadline has already been extended once."))


CHECKS: dict[str, Callable[..., Any]] = {
    "accept": case_check_accept,
    "assign": case_check_assign,
    "mediate": case_check_mediate,
    "escalate": case_check_escalate,
    "refer_down": case_check_refer_down,
    "resolve": case_check_resolve,
    "follow_up": case_check_follow_up,
    "extend": case_check_extend,
}


def case_allowed_actions(*, case: Case, by: User) -> list[str]:
    """The transitions this user may perform on the case now, in workflow order."""
    allowed = []
    for name, check in CHECKS.items():
        try:
            check(case=case, by=by)
        except DomainError:
            continue
        allowed.append(name)
    return allowed


# --- events and numbers ----------------------------------------------------


def _lock(case: Case) -> None:
    """Lock the case row for this transaction and reread it, in place.

    Two people acting on one case at once queue here, and the second one's
    checks see the state the first one left (no double escalation).
    """
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
    case.refresh_from_db()


def _event(
    case: Case,
    *,
    kind: str,
    by: User,
    at: datetime.datetime,
    from_centre: Centre | None = None,
    note: str = "",
    extra: dict[str, Any] | None = None,
) -> CaseEvent:
    source = from_centre or case.centre
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        by=by,
        at=at,
        from_level=source.level,
        to_level=case.level,
        from_centre=source,
        to_centre=case.centre,
        note=note,
        extra=extra or {},
    )


def case_number_allocate(*, region_code: str, year: int) -> tuple[str, int]:
    """The next number of the county (or the city/province centre's own code) and year.

    The counter row is locked for the rest of the transaction, so concurrent
    openings in one county queue here and the sequence has no gaps (a rolled
    back opening rolls its number back too).
    """
    county = region_code[:6]
    # get_or_create retries the read when a concurrent insert wins the race.
    CaseCounter.objects.get_or_create(county=county, year=year)
    counter = CaseCounter.objects.select_for_update().get(county=county, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{county}-{year}-{counter.last:06d}", counter.last


# --- transitions -------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    centre: Centre,
    category: str,
    summary: str,
    by: User,
    risk_level: str = RiskLevel.ORDINARY,
    veterans: Iterable[Veteran] = (),
    other_parties: str = "",
    visit: Visit | None = None,
    accept: bool = False,
    received_at: datetime.datetime | None = None,
    idempotency_key: str = "",
    request_digest: str = "",
) -> Case:
    """Receive a case at a centre (受理登记); accept it at once when asked."""
    if not getattr(by, "is_staff_member", False):
        raise Forbidden(_("Officials follow cases; only staff open them."))
    if not by.may_act_at(centre.region_id):
        raise Refused(_("You may open cases only at centres in your jurisdiction."))
    if category not in Category.values:
        raise Refused(_("Unknown category."))
    if not summary.strip():
        raise Refused(_("Describe the dispute."))
    received_at = received_at or timezone.now()
    year = timezone.localtime(received_at).year
    number, sequence = case_number_allocate(region_code=centre.region_id, year=year)
    accept_deadline = received_at + datetime.timedelta(days=ACCEPT_DAYS)
    case = Case.objects.create(
        number=number,
        county_code=number[:6],
        year=year,
        sequence=sequence,
        category=category,
        risk_level=risk_level,
        summary=summary.strip(),
        other_parties=other_parties,
        received_centre=centre,
        received_region_id=centre.region_id,
        centre=centre,
        region_id=centre.region_id,
        level=centre.level,
        received_at=received_at,
        accept_deadline=accept_deadline,
        deadline=accept_deadline,
        visit=visit,
        opened_by=by,
        idempotency_key=idempotency_key,
        request_digest=request_digest,
    )
    people = list(veterans)
    if visit is not None and visit.veteran_id not in {v.pk for v in people}:
        people.append(visit.veteran)
    if people:
        case.veterans.add(*people)
    if accept:
        case = case_accept(case=case, by=by, at=received_at)
    return case


def _cases_of(by: Any) -> QuerySet[Case]:
    return Case.objects.filter(opened_by=by)


def case_by_key(*, by: Any, once: Idempotency) -> Case | None:
    """The case this user already opened under the key, replayed (see centres.idempotency)."""
    return find_once(rows=_cases_of(by), visible=Case.objects.visible_to(by), once=once)


def case_open_once(*, by: Any, once: Idempotency, **opening: Any) -> tuple[Case, bool]:
    """Open a case under an Idempotency-Key; (case, created).

    A concurrent twin's case number rolls back with its savepoint, so the sequence
    keeps no gap.
    """
    return create_once(
        rows=_cases_of(by), visible=Case.objects.visible_to(by), once=once,
        create=lambda stored: case_open(
            by=by, idempotency_key=stored["idempotency_key"],
            request_digest=stored["request_digest"], **opening,
        ),
    )


@transaction.atomic
def case_accept(*, case: Case, by: User, at: datetime.datetime | None = None) -> Case:
    """Decide to accept (受理): the 60-day resolution deadline starts."""
    _lock(case)
    case_check_accept(case=case, by=by)
    now = at or timezone.now()
    case.accepted_at = now
    case.resolve_deadline = now + datetime.timedelta(days=RESOLVE_DAYS)
    case.deadline = case.resolve_deadline
    case.is_overdue = False
    case.save(update_fields=["accepted_at", "resolve_deadline", "deadline", "is_overdue"])
    _event(case, kind=CaseEvent.Kind.ACCEPT, by=by, at=now)
    return case


@transaction.atomic
def case_assign(*, case: Case, assignee: User, by: User, note: str = "") -> Case:
    """Hand the case to a staff member of the holding centre (分流交办)."""
    _lock(case)
    case_check_assign(case=case, by=by)
    if not assignee.is_active or not assignee.is_staff_member or (
        assignee.region_id != case.region_id
    ):
        raise Refused(
            _("%(name)s is not a staff member of %(centre)s.")
            % {"name": assignee.get_full_name() or assignee.username, "centre": case.centre.name}
        )
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    _event(
        case,
        kind=CaseEvent.Kind.ASSIGN,
        by=by,
        at=timezone.now(),
        note=note,
        extra={"assignee": assignee.pk, "assignee_name": assignee.get_full_name()
               or assignee.username},
    )
    return case


def mediators_for(*, case: Case) -> tuple[Any, Any]:
    """Who may mediate: staff of the holding centre, and 兵支书/volunteers living in its area."""
    staff = User.objects.filter(
        is_active=True, role=User.Role.STAFF, region_id=case.region_id
    ).order_by("username")
    veterans = Veteran.objects.filter(
        within_q(case.region_id, "region"), Q(is_party_secretary=True) | Q(is_volunteer=True)
    ).order_by("name")
    return staff, veterans


@transaction.atomic
def case_mediate(
    *,
    case: Case,
    by: User,
    note: str,
    method: str = MediationMethod.FACE_TO_FACE,
    mediator: User | None = None,
    mediator_veteran: Veteran | None = None,
) -> Case:
    """Record a mediation attempt (调解) at the holding centre."""
    _lock(case)
    case_check_mediate(case=case, by=by)
    if method not in MediationMethod.values:
        raise Refused(_("Unknown mediation method."))
    if mediator_veteran is not None:
        if not (mediator_veteran.is_party_secretary or mediator_veteran.is_volunteer):
            raise Refused(
                _("%(name)s is neither a veteran village party secretary nor a volunteer.")
                % {"name": mediator_veteran.name}
            )
        extra: dict[str, Any] = {
            "mediator_veteran": mediator_veteran.pk,
            "mediator_name": mediator_veteran.name,
            "mediator_role": "party_secretary" if mediator_veteran.is_party_secretary
            else "volunteer",
        }
    else:
        person = mediator or by
        if not person.may_act_at(case.region_id):
            raise Refused(
                _("%(name)s is not a staff member who may act on this case.")
                % {"name": person.get_full_name() or person.username}
            )
        extra = {
            "mediator": person.pk,
            "mediator_name": person.get_full_name() or person.username,
            "mediator_role": "staff",
        }
    extra["method"] = method
    _event(case, kind=CaseEvent.Kind.MEDIATE, by=by, at=timezone.now(), note=note, extra=extra)
    return case


def _move(case: Case, *, to: Centre, arrival: str) -> Centre:
    source = case.centre
    case.centre = to
    case.region_id = to.region_id
    case.level = to.level
    case.arrival = arrival
    case.assignee = None
    return source


@transaction.atomic
def case_escalate(*, case: Case, by: User, reason: str) -> Case:
    """Move the case one level up (上报), after mediation was tried here, with a reason."""
    _lock(case)
    if not reason.strip():
        _require_actor(case, by)
        raise Refused(_("Give the reason for escalating."))
    parent = case_check_escalate(case=case, by=by)
    source = _move(case, to=parent, arrival=Arrival.ESCALATED)
    case.escalated_count += 1
    case.save(
        update_fields=["centre", "region", "level", "arrival", "assignee", "escalated_count"]
    )
    _event(case, kind=CaseEvent.Kind.ESCALATE, by=by, at=timezone.now(), from_centre=source,
           note=reason.strip())
    return case


@transaction.atomic
def case_refer_down(*, case: Case, by: User, to: Centre, instructions: str) -> Case:
    """Hand the case to a centre below the holding one (下转), with instructions."""
    _lock(case)
    case_check_refer_down(case=case, by=by)
    if to.region_id == case.region_id or not codes.is_within(to.region_id, case.region_id):
        raise Refused(
            _("%(centre)s is not below %(holder)s.") % {"centre": to.name,
                                                         "holder": case.centre.name}
        )
    if not instructions.strip():
        raise Refused(_("Give instructions to the centre below."))
    source = _move(case, to=to, arrival=Arrival.REFERRED_DOWN)
    case.save(update_fields=["centre", "region", "level", "arrival", "assignee"])
    _event(case, kind=CaseEvent.Kind.REFER_DOWN, by=by, at=timezone.now(), from_centre=source,
           note=instructions.strip())
    return case


@transaction.atomic
def case_resolve(*, case: Case, by: User, resolution: str) -> Case:
    """Record the resolution (化解) at the level that holds the case now."""
    _lock(case)
    case_check_resolve(case=case, by=by)
    if not resolution.strip():
        raise Refused(_("Describe the resolution."))
    now = timezone.now()
    case.status = Status.RESOLVED
    case.resolved_level = case.level
    case.resolution = resolution.strip()
    case.resolved_at = now
    case.is_overdue = False
    case.save(update_fields=["status", "resolved_level", "resolution", "resolved_at",
                             "is_overdue"])
    _event(case, kind=CaseEvent.Kind.RESOLVE, by=by, at=now, note=case.resolution)
    return case


@transaction.atomic
def case_follow_up(*, case: Case, by: User, satisfied: bool, note: str = "") -> Case:
    """The follow-up visit (回访): satisfied closes, dissatisfied reopens at the same level."""
    _lock(case)
    case_check_follow_up(case=case, by=by)
    now = timezone.now()
    _event(case, kind=CaseEvent.Kind.FOLLOW_UP, by=by, at=now, note=note,
           extra={"satisfied": satisfied})
    if satisfied:
        case.status = Status.CLOSED
        case.closed_at = now
        case.save(update_fields=["status", "closed_at"])
        return case
    case.status = Status.OPEN
    case.resolved_level = ""
    case.resolved_at = None
    case.is_overdue = case.deadline < now
    case.save(update_fields=["status", "resolved_level", "resolved_at", "is_overdue"])
    _event(case, kind=CaseEvent.Kind.REOPEN, by=by, at=now, note=note)
    return case


@transaction.atomic
def case_extend(*, case: Case, by: User, days: int, reason: str) -> Case:
    """Extend the resolution deadline once, by at most 30 days, with a reason (延期)."""
    _lock(case)
    case_check_extend(case=case, by=by)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Refused(
            _("An extension is 1 to %(max)d days.") % {"max": MAX_EXTENSION_DAYS}
        )
    if not reason.strip():
        raise Refused(_("Give the reason for the extension."))
    assert case.resolve_deadline is not None
    previous = case.resolve_deadline
    case.resolve_deadline = previous + datetime.timedelta(days=days)
    case.deadline = case.resolve_deadline
    case.extended = True
    case.extension_days = days
    case.is_overdue = case.deadline < timezone.now()
    case.save(update_fields=["resolve_deadline", "deadline", "extended", "extension_days",
                             "is_overdue"])
    _event(case, kind=CaseEvent.Kind.EXTEND, by=by, at=timezone.now(), note=reason.strip(),
           extra={"days": days, "previous_deadline": previous.isoformat(),
                  "deadline": case.deadline.isoformat()})
    return case


# --- the morning job -----------------------------------------------------------


def cases_overdue_mark(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Mark overdue cases and post deadline reminders to the holding centres.

    Idempotent: two set-based UPDATEs for the flag, and reminders unique per
    (case, kind, deadline), so a second run the same day adds nothing.
    """
    now = now or timezone.now()
    marked = Case.objects.overdue(now).filter(is_overdue=False).update(is_overdue=True)
    cleared = (
        Case.objects.filter(is_overdue=True)
        .filter(~Q(status=Status.OPEN) | Q(deadline__gte=now))
        .update(is_overdue=False)
    )
    today = timezone.localdate(now)
    horizon = local_day_end(today + datetime.timedelta(days=REMIND_DAYS_BEFORE))
    due = Case.objects.filter(status=Status.OPEN, deadline__lt=horizon).values_list(
        "id", "centre_id", "region_id", "deadline"
    )
    wanted: dict[tuple[int, str, datetime.datetime], Notification] = {}
    for case_id, centre_id, region_id, deadline in due:
        days_left = (timezone.localdate(deadline) - today).days
        kind = Notification.Kind.DUE if days_left <= 0 else Notification.Kind.DUE_SOON
        wanted[(case_id, kind, deadline)] = Notification(
            case_id=case_id, centre_id=centre_id, region_id=region_id, kind=kind,
            deadline=deadline, created_at=now,
        )
    new: list[Notification] = []
    if wanted:
        existing = set(
            Notification.objects.filter(case_id__in={k[0] for k in wanted}).values_list(
                "case_id", "kind", "deadline"
            )
        )
        new = [n for key, n in wanted.items() if key not in existing]
        Notification.objects.bulk_create(new, ignore_conflicts=True)
    if new and settings.EMAIL_HOST:
        _notifications_mail(new)
    return {"marked": marked, "cleared": cleared, "reminders": len(new)}


def _notifications_mail(notifications: list[Notification]) -> None:
    """One mail per centre to its staff with an e-mail address."""
    by_region: dict[str, list[Notification]] = {}
    for n in notifications:
        by_region.setdefault(n.region_id, []).append(n)
    cases = Case.objects.in_bulk([n.case_id for n in notifications])
    recipients: dict[str, list[str]] = {}
    for region_id, email in User.objects.filter(
        region_id__in=list(by_region), role=User.Role.STAFF, is_active=True
    ).exclude(email="").values_list("region_id", "email"):
        recipients.setdefault(region_id, []).append(email)
    for region_id, items in by_region.items():
        if region_id not in recipients:
            continue
        lines = [
            _("%(number)s: %(kind)s, deadline %(deadline)s")
            % {
                "number": cases[n.case_id].number,
                "kind": n.get_kind_display(),
                "deadline": timezone.localtime(n.deadline).strftime("%Y-%m-%d %H:%M"),
            }
            for n in items
        ]
        send_mail(
            subject=_("Case deadlines: %(count)d reminder(s)") % {"count": len(items)},
            message="\n".join(lines),
            from_email=None,
            recipient_list=recipients[region_id],
            fail_silently=True,
        )
