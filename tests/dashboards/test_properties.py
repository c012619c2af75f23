"""Property tests (hypothesis): whatever the tree and its history, the figures reconcile.

Each example draws a region tree (with a county directly under its province and a
township directly under its city at times), which regions have a centre, model
years (a model county inside a model city at times), designations (some revoked),
visits, cases, and moves of the cases along the ladder; then, for every region at
every level and the nation:
- every breakdown adds up: own + Σ rows = total, for every counter, overdue and centres;
- the rollups equal a recomputation, and every line equals the raw aggregate of its
  rows (`cases.selectors.case_stats_aggregate`, the one definition of the counters);
- the target summary equals a brute-force count of distinct eligible centres;
and, for one region of each level, the API equals the page equals both ledger files.

Each example runs in a savepoint that is rolled back, so examples do not see each other.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.models import Case
from cases.selectors import case_stats_aggregate
from cases.services import DomainError
from centres import codes
from centres.models import Centre, Level, Region, User
from config.days import local_day_end, local_day_start
from dashboards import rollups
from dashboards.models import COUNTERS, NATION
from dashboards.selectors import (
    Breakdown,
    Period,
    area_code,
    breakdown_figures,
    breakdown_get,
    case_stats,
)
from demonstration.models import Designation
from demonstration.selectors import target_summary
from tests.dashboards.scenario import case_step
from tests.factories.cases import case_make, staff_at, veteran_make, visit_make
from tests.factories.centres import regions_make
from veterans.models import Visit

pytestmark = pytest.mark.django_db

YEAR = 2026
EXAMPLES = 5
# No shrinking: a failure reports the example as drawn (small already), and the file
# stays well under a minute even when it fails.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
CHANNELS = ["in_person", "phone", "online", "home_visit"]
PURPOSES = ["policy", "employment", "assistance", "rights", "card", "counselling"]
STEPS = ["mediate", "escalate", "resolve", "follow_up_yes", "follow_up_no", "accept"]


@dataclass(frozen=True)
class Tree:
    """Regions as (code, name) from the top down; `bare` have no centre."""

    regions: list[tuple[str, str]]
    bare: frozenset[str]
    model_years: dict[str, int]


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    province = "51"
    rows = [(f"{province}0000", "蜀省")]
    for c in range(1, draw(st.integers(1, 2)) + 1):
        city = f"{province}{c:02d}"
        rows.append((f"{city}00", f"市{city}"))
        counties = [f"{city}{k:02d}" for k in range(1, draw(st.integers(1, 2)) + 1)]
        if draw(st.booleans()):
            # A township directly under the city (as under 东莞).
            rows.append((f"{city}00101", f"镇{city}00101"))
        for county in counties:
            rows.append((county, f"县{county}"))
            for t in range(1, draw(st.integers(0, 2)) + 1):
                township = f"{county}{100 + t:03d}"
                rows.append((township, f"镇{township}"))
                for v in range(1, draw(st.integers(0, 1)) + 1):
                    rows.append((f"{township}{200 + v:03d}", f"村{township}{v}"))
    if draw(st.booleans()):
        # A county directly under the province (省直辖县级市), with a township.
        rows += [(f"{province}9001", "直辖县"), (f"{province}9001101", "直辖镇")]
    normalized = [(codes.normalize_code(code), name) for code, name in rows]
    every = [code for code, _ in normalized]
    lower = [code for code in every if codes.level_of(code) in ("township", "village")]
    bare = draw(st.frozensets(st.sampled_from(lower), max_size=2)) if lower else frozenset()
    model = [code for code in every if codes.level_of(code) in ("city", "county")]
    years = draw(st.dictionaries(st.sampled_from(model), st.sampled_from([2017, 2021, 2025,
                                                                          2027]),
                                 max_size=3))
    return Tree(regions=normalized, bare=bare, model_years=years)


@dataclass(frozen=True)
class History:
    designations: list[tuple[int, int, bool]]  # (centre index, year, revoked)
    visits: list[tuple[int, int, int, int]]  # (centre index, days ago, channel, purpose)
    cases: list[tuple[int, int]]  # (centre index, days ago)
    moves: list[tuple[int, int]]  # (case index, step)


histories = st.builds(
    History,
    designations=st.lists(st.tuples(st.integers(0, 99), st.sampled_from([2019, 2023, 2026]),
                                    st.booleans()), max_size=4),
    visits=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 120), st.integers(0, 3),
                              st.integers(0, 5)), max_size=8),
    cases=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 120)), min_size=1, max_size=6),
    moves=st.lists(st.tuples(st.integers(0, 99), st.integers(0, len(STEPS) - 1)),
                   max_size=14),
)


@contextmanager
def rolled_back() -> Iterator[None]:
    """One example's writes, undone afterwards (a savepoint in the test's transaction)."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    cache.clear()


def build(tree: Tree, history: History) -> list[str]:
    """Write the tree and its history; the codes of the centres."""
    regions_make(*tree.regions, model_years=tree.model_years)
    Centre.objects.filter(region_id__in=tree.bare).delete()
    centres = [code for code, _ in tree.regions if code not in tree.bare]
    staff = {code: staff_at(code, f"p{code}") for code in centres}
    veteran = veteran_make(next(c for c, _ in tree.regions if codes.level_of(c) != "province"))
    now = timezone.now()
    eligible = [c for c in centres if codes.level_of(c) in ("county", "township")]
    for index, year, revoked in history.designations:
        if eligible:
            Designation.objects.get_or_create(
                centre=Centre.objects.get(region_id=eligible[index % len(eligible)]),
                year=year,
                defaults={"region_id": eligible[index % len(eligible)],
                          "source": Designation.Source.IMPORTED,
                          "grade": Designation.Grade.NATIONAL,
                          "revoked_on": datetime.date(2026, 3, 1) if revoked else None,
                          "revoke_reason": "整改不到位" if revoked else ""},
            )
    for index, days, channel, purpose in history.visits:
        code = centres[index % len(centres)]
        visit = visit_make(veteran=veteran, code=code, by=staff[code],
                           visited_at=now - datetime.timedelta(days=days, minutes=index),
                           purpose=PURPOSES[purpose])
        Visit.objects.filter(pk=visit.pk).update(channel=CHANNELS[channel])
    cases = []
    for index, days in history.cases:
        code = centres[index % len(centres)]
        case = case_make(code=code, by=staff[code], accept=index % 3 != 0,
                         received_at=now - datetime.timedelta(days=days, minutes=index))
        # Some deadlines already passed: overdue counts from the rollups and live.
        if days > 60 or index % 4 == 0:
            Case.objects.filter(pk=case.pk).update(deadline=now - datetime.timedelta(hours=index))
        cases.append(case.pk)
    for index, step in history.moves:
        case = Case.objects.get(pk=cases[index % len(cases)])
        by = staff.get(case.region_id)
        if by is None:
            continue
        with suppress(DomainError):
            step_name = STEPS[step]
            case_step(case, by, step_name.removesuffix("_yes").removesuffix("_no"),
                      satisfied=partial(bool, step_name == "follow_up_yes"))
    rollups.rollups_rebuild()
    call_command("recompute_targets", "--year", str(YEAR))
    return centres


def _areas() -> list[Region | None]:
    return [None, *Region.objects.filter(code__startswith="51").order_by("code")]


def assert_breakdown_adds_up(breakdown: Breakdown) -> None:
    for name in COUNTERS:
        assert breakdown.own.sums[name] + sum(r.sums[name] for r in breakdown.rows) == (
            breakdown.total.sums[name]
        ), name
        assert breakdown.own.sums[name] >= 0, name
    assert breakdown.own.overdue + sum(r.overdue for r in breakdown.rows) == (
        breakdown.total.overdue
    )
    assert breakdown.own.centres + sum(r.centres for r in breakdown.rows) == (
        breakdown.total.centres
    )


def assert_equals_raw(breakdown: Breakdown, now: datetime.datetime) -> None:
    """Every line equals the raw aggregate of its cases, visits and centres."""
    period = breakdown.period
    region = breakdown.region
    code = region.code if region else None

    def raw(line_code: str | None, *, own_only: bool) -> dict[str, Any]:
        return case_stats_aggregate(code=line_code, since=period.since, until=period.until,
                                    now=now, own_only=own_only)

    def visits(line_code: str | None, *, own_only: bool) -> int:
        rows = Visit.objects.all()
        if period.since is not None:
            rows = rows.filter(visited_at__gte=local_day_start(period.since))
        if period.until is not None:
            rows = rows.filter(visited_at__lt=local_day_end(period.until))
        if own_only:
            return rows.filter(region_id=line_code).count() if line_code else 0
        return rows.filter(region_id__in=_subtree(line_code)).count() if line_code else (
            rows.count())

    def centres(line_code: str | None, *, own_only: bool) -> int:
        if own_only:
            return Centre.objects.filter(region_id=line_code).count() if line_code else 0
        return Centre.objects.filter(region_id__in=_subtree(line_code)).count() if (
            line_code) else Centre.objects.count()

    assert breakdown.total.cases == raw(code, own_only=False)
    assert breakdown.total.sums["visits"] == visits(code, own_only=False)
    assert breakdown.total.centres == centres(code, own_only=False)
    assert breakdown.own.cases == {**raw(code, own_only=True), "region": area_code(region)}
    assert breakdown.own.sums["visits"] == visits(code, own_only=True)
    assert breakdown.own.centres == centres(code, own_only=True)
    for row in breakdown.rows:
        assert row.cases == raw(row.code, own_only=False)
        assert row.sums["visits"] == visits(row.code, own_only=False)
        assert row.centres == centres(row.code, own_only=False)


def _subtree(code: str) -> list[str]:
    prefix = codes.prefix_of(code)
    return [c for c in Region.objects.values_list("code", flat=True) if c.startswith(prefix)]


def brute_force_target(region: Region | None) -> tuple[int, int, int]:
    """(model regions, eligible centres, of which demonstration), each centre once."""
    inside = "" if region is None else codes.prefix_of(region.code)
    model = [r.code for r in Region.objects.filter(model_year__lte=YEAR,
                                                   level__in=[Level.CITY, Level.COUNTY])
             if r.code.startswith(inside)]
    eligible = {
        c.region_id for c in Centre.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
        if any(c.region_id.startswith(codes.prefix_of(m)) for m in model)
    }
    in_force = {
        d.region_id for d in Designation.objects.filter(year__lte=YEAR)
        if d.revoked_on is None or d.revoked_on.year > YEAR
    }
    return len(model), len(eligible), len(eligible & in_force)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=PHASES,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tree=trees(), history=histories)
def test_every_breakdown_adds_up_and_equals_the_raw_rows(
    tree: Tree, history: History, ministry: User
) -> None:
    with rolled_back():
        build(tree, history)
        assert rollups.rollups_differences() == []
        now = timezone.now()
        today = timezone.localdate()
        for period in (Period(), Period(since=today - datetime.timedelta(days=45), until=today)):
            for region in _areas():
                breakdown = breakdown_get(region=region, period=period, now=now)
                assert_breakdown_adds_up(breakdown)
                assert_equals_raw(breakdown, now)
                assert breakdown.total.cases == case_stats(region=region, period=period,
                                                           now=now)
                summary = target_summary(user=ministry, region=region, year=YEAR)
                assert (summary.model_regions, summary.total, summary.demonstration) == (
                    brute_force_target(region)
                )


@settings(max_examples=EXAMPLES // 2, deadline=None, derandomize=True, phases=PHASES,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tree=trees(), history=histories, pick=st.randoms(use_true_random=False))
def test_the_api_equals_the_page_equals_the_ledger_files(
    tree: Tree, history: History, pick: Any, ministry: User
) -> None:
    with rolled_back():
        build(tree, history)
        page_client = Client()
        page_client.force_login(ministry)
        api = APIClient()
        api.force_authenticate(ministry)
        today = timezone.localdate()
        query = {"since": (today - datetime.timedelta(days=90)).isoformat(),
                 "until": today.isoformat()}
        by_level: dict[str, list[Region]] = {}
        for found in Region.objects.filter(code__startswith="51"):
            by_level.setdefault(found.level, []).append(found)
        areas: list[Region | None] = [None, *(pick.choice(rs) for rs in by_level.values())]
        for region in areas:
            code = area_code(region)
            page_path = "/dashboard/" if region is None else f"/dashboard/{code}/"
            body = api.get("/api/v1/stats/cases/children/", {"region": code, **query}).json()
            assert body["total"] == api.get("/api/v1/stats/cases/",
                                            {"region": code, **query}).json()
            page = page_client.get(page_path, query)
            board = page.context["board"]
            expected = breakdown_figures(breakdown_get(region=region, period=board.period))
            assert body == expected
            shown = [[name, line.code, *values] for line, name, values in page.context["lines"]]
            sheet = load_workbook(io.BytesIO(
                page_client.get(f"{page_path}export.xlsx", query).content
            )).active
            assert [list(row) for row in sheet.iter_rows(min_row=7, values_only=True)] == shown
            token_file = api.get("/api/v1/stats/cases/children/",
                                 {"region": code, "format": "xlsx", **query})
            assert list(load_workbook(io.BytesIO(token_file.content)).active.values) == (
                list(sheet.values)
            )
            lines = list(csv.DictReader(io.StringIO(
                page_client.get(f"{page_path}export.csv", query).content.decode("utf-8-sig")
            ), quoting=csv.QUOTE_NONNUMERIC))
            assert [line["region"] for line in lines] == [row[1] for row in shown]
            for line, row in zip(lines, shown, strict=True):
                assert [line["centres"], line["visits"], line["total"], line["open"],
                        line["overdue"], line["resolved_locally"]] == row[2:8]
            # The API's own and rows are the page's own and child lines.
            by_code = {row["region"]: row for row in body["rows"]}
            for line, _name, _values in page.context["lines"]:
                if line.kind == "child":
                    assert by_code[line.code]["total"] == line.cases["total"]
            assert body["own"]["total"] == board.own.cases["total"]
            assert NATION == "000000000000"
