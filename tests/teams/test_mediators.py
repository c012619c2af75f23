"""Veteran mediators suggested on a case page: 兵支书 and volunteers nearest the dispute."""

from __future__ import annotations

import pytest
from django.test import Client

from cases.models import CaseEvent
from centres.models import User
from teams import services
from teams.models import Post
from tests.factories.cases import case_make
from tests.factories.centres import region
from tests.factories.teams import member_make, team_make
from tests.factories.veterans import veteran_make

pytestmark = pytest.mark.django_db


def test_the_case_page_suggests_mediators_nearest_first_and_records_the_one_who_took_part(
    alice: User, county_staff: User
) -> None:
    party = veteran_make("330681107201", name="当事人")
    far = veteran_make("330681108201", name="店口书记")
    near = veteran_make("330681107202", name="陈家书记")
    nearest = veteran_make("330681107201", name="枫源队员")
    elsewhere = veteran_make("330603101201", name="柯岩书记")
    for veteran in (far, near, elsewhere):
        services.village_cadre_appoint(village=region(veteran.region_id), veteran=veteran,
                                       post=Post.PARTY_SECRETARY, since=None,
                                       by=User.objects.create(username=f"u{veteran.pk}"))
    member_make(team_make(county_staff, "330681"), nearest, county_staff)
    case = case_make(code="330681107", by=alice, veterans=[party])
    client = Client()
    client.force_login(county_staff)  # the county sees every township's veterans
    text = client.get(f"/cases/{case.pk}/").content.decode()
    shown = text[text.index('class="inline-list mediators"'):]
    positions = [shown.find(name) for name in ("枫源队员", "陈家书记", "店口书记")]
    assert -1 not in positions and positions == sorted(positions)
    assert "柯岩书记" not in shown
    alice_client = Client()
    alice_client.force_login(alice)  # the township sees its own only
    assert "店口书记" not in alice_client.get(f"/cases/{case.pk}/").content.decode()
    response = client.post(f"/cases/{case.pk}/mediate/", {
        "mediate-note": "邀请兵支书参与调解", "mediate-method": "face_to_face",
        "mediate-mediator_veteran": near.pk,
    })
    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.MEDIATE)
    assert event.extra["mediator_name"] == "陈家书记"
