"""The world of the jurisdiction matrix: users at every level, objects everywhere.

Users work along one chain, 浙江省 → 绍兴市 → 诸暨市 → 枫桥镇 → 枫源村, at every
level and in both roles, plus two nationwide users. At every level a sibling
subtree holds the same kinds of objects: another village of the same township
(陈家村), another township of the same county (店口镇), another county of the same
city (柯桥区), another city of the same province (杭州市) and another province
(湖南省). Every region of the world holds one object of each kind, so that what
a user must see (their subtree) and must not see (everything else) are both
known exactly.

Every object carries a marker naming its region (`老兵330681107201`,
`纠纷330681107201`, ...): a response that shows a marker from outside the user's
area is a leak, whatever the page.

The world is built once per test module (`matrix_world` in tests/conftest.py):
cases and the county and township assessments through the services, the other
rows as the factories make them. It lives in a transaction rolled back at the
end of the module; each test runs in a savepoint of it, and each user has one
session made with the world, so a test pays for its requests only.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
from django.conf import settings
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from cases import services as case_services
from centres import codes
from centres.models import Centre, Level, Region, User
from contacts.models import Campaign
from demonstration.models import Assessment, AssessmentScore, Designation, StandardItem
from demonstration.services import assessment_create, standard_for_year, this_year
from teams import services as team_services
from tests.factories.centres import regions_make
from tests.factories.veterans import id_number
from veterans.models import ImportJob, Veteran, Visit

# Each path descends from its first region; a region's objects that cannot live at its
# level (a veteran at a county) are those of the next region down its path.
PATHS: list[list[tuple[str, str]]] = [
    [("330000", "浙江省"), ("330600", "绍兴市"), ("330681", "诸暨市"),
     ("330681107", "枫桥镇"), ("330681107201", "枫源村")],
    [("330681107202", "陈家村")],
    [("330681108", "店口镇"), ("330681108201", "店口村")],
    [("330603", "柯桥区"), ("330603101", "柯岩街道"), ("330603101201", "柯岩村")],
    [("330100", "杭州市"), ("330110", "余杭区"), ("330110005", "仓前街道"),
     ("330110005201", "仓前村")],
    [("430000", "湖南省"), ("430100", "长沙市"), ("430181", "浏阳市"),
     ("430181101", "淮川街道"), ("430181101201", "淮川村")],
]

LEVELS = ["village", "township", "county", "city", "province", "nation"]
ROLES: list[str] = [User.Role.STAFF, User.Role.OFFICIAL]

# Where the users of each level work (None: nationwide), and the sibling subtree at that
# level that lies outside their area.
HOME: dict[str, str | None] = {
    "village": "330681107201",
    "township": "330681107000",
    "county": "330681000000",
    "city": "330600000000",
    "province": "330000000000",
    "nation": None,
}
SIBLING: dict[str, str] = {
    "village": "330681107202",
    "township": "330681108000",
    "county": "330603000000",
    "city": "330100000000",
    "province": "430000000000",
}
DEEPEST = "330681107201"  # inside every chain user's area

# Double-support model cities and counties, so that every level above the township sees
# target rows of its own and none of its siblings'.
MODEL_REGIONS = ["330600", "330681", "330603", "330100", "330110", "430100", "430181"]
MODEL_YEAR = 2021

MISSING_PK = 987_654_321
MISSING_CODE = "650000000000"  # a real province (新疆) that this world does not hold


# The kinds of objects that not every level holds (a county has no veterans of its own);
# evidence goes with its assessment. Every region holds the others.
BORROWED = {"veteran": "veteran", "assessment": "assessment", "evidence": "assessment",
            "designation": "designation", "cadre": "cadre"}


@dataclass
class Place:
    """One region of the world and the ids of its objects (a pk, or a region code)."""

    code: str
    name: str
    level: str
    centre: int = 0
    case: int = 0
    resolved_case: int = 0
    case_number: str = ""
    veteran: int = 0
    visit: int = 0
    import_job: int = 0
    assessment: int = 0
    evidence: int = 0
    designation: int = 0
    team: int = 0  # a shock team at the centre, the place's veteran a member
    service_record: int = 0  # pending
    confirmed_record: int = 0
    certificate: int = 0  # of a confirmed record
    call_up: int = 0
    cadre: int = 0  # the party secretary of a village
    campaign: int = 0
    own: set[str] = field(default_factory=set)  # the kinds whose object lives right here

    def contains(self, code: str) -> bool:
        return code.startswith(codes.prefix_of(self.code))

    def holds(self, kind: str) -> bool:
        """Whether the object of that kind lives right here (not borrowed from below)."""
        return kind not in BORROWED or BORROWED[kind] in self.own


def veteran_name(code: str) -> str:
    return f"老兵{code}"


def case_summary(code: str) -> str:
    return f"纠纷{code}"


def visit_summary(code: str) -> str:
    return f"来访{code}"


def team_name(code: str) -> str:
    return f"服务队{code}"


def service_activity(code: str) -> str:
    return f"服务{code}"


def owner_name(code: str) -> str:
    return f"owner-{code}"


def user_name(level: str, role: str) -> str:
    return f"m-{level}-{role}"


@dataclass
class World:
    places: dict[str, Place]
    users: dict[tuple[str, str], User]
    owners: dict[str, User]
    media: Any = None  # where the evidence files were written
    sessions: dict[int, str] = field(default_factory=dict)  # user id → a logged-in session

    def client(self, user: User | None) -> APIClient:
        """A client logged in as the user (anonymous for None), on the session made with
        the world: logging in costs about half a request, and there are thousands."""
        client = APIClient()
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[user.pk]
        return client

    def sessions_make(self) -> None:
        """One session per user, in the world's transaction (they last 30 minutes)."""
        for user in [*self.users.values(), *self.owners.values()]:
            client = APIClient()
            client.force_login(user)
            self.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def user(self, level: str, role: str) -> User:
        return self.users[(level, role)]

    def inside(self, code: str | None) -> list[Place]:
        """The places in the subtree of `code` (None: the nation)."""
        if code is None:
            return list(self.places.values())
        root = self.places[code]
        return [p for p in self.places.values() if root.contains(p.code)]

    def ancestors(self, code: str | None) -> list[Place]:
        if code is None:
            return []
        return [p for p in self.places.values() if p.contains(code) and p.code != code]

    def parent(self, code: str | None) -> Place | None:
        """The nearest region above `code` in the world (None above a province)."""
        above = self.ancestors(code)
        return max(above, key=lambda p: len(codes.prefix_of(p.code)), default=None)

    def foreign(self, code: str | None) -> list[Place]:
        """Places neither in the subtree of `code` nor above it: nothing of them may show."""
        near = {p.code for p in self.inside(code)} | {p.code for p in self.ancestors(code)}
        return [p for p in self.places.values() if p.code not in near]

    def markers_outside(self, code: str | None) -> list[str]:
        """Strings that name a region or an object outside the area of `code`."""
        inside = {p.code for p in self.inside(code)}
        names = [p.name for p in self.foreign(code)]
        objects = [
            marker
            for p in self.places.values()
            if p.code not in inside
            for marker in (case_summary(p.code), visit_summary(p.code), owner_name(p.code),
                           p.case_number, team_name(p.code), service_activity(p.code))
        ]
        veterans = [
            veteran_name(p.code) for p in self.places.values()
            if p.code not in inside and "veteran" in p.own
        ]
        return names + objects + veterans


def _regions() -> Iterator[tuple[str, str]]:
    for path in PATHS:
        yield from path


def _below(code: str) -> str | None:
    for path in PATHS:
        full = [codes.normalize_code(c) for c, _name in path]
        if code in full and full.index(code) + 1 < len(full):
            return full[full.index(code) + 1]
    return None


def _user(username: str, region: str | None, role: str) -> User:
    user: User = User.objects.create(username=username, region_id=region, role=role)
    return user


def _teams_make(place: Place, centre: Centre, owner: User, below: Place | None) -> None:
    """A shock team with the place's veteran as a member, a pending and a confirmed record,
    a certificate and a call-up; a village's veteran is its party secretary."""
    veteran = Veteran.objects.get(pk=place.veteran)
    team = team_services.team_create(centre=centre, name=team_name(place.code), kind="shock",
                                      by=owner, groups=["policy"])
    member = team_services.team_member_add(team=team, veteran=veteran, by=owner,
                                           joined=datetime.date(2024, 1, 1))
    done, pending = team_services.service_records_create(
        team=team, veterans=[veteran, veteran], date=datetime.date(2025, 3, 5),
        hours=Decimal(2), activity=service_activity(place.code), by=owner,
    )
    team_services.service_record_confirm(record=done, by=owner)
    place.team, place.service_record, place.confirmed_record = team.pk, pending.pk, done.pk
    place.certificate = team_services.certificate_issue(member=member, by=owner).pk
    place.call_up = team_services.call_up_issue(
        team=team, task=f"集结{place.code}", place="江堤", starts_at=datetime.datetime(
            2025, 7, 1, 8, tzinfo=datetime.UTC), needed=2, tier="2h", by=owner,
    ).pk
    if place.level == Level.VILLAGE:
        place.cadre = team_services.village_cadre_appoint(
            village=Region.objects.get(code=place.code), veteran=veteran,
            post="party_secretary", since=datetime.date(2021, 1, 5), by=owner,
        ).pk
        place.own.add("cadre")
    else:
        assert below is not None
        place.cadre = below.cadre


def world_build() -> World:
    years = {codes.normalize_code(c): MODEL_YEAR for c in MODEL_REGIONS}
    regions_make(*_regions(), model_years=years)
    names = {codes.normalize_code(c): n for c, n in _regions()}
    places = {
        code: Place(code=code, name=name, level=codes.level_of(code))
        for code, name in names.items()
    }
    centres = dict(Centre.objects.filter(region_id__in=places).values_list("region_id", "pk"))
    owners = {code: _user(owner_name(code), code, User.Role.STAFF) for code in places}
    standard = standard_for_year(this_year())
    item = StandardItem.objects.filter(dimension__standard=standard).first()
    now = datetime.datetime.now(tz=datetime.UTC)
    # The open case is past its 60-day deadline (overdue); the resolved one is recent.
    overdue, received = now - datetime.timedelta(days=70), now - datetime.timedelta(days=3)
    # Deepest first, so that a region whose level cannot hold an object borrows the one
    # below it on its path, already made.
    for code in sorted(places, key=lambda c: len(codes.prefix_of(c)), reverse=True):
        place, owner = places[code], owners[code]
        centre = Centre.objects.get(pk=centres[code])
        place.centre = centre.pk
        case = case_services.case_open(
            centre=centre, by=owner, category="land_housing", summary=case_summary(code),
            accept=True, received_at=overdue,
        )
        place.case, place.case_number = case.pk, case.number
        done = case_services.case_open(
            centre=centre, by=owner, category="family", summary=case_summary(code),
            accept=True, received_at=received,
        )
        case_services.case_mediate(case=done, by=owner, note="调解")
        case_services.case_resolve(case=done, by=owner, resolution="达成协议")
        place.resolved_case = done.pk
        place.import_job = ImportJob.objects.create(
            created_by=owner, region_id=code, file="imports/matrix.xlsx",
            original_name=f"导入{code}.xlsx", status=ImportJob.Status.DONE,
        ).pk
        # A past campaign at every level (the service opens them at counties and above).
        place.campaign = Campaign.objects.create(
            region_id=code, name=f"走访{code}", kind=Campaign.Kind.LOCAL,
            starts_on=datetime.date(2024, 1, 20), ends_on=datetime.date(2024, 2, 20),
            groups=["is_disabled"], created_by=owner,
        ).pk
        below_code = _below(code)
        below = places[below_code] if below_code else None
        if place.level in (Level.TOWNSHIP, Level.VILLAGE):
            place.veteran = Veteran.objects.create(
                name=veteran_name(code), sex="M", birth_date=datetime.date(1970, 5, 17),
                id_number=id_number(code[:6]), region_id=code,
            ).pk
            place.own.add("veteran")
        else:
            assert below is not None
            place.veteran = below.veteran
        place.visit = Visit.objects.create(
            veteran_id=place.veteran, centre=centre, region_id=code, recorded_by=owner,
            channel=Visit.Channel.IN_PERSON, purpose=Visit.Purpose.POLICY,
            summary=visit_summary(code),
        ).pk
        _teams_make(place, centre, owner, below)
        if place.level in (Level.COUNTY, Level.TOWNSHIP):
            assessment = assessment_create(centre=centre, by=owner)
        elif place.level == Level.VILLAGE:
            # A village station serving 300 veterans or more is assessed in the national
            # scheme (a setting, off by default): the row the service would start.
            assessment = Assessment.objects.create(
                centre=centre, region_id=code, year=this_year(), standard=standard,
                created_by=owner,
            )
        else:
            assessment = None
        if assessment is not None:
            score = AssessmentScore(assessment=assessment, item=item, points=Decimal(1))
            score.evidence.save("photo.pdf", ContentFile(b"%PDF-1.4 evidence"), save=False)
            score.save()
            place.assessment, place.evidence = assessment.pk, score.pk
            place.designation = Designation.objects.create(
                centre=centre, region_id=code, year=2024, grade=Designation.Grade.NATIONAL,
                source=Designation.Source.IMPORTED,
            ).pk
            place.own |= {"assessment", "designation"}
        else:
            assert below is not None
            place.assessment, place.evidence = below.assessment, below.evidence
            place.designation = below.designation
    users = {
        (level, role): _user(user_name(level, role), HOME[level], role)
        for level in LEVELS
        for role in ROLES
    }
    world = World(places=places, users=users, owners=owners)
    world.sessions_make()
    return world


def body_text(response: Any) -> str:
    """What a person would read in the answer: pages, JSON, CSV and .xlsx alike."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    text = content.decode("utf-8-sig", errors="replace")
    if "json" in kind and text:
        return json.dumps(json.loads(text), ensure_ascii=False)
    if "csv" in kind:
        return "\n".join(",".join(row) for row in csv.reader(io.StringIO(text)))
    return text
