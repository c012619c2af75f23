"""Writes to the roster, the teams and their service records.

Every write checks who may act (`may_act_at` the village or the team's region:
staff of that centre or of a centre above it) and the state, and refuses with
`TeamActionRefused`, which the pages show as a message and the API answers with
409. A user who cannot see a row never reaches a service (the selectors answer
404).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from centres import codes
from centres.errors import Refused
from centres.models import Centre, Level, Region, User
from centres.tabular import RowError, row_code
from teams.models import (
    AssessmentGrade,
    CadreAssessment,
    CadreTraining,
    CallUp,
    CallUpAnswer,
    Certificate,
    Post,
    ServiceGroup,
    ServiceRecord,
    Team,
    TeamMember,
    VillageCadre,
)
from veterans.audit import audit_record
from veterans.idnumbers import normalize_id_number
from veterans.models import AuditEntry, Veteran

MAX_HOURS = Decimal(24)


class TeamActionRefused(Refused):
    """A step the user may see but not take now (409): the project's one refusal family."""


class ServiceRecordInvalid(ValueError):
    """Input a service record cannot have (400): `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _require_actor(by: User, code: str, place: str) -> None:
    if not by.is_staff_member:
        raise TeamActionRefused(_("Officials follow this work; only staff record it."))
    if not by.may_act_at(code):
        raise TeamActionRefused(
            _("Only staff of %(place)s or of a centre above it may do this.") % {"place": place}
        )


def today() -> datetime.date:
    return timezone.localdate()


# --- the roster --------------------------------------------------------------


def _party_secretary_flag_sync(veteran_ids: Iterable[int]) -> None:
    """`Veteran.is_party_secretary` follows the roster: true while a secretary post is held."""
    ids = set(veteran_ids)
    holding = set(
        VillageCadre.objects.current()
        .filter(veteran_id__in=ids, post=Post.PARTY_SECRETARY)
        .values_list("veteran_id", flat=True)
    )
    Veteran.objects.filter(pk__in=holding, is_party_secretary=False).update(
        is_party_secretary=True
    )
    Veteran.objects.filter(pk__in=ids - holding, is_party_secretary=True).update(
        is_party_secretary=False
    )


def _cadre_appoint(
    *, village: Region, veteran: Veteran, post: str, since: datetime.date
) -> tuple[VillageCadre, bool]:
    """The appointment without the checks (the import and the page share it)."""
    held = VillageCadre.objects.current().filter(
        village=village, veteran=veteran, post=post
    ).first()
    if held is not None:
        return held, False
    # One current post per person in a village; a new secretary ends the term of the one before.
    ends = Q(veteran=veteran) | Q(post=Post.PARTY_SECRETARY) if post == Post.PARTY_SECRETARY \
        else Q(veteran=veteran)
    ended = list(
        VillageCadre.objects.current().select_for_update().filter(ends, village=village)
        .select_related("veteran")
    )
    for cadre in ended:
        if cadre.since > since:
            raise TeamActionRefused(
                _("%(name)s holds a post in this village since %(date)s, after %(since)s.")
                % {"name": cadre.veteran.name, "date": cadre.since, "since": since}
            )
        cadre.until = since
        cadre.save(update_fields=["until"])
    cadre = VillageCadre.objects.create(village=village, veteran=veteran, post=post, since=since)
    _party_secretary_flag_sync([veteran.pk, *(c.veteran_id for c in ended)])
    return cadre, True


@transaction.atomic
def village_cadre_appoint(
    *, village: Region, veteran: Veteran, post: str, since: datetime.date | None, by: User
) -> VillageCadre:
    """Record that a veteran holds a post in a village (idempotent for the post held now)."""
    _require_actor(by, village.code, village.name)
    if village.level != Level.VILLAGE:
        raise TeamActionRefused(_("Cadres hold posts in a village."))
    cadre, created = _cadre_appoint(
        village=village, veteran=veteran, post=post, since=since or today()
    )
    if created:
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=cadre,
                     changes={"village": village.code, "post": post, "since": cadre.since})
    return cadre


@transaction.atomic
def village_cadre_end(*, cadre: VillageCadre, until: datetime.date, by: User) -> VillageCadre:
    _require_actor(by, cadre.village_id, cadre.village.name)
    if cadre.until is not None:
        raise TeamActionRefused(_("This term has already ended."))
    if until < cadre.since:
        raise TeamActionRefused(_("A term cannot end before it began."))
    cadre.until = until
    cadre.save(update_fields=["until"])
    _party_secretary_flag_sync([cadre.veteran_id])
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=cadre, changes={"until": until})
    return cadre


def cadre_training_add(
    *, cadre: VillageCadre, date: datetime.date, course: str, hours: Decimal, by: User
) -> CadreTraining:
    _require_actor(by, cadre.village_id, cadre.village.name)
    return CadreTraining.objects.create(cadre=cadre, date=date, course=course, hours=hours)


def cadre_assessment_set(
    *, cadre: VillageCadre, year: int, grade: str, note: str, by: User
) -> CadreAssessment:
    _require_actor(by, cadre.village_id, cadre.village.name)
    if grade not in AssessmentGrade.values:
        raise TeamActionRefused(_("Unknown grade."))
    assessment, _created = CadreAssessment.objects.update_or_create(
        cadre=cadre, year=year, defaults={"grade": grade, "note": note}
    )
    return assessment


@dataclass(frozen=True)
class CadreRow:
    village: str
    veteran_id: int
    post: str
    since: datetime.date


def cadre_row_parse(
    values: dict[str, str], *, villages: set[str], veterans: dict[str, int],
    default_since: datetime.date,
) -> CadreRow:
    """One row of an `import_village_cadres` file: `region_code,id_number,post[,since]`."""
    code = row_code(values, "region_code")
    if codes.level_of(code) != Level.VILLAGE:
        raise RowError(_("%(code)s is not a village.") % {"code": code})
    if code not in villages:
        raise RowError(
            _("region %(code)s does not exist; import it with import_regions first.")
            % {"code": code}
        )
    number = normalize_id_number(values.get("id_number", ""))
    if number not in veterans:
        raise RowError(_("no registered veteran has this ID number."))
    post = values.get("post", "")
    if post not in Post.values:
        raise RowError(
            _("post “%(value)s” is not one of %(posts)s.")
            % {"value": post, "posts": ", ".join(Post.values)}
        )
    raw = values.get("since", "")
    since = default_since
    if raw:
        try:
            since = datetime.date.fromisoformat(raw.replace("/", "-"))
        except ValueError as exc:
            raise RowError(_("since “%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}) \
                from exc
        if not datetime.date(1950, 1, 1) <= since <= default_since:
            raise RowError(_("since %(value)s is not between 1950 and today.") % {"value": raw})
    return CadreRow(village=code, veteran_id=veterans[number], post=post, since=since)


@transaction.atomic
def village_cadres_import(*, rows: Sequence[CadreRow]) -> int:
    """Write an import file's rows in date order; a row already held changes nothing."""
    villages = {r.village: r for r in rows}
    regions = Region.objects.in_bulk(list(villages))
    veterans = Veteran.objects.in_bulk([r.veteran_id for r in rows])
    written = 0
    for row in sorted(rows, key=lambda r: r.since):
        try:
            _cadre, created = _cadre_appoint(
                village=regions[row.village], veteran=veterans[row.veteran_id],
                post=row.post, since=row.since,
            )
        except TeamActionRefused:
            # An older appointment than the one on record: the record stands.
            continue
        written += created
    return written


# --- teams -------------------------------------------------------------------


@transaction.atomic
def team_create(
    *, centre: Centre, name: str, kind: str, by: User, groups: Iterable[str] = ()
) -> Team:
    _require_actor(by, centre.region_id, centre.name)
    if kind not in Team.Kind.values:
        raise TeamActionRefused(_("Unknown team kind."))
    if Team.objects.filter(centre=centre, name=name).exists():
        raise TeamActionRefused(_("%(centre)s already has a team named %(name)s.")
                                % {"centre": centre.name, "name": name})
    team = Team.objects.create(centre=centre, region_id=centre.region_id, name=name, kind=kind)
    ServiceGroup.objects.bulk_create([ServiceGroup(team=team, kind=g) for g in set(groups)])
    audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=team,
                 changes={"centre": centre.region_id, "name": name, "kind": kind})
    return team


def team_groups_set(*, team: Team, groups: Iterable[str], by: User) -> None:
    """Add the service groups named; groups are never removed (records point at them)."""
    _require_actor(by, team.region_id, team.centre.name)
    ServiceGroup.objects.bulk_create(
        [ServiceGroup(team=team, kind=g) for g in set(groups)], ignore_conflicts=True
    )


def volunteer_number_for(member: TeamMember) -> str:
    """A number that names the member without the ID number: county code, year, row id."""
    return f"{member.team.region_id[:6]}{member.joined:%Y}{member.pk:07d}"


@transaction.atomic
def team_member_add(
    *, team: Team, veteran: Veteran, by: User, role: str = TeamMember.Role.MEMBER,
    group: ServiceGroup | None = None, joined: datetime.date | None = None,
    volunteer_number: str = "",
) -> TeamMember:
    _require_actor(by, team.region_id, team.centre.name)
    if role not in TeamMember.Role.values:
        raise TeamActionRefused(_("Unknown role."))
    if group is not None and group.team_id != team.pk:
        raise TeamActionRefused(_("That service group belongs to another team."))
    if TeamMember.objects.filter(team=team, veteran=veteran, left__isnull=True).exists():
        raise TeamActionRefused(_("%(name)s is already a member of this team.")
                                % {"name": veteran.name})
    if volunteer_number and TeamMember.objects.filter(volunteer_number=volunteer_number).exists():
        raise TeamActionRefused(_("This volunteer number is already in use."))
    member = TeamMember.objects.create(
        team=team, veteran=veteran, role=role, group=group, joined=joined or today(),
        # a placeholder until the row has its id
        volunteer_number=volunteer_number or f"new-{timezone.now().timestamp()}-{veteran.pk}",
    )
    if not volunteer_number:
        member.volunteer_number = volunteer_number_for(member)
        member.save(update_fields=["volunteer_number"])
    Veteran.objects.filter(pk=veteran.pk, is_volunteer=False).update(is_volunteer=True)
    audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=member,
                 changes={"team": team.pk, "veteran": veteran.pk, "role": role})
    return member


@transaction.atomic
def team_member_leave(*, member: TeamMember, left: datetime.date, by: User) -> TeamMember:
    _require_actor(by, member.team.region_id, member.team.centre.name)
    if member.left is not None:
        raise TeamActionRefused(_("This member has already left."))
    if left < member.joined:
        raise TeamActionRefused(_("A member cannot leave before joining."))
    member.left = left
    member.save(update_fields=["left"])
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=member, changes={"left": left})
    return member


# --- service records ---------------------------------------------------------


def _member_on(team: Team, veteran_ids: Iterable[int], day: datetime.date) -> set[int]:
    """The veterans among `veteran_ids` who were members of the team on that day."""
    return set(
        TeamMember.objects.filter(team=team, veteran_id__in=list(veteran_ids), joined__lte=day)
        .exclude(left__lt=day)
        .values_list("veteran_id", flat=True)
    )


def _check_record(team: Team, veterans: Sequence[Veteran], day: datetime.date,
                  hours: Decimal, activity: str, group: ServiceGroup | None) -> None:
    if not Decimal(0) < hours <= MAX_HOURS:
        raise ServiceRecordInvalid("hours", _("Hours must be more than 0 and at most 24."))
    if day > today():
        raise ServiceRecordInvalid("date", _("The date is in the future."))
    if not activity.strip():
        raise ServiceRecordInvalid("activity", _("Describe the activity."))
    if group is not None and group.team_id != team.pk:
        raise ServiceRecordInvalid("group", _("That service group belongs to another team."))
    members = _member_on(team, [v.pk for v in veterans], day)
    outsiders = [v.name for v in veterans if v.pk not in members]
    if outsiders:
        raise ServiceRecordInvalid(
            "veteran", _("Not a member of this team on that day: %(names)s.")
            % {"names": "、".join(outsiders)}
        )


@transaction.atomic
def service_records_create(
    *, team: Team, veterans: Sequence[Veteran], date: datetime.date, hours: Decimal,
    activity: str, by: User, group: ServiceGroup | None = None, call_up: CallUp | None = None,
    corrects: ServiceRecord | None = None,
) -> list[ServiceRecord]:
    """Hours of one activity for one or many members, pending confirmation."""
    _require_actor(by, team.region_id, team.centre.name)
    _check_record(team, veterans, date, hours, activity, group)
    records = ServiceRecord.objects.bulk_create([
        ServiceRecord(team=team, region_id=team.region_id, veteran=v, group=group, date=date,
                      hours=hours, activity=activity.strip(), recorded_by=by, call_up=call_up,
                      corrects=corrects)
        for v in veterans
    ])
    for record in records:
        audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=record,
                     changes={"veteran": record.veteran_id, "date": date, "hours": hours,
                              "activity": activity, "corrects": corrects})
    return records


def service_record_create(
    *, team: Team, veteran: Veteran, date: datetime.date, hours: Decimal, activity: str,
    by: User, group: ServiceGroup | None = None,
) -> ServiceRecord:
    return service_records_create(team=team, veterans=[veteran], date=date, hours=hours,
                                  activity=activity, by=by, group=group)[0]


def service_record_check_confirm(*, record: ServiceRecord, by: User) -> None:
    """Staff of the team's centre or above confirm (谁记录谁证明), once."""
    _require_actor(by, record.region_id, record.team.centre.name)
    if record.status == ServiceRecord.Status.CONFIRMED:
        raise TeamActionRefused(_("This record has already been confirmed."))


@transaction.atomic
def service_record_confirm(*, record: ServiceRecord, by: User) -> ServiceRecord:
    record = ServiceRecord.objects.select_for_update().select_related("team__centre").get(
        pk=record.pk
    )
    service_record_check_confirm(record=record, by=by)
    record.status = ServiceRecord.Status.CONFIRMED
    record.confirmed_by = by
    record.confirmed_at = timezone.now()
    record.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=record,
                 changes={"status": record.status})
    return record


def service_records_confirm(*, records: Iterable[ServiceRecord], by: User) -> int:
    """Confirm the pending ones among `records` that the user may confirm; how many."""
    done = 0
    for record in records:
        try:
            service_record_confirm(record=record, by=by)
        except TeamActionRefused:
            continue
        done += 1
    return done


@transaction.atomic
def service_record_correct(
    *, record: ServiceRecord, hours: Decimal, activity: str, by: User
) -> ServiceRecord:
    """A confirmed record is never changed: the correction is a new record pointing at it."""
    if record.status != ServiceRecord.Status.CONFIRMED:
        raise TeamActionRefused(_("A pending record is corrected by recording it again."))
    return service_records_create(
        team=record.team, veterans=[record.veteran], date=record.date, hours=hours,
        activity=activity, by=by, group=record.group, corrects=record,
    )[0]


# --- certificates ------------------------------------------------------------


@transaction.atomic
def certificate_issue(
    *, member: TeamMember, by: User, since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> Certificate:
    """A certificate of the member's confirmed hours in the team (pending ones never count)."""
    team = member.team
    _require_actor(by, team.region_id, team.centre.name)
    records = ServiceRecord.objects.confirmed().filter(team=team, veteran=member.veteran_id)
    if since:
        records = records.filter(date__gte=since)
    if until:
        records = records.filter(date__lte=until)
    hours = records.aggregate(total=Sum("hours"))["total"]
    if not hours:
        raise TeamActionRefused(_("There are no confirmed hours to certify."))
    issued = today()
    certificate = Certificate.objects.create(
        number=f"pending-{timezone.now().timestamp()}-{member.pk}", member=member,
        centre=team.centre, region_id=team.region_id, hours=hours, issued_on=issued,
        issued_by=by,
    )
    certificate.number = f"ZYFW{team.region_id[:6]}{issued:%Y}{certificate.pk:06d}"
    certificate.save(update_fields=["number"])
    certificate.records.set(records)
    audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=certificate,
                 changes={"member": member.pk, "hours": hours})
    return certificate


# --- call-ups ----------------------------------------------------------------


@transaction.atomic
def call_up_issue(
    *, team: Team, task: str, place: str, starts_at: datetime.datetime, needed: int,
    tier: str, by: User,
) -> CallUp:
    _require_actor(by, team.region_id, team.centre.name)
    if team.kind != Team.Kind.SHOCK:
        raise TeamActionRefused(_("Only a shock team is called up."))
    if tier not in CallUp.Tier.values or needed < 1:
        raise TeamActionRefused(_("Give how many are needed and a readiness tier."))
    call_up = CallUp.objects.create(team=team, region_id=team.region_id, task=task, place=place,
                                    starts_at=starts_at, needed=needed, tier=tier, created_by=by)
    audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=call_up,
                 changes={"team": team.pk, "task": task})
    return call_up


def call_up_answer(
    *, call_up: CallUp, member: TeamMember, available: bool, by: User | None = None
) -> CallUpAnswer:
    """The member's answer: from their own link (`by` None) or marked by staff."""
    if by is not None:
        _require_actor(by, call_up.region_id, call_up.team.centre.name)
    if member.team_id != call_up.team_id or member.left is not None:
        raise TeamActionRefused(_("Not a current member of the team called up."))
    if call_up.attendance_recorded:
        raise TeamActionRefused(_("The call-up is over; its attendance is recorded."))
    answer, _created = CallUpAnswer.objects.update_or_create(
        call_up=call_up, member=member,
        defaults={"available": available, "answered_at": timezone.now(), "marked_by": by},
    )
    return answer


@transaction.atomic
def call_up_attendance_record(
    *, call_up: CallUp, veterans: Sequence[Veteran], hours: Decimal, by: User
) -> list[ServiceRecord]:
    """Who came and for how long: service records (pending confirmation) of the call-up."""
    call_up = CallUp.objects.select_for_update().get(pk=call_up.pk)
    if call_up.attendance_recorded:
        raise TeamActionRefused(_("The attendance of this call-up is already recorded."))
    day = timezone.localtime(call_up.starts_at).date()
    records = service_records_create(
        team=call_up.team, veterans=veterans, date=day, hours=hours,
        activity=f"{call_up.task}（{call_up.place}）", by=by, call_up=call_up,
    )
    call_up.attendance_recorded = True
    call_up.save(update_fields=["attendance_recorded"])
    return records
