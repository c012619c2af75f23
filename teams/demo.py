"""Demo social forces (idempotent): 兵支书 in the demo villages of 诸暨市, a volunteer team
at 枫桥镇 with service groups and a month of service records, and a shock team with a
past call-up. Everything goes through the services; made once, marked by the team's name.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from centres.models import Centre, Level, Region, User, within_q
from teams import services
from teams.models import Post, Team
from veterans.models import Veteran

VOLUNTEER_TEAM = "枫桥镇退役军人志愿者服务队"
SHOCK_TEAM = "诸暨市退役军人应急突击队"
ACTIVITIES = [
    ("policy", "政策宣讲进村（优待证办理指引）"),
    ("assistance", "走访慰问困难退役军人"),
    ("legal", "法律咨询与矛盾纠纷调解"),
    ("counselling", "心理疏导结对谈心"),
    ("policy", "就业创业政策宣传"),
    ("assistance", "帮助孤寡老兵打扫庭院"),
]


@transaction.atomic
def seed(log: Callable[[str], None]) -> None:
    if Team.objects.filter(name=VOLUNTEER_TEAM).exists():
        log("demo teams already present")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["township", "county"])}
    township = Centre.objects.filter(region_id="330681107000").first()
    county = Centre.objects.filter(region_id="330681000000").first()
    if len(users) < 2 or township is None or county is None:
        log("demo logins or centres missing; no demo teams")
        return
    staff, county_staff = users["township"], users["county"]
    today = timezone.localdate()
    veterans = list(Veteran.objects.filter(within_q("330681000000", "region")).order_by("id"))
    _cadres(veterans, county_staff, log)

    fengqiao = [v for v in veterans if v.region_id.startswith("330681107")]
    team = services.team_create(centre=township, name=VOLUNTEER_TEAM, kind=Team.Kind.VOLUNTEER,
                                by=staff, groups=["policy", "assistance", "legal", "counselling"])
    groups = {g.kind: g for g in team.groups.all()}
    joined = today - datetime.timedelta(days=90)
    members = [
        services.team_member_add(team=team, veteran=v, by=staff, joined=joined,
                                 role="captain" if i == 0 else "vice_captain" if i == 1
                                 else "member", group=groups[ACTIVITIES[i % 4][0]])
        for i, v in enumerate(fengqiao)
    ]
    records = 0
    for week, (group, activity) in enumerate(ACTIVITIES):
        day = today - datetime.timedelta(days=30 - 5 * week)
        taking_part = [m.veteran for m in members[week % 2::2]][:5] or [members[0].veteran]
        made = services.service_records_create(
            team=team, veterans=taking_part, date=day, hours=Decimal("2.5") + week % 3,
            activity=activity, group=groups[group], by=staff,
        )
        records += len(made)
        if week < len(ACTIVITIES) - 1:  # the latest activity waits for confirmation
            services.service_records_confirm(records=made, by=staff)

    shock = services.team_create(centre=county, name=SHOCK_TEAM, kind=Team.Kind.SHOCK,
                                 by=county_staff)
    shock_members = [
        services.team_member_add(team=shock, veteran=v, by=county_staff, joined=joined,
                                 role="captain" if i == 0 else "member")
        for i, v in enumerate(veterans[:8])
    ]
    starts = timezone.now() - datetime.timedelta(days=20)
    call_up = services.call_up_issue(team=shock, task="防汛抢险：转移低洼地带群众",
                                     place="枫桥江沿岸", starts_at=starts, needed=6, tier="2h",
                                     by=county_staff)
    came = []
    for i, member in enumerate(shock_members):
        services.call_up_answer(call_up=call_up, member=member, available=i % 4 != 3,
                                by=county_staff if i % 2 else None)
        if i % 4 != 3:
            came.append(member.veteran)
    made = services.call_up_attendance_record(call_up=call_up, veterans=came, hours=Decimal(6),
                                              by=county_staff)
    services.service_records_confirm(records=made, by=county_staff)
    log(f"teams: 2, members: {len(members) + len(shock_members)}, "
        f"records: {records + len(made)}")


def _cadres(veterans: list[Veteran], by: User, log: Callable[[str], None]) -> None:
    """In most demo villages of 诸暨市 the first veteran living there is the 兵支书 and the
    next one is in the reserve pool; a few villages are left without, as in real life."""
    villages = {r.code: r for r in Region.objects.filter(
        within_q("330681000000", "code"), level=Level.VILLAGE)}
    by_village = {code: list(people) for code, people in itertools.groupby(
        sorted((v for v in veterans if v.region_id in villages), key=lambda v: v.region_id),
        key=lambda v: v.region_id)}
    count = 0
    for i, (code, people) in enumerate(sorted(by_village.items())):
        if i % 4 == 3:
            continue
        since = datetime.date(2021, 1, 5) if i % 2 else datetime.date(2018, 3, 1)
        services.village_cadre_appoint(village=villages[code], veteran=people[0],
                                       post=Post.PARTY_SECRETARY, since=since, by=by)
        count += 1
        if len(people) > 1:
            services.village_cadre_appoint(village=villages[code], veteran=people[1],
                                           post=Post.RESERVE if i % 2 else Post.COMMITTEE_MEMBER,
                                           since=since, by=by)
    log(f"village party secretaries: {count}")
