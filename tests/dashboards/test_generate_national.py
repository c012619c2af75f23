"""The national generator's output keeps the model's invariants (on a small tree)."""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from centres import codes
from centres.models import Centre, Region
from veterans.idnumbers import birth_date_of, sex_of, validate_id_number
from veterans.models import Veteran, Visit

pytestmark = pytest.mark.django_db

# Eight counties spread over the country, at 0.1 of their townships: about 170
# villages, 560 veterans and 1,400 visits.
SMALL = ["--scale", "0.1", "--counties", "8", "--until", "2026-01-15", "--no-progress",
         "--no-rollups"]


def generate(*extra: str) -> str:
    out = StringIO()
    call_command("generate_national", *SMALL, *extra, stdout=out)
    return out.getvalue()


def digest() -> str:
    """A fingerprint of every generated row, in primary-key order."""
    h = hashlib.sha256()
    for model in (Region, Centre, Veteran, Visit):
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.order_by("pk").values_list(*fields):
            h.update(repr(row).encode())
    return h.hexdigest()


def indexes() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        return {
            model._meta.db_table: set(
                connection.introspection.get_constraints(cursor, model._meta.db_table)
            )
            for model in (Region, Centre, Veteran, Visit)
        }


@pytest.fixture
def generated() -> str:
    return generate("--seed", "1")


def test_every_region_has_its_longest_existing_prefix_ancestor_as_parent(generated: str) -> None:
    stored = dict(Region.objects.values_list("code", "parent_id"))
    assert len(stored) > 100
    for code, parent in stored.items():
        expected = next((c for c in codes.ancestor_candidates(code) if c in stored), None)
        assert parent == expected, code
    levels = dict(Region.objects.values_list("code", "level"))
    assert all(codes.level_of(code) == level for code, level in levels.items())
    assert {"province", "city", "county", "township", "village"} <= set(levels.values())


def test_synthetic_places_are_marked_and_model_regions_are_cities_or_counties(
    generated: str,
) -> None:
    synthetic = Region.objects.filter(level__in=["township", "village"])
    assert synthetic.exists()
    assert not synthetic.exclude(name__endswith="（模拟）").exists()
    models = Region.objects.exclude(model_year=None)
    assert set(models.values_list("level", flat=True)) <= {"city", "county"}
    assert set(models.values_list("model_year", flat=True)) <= {2017, 2021, 2025}


def test_every_region_has_one_centre_of_its_level(generated: str) -> None:
    assert Centre.objects.count() == Region.objects.count()
    pairs = Centre.objects.values_list("level", "region__level", "name", "region__name")
    for level, region_level, name, region_name in pairs:
        assert level == region_level
        assert name.startswith(region_name)


def test_every_veteran_has_a_valid_id_number_matching_sex_birth_date_and_county(
    generated: str,
) -> None:
    veterans = list(Veteran.objects.values_list("id_number", "sex", "birth_date", "region_id",
                                                "region__level"))
    assert len(veterans) > 200
    for id_number, sex, birth_date, region, level in veterans:
        validate_id_number(id_number, sex=sex)
        assert sex_of(id_number) == sex
        assert birth_date_of(id_number) == birth_date
        assert 1940 <= birth_date.year <= 2004
        assert id_number[:6] == region[:6]
        assert level == "village"
    assert len({v[0] for v in veterans}) == len(veterans)


def test_a_wrong_check_digit_would_have_been_caught(generated: str) -> None:
    """The check above can fail: the validator refuses a generated number with its last
    character changed."""
    number = Veteran.objects.values_list("id_number", flat=True).first()
    assert number is not None
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_id_number(wrong)


def test_every_visit_is_at_a_centre_above_the_veterans_home_and_in_its_region(
    generated: str,
) -> None:
    visits = list(Visit.objects.values_list("region_id", "centre__region_id",
                                            "veteran__region_id", "centre__level",
                                            "visited_at", "channel", "purpose"))
    assert len(visits) > 1000
    for region, centre_region, home, level, _, _, _ in visits:
        assert region == centre_region
        assert home.startswith(codes.prefix_of(centre_region))
        assert level in ("village", "township", "county")
    channels = [v[5] for v in visits]
    purposes = [v[6] for v in visits]
    assert channels.count("in_person") > len(visits) / 3
    assert max(set(purposes), key=purposes.count) in ("policy", "assistance")
    first = min(v[4] for v in visits).date()
    last = max(v[4] for v in visits).date()
    assert str(first) >= "2024-01-15" and str(last) < "2026-01-15"


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(generated: str) -> None:
    first = digest()
    generate("--seed", "1", "--reset")
    assert digest() == first
    generate("--seed", "2", "--reset")
    assert digest() != first


def test_indexes_and_foreign_keys_are_rebuilt_after_loading(db: Any) -> None:
    before = indexes()
    generate("--seed", "3")
    assert indexes() == before


def test_ids_continue_after_the_generated_ones(generated: str) -> None:
    last = Visit.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert last == Visit.objects.count()
    visit = Visit.objects.order_by("pk").first()
    assert visit is not None
    visit.pk = None
    visit.save()
    assert visit.pk == last + 1


def test_the_rollups_built_after_loading_equal_a_recomputation_from_the_raw_rows(
    db: Any,
) -> None:
    from dashboards.models import DailyStat
    from dashboards.rollups import rollups_differences

    out = StringIO()
    call_command("generate_national", *[a for a in SMALL if a != "--no-rollups"],
                 "--seed", "4", stdout=out)
    assert "rollups_rebuild" in out.getvalue()
    assert DailyStat.objects.exists()
    assert rollups_differences() == []
    visits = sum(DailyStat.objects.filter(region_code="000000000000")
                 .values_list("visits", flat=True))
    assert visits == Visit.objects.count()
    generate("--seed", "5", "--reset")  # without rollups: the old ones are gone
    assert not DailyStat.objects.exists()


def test_it_refuses_a_database_that_already_has_regions(generated: str) -> None:
    with pytest.raises(CommandError, match="--reset"):
        generate("--seed", "1")


def test_it_reports_rows_per_second_and_peak_memory(generated: str) -> None:
    assert "rows/s" in generated
    assert "peak memory" in generated
    assert "extension point" in generated


def test_columns_a_generator_leaves_out_get_the_fields_defaults() -> None:
    from config.bulkload import missing_defaults
    from veterans.generation import VETERAN_COLUMNS

    defaults = missing_defaults(Veteran, [c for c in VETERAN_COLUMNS if c != "is_volunteer"])
    assert defaults == {"is_volunteer": False}
    with pytest.raises(ValueError, match="name has no default"):
        missing_defaults(Veteran, [c for c in VETERAN_COLUMNS if c != "name"])
