"""The demo social forces: 兵支书 in 诸暨's demo villages, a volunteer team at 枫桥镇 with
service groups and a month of records, a shock team with a past call-up; seeded once."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from centres.models import User
from teams import demo
from teams.models import CallUp, Post, ServiceRecord, Team, VillageCadre
from tests.factories.cases import staff_at
from tests.factories.veterans import veteran_make
from veterans.models import Veteran

pytestmark = pytest.mark.django_db


def test_the_demo_teams_are_seeded_once(world: None, ministry: User) -> None:
    staff_at("330681107", "township")
    staff_at("330681", "county")
    for i, code in enumerate(["330681107201", "330681107201", "330681107202", "330681108201",
                              "330681107202", "330681107201"]):
        veteran_make(code, name=f"老兵{i}", born=datetime.date(1970 + i, 1, 1))
    lines: list[str] = []
    demo.seed(lines.append)
    counts = (Team.objects.count(), ServiceRecord.objects.count(), VillageCadre.objects.count())
    demo.seed(lines.append)
    assert lines[-1] == "demo teams already present"
    assert (Team.objects.count(), ServiceRecord.objects.count(),
            VillageCadre.objects.count()) == counts
    volunteer = Team.objects.get(name=demo.VOLUNTEER_TEAM)
    assert volunteer.groups.count() == 4
    dates = list(volunteer.records.values_list("date", flat=True))
    assert min(dates) >= timezone.localdate() - datetime.timedelta(days=31)
    assert {r.status for r in volunteer.records.all()} == {"pending", "confirmed"}
    call_up = CallUp.objects.get()
    assert call_up.starts_at < timezone.now() and call_up.attendance_recorded
    secretaries = VillageCadre.objects.current().filter(post=Post.PARTY_SECRETARY)
    assert secretaries.exists()
    assert set(Veteran.objects.filter(is_party_secretary=True)) == {
        c.veteran for c in secretaries}
