"""The national generator's social forces keep the model's invariants (on a small tree)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from centres import codes
from teams.models import Post, ServiceRecord, Team, TeamMember, VillageCadre
from teams.selectors import team_stats
from veterans.models import Veteran

pytestmark = pytest.mark.django_db

SMALL = ["--scale", "0.1", "--counties", "8", "--until", "2026-01-15", "--no-progress",
         "--no-rollups", "--seed", "3"]


def test_generated_cadres_teams_and_records_keep_the_rules() -> None:
    call_command("generate_national", *SMALL, stdout=StringIO())
    cadres = list(VillageCadre.objects.select_related("veteran"))
    assert cadres and all(c.veteran.region_id == c.village_id for c in cadres)
    current = [c for c in cadres if c.until is None and c.post == Post.PARTY_SECRETARY]
    assert len({c.village_id for c in current}) == len(current)
    assert set(Veteran.objects.filter(is_party_secretary=True)) == {c.veteran for c in current}
    members = TeamMember.objects.select_related("team", "veteran")
    assert members.exists()
    assert all(m.veteran.region_id.startswith(codes.prefix_of(m.team.region_id))
               for m in members)
    records = ServiceRecord.objects.select_related("team")
    assert all(0 < r.hours <= 24 and r.region_id == r.team.region_id for r in records)
    assert {r.status for r in records} == {"pending", "confirmed"}
    assert Team.objects.filter(kind="shock").exists()
    stats = team_stats(region=codes.NATION)
    assert 0 < stats["party_secretary_coverage"] < 0.2
