"""Reads that users see: every one starts from `visible_to(user)`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from centres import codes
from centres.models import Level, Region, User, within_q
from teams.models import (
    CallUp,
    Certificate,
    Post,
    ServiceRecord,
    ServiceRecordQuerySet,
    Team,
    TeamMember,
    VillageCadre,
)
from veterans.models import Veteran

# The reserve pool (后备力量) for the next village election: veterans of working age.
RESERVE_AGES = (22, 55)
SUGGESTIONS_PER_VILLAGE = 3
MEDIATORS_SHOWN = 8


def _pk(pk: int | str) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def _one(queryset: QuerySet[Any], pk: int | str) -> Any:
    found = queryset.filter(pk=_pk(pk)).first()
    if found is None:
        raise Http404
    return found


def subtree_q(code: str, field: str) -> Q:
    """The subtree of a code; the nation (twelve zeros) is everything."""
    return Q() if code == codes.NATION else within_q(code, field)


# --- the roster --------------------------------------------------------------


def village_cadre_list(
    *, user: User, region: str = "", post: str = "", current: bool | None = True
) -> QuerySet[VillageCadre]:
    cadres = VillageCadre.objects.visible_to(user).select_related("veteran", "village")
    if region:
        cadres = cadres.filter(within_q(region, "village"))
    if post:
        cadres = cadres.filter(post=post)
    if current is not None:
        cadres = cadres.filter(until__isnull=current)
    return cadres.order_by("village_id", "post", "-since", "id")


def village_cadre_get_for_user(*, user: User, pk: int | str) -> VillageCadre:
    return _one(VillageCadre.objects.visible_to(user).select_related("veteran", "village"), pk)


@dataclass
class VillageRow:
    """A village on the county's roster page: who holds each post now."""

    region: Region
    party_secretary: VillageCadre | None = None
    committee: list[VillageCadre] = field(default_factory=list)
    reserve: list[VillageCadre] = field(default_factory=list)
    suggested: list[Veteran] = field(default_factory=list)


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def reserve_candidates_q(on: datetime.date) -> Q:
    """Veterans of the reserve pool's ages, discharged (a discharge year is known)."""
    low, high = RESERVE_AGES
    youngest = on.replace(year=on.year - low)
    oldest = on.replace(year=on.year - high - 1) + datetime.timedelta(days=1)
    return Q(birth_date__lte=youngest, birth_date__gte=oldest, discharge_year__isnull=False)


def roster(*, user: User, region: Region, villages: list[Region]) -> list[VillageRow]:
    """The posts held now in these villages and, where no veteran is secretary,
    candidates from the registry living in that village (youngest discharge first)."""
    rows = {v.code: VillageRow(region=v) for v in villages}
    cadres = village_cadre_list(user=user, region=region.code).filter(village_id__in=list(rows))
    holders = set()
    for cadre in cadres:
        row = rows[cadre.village_id]
        holders.add(cadre.veteran_id)
        if cadre.post == Post.PARTY_SECRETARY:
            row.party_secretary = cadre
        elif cadre.post == Post.COMMITTEE_MEMBER:
            row.committee.append(cadre)
        else:
            row.reserve.append(cadre)
    lacking = [code for code, row in rows.items() if row.party_secretary is None]
    on = timezone.localdate()
    ranked = (
        Veteran.objects.visible_to(user)
        .filter(reserve_candidates_q(on), region_id__in=lacking)
        .exclude(pk__in=holders)
        .annotate(rank=Window(
            RowNumber(), partition_by=[F("region_id")],
            order_by=[F("discharge_year").desc(), F("birth_date").desc(), F("id")],
        ))
        .filter(rank__lte=SUGGESTIONS_PER_VILLAGE)
        .only("id", "name", "birth_date", "discharge_year", "region_id", "sex")
    )
    for veteran in ranked:
        veteran.age = _age(veteran.birth_date, on)  # type: ignore[attr-defined]
        rows[veteran.region_id].suggested.append(veteran)
    return list(rows.values())


def roster_villages(*, region: Region) -> QuerySet[Region]:
    return Region.objects.within(region).filter(level=Level.VILLAGE).order_by("code")


def roster_villages_without_secretary(*, region: Region) -> QuerySet[Region]:
    held = VillageCadre.objects.current().filter(
        within_q(region.code, "village"), post=Post.PARTY_SECRETARY
    ).values("village_id")
    return roster_villages(region=region).exclude(code__in=held)


# --- teams -------------------------------------------------------------------


def team_list(*, user: User) -> QuerySet[Team]:
    return (
        Team.objects.visible_to(user)
        .select_related("centre")
        .annotate(
            member_count=Count("members", filter=Q(members__left__isnull=True), distinct=True),
        )
        .order_by("region_id", "kind", "name", "id")
    )


def team_get_for_user(*, user: User, pk: int | str) -> Team:
    return _one(Team.objects.visible_to(user).select_related("centre", "region"), pk)


def team_members(*, team: Team) -> list[TeamMember]:
    """The team's members, current first; the team was reached through `visible_to`."""
    return list(
        team.members.select_related("veteran", "veteran__region", "group")
        .annotate(hours=Sum("veteran__service_records__hours", filter=Q(
            veteran__service_records__team=team,
            veteran__service_records__status=ServiceRecord.Status.CONFIRMED,
        )))
        .order_by(F("left").desc(nulls_first=True), "role", "id")
    )


def team_hours(*, team: Team) -> dict[str, Decimal]:
    totals = dict(
        ServiceRecord.objects.filter(team=team).values_list("status")
        .annotate(total=Sum("hours")).values_list("status", "total")
    )
    return {status: totals.get(status) or Decimal(0) for status in ServiceRecord.Status.values}


def member_get_for_user(*, user: User, pk: int | str) -> TeamMember:
    return _one(
        TeamMember.objects.filter(team__in=Team.objects.visible_to(user))
        .select_related("team", "team__centre", "veteran"), pk,
    )


def member_candidates(*, user: User, team: Team, query: str, limit: int = 10) -> list[Veteran]:
    """Veterans matching the search, in the team's area and the user's, not yet members."""
    from veterans.selectors import veteran_search_q

    if not query.strip():
        return []
    current = TeamMember.objects.filter(team=team, left__isnull=True).values("veteran_id")
    return list(
        Veteran.objects.visible_to(user)
        .filter(veteran_search_q(query), within_q(team.region_id, "region"))
        .exclude(pk__in=current)
        .select_related("region")
        .order_by("name", "id")[:limit]
    )


# --- service records ---------------------------------------------------------


def service_record_list(*, user: User) -> ServiceRecordQuerySet:
    return (
        ServiceRecord.objects.visible_to(user)
        .select_related("team", "veteran", "group", "recorded_by", "confirmed_by")
        .order_by("-date", "-id")
    )


def service_record_get_for_user(*, user: User, pk: int | str) -> ServiceRecord:
    return _one(
        ServiceRecord.objects.visible_to(user).select_related("team", "team__centre", "veteran"),
        pk,
    )


def team_records(*, team: Team, status: str = "", limit: int = 500) -> list[ServiceRecord]:
    records = team.records.select_related("veteran", "group", "recorded_by", "confirmed_by")
    if status:
        records = records.filter(status=status)
    return list(records.order_by("-date", "-id")[:limit])


def export_records(*, user: User, team: Team | None = None) -> QuerySet[ServiceRecord]:
    """Confirmed records for the national volunteer information system's import."""
    records = service_record_list(user=user).confirmed()
    if team is not None:
        records = records.filter(team=team)
    return records.select_related("team__centre").prefetch_related(None)


def member_numbers(records: list[ServiceRecord]) -> dict[tuple[int, int], str]:
    """(team, veteran) → volunteer number, for a page or an export of records."""
    pairs = {(r.team_id, r.veteran_id) for r in records}
    numbers = TeamMember.objects.filter(
        team_id__in={t for t, _v in pairs}, veteran_id__in={v for _t, v in pairs}
    ).order_by("joined").values_list("team_id", "veteran_id", "volunteer_number")
    return {(t, v): n for t, v, n in numbers}


def certificate_get_for_user(*, user: User, pk: int | str) -> Certificate:
    return _one(
        Certificate.objects.visible_to(user).select_related(
            "member", "member__veteran", "member__team", "centre"
        ),
        pk,
    )


# --- call-ups ----------------------------------------------------------------


def call_up_get_for_user(*, user: User, pk: int | str) -> CallUp:
    return _one(CallUp.objects.visible_to(user).select_related("team", "team__centre"), pk)


def team_call_ups(*, team: Team) -> list[CallUp]:
    return list(
        team.call_ups.annotate(
            available=Count("answers", filter=Q(answers__available=True)),
            unavailable=Count("answers", filter=Q(answers__available=False)),
        ).order_by("-starts_at")
    )


# --- mediators ---------------------------------------------------------------


@dataclass(frozen=True)
class Mediator:
    veteran: Veteran
    why: str  # a post's or a team's label


def mediator_suggestions(*, user: User, near: str, limit: int = MEDIATORS_SHOWN) -> list[Mediator]:
    """兵支书 and volunteer members living in the county of `near`, nearest first.

    Nearness is the length of the region code the veteran's home shares with `near`:
    the same village, then the same township, then the county.
    """
    county = near[:6].ljust(codes.CODE_LENGTH, "0")
    cadres = VillageCadre.objects.visible_to(user).current().filter(
        within_q(county, "village"), post__in=[Post.PARTY_SECRETARY, Post.COMMITTEE_MEMBER]
    ).select_related("veteran__region").order_by("id")
    members = TeamMember.objects.filter(
        within_q(county, "veteran__region"), left__isnull=True,
        team__kind=Team.Kind.VOLUNTEER, veteran__in=Veteran.objects.visible_to(user),
    ).select_related("veteran__region", "team").order_by("id")
    found: dict[int, Mediator] = {}
    for cadre in cadres[:200]:
        found.setdefault(cadre.veteran_id, Mediator(cadre.veteran, cadre.get_post_display()))
    for member in members[:200]:
        found.setdefault(member.veteran_id, Mediator(member.veteran, member.team.name))

    def distance(m: Mediator) -> tuple[int, str]:
        home = m.veteran.region_id
        shared = next((i for i, (a, b) in enumerate(zip(home, near, strict=True)) if a != b), 12)
        return (-shared, m.veteran.name)

    return sorted(found.values(), key=distance)[:limit]


# --- figures -----------------------------------------------------------------


def _team_figures(where: Any, code: str) -> dict[str, Any]:
    """The counters of `stats/teams` for the rows whose region field `where(field)` keeps."""
    villages = Region.objects.filter(where("code"), level=Level.VILLAGE).count()
    cadres = VillageCadre.objects.current().filter(where("village"))
    secretaries = cadres.filter(post=Post.PARTY_SECRETARY).values("village").distinct().count()
    people = dict(
        cadres.values("post").annotate(people=Count("veteran", distinct=True))
        .values_list("post", "people")
    )
    teams = Team.objects.filter(where("region"))
    kinds = dict(teams.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    members = TeamMember.objects.filter(
        team__in=teams, left__isnull=True
    ).values("veteran_id").distinct().count()
    hours = ServiceRecord.objects.confirmed().filter(
        where("region")
    ).aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return {
        "region": code,
        "villages": villages,
        "party_secretaries": secretaries,
        "party_secretary_coverage": secretaries / villages if villages else None,
        "committee_members": people.get(Post.COMMITTEE_MEMBER, 0),
        "reserve": people.get(Post.RESERVE, 0),
        "teams": kinds.get(Team.Kind.VOLUNTEER, 0),
        "shock_teams": kinds.get(Team.Kind.SHOCK, 0),
        "members": members,
        "service_hours": float(hours),
    }


def team_stats(*, region: str) -> dict[str, Any]:
    """The counters of `GET /api/v1/stats/teams/` for a region's subtree (see docs/api.md)."""
    return _team_figures(lambda field: subtree_q(region, field), region)


def team_stats_own(*, region: str) -> dict[str, Any]:
    """The same counters for the region itself only: its own centre's teams (本级)."""
    return _team_figures(lambda field: Q(**{field: region}), region)


@dataclass
class TeamFiguresByChild:
    """The dashboards' social-forces table: the own centre, each child region, the total."""

    own: dict[str, Any]
    rows: list[tuple[Region, dict[str, Any]]]
    total: dict[str, Any]


def team_stats_by_child(*, region: Region | None) -> TeamFiguresByChild:
    """By child region with the own-centre row. For the additive counters own + Σ rows =
    total; `members` counts distinct people, so a veteran in teams of two children counts
    once in the total."""
    from centres.selectors import region_children

    code = region.code if region is not None else codes.NATION
    children = region_children(region=region)
    return TeamFiguresByChild(
        own=team_stats_own(region=code) if region is not None else _team_figures(
            lambda field: Q(pk__in=[]), code),
        rows=[(child, team_stats(region=child.code)) for child in children],
        total=team_stats(region=code),
    )
