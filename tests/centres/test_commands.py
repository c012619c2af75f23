from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from centres.models import Centre, Region, User

pytestmark = pytest.mark.django_db


def test_create_staff_creates_then_updates_a_user_with_a_jurisdiction(world: None) -> None:
    call_command("create_staff", "--username", "wang", "--password", "s3cret-pw",
                 "--region", "330681", "--role", "staff", stdout=StringIO())
    call_command("create_staff", "--username", "wang", "--password", "n3w-pw",
                 "--region", "330681107", "--role", "official", stdout=StringIO())
    wang = User.objects.get(username="wang")
    assert wang.region_id == "330681107000"
    assert wang.role == "official"
    assert wang.check_password("n3w-pw")


def test_create_staff_without_a_region_is_nationwide(world: None) -> None:
    call_command("create_staff", "--username", "li", "--password", "pw", "--role", "official",
                 stdout=StringIO())
    assert User.objects.get(username="li").region is None


def test_create_staff_refuses_an_unknown_region(world: None) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("create_staff", "--username", "x", "--password", "pw",
                     "--region", "110101", "--role", "staff")


def test_create_api_token_prints_only_a_working_token(alice: User) -> None:
    out = StringIO()
    call_command("create_api_token", "alice", stdout=out)
    key = out.getvalue().strip()
    assert len(key) == 40 and "\n" not in key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/regions/330681107/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/v1/regions/330681107/").status_code == 401


def test_seed_demo_is_idempotent_and_loads_the_real_tree() -> None:
    call_command("seed_demo", stdout=StringIO())
    counts = (Region.objects.count(), Centre.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Region.objects.count(), Centre.objects.count(), User.objects.count()) == counts
    assert Region.objects.filter(level="province").count() == 31
    assert Region.objects.filter(level="county").count() > 2800
    assert Region.objects.get(code="330681107000").name == "枫桥镇"
    assert Region.objects.get(code="330681000000").model_year == 2021
    assert Region.objects.get(code="330681107000").model_year is None
    assert Region.objects.get(code="429004000000").parent_id == "420000000000"
    assert Centre.objects.get(region_id="330681107000").name == "枫桥镇退役军人服务站"
    assert User.objects.get(username="village").region_id == "330681107201"
    assert User.objects.get(username="ministry").region_id is None
