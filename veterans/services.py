"""Writes to the registry and the visit log. Every write leaves an audit entry."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from centres import codes
from centres.idempotency import NO_KEY, Idempotency, create_once, find_once
from centres.models import Centre, Level, Region, User
from outbox.services import outbox_enqueue
from veterans.audit import audit_record
from veterans.idnumbers import (
    birth_date_of,
    mask_id_number,
    normalize_id_number,
    sex_of,
    validate_id_number,
)
from veterans.models import HOME_LEVELS, AuditEntry, ImportJob, TransferRequest, Veteran, Visit
from veterans.selectors import id_number_visible_to
from veterans.signals import CaseCategory, case_requested

# The fields a person edits; the rest is bookkeeping. `is_party_secretary` follows the
# village cadre roster (teams.services), never typed.
VETERAN_FIELDS = [
    "name", "sex", "birth_date", "id_number", "phone", "region", "discharge_year",
    "discharge_kind", "is_disabled", "is_martyr_family", "needs_assistance",
    "is_decorated", "took_part_in_combat", "is_volunteer",
]
HOME_LEVELS_MESSAGE = _lazy("Choose a village, a township or the county itself.")
logger = logging.getLogger(__name__)


class DuplicateIdNumber(ValidationError):
    """The number is already registered; `existing` is that veteran (maybe not visible)."""

    def __init__(self, existing: Veteran) -> None:
        super().__init__(
            _("This resident ID number is already registered."), code="duplicate"
        )
        self.existing = existing


def id_number_clean(
    raw: object,
    *,
    sex: str | None = None,
    birth_date: datetime.date | None = None,
    exclude_pk: int | None = None,
) -> str:
    """The normalized number, or ValidationError for the first rule it breaks.

    The rules: 18 characters, a real birth date, the MOD 11-2 check character,
    the sex and birth date given (if any) agree with the number, and no other
    veteran holds it. The same function serves the forms, the API and the import.
    """
    value = normalize_id_number(raw)
    validate_id_number(value, sex=sex or None)
    if birth_date is not None and birth_date != birth_date_of(value):
        raise ValidationError(
            _("The birth date %(date)s does not match the ID number."),
            code="birth_date_mismatch",
            params={"date": birth_date.isoformat()},
        )
    others = Veteran.objects.exclude(pk=exclude_pk) if exclude_pk else Veteran.objects.all()
    existing = others.filter(id_number=value).only("pk", "region").first()
    if existing is not None:
        raise DuplicateIdNumber(existing)
    return value


def home_region_check(*, region: Region, by: Any) -> None:
    """A veteran lives in a village, a township or a county inside the user's jurisdiction."""
    if not by.may_see(region.code):
        raise ValidationError({"region": _("No such region in your jurisdiction.")})
    if region.level not in HOME_LEVELS:
        raise ValidationError({"region": HOME_LEVELS_MESSAGE})


def writer_check(by: User) -> None:
    """Staff write; officials read (docs/design.md §1)."""
    if not getattr(by, "is_authenticated", False) or not by.is_staff_member:
        raise PermissionDenied(_("Only staff may change the registry and the visit log."))


def _audit_value(field: str, value: Any) -> Any:
    # The audit trail is a masked view too: never a full number, nor a birth date
    # beside the masked one (the year only, see `mask_id_number`).
    if field == "id_number":
        return mask_id_number(value)
    if field == "birth_date" and isinstance(value, datetime.date):
        return value.year
    if isinstance(value, Region):
        return value.code
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _complete(values: dict[str, Any]) -> dict[str, Any]:
    """Sex and birth date follow from the ID number when they are not given."""
    number = values["id_number"]
    if not values.get("sex"):
        values["sex"] = sex_of(number)
    if not values.get("birth_date"):
        values["birth_date"] = birth_date_of(number)
    return values


def veteran_create(*, by: Any, data: Mapping[str, Any]) -> Veteran:
    """Register a veteran. Raises ValidationError (DuplicateIdNumber for a number the
    user sees registered), TransferRequested for one registered outside the user's
    jurisdiction, TooManyElsewhere once the user has met too many of those."""
    _registration_check(by=by, data=data)
    return _veteran_insert(by=by, data=data)


def _registration_check(*, by: Any, data: Mapping[str, Any]) -> None:
    """Staff only; not paused (TooManyElsewhere); a number registered outside the user's
    jurisdiction sends a transfer request (TransferRequested) instead of being registered."""
    writer_check(by)
    registration_gate(by)
    transfer_if_registered_elsewhere(by=by, data=data)


@transaction.atomic
def _veteran_insert(*, by: Any, data: Mapping[str, Any]) -> Veteran:
    values = {key: data[key] for key in VETERAN_FIELDS if key in data and data[key] is not None}
    values["id_number"] = id_number_clean(
        values.get("id_number"), sex=values.get("sex"), birth_date=values.get("birth_date")
    )
    home_region_check(region=values["region"], by=by)
    _complete(values)
    veteran = Veteran(**values)
    try:
        with transaction.atomic():
            veteran.save()
    except IntegrityError as exc:  # a concurrent registration of the same number
        existing = Veteran.objects.filter(id_number=values["id_number"]).first()
        if existing is None:
            raise
        raise DuplicateIdNumber(existing) from exc
    audit_record(
        actor=by,
        action=AuditEntry.Action.CREATE,
        obj=veteran,
        changes={key: _audit_value(key, getattr(veteran, key)) for key in VETERAN_FIELDS},
    )
    return veteran


# --- transfer requests (迁入申请) ------------------------------------------------------

ELSEWHERE_WINDOW = 3600  # seconds: the per-user limit below counts within this window


class TransferRequested(Exception):
    """The number is registered outside the user's jurisdiction: instead of saying so,
    a transfer request was made (or the pending one found), committed. Its answer
    names nothing about the person."""

    def __init__(self, transfer: TransferRequest) -> None:
        super().__init__(str(TRANSFER_REQUESTED))
        self.transfer = transfer


class TooManyElsewhere(PermissionDenied):
    """The user met too many numbers registered elsewhere within the window: until it
    ends, every registration is refused (so that the refusals cannot be told apart)."""

    retry_after = ELSEWHERE_WINDOW

    def __init__(self) -> None:
        super().__init__(str(TOO_MANY_ELSEWHERE))


TRANSFER_REQUESTED = _lazy(
    "A transfer request (迁入申请) was sent to the centre that holds this person's record; "
    "once it is approved the person appears in your registry. See the transfer requests page."
)
TOO_MANY_ELSEWHERE = _lazy(
    "Too many transfer requests in a short time: registering is paused for an hour."
)


def _elsewhere_key(by: Any) -> str:
    return f"veterans:elsewhere:{by.pk}"


def elsewhere_seen(by: Any) -> int:
    """How many numbers registered elsewhere the user met in the current window."""
    return int(cache.get(_elsewhere_key(by)) or 0)


def registration_gate(by: Any) -> None:
    """Refuse (audited) every registration by a user over the limit of numbers met
    elsewhere, until the window ends."""
    if elsewhere_seen(by) >= settings.VETERANS_ELSEWHERE_LIMIT:
        audit_record(actor=by, action=AuditEntry.Action.REFUSE, obj=TransferRequest(),
                     changes={"reason": "elsewhere_paused"})
        raise TooManyElsewhere


def elsewhere_count(*, by: Any, id_number: str) -> None:
    """Count one number met outside the user's jurisdiction; audited. Over the limit
    the answer is a refusal (TooManyElsewhere), also audited."""
    key = _elsewhere_key(by)
    cache.add(key, 0, ELSEWHERE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired meanwhile, or the cache is down (a miss)
        cache.set(key, 1, ELSEWHERE_WINDOW)
        count = 1
    if count > settings.VETERANS_ELSEWHERE_LIMIT:
        elsewhere_limit_reached(by=by, id_number=id_number)


def elsewhere_limit_reached(*, by: Any, id_number: str) -> None:
    """Pause the user's registering for the window; audited. Raises TooManyElsewhere."""
    cache.set(_elsewhere_key(by), settings.VETERANS_ELSEWHERE_LIMIT, ELSEWHERE_WINDOW)
    audit_record(
        actor=by, action=AuditEntry.Action.REFUSE, obj=TransferRequest(),
        changes={"reason": "elsewhere_limit", "id_number": mask_id_number(id_number)},
    )
    raise TooManyElsewhere


NUMBER_NOT_USABLE = _lazy(
    "This resident ID number cannot be given to this record. If the person is registered "
    "elsewhere, register them as new: that sends a transfer request."
)


def elsewhere_refuse(*, by: Any, id_number: str, veteran: Veteran) -> None:
    """An edit met a number registered outside the user's jurisdiction: counted, audited,
    and a refusal that names no one (registering the person sends a transfer request)."""
    elsewhere_count(by=by, id_number=id_number)
    audit_record(
        actor=by, action=AuditEntry.Action.REFUSE, obj=veteran,
        changes={"reason": "id_number_elsewhere", "id_number": mask_id_number(id_number)},
    )
    raise ValidationError(NUMBER_NOT_USABLE, code="elsewhere")


def registered_elsewhere(*, by: Any, id_number: object) -> Veteran | None:
    """The veteran holding this number, if it is registered outside the user's sight."""
    number = normalize_id_number(id_number)
    holder = Veteran.objects.filter(id_number=number).only("pk", "region_id").first()
    if holder is None or by.may_see(holder.region_id):
        return None
    return holder


def transfer_if_registered_elsewhere(*, by: Any, data: Mapping[str, Any]) -> None:
    """Raise TransferRequested, the request committed, when the number is registered
    outside the user's jurisdiction; nothing otherwise. Call it outside a transaction
    that the exception would roll back."""
    holder = registered_elsewhere(by=by, id_number=data.get("id_number"))
    if holder is None:
        return
    region = data.get("region")
    if not isinstance(region, Region):
        raise ValidationError({"region": _("Choose a village or a township.")})
    home_region_check(region=region, by=by)
    elsewhere_count(by=by, id_number=holder.id_number)
    raise TransferRequested(transfer_request_start(by=by, veteran=holder, region=region))


def _holding_county(code: str) -> Region:
    """The county (or, where there is none, the nearest region above) holding a home."""
    candidates = codes.ancestor_candidates(code)
    above = Region.objects.filter(
        code__in=candidates, level__in=[Level.COUNTY, Level.CITY, Level.PROVINCE]
    ).order_by("-code").first()
    if above is None:
        raise ValidationError(_("The region of this record has no county above it."))
    return above


@transaction.atomic
def transfer_request_start(*, by: Any, veteran: Veteran, region: Region) -> TransferRequest:
    """Ask the county holding `veteran` to move them to `region` (the requester's).

    Asking again for the same veteran and region finds the pending request."""
    writer_check(by)
    home_region_check(region=region, by=by)
    pending = TransferRequest.objects.filter(
        veteran=veteran, region=region, status=TransferRequest.Status.PENDING
    ).first()
    if pending is not None:
        return pending
    transfer = TransferRequest.objects.create(
        veteran=veteran, requested_by=by, region=region,
        holding_region=_holding_county(veteran.region_id),
    )
    audit_record(
        actor=by, action=AuditEntry.Action.TRANSFER_REQUEST, obj=transfer,
        changes={"veteran": veteran.pk, "region": region.code,
                 "holding_region": transfer.holding_region_id},
    )
    return transfer


def transfer_may_decide(user: Any, transfer: TransferRequest) -> bool:
    """Staff of the holding county (or above it) decide a pending request."""
    return (transfer.status == TransferRequest.Status.PENDING
            and user.may_act_at(transfer.holding_region_id))


@transaction.atomic
def transfer_request_decide(
    *, transfer: TransferRequest, by: Any, approve: bool
) -> TransferRequest:
    """Approve (the veteran's home becomes the requested region) or decline; audited."""
    transfer = TransferRequest.objects.select_for_update().select_related("veteran").get(
        pk=transfer.pk
    )
    if not transfer_may_decide(by, transfer):
        raise PermissionDenied(_("Only staff of the holding county decide a pending request."))
    veteran = transfer.veteran
    if approve:
        if not veteran.region_id.startswith(codes.prefix_of(transfer.holding_region_id)):
            raise ValidationError(_("The veteran no longer lives in this county."))
        before = veteran.region_id
        veteran.region_id = transfer.region_id
        veteran.save(update_fields=["region", "updated_at"])
        audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=veteran,
                     changes={"region": [before, transfer.region_id], "transfer": transfer.pk})
    transfer.status = (TransferRequest.Status.APPROVED if approve
                       else TransferRequest.Status.DECLINED)
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=by, action=AuditEntry.Action.TRANSFER_DECIDE, obj=transfer,
                 changes={"status": transfer.status})
    return transfer


def veteran_update(*, veteran: Veteran, by: Any, data: Mapping[str, Any]) -> Veteran:
    """Change a veteran; the audit entry holds each changed field as [before, after].

    A new ID number registered outside the user's jurisdiction is refused without
    naming anyone (counted and audited before the change's transaction)."""
    writer_check(by)
    holder = registered_elsewhere(by=by, id_number=data.get("id_number"))
    if holder is not None and holder.pk != veteran.pk:
        try:
            elsewhere_refuse(by=by, id_number=holder.id_number, veteran=veteran)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from exc
    return _veteran_change(veteran=veteran, by=by, data=data)


@transaction.atomic
def _veteran_change(*, veteran: Veteran, by: Any, data: Mapping[str, Any]) -> Veteran:
    changed: dict[str, Any] = {}
    for key in VETERAN_FIELDS:
        if key not in data:
            continue
        new = data[key]
        if key == "id_number":
            new = normalize_id_number(new)
        if new is None and key not in ("discharge_year",):
            continue
        old = getattr(veteran, key)
        if old != new:
            changed[key] = [_audit_value(key, old), _audit_value(key, new)]
            setattr(veteran, key, new)
    if not changed:
        return veteran
    veteran.id_number = id_number_clean(
        veteran.id_number, sex=veteran.sex, birth_date=veteran.birth_date, exclude_pk=veteran.pk
    )
    if "region" in changed:
        home_region_check(region=veteran.region, by=by)
    fields = [*changed, "updated_at"]
    try:
        with transaction.atomic():
            veteran.save(update_fields=fields)
    except IntegrityError as exc:
        existing = Veteran.objects.filter(id_number=veteran.id_number).first()
        if existing is None:
            raise
        raise DuplicateIdNumber(existing) from exc
    audit_record(actor=by, action=AuditEntry.Action.UPDATE, obj=veteran, changes=changed)
    return veteran


@transaction.atomic
def veteran_id_number_reveal(*, veteran: Veteran, by: User) -> str:
    """The full number, for a user allowed to see it; the read is audited."""
    if not id_number_visible_to(by, veteran):
        raise PermissionDenied
    audit_record(actor=by, action=AuditEntry.Action.VIEW_ID_NUMBER, obj=veteran)
    return veteran.id_number


def _visits_of(by: Any) -> QuerySet[Visit]:
    return Visit.objects.filter(recorded_by=by).select_related("veteran", "centre", "recorded_by")


def visit_by_key(*, by: Any, once: Idempotency) -> Visit | None:
    """The visit this user already logged under the key, replayed (see centres.idempotency)."""
    return find_once(rows=_visits_of(by), visible=Visit.objects.visible_to(by), once=once)


# How far back a visit may be logged (one sent late from a phone that was offline).
VISIT_BACKDATE_LIMIT = datetime.timedelta(days=90)


def visited_at_check(visited_at: datetime.datetime, *, now: datetime.datetime) -> None:
    """When a visit happened: not in the future, at most 90 days back."""
    if visited_at > now:
        raise ValidationError({"visited_at": _("The visit cannot be in the future.")})
    if visited_at < now - VISIT_BACKDATE_LIMIT:
        raise ValidationError(
            {"visited_at": _("A visit can be logged at most 90 days after it happened.")}
        )


def _visit_scope_check(*, by: User, veteran: Veteran, centre: Centre, case_category: str) -> None:
    """The veteran and the centre lie in the user's jurisdiction, the category exists.

    The region codes of the rows as loaded are compared with the user's: no query.
    """
    if not by.may_see(veteran.region_id):
        raise ValidationError({"veteran": _("No such veteran in your jurisdiction.")})
    if not by.may_see(centre.region_id):
        raise ValidationError({"centre": _("No such centre in your jurisdiction.")})
    if case_category and case_category not in CaseCategory.values:
        raise ValidationError({"case_category": _("Choose a case category.")})


@transaction.atomic
def visit_log(
    *,
    by: User,
    veteran: Veteran,
    centre: Centre,
    channel: str,
    purpose: str,
    summary: str = "",
    outcome: str = Visit.Outcome.ANSWERED,
    once: Idempotency = NO_KEY,
    visited_at: datetime.datetime | None = None,
    case_category: str = "",
    case_summary: str = "",
) -> tuple[Visit, bool]:
    """Log a visit; (visit, created). The same key again answers the first visit.

    `create_once` looks the key up before anything else, so a retry that no longer
    validates (the veteran moved away since) is still answered by its key's rule.
    With `case_category` the visit opens a dispute case: `case_requested` is sent
    inside this transaction.
    """
    writer_check(by)
    now = timezone.now()

    def log(stored: Mapping[str, str]) -> Visit:
        visit = Visit(
            veteran=veteran,
            centre=centre,
            region_id=centre.region_id,
            channel=channel,
            purpose=purpose,
            summary=summary,
            outcome=Visit.Outcome.CASE_OPENED if case_category else outcome,
            recorded_by=by,
            visited_at=visited_at or now,
            **stored,
        )
        _visit_scope_check(by=by, veteran=veteran, centre=centre, case_category=case_category)
        visited_at_check(visit.visited_at, now=now)
        # Field rules in Python; the constraints are the database's to enforce on insert
        # (checking them here would cost a query each, on the hottest path).
        visit.full_clean(
            exclude=["veteran", "centre", "region", "recorded_by"], validate_constraints=False
        )
        visit.save(force_insert=True)
        audit_record(
            actor=by,
            action=AuditEntry.Action.CREATE,
            obj=visit,
            changes={
                "veteran": veteran.pk, "centre": centre.region_id, "channel": channel,
                "purpose": purpose, "outcome": visit.outcome, "summary": summary,
            },
        )
        if case_category:
            _case_request(visit=visit, category=case_category,
                          summary=case_summary or summary, by=by)
        return visit

    return create_once(
        rows=_visits_of(by), visible=Visit.objects.visible_to(by), once=once, create=log
    )


def _case_request(*, visit: Visit, category: str, summary: str, by: User) -> None:
    """Ask the cases room to open the case; a refusal rolls the visit back.

    Every receiver runs (send_robust); the first one that fails becomes a
    ValidationError on `case_category` with its message, raised inside the
    visit's transaction, so neither the visit nor a half-opened case is kept.
    """
    visit.opened = []
    for receiver, answer in case_requested.send_robust(
        sender=Visit, visit=visit, category=category, summary=summary, by=by
    ):
        if answer is not None and not isinstance(answer, Exception):
            visit.opened.append(answer)  # the page links to what was opened
        if isinstance(answer, Exception):
            if not isinstance(answer, ValidationError | PermissionDenied):
                logger.error("case_requested receiver %r failed", receiver, exc_info=answer)
            message = "; ".join(answer.messages) if isinstance(answer, ValidationError) else (
                str(answer) or _("The dispute case could not be opened.")
            )
            raise ValidationError({"case_category": message})


def visit_log_for_new_veteran(
    *, by: Any, veteran_data: Mapping[str, Any], once: Idempotency = NO_KEY, **visit: Any
) -> tuple[Visit, bool]:
    """Register a veteran and log the visit in one step (the inline form).

    A retried submission finds the visit by its key before trying to register
    the veteran a second time. A number registered elsewhere raises
    TransferRequested, the request committed before this step's transaction.
    """
    existing = visit_by_key(by=by, once=once)
    if existing is not None:
        return existing, False
    _registration_check(by=by, data=veteran_data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                veteran = _veteran_insert(by=by, data=veteran_data)
        except DuplicateIdNumber:
            # A concurrent twin of this submission registered them and logged the visit.
            existing = visit_by_key(by=by, once=once)
            if existing is not None:
                return existing, False
            raise
        return visit_log(by=by, veteran=veteran, once=once, **visit)


@transaction.atomic
def import_job_create(*, by: User, upload: Any, mode: str) -> ImportJob:
    """Store the upload and queue its import once the job row is committed."""
    writer_check(by)
    job = ImportJob(
        created_by=by, region_id=by.region_id, mode=mode, original_name=str(upload.name)[:255]
    )
    job.file.save(str(upload.name), upload, save=False)
    job.save()
    # Through the outbox: a broker that is down cannot fail the committed upload.
    outbox_enqueue(
        task="veterans.tasks.veterans_import_task", args=[job.pk, translation.get_language()]
    )
    return job
