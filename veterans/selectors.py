"""Reads that users see: every one starts from `visible_to(user)`."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from centres import codes
from centres.models import Centre, Level, Region, User
from config.days import local_day_range
from veterans.idnumbers import normalize_id_number
from veterans.models import AuditEntry, ImportJob, Veteran, Visit

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


def veteran_get_for_user(*, user: User, pk: int | str) -> Veteran:
    """The veteran, if in the user's jurisdiction; 404 for missing and forbidden alike."""
    try:
        key = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    veteran = Veteran.objects.visible_to(user).select_related("region").filter(pk=key).first()
    if veteran is None:
        raise Http404
    return veteran


def veteran_search_q(query: str) -> Q:
    """Name, ID number (whole, or its last digits) or phone."""
    query = query.strip()
    if not query:
        return Q()
    number = normalize_id_number(query)
    if len(number) == 18:
        return Q(id_number=number)
    if number.isdigit() or (number[:-1].isdigit() and number.endswith("X")):
        q = Q(phone__startswith=number)
        if len(number) >= 4:
            q |= Q(id_number__endswith=number)
        if len(number) >= 6:
            q |= Q(id_number__startswith=number)
        return q
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


def veteran_list(*, user: User) -> QuerySet[Veteran]:
    return (
        Veteran.objects.visible_to(user)
        .select_related("region")
        .order_by("region_id", "name", "id")
    )


def veteran_possible_duplicates(
    *, name: str, birth_date: datetime.date | None, exclude_pk: int | None = None
) -> QuerySet[Veteran]:
    """Others with the same name and birth date, anywhere (the caller links the visible ones)."""
    if not name or birth_date is None:
        return Veteran.objects.none()
    others = Veteran.objects.exclude(pk=exclude_pk) if exclude_pk else Veteran.objects.all()
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


def user_centre(user: User) -> Centre | None:
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


def home_regions_for(user: User, *, limit: int = 2000) -> list[Region]:
    """Villages and townships a staff member may register a veteran in (one query)."""
    return list(
        Region.objects.visible_to(user)
        .filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .only("code", "name", "level")
        .order_by("code")[:limit]
    )


def audit_trail_for_user(*, user: User, obj: Any) -> list[AuditEntry]:
    """The trail of a record the user already sees; officials read it."""
    if not getattr(user, "is_official", False):
        return []
    return list(AuditEntry.objects.for_object(obj).select_related("actor").order_by("-at", "-id"))


def import_job_get_for_user(*, user: User, pk: int | str) -> ImportJob:
    try:
        key = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    job = ImportJob.objects.visible_to(user).filter(pk=key).first()
    if job is None:
        raise Http404
    return job
