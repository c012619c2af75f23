"""The rubric is data: the default standard comes from a migration; officials edit it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from centres.models import User
from demonstration.models import Standard, StandardItem
from tests.factories.centres import UserFactory

pytestmark = pytest.mark.django_db


def test_the_default_standard_has_five_dimensions_worth_100_points() -> None:
    standard = Standard.objects.get(year=2020, version=1)
    assert standard.pass_mark == Decimal("85")
    assert list(standard.dimensions.values_list("code", flat=True)) == [
        "environment", "duty", "comfort", "care", "capability"
    ]
    total = StandardItem.objects.filter(dimension__standard=standard).aggregate(
        s=Sum("max_points")
    )["s"]
    assert Decimal(str(total)) == Decimal("100")
    assert all(d.floor > 0 for d in standard.dimensions.all())


def test_officials_with_admin_access_edit_standards_with_inlines(world: None) -> None:
    official = UserFactory.create(username="o", role=User.Role.OFFICIAL, is_staff=True)
    staff = UserFactory.create(username="s", role=User.Role.STAFF, is_staff=True)
    standard = Standard.objects.get(year=2020)
    url = f"/admin/demonstration/standard/{standard.pk}/change/"
    client = Client()
    client.force_login(official)
    page = client.get(url)
    assert page.status_code == 200
    assert "dimensions-TOTAL_FORMS" in page.content.decode()
    dimension = standard.dimensions.first()
    assert dimension is not None
    page = client.get(f"/admin/demonstration/standarddimension/{dimension.pk}/change/")
    assert "items-TOTAL_FORMS" in page.content.decode()
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_a_new_version_of_the_standard_applies_to_later_years(alice: User) -> None:
    from demonstration.services import assessment_create
    from tests.factories.centres import centre

    newer = Standard.objects.create(year=2025, version=1, name="2025版", pass_mark=Decimal("90"))
    assert assessment_create(centre=centre("330681107"), by=alice, year=2026).standard == newer
    assert assessment_create(centre=centre("330681107"), by=alice, year=2024).standard.year == 2020
