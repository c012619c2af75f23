"""Writes to the registry and the visit log. Every write leaves an audit entry."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

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
from veterans.models import AuditEntry, ImportJob, Veteran, Visit
from veterans.selectors import id_number_visible_to
from veterans.signals import CaseCategory, case_requested

# The fields a person edits; the rest is bookkeeping.
VETERAN_FIELDS = [
    "name", "sex", "birth_date", "id_number", "phone", "region", "discharge_year",
    "discharge_kind", "is_disabled", "is_martyr_family", "needs_assistance",
    "is_party_secretary", "is_volunteer",
]
HOME_LEVELS = (Level.TOWNSHIP, Level.VILLAGE)
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


def home_region_check(*, region: Region, by: User) -> None:
    """A veteran lives in a village or township inside the user's jurisdiction."""
    if not by.may_see(region.code):
        raise ValidationError({"region": _("No such region in your jurisdiction.")})
    if region.level not in HOME_LEVELS:
        raise ValidationError({"region": _("Choose a village or a township.")})


def writer_check(by: User) -> None:
    """Staff write; officials read (docs/design.md §1)."""
    if not getattr(by, "is_authenticated", False) or not by.is_staff_member:
        raise PermissionDenied(_("Only staff may change the registry and the visit log."))


def _audit_value(field: str, value: Any) -> Any:
    if field == "id_number":
        return mask_id_number(value)  # the audit trail never holds a full number
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


@transaction.atomic
def veteran_create(*, by: User, data: Mapping[str, Any]) -> Veteran:
    """Register a veteran. Raises ValidationError (DuplicateIdNumber for a known number)."""
    writer_check(by)
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


@transaction.atomic
def veteran_update(*, veteran: Veteran, by: User, data: Mapping[str, Any]) -> Veteran:
    """Change a veteran; the audit entry holds each changed field as [before, after]."""
    writer_check(by)
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


def visit_by_key(*, by: User, idempotency_key: str) -> Visit | None:
    if not idempotency_key:
        return None
    visit = (
        Visit.objects.filter(recorded_by=by, idempotency_key=idempotency_key)
        .select_related("veteran", "centre")
        .first()
    )
    if visit is not None:
        visit.recorded_by = by  # the filter says so: no query for the answer's username
    return visit


def _visit_insert_unless_key_taken(visit: Visit) -> bool:
    """Insert the visit unless this user's key is already taken; False when it was.

    One `INSERT … ON CONFLICT (recorded_by, idempotency_key) DO NOTHING RETURNING
    id` instead of a look-up, a savepoint, the insert and the savepoint's release.
    A concurrent retry with the same key waits for the first one's transaction and
    then inserts nothing; any other integrity error still raises.
    """
    meta = Visit._meta
    connection = connections[router.db_for_write(Visit, instance=visit)]
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(visit, True), connection)
              for field in fields]
    # The conflict target is the partial unique index of `visit_idempotency_key_unique`,
    # its condition written as Django writes it (SQLite matches the text, not the sense).
    table, columns = quote(meta.db_table), ", ".join(quote(field.column) for field in fields)
    marks, pk = ", ".join(["%s"] * len(fields)), quote(meta.pk.column)
    key = quote("idempotency_key")
    target = f"({quote('recorded_by_id')}, {key}) WHERE NOT ({key} = '')"
    sql = (f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 (quoted names)
           f"ON CONFLICT {target} DO NOTHING RETURNING {pk}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    visit.pk = row[0]
    visit._state.adding = False
    visit._state.db = connection.alias
    post_save.send(sender=Visit, instance=visit, created=True, update_fields=None, raw=False,
                   using=connection.alias)
    return True


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
    idempotency_key: str = "",
    visited_at: datetime.datetime | None = None,
    case_category: str = "",
    case_summary: str = "",
) -> tuple[Visit, bool]:
    """Log a visit; (visit, created). The same key again returns the first visit.

    The first visit is found by the insert itself: retries with one key, concurrent
    or not, meet the unique constraint on (recorded_by, idempotency_key), insert
    nothing and answer with the first visit. A retry that no longer validates (the
    veteran moved away since) answers its first visit too. With `case_category` the
    visit opens a dispute case: `case_requested` is sent inside this transaction.
    """
    writer_check(by)
    idempotency_key = (idempotency_key or "").strip()[:100]
    visit = Visit(
        veteran=veteran,
        centre=centre,
        region_id=centre.region_id,
        channel=channel,
        purpose=purpose,
        summary=summary,
        outcome=Visit.Outcome.CASE_OPENED if case_category else outcome,
        recorded_by=by,
        idempotency_key=idempotency_key,
        visited_at=visited_at or timezone.now(),
    )
    try:
        _visit_scope_check(by=by, veteran=veteran, centre=centre, case_category=case_category)
        # Field rules in Python; the constraints are the database's to enforce on insert
        # (checking them here would cost a query each, on the hottest path).
        visit.full_clean(
            exclude=["veteran", "centre", "region", "recorded_by"], validate_constraints=False
        )
    except ValidationError:
        existing = visit_by_key(by=by, idempotency_key=idempotency_key)
        if existing is not None:
            return existing, False
        raise
    if not _visit_insert_unless_key_taken(visit):
        first = visit_by_key(by=by, idempotency_key=idempotency_key)
        if first is None:  # cannot be: the conflicting row is committed and ours to read
            raise IntegrityError("visit_idempotency_key_unique: no visit holds the key")
        return first, False
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
        _case_request(visit=visit, category=case_category, summary=case_summary or summary,
                      by=by)
    return visit, True


def _case_request(*, visit: Visit, category: str, summary: str, by: User) -> None:
    """Ask the cases room to open the case; a refusal rolls the visit back.

    Every receiver runs (send_robust); the first one that fails becomes a
    ValidationError on `case_category` with its message, raised inside the
    visit's transaction, so neither the visit nor a half-opened case is kept.
    """
    for receiver, answer in case_requested.send_robust(
        sender=Visit, visit=visit, category=category, summary=summary, by=by
    ):
        if isinstance(answer, Exception):
            if not isinstance(answer, ValidationError | PermissionDenied):
                logger.error("case_requested receiver %r failed", receiver, exc_info=answer)
            message = "; ".join(answer.messages) if isinstance(answer, ValidationError) else (
                str(answer) or _("The dispute case could not be opened.")
            )
            raise ValidationError({"case_category": message})


@transaction.atomic
def visit_log_for_new_veteran(
    *, by: User, veteran_data: Mapping[str, Any], idempotency_key: str = "", **visit: Any
) -> tuple[Visit, bool]:
    """Register a veteran and log the visit in one step (the inline form).

    A retried submission finds the visit by its key before trying to register
    the veteran a second time.
    """
    existing = visit_by_key(by=by, idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            veteran = veteran_create(by=by, data=veteran_data)
    except DuplicateIdNumber:
        # A concurrent twin of this submission registered them and logged the visit.
        existing = visit_by_key(by=by, idempotency_key=idempotency_key)
        if existing is not None:
            return existing, False
        raise
    return visit_log(by=by, veteran=veteran, idempotency_key=idempotency_key, **visit)


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
    outbox_enqueue(task="veterans.tasks.veterans_import_task", args=[job.pk])
    return job
