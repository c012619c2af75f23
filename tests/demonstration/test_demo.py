from io import StringIO

import pytest
from django.core.management import call_command

from demonstration.models import Assessment, Designation, TargetSnapshot

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return (
        Designation.objects.count(), Assessment.objects.count(), TargetSnapshot.objects.count()
    )


def test_the_demo_seed_is_idempotent_and_shows_regions_meeting_and_short() -> None:
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    meets = dict(TargetSnapshot.objects.values_list("region_id", "meets_target"))
    assert meets["330681000000"] is True and meets["430181000000"] is True
    assert meets["330600000000"] is False and meets["130123000000"] is False
    assert set(Assessment.objects.values_list("status", flat=True)) == {
        "draft", "submitted", "forwarded", "approved"
    }
