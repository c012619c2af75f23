"""The dashboards' social-forces table: by child region with the own-centre row, in the page
and in the ledger export; for the additive counters own + Σ rows = total = stats/teams."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.test import Client

from centres.models import User
from teams import services
from teams.models import Post
from teams.selectors import team_stats, team_stats_by_child
from tests.factories.centres import region
from tests.factories.teams import member_make, record_make, team_make
from tests.factories.veterans import veteran_make

pytestmark = pytest.mark.django_db
ADDITIVE = ["villages", "party_secretaries", "teams", "shock_teams", "service_hours"]


@pytest.fixture
def county_world(county_staff: User) -> None:
    secretary = veteran_make("330681107201", name="陈书记")
    services.village_cadre_appoint(village=region("330681107201"), veteran=secretary,
                                   post=Post.PARTY_SECRETARY, since=datetime.date(2021, 1, 5),
                                   by=county_staff)
    for code, home, name in (("330681", "330681108201", "县服务队"),
                             ("330681107", "330681107201", "镇服务队"),
                             ("330681108", "330681108201", "店口服务队")):
        team = team_make(county_staff, code, name=name)
        member = member_make(team, veteran_make(home, name=f"队员{code}"), county_staff)
        services.service_record_confirm(
            record=record_make(team, member.veteran, county_staff, hours="2.5"), by=county_staff)


def test_own_centre_and_children_add_up_to_the_total(county_world: None) -> None:
    figures = team_stats_by_child(region=region("330681"))
    assert figures.total == team_stats(region="330681000000")
    assert figures.own["teams"] == 1 and figures.own["service_hours"] == 2.5
    for key in ADDITIVE:
        assert figures.own[key] + sum(f[key] for _c, f in figures.rows) == figures.total[key]
    by_name = {child.name: f for child, f in figures.rows}
    assert by_name["枫桥镇"]["party_secretaries"] == 1


def test_the_dashboard_and_the_ledger_show_the_social_forces(
    county_world: None, county_staff: User
) -> None:
    client = Client()
    client.force_login(county_staff)
    page = client.get("/dashboard/").content.decode()
    section = page[page.index('class="social-forces"'):]
    assert "本级" in section and "枫桥镇" in section and "合计" in section
    book = openpyxl.load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx").content))
    sheet = book.worksheets[-1]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][-1] == 7.5
