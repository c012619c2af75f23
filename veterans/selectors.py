"""Reads that users see: every one starts from `visible_to(user)`."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from centres import codes
from centres.models import Centre, Level, Region, User, jurisdiction_q
from centres.selectors import region_paths
from config.days import local_day_range
from veterans.idnumbers import normalize_id_number
from veterans.models import HOME_LEVELS, AuditEntry, ImportJob, TransferRequest, Veteran, Visit

SEARCH_LIMIT = 10
# Names are searched anywhere in the name from this many characters (a trigram index
# serves that); shorter searches match the start of the name (a prefix index serves it).
NAME_CONTAINS_FROM = 3


def id_number_visible_to(user: User, veteran: Veteran) -> bool:
    """Who may read a full ID number (on the detail page only, audited).

    Staff whose jurisdiction is the veteran's county or lower (the people who
    serve them at the front desk), and officials whose jurisdiction holds the
    veteran. Everyone else, nationwide staff and every API client included,
    sees the masked number only.
    """
    if not user.may_see(veteran.region_id):
        return False
    if user.is_official:
        return True
    region = user.region_id
    return region is not None and codes.level_of(region) in (
        Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE
    )


def _one_or_404(queryset: QuerySet[Any], pk: int | str) -> Any:
    """The row of a scoped queryset; 404 for missing, forbidden and malformed ids alike."""
    try:
        key = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    row = queryset.filter(pk=key).first()
    if row is None:
        raise Http404
    return row


def veteran_get_for_user(*, user: Any, pk: int | str) -> Veteran:
    """The veteran, if in the user's jurisdiction; 404 for missing and forbidden alike."""
    veteran: Veteran = _one_or_404(Veteran.objects.visible_to(user).select_related("region"), pk)
    return veteran


def veteran_search_q(query: str) -> Q:
    """Name, the whole ID number, or the first digits of a phone number.

    An ID number is found by the whole number only: a search by its first or last
    digits would tell, one digit at a time, what the mask hides.
    """
    query = query.strip()
    if not query:
        return Q()
    number = normalize_id_number(query)
    if len(number) == 18:
        return Q(id_number=number)
    if number.isdigit():
        return Q(phone__startswith=number)
    if len(query) < NAME_CONTAINS_FROM:
        return Q(name__startswith=query)  # a surname, or a name's first characters
    return Q(name__icontains=query)


def veteran_search(*, user: User, query: str, limit: int = SEARCH_LIMIT) -> list[Veteran]:
    """A handful of matches for the visit page's search-as-you-type."""
    if len(query.strip()) < 1:
        return []
    return list(
        Veteran.objects.visible_to(user)
        .filter(veteran_search_q(query))
        .select_related("region")
        .order_by("name", "id")[:limit]
    )


def veteran_search_one(*, user: Any, pk: Any) -> Veteran | None:
    """The veteran a form names by id, if the user sees them (None otherwise)."""
    if not str(pk or "").isdigit():
        return None
    return Veteran.objects.visible_to(user).select_related("region").filter(pk=int(pk)).first()


def veteran_list(*, user: Any) -> QuerySet[Veteran]:
    return (
        Veteran.objects.visible_to(user)
        .select_related("region")
        .order_by("region_id", "name", "id")
    )


def veteran_possible_duplicates(
    *, user: Any, name: str, birth_date: datetime.date | None, exclude_pk: int | None = None
) -> QuerySet[Veteran]:
    """Others the user sees with the same name and birth date.

    Only those the user sees: a hint about anyone else would tell an outsider that a
    person of that name and birth date is registered somewhere."""
    if not name or birth_date is None:
        return Veteran.objects.none()
    others = Veteran.objects.visible_to(user)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    return (
        others.filter(name=name.strip(), birth_date=birth_date)
        .select_related("region")
        .order_by("id")
    )


def veteran_visits(*, user: User, veteran: Veteran, limit: int = 200) -> list[Visit]:
    return list(
        Visit.objects.visible_to(user)
        .filter(veteran=veteran)
        .select_related("centre", "recorded_by")
        .order_by("-visited_at")[:limit]
    )


def visit_list(*, user: User) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .select_related("veteran", "centre", "recorded_by")
        .order_by("-visited_at", "-id")
    )


# The visit POST's one read. Written once rather than compiled by the ORM on every
# request: on the API's hottest path the ORM's compilation of it cost more than all
# the rest of the validation.
_PARTIES_SQL = (
    "SELECT v.id, v.name, v.region_id, c.id FROM {veteran} v "
    "LEFT JOIN {centre} c ON c.region_id = %s WHERE v.id = %s"
)


def visit_parties(
    *, user: User, veteran_id: int, centre_code: str
) -> tuple[Veteran | None, Centre | None]:
    """The veteran and the centre a visit names, each None unless the user may see it.

    One query where the veteran exists (the visit POST's case), its row with the
    centre's id beside it. The rows hold what logging a visit and answering it read
    (the veteran's name and home, the centre's id and code); their other fields are
    deferred, read if anyone asks. The jurisdiction is checked on the codes.
    """
    db = router.db_for_read(Veteran)
    quote = connections[db].ops.quote_name
    sql = _PARTIES_SQL.format(veteran=quote(Veteran._meta.db_table),
                              centre=quote(Centre._meta.db_table))
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [centre_code, veteran_id])
        row = cursor.fetchone()
    veteran: Veteran | None = None
    centre: Centre | None = None
    if row is None:  # no such veteran; the centre on its own, for its own error
        centre = Centre.objects.using(db).filter(region_id=centre_code).only("region_id").first()
    else:
        veteran = Veteran.from_db(db, ["id", "name", "region_id"], row[:3])
        if row[3] is not None:
            centre = Centre.from_db(db, ["id", "region_id"], [row[3], centre_code])
    if veteran is not None and not user.may_see(veteran.region_id):
        veteran = None
    if centre is not None and not user.may_see(centre.region_id):
        centre = None
    return veteran, centre


def veteran_visible(*, user: Any, pk: str) -> Veteran | None:
    """The veteran a link names, if the user sees them (None otherwise, or for a bad id)."""
    if not str(pk).isdigit():
        return None
    return Veteran.objects.visible_to(user).select_related("region").filter(pk=int(pk)).first()


def user_centre(user: Any) -> Centre | None:
    """The centre where a staff member logs visits: the one of their jurisdiction."""
    if not getattr(user, "region_id", None):
        return None
    return Centre.objects.filter(region_id=user.region_id).select_related("region").first()


def visits_today(*, user: User, centre: Centre, limit: int = 200) -> list[Visit]:
    today = timezone.localdate()
    start, end = local_day_range(today, today)
    return list(
        Visit.objects.visible_to(user)
        .filter(centre=centre, visited_at__gte=start, visited_at__lt=end)
        .select_related("veteran", "recorded_by")
        .order_by("-visited_at", "-id")[:limit]
    )


def home_regions_for(user: Any, *, limit: int = 2000) -> list[Region]:
    """Villages, townships and counties a staff member may register a veteran in (one query)."""
    return list(
        Region.objects.visible_to(user)
        .filter(level__in=HOME_LEVELS)
        .only("code", "name", "level")
        .order_by("code")[:limit]
    )


def audit_trail_for_user(*, user: User, obj: Any) -> list[AuditEntry]:
    """The trail of a record the user already sees; officials read it."""
    if not getattr(user, "is_official", False):
        return []
    return list(AuditEntry.objects.for_object(obj).select_related("actor").order_by("-at", "-id"))


def _audit_text(field: Any, value: Any, places: dict[str, str]) -> str:
    """One stored audit value as the pages show it: labels, 是/否, place names, — for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and value in places:
        return places[value]
    return str(value)


def audit_trail_display(
    entries: list[AuditEntry],
) -> list[tuple[AuditEntry, list[tuple[str, str]]]]:
    """Each entry with its changes as (label, value) pairs in the user's language.

    An update holds [before, after]; it reads "before → after". Region codes read as
    their paths (镇 › 村), in one query for the whole trail.
    """
    models = {"veterans.veteran": Veteran, "veterans.visit": Visit}
    region_codes = {
        v for e in entries for key, value in (e.changes or {}).items()
        if key in ("region", "centre")
        for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
    }
    places = region_paths(region_codes) if region_codes else {}
    shown = []
    for entry in entries:
        model = models.get(entry.object_type)
        rows = []
        for key, value in (entry.changes or {}).items():
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(key)
                except FieldDoesNotExist:
                    field = None
            label = str(getattr(field, "verbose_name", key))
            if isinstance(value, list) and len(value) == 2:
                before, after = (_audit_text(field, v, places) for v in value)
                text = f"{before} → {after}"
            else:
                text = _audit_text(field, value, places)
            rows.append((label, text))
        shown.append((entry, rows))
    return shown


def import_job_get_for_user(*, user: Any, pk: int | str) -> ImportJob:
    job: ImportJob = _one_or_404(ImportJob.objects.visible_to(user), pk)
    return job


def transfer_queues(
    *, user: Any, limit: int = 200
) -> tuple[list[TransferRequest], list[TransferRequest]]:
    """(incoming, outgoing): requests to the counties of the user's jurisdiction, with the
    veteran (whom they hold and see); and requests made from it, which show nothing of
    the person (only the masked number, `mask_id_number`, and the region asked for)."""
    if not getattr(user, "is_authenticated", False):
        return [], []
    incoming = list(
        TransferRequest.objects.filter(jurisdiction_q(user, "holding_region"))
        .select_related("veteran", "region", "holding_region", "requested_by", "decided_by")
        .order_by("status", "-created_at", "-id")[:limit]
    )
    if user.region_id is None:  # nationwide: every request is one they may decide
        return incoming, []
    outgoing = list(
        TransferRequest.objects.filter(jurisdiction_q(user, "region"))
        .exclude(jurisdiction_q(user, "holding_region"))
        .select_related("veteran", "region", "requested_by")
        .order_by("-created_at", "-id")[:limit]
    )
    return incoming, outgoing


def transfer_get_for_user(*, user: Any, pk: int | str) -> TransferRequest:
    """A request in one of the user's two queues; 404 otherwise."""
    transfer: TransferRequest = _one_or_404(TransferRequest.objects.visible_to(user), pk)
    return transfer
