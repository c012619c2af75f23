from __future__ import annotations

import factory

from centres import codes
from centres.models import Centre, Region, User
from centres.services import RegionRow, centres_ensure, regions_upsert


def regions_make(*rows: tuple[str, str], model_years: dict[str, int] | None = None) -> None:
    """Create regions (code, name) through the service, parents linked, each with a centre."""
    model_years = model_years or {}
    normalized = [(codes.normalize_code(code), name) for code, name in rows]
    regions_upsert(
        rows=[RegionRow(code=c, name=n, model_year=model_years.get(c)) for c, n in normalized]
    )
    centres_ensure(region_codes=[c for c, _ in normalized])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")
    role = User.Role.STAFF
    region = None


def region(code: str) -> Region:
    return Region.objects.get(code=codes.normalize_code(code))


def centre(code: str) -> Centre:
    return Centre.objects.get(region_id=codes.normalize_code(code))
