"""Teams, members and service records for tests, made through the services."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from centres.models import User
from teams import services
from teams.models import ServiceRecord, Team, TeamMember
from tests.factories.centres import centre
from veterans.models import Veteran


def team_make(by: User, code: str = "330681107", *, name: str = "枫桥镇退役军人志愿者服务队",
              kind: str = Team.Kind.VOLUNTEER, groups: Sequence[str] = ("policy",)) -> Team:
    return services.team_create(centre=centre(code), name=name, kind=kind, by=by, groups=groups)


def member_make(team: Team, veteran: Veteran, by: User, *, joined: datetime.date | None = None,
                role: str = TeamMember.Role.MEMBER) -> TeamMember:
    return services.team_member_add(
        team=team, veteran=veteran, by=by, role=role,
        joined=joined or datetime.date(2024, 1, 1),
    )


def record_make(team: Team, veteran: Veteran, by: User, *, hours: str = "2",
                date: datetime.date | None = None, activity: str = "政策宣讲") -> ServiceRecord:
    return services.service_record_create(
        team=team, veteran=veteran, by=by, hours=Decimal(hours),
        date=date or datetime.date(2025, 3, 5), activity=activity,
    )
