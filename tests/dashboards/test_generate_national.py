"""The national generator's output keeps the model's invariants (on a small tree)."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from cases.models import Case, CaseCounter, CaseEvent
from centres import codes
from centres.models import Centre, Region
from config import bulkload
from demonstration.models import Designation
from veterans.idnumbers import birth_date_of, sex_of, validate_id_number
from veterans.models import Veteran, Visit

pytestmark = pytest.mark.django_db

CHINA = datetime.timezone(datetime.timedelta(hours=8))

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
    for model in (Region, Centre, Veteran, Visit, Case, CaseEvent, CaseCounter, Designation):
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


def test_outside_a_transaction_the_indexes_are_built_on_connections_of_their_own(
    transactional_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    built_at_once: list[str] = []
    build = bulkload._build_at_once

    def recorded(statements: list[str]) -> None:
        built_at_once.extend(statements)
        build(statements)

    monkeypatch.setattr(bulkload, "_build_at_once", recorded)
    before = indexes()
    generate("--seed", "3")
    assert indexes() == before
    if connection.vendor == "postgresql":
        assert any("visit_region_time" in s for s in built_at_once)
        assert any(" FOREIGN KEY " in s for s in built_at_once)


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


def test_about_one_veteran_in_five_is_a_priority_veteran_each_flag_in_its_share(
    generated: str
) -> None:
    total = Veteran.objects.count()
    priority = Veteran.objects.priority().count()
    assert 0.12 * total < priority < 0.28 * total
    for flag, low, high in (("is_decorated", 0.02, 0.07), ("took_part_in_combat", 0.03, 0.08)):
        share = Veteran.objects.filter(**{flag: True}).count() / total
        assert low < share < high, (flag, share)


def test_it_refuses_a_database_that_already_has_regions(generated: str) -> None:
    with pytest.raises(CommandError, match="--reset"):
        generate("--seed", "1")


def test_it_reports_rows_per_second_and_peak_memory(generated: str) -> None:
    assert "rows/s" in generated
    assert "peak memory" in generated
    for table in ("cases_case:", "cases_caseevent:", "cases_casecounter:",
                  "demonstration_designation:", "demonstration_targetsnapshot"):
        assert table in generated


def test_columns_a_generator_leaves_out_get_the_fields_defaults() -> None:
    from config.bulkload import missing_defaults
    from veterans.generation import VETERAN_COLUMNS

    defaults = missing_defaults(Veteran, [c for c in VETERAN_COLUMNS if c != "is_volunteer"])
    assert defaults == {"is_volunteer": False}
    with pytest.raises(ValueError, match="name has no default"):
        missing_defaults(Veteran, [c for c in VETERAN_COLUMNS if c != "name"])


# --- cases ------------------------------------------------------------------------


def test_every_case_has_status_resolved_level_and_level_consistent(generated: str) -> None:
    cases = list(Case.objects.values_list(
        "status", "resolved_level", "level", "centre__level", "region_id", "centre__region_id",
        "received_region_id", "received_centre__region_id", "escalated_count", "arrival",
        "accepted_at", "resolved_at", "closed_at", "received_at", "accept_deadline",
        "resolve_deadline", "deadline", "opened_by__username"))
    assert len(cases) > 150
    parents = dict(Region.objects.values_list("code", "parent_id"))
    for (status, resolved_level, level, centre_level, region, centre_region, received,
         received_centre_region, escalated, arrival, accepted_at, resolved_at, closed_at,
         received_at, accept_deadline, resolve_deadline, deadline, opened_by) in cases:
        assert level == centre_level == codes.level_of(region)
        assert region == centre_region and received == received_centre_region
        assert resolved_level == ("" if status == "open" else level)
        assert (resolved_at is None) == (status == "open")
        assert (closed_at is None) == (status != "closed")
        assert accept_deadline == received_at + datetime.timedelta(days=15)
        if accepted_at is None:
            assert status == "open" and resolve_deadline is None
            assert deadline == accept_deadline
        else:
            assert resolve_deadline == accepted_at + datetime.timedelta(days=60)
            assert deadline == resolve_deadline
        # An escalated case sits at an ancestor of the receiving centre, that many levels up.
        assert received.startswith(codes.prefix_of(region))
        assert (arrival == "escalated") == (escalated > 0)
        holder = received
        for _ in range(escalated):
            holder = parents[holder]
        assert holder == region
        assert opened_by == "national-generator"
    links = dict(Case.veterans.through.objects.values_list("case_id", "veteran__region_id"))
    assert len(links) == len(cases)
    for case_id, received in Case.objects.values_list("id", "received_region_id"):
        assert links[case_id].startswith(codes.prefix_of(received))
    statuses = [c[0] for c in cases]
    finished = [c for c in cases if c[0] != "open"]
    local = [c for c in finished if c[1] in ("village", "township")]
    assert 0.7 < len(local) / len(finished) <= 1
    assert 0.03 < sum(1 for c in cases if c[8]) / len(cases) < 0.2
    assert statuses.count("closed") > statuses.count("resolved") > 0
    assert statuses.count("open") > 0
    assert Case.objects.overdue().exists()


def test_case_numbers_are_unique_and_gapless_per_county_and_year_and_counters_hold_the_last(
    generated: str,
) -> None:
    numbers: dict[tuple[str, int], list[int]] = {}
    for number, county, year, sequence, received, received_at in Case.objects.values_list(
        "number", "county_code", "year", "sequence", "received_region_id", "received_at"
    ):
        assert number == f"{county}-{year}-{sequence:06d}"
        assert county == received[:6]
        assert year == received_at.astimezone(CHINA).year
        numbers.setdefault((county, year), []).append(sequence)
    assert len(numbers) > 5
    for sequences in numbers.values():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
    counters = {(c.county, c.year): c.last for c in CaseCounter.objects.all()}
    assert counters == {key: len(sequences) for key, sequences in numbers.items()}


def test_case_events_tell_each_cases_story(generated: str) -> None:
    events: dict[int, list[tuple[str, dict[str, Any], int, int]]] = {}
    for case_id, kind, extra, from_centre, to_centre in CaseEvent.objects.order_by(
        "case_id", "at", "id"
    ).values_list("case_id", "kind", "extra", "from_centre_id", "to_centre_id"):
        events.setdefault(case_id, []).append((kind, extra, from_centre, to_centre))
    for case in Case.objects.all():
        story = events.get(case.pk, [])
        kinds = [e[0] for e in story]
        assert kinds.count("accept") == (1 if case.accepted_at else 0)
        assert kinds.count("escalate") == case.escalated_count
        if case.status == "closed":
            assert story[-1][0] == "follow_up" and story[-1][1] == {"satisfied": True}
        if case.status == "resolved":
            assert kinds[-1] == "resolve"
        if "reopen" in kinds:
            at = kinds.index("reopen")
            assert story[at - 1][1] == {"satisfied": False}
        if story:
            assert story[-1][3] == case.centre_id
    kinds = list(CaseEvent.objects.values_list("kind", flat=True))
    assert "reopen" in kinds and "escalate" in kinds


def test_statistics_from_the_rollups_equal_the_raw_case_statistics(db: Any) -> None:
    from cases.selectors import case_stats as raw_case_stats
    from centres.models import User
    from dashboards.selectors import Period, case_stats

    call_command("generate_national", *[a for a in SMALL if a != "--no-rollups"],
                 "--seed", "5", stdout=StringIO())
    ministry = User.objects.create(username="m", role=User.Role.OFFICIAL)
    busiest = Case.objects.values_list("received_region_id", flat=True)
    counties = [code[:6] for code in busiest]
    county = max(set(counties), key=counties.count)
    for code in (county[:2], county):
        region = Region.objects.get(code=code.ljust(12, "0"))
        from_rollups = case_stats(region=region, period=Period())
        assert from_rollups == raw_case_stats(user=ministry, region=region)
        assert from_rollups["total"] > 0
    nation = case_stats(region=None, period=Period())
    assert nation["total"] == Case.objects.count()


# --- demonstration --------------------------------------------------------------


def test_designations_are_of_eligible_centres_mostly_in_model_regions(db: Any) -> None:
    call_command("generate_national", "--scale", "0.05", "--counties", "40", "--until",
                 "2026-01-15", "--no-progress", "--no-rollups", "--seed", "1", stdout=StringIO())
    models = {codes.prefix_of(code) for code in
              Region.objects.exclude(model_year=None).values_list("code", flat=True)}
    assert models
    designations = list(Designation.objects.values_list(
        "region_id", "centre__region_id", "centre__level", "year", "revoked_on",
        "revoke_reason"))
    assert designations
    inside = 0
    for region, centre_region, level, year, revoked_on, reason in designations:
        assert region == centre_region
        assert level in ("county", "township")
        assert 2015 <= year <= 2026
        assert (revoked_on is None) == (reason == "")
        inside += region[:4] in models or region[:6] in models
    assert inside > 0
    eligible_inside = [
        code for code in Centre.objects.filter(level__in=["county", "township"])
        .values_list("region_id", flat=True) if code[:4] in models or code[:6] in models
    ]
    share = inside / len(eligible_inside)
    assert 0.4 < share < 0.7


def test_target_snapshots_equal_the_target_computation(db: Any) -> None:
    from demonstration.models import TargetSnapshot
    from demonstration.targets import targets_compute

    call_command("generate_national", "--scale", "0.05", "--counties", "40", "--until",
                 "2026-01-15", "--no-progress", "--no-rollups", "--seed", "2", stdout=StringIO())
    figures = targets_compute(year=2026)
    assert figures
    assert any(f.demonstration for f in figures)
    snapshots = {s.region_id: s for s in TargetSnapshot.objects.filter(year=2026)}
    assert set(snapshots) == {f.region.code for f in figures}
    for f in figures:
        s = snapshots[f.region.code]
        assert (s.total, s.demonstration, s.meets_target, s.shortfall) == (
            f.total, f.demonstration, f.meets_target, f.shortfall)
