"""Figures an official can sign: one test per defect of issue 14 (1–5).

1. the total is the sum of the lines (the own centre has its line, 本级);
2. the target summary counts each eligible centre once;
3. the child regions are ranked, and the page says by what;
4. an end date after today is cut to today, with a note;
5. the files are made for spreadsheets (codes as text, rates rounded, named files,
   CSV for the targets and the breakdown, the ledger by token).
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cases.selectors import case_stats_aggregate
from centres.models import Centre, Region, User
from dashboards import rollups
from tests.conftest import api_as
from tests.dashboards.scenario import Scenario
from tests.factories.demonstration import county_with_townships, designate

pytestmark = pytest.mark.django_db

LEDGER_FIGURES = 6  # centres, visits, cases, open, overdue, resolved locally: counts


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def busy_world() -> None:
    """Visits and cases at every level, the own centres included, moved along the ladder."""
    scenario = Scenario(41)
    scenario.visits(40)
    scenario.cases(20)
    scenario.moves(40)
    rollups.rollups_refresh()


def assert_adds_up(body: dict[str, Any]) -> None:
    """own + Σ rows = total for every count, nested counts too."""
    def counts(figures: dict[str, Any]) -> dict[str, int]:
        flat = {k: v for k, v in figures.items() if isinstance(v, int) and k != "region"}
        flat |= {f"level.{k}": v for k, v in figures["by_resolved_level"].items()}
        return flat

    total = counts(body["total"])
    summed = counts(body["own"])
    for row in body["rows"]:
        for key, value in counts(row).items():
            summed[key] += value
    assert summed == total


# --- 1. the own centre's line ---------------------------------------------------------


@pytest.mark.parametrize("code", ["330681", "330681107", "330000", "000000000000"])
def test_the_total_is_the_own_centre_plus_the_children_in_the_api(
    code: str, ministry: User
) -> None:
    busy_world()
    client = api_as(ministry)
    body = client.get("/api/v1/stats/cases/children/", {"region": code}).json()
    assert_adds_up(body)
    assert body["total"] == client.get("/api/v1/stats/cases/", {"region": code}).json()
    region = None if code == "000000000000" else code.ljust(12, "0")
    # The own centre is the cases received at the region's own code, counted raw.
    own = case_stats_aggregate(code=region, own_only=True)
    assert body["own"] == {**own, "region": body["region"]}
    assert [row["region"] for row in body["rows"]] == sorted(row["region"] for row in body["rows"])


def test_the_dashboard_and_its_ledger_show_the_own_centre_and_add_up(ministry: User) -> None:
    busy_world()
    client = logged_in(ministry)
    page = client.get("/dashboard/330681107/", {"since": "2000-01-01"})
    lines = page.context["lines"]
    assert [name for _line, name, _values in lines][-2:] == ["本级", "合计"]
    *parts, total = [values for _line, _name, values in lines]
    for column in range(LEDGER_FIGURES):
        assert sum(part[column] for part in parts) == total[column], column
    own = next(line for line, _name, _values in lines if line.kind == "own")
    assert own.centres == 1 and own.sums["visits"] > 0
    assert "本级" in page.content.decode()
    sheet = load_workbook(io.BytesIO(
        client.get("/dashboard/330681107/export.xlsx", {"since": "2000-01-01"}).content
    )).active
    exported = [list(row[2:]) for row in sheet.iter_rows(min_row=7, values_only=True)]
    assert exported == [list(values) for _line, _name, values in lines]


# --- 2. each eligible centre once ---------------------------------------------------------


def test_the_target_summary_counts_a_centre_of_a_model_county_in_a_model_city_once(
    ministry: User, city_official: User
) -> None:
    Region.objects.filter(code="330600000000").update(model_year=2021)  # 绍兴 around 诸暨
    county_with_townships("330682", 4, model_year=None)  # 绍兴's other county: 5 eligible
    designate("330681", 2021)
    designate("330681107", 2022)
    call_command("recompute_targets", "--year", "2026")
    eligible = Centre.objects.within(Region.objects.get(code="330600000000")).filter(
        level__in=["county", "township"]
    )
    body = api_as(city_official).get(
        "/api/v1/stats/targets/summary/", {"region": "330000", "year": "2026"}
    )
    assert body.status_code == 404  # outside the city official's area
    body = api_as(ministry).get(
        "/api/v1/stats/targets/summary/", {"region": "330000", "year": "2026"}
    ).json()
    assert (body["model_regions"], body["total"], body["demonstration"]) == (
        2, eligible.count(), 2
    )
    assert body["ratio"] == pytest.approx(2 / eligible.count())
    assert body["name"] == "浙江省" and body["level"] == "province"
    page = logged_in(ministry).get("/dashboard/330000/")
    assert (page.context["board"].target.total, page.context["board"].target.demonstration) == (
        body["total"], body["demonstration"]
    )
    targets = logged_in(ministry).get("/demonstration/targets/", {"year": 2026})
    assert targets.context["summary"].total == body["total"]
    assert "每个中心（站）只计一次" in targets.content.decode()


# --- 3. ranking ---------------------------------------------------------------------------


def test_the_children_are_ranked_by_cases_received_and_the_page_says_so(
    ministry: User,
) -> None:
    busy_world()
    page = logged_in(ministry).get("/dashboard/330681/", {"since": "2000-01-01"})
    children = [line for line, _name, _values in page.context["lines"] if line.kind == "child"]
    received = [line.cases["total"] for line in children]
    assert received == sorted(received, reverse=True)
    body = page.content.decode()
    assert "排序依据" in body and "受理" in body.split("排序依据")[1][:80]
    by_visits = logged_in(ministry).get("/dashboard/330681/", {"since": "2000-01-01",
                                                               "sort": "visits"})
    visits = [line.sums["visits"] for line, _n, _v in by_visits.context["lines"]
              if line.kind == "child"]
    assert visits == sorted(visits, reverse=True)


# --- 4. periods -----------------------------------------------------------------------------


def test_an_end_date_after_today_is_cut_to_today_with_a_note(ministry: User) -> None:
    today = timezone.localdate()
    asked = datetime.date(today.year, 12, 31) + datetime.timedelta(days=1)
    page = logged_in(ministry).get("/dashboard/", {"since": f"{today.year}-01-01",
                                                   "until": asked.isoformat()})
    assert page.context["board"].period.until == today
    body = page.content.decode()
    assert f"结束日期{asked.isoformat()}晚于今天" in body
    labels = [shortcut.label for shortcut in page.context["shortcuts"]]
    assert labels[:2] == ["本月", "本季度"] and len(labels) == 4
    for label in labels:
        assert label in body


def test_the_period_shortcuts_are_whole_calendar_periods() -> None:
    from dashboards.forms import period_shortcuts

    month, quarter, year, last = period_shortcuts(datetime.date(2026, 11, 15))
    assert (month.since, month.until) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert (quarter.since, quarter.until) == (datetime.date(2026, 10, 1),
                                              datetime.date(2026, 12, 31))
    assert (year.since, year.until) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert (last.since, last.until) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


# --- 5. files for spreadsheets ----------------------------------------------------------------


def _rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:]), quoting=csv.QUOTE_NONNUMERIC))


def test_the_csv_keeps_codes_as_text_rounds_rates_and_names_the_file(ministry: User) -> None:
    busy_world()
    response = api_as(ministry).get("/api/v1/stats/cases/",
                                    {"region": "000000000000", "format": "csv"})
    row = _rows(response.content)[0]
    assert row["region"] == "000000000000"  # quoted: text, zeros kept
    rate = row["local_resolution_rate"]
    assert rate == "" or round(float(rate), 4) == float(rate)
    assert len(str(rate).split(".")[-1]) <= 4
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert "案件统计" in unquote(disposition.split("filename*=UTF-8''")[1])


def test_targets_and_the_breakdown_answer_csv(ministry: User) -> None:
    busy_world()
    call_command("recompute_targets")
    client = api_as(ministry)
    targets = client.get("/api/v1/stats/targets/", {"format": "csv"})
    assert targets.status_code == 200
    rows = _rows(targets.content)
    assert [r["region"] for r in rows] == ["330681000000"]
    breakdown = client.get("/api/v1/stats/cases/children/",
                           {"region": "330681", "format": "csv"})
    lines = _rows(breakdown.content)
    assert [r["line"] for r in lines][-2:] == ["own", "total"]
    assert all(len(r["region"]) == 12 for r in lines)
    for column in ("visits", "total", "open", "overdue", "centres"):
        assert sum(float(r[column]) for r in lines[:-1]) == float(lines[-1][column]), column
    name = unquote(breakdown["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert name.startswith("诸暨市台账_") and name.endswith(".csv")


def test_the_ledger_is_reachable_with_an_api_token(ministry: User, api_client: Any) -> None:
    from rest_framework.authtoken.models import Token

    busy_world()
    token = Token.objects.create(user=ministry)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    period = {"since": "2001-01-01", "until": timezone.localdate().isoformat()}
    response = api_client.get("/api/v1/stats/cases/children/",
                              {"region": "330681", "format": "xlsx", **period})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    page = logged_in(ministry).get("/dashboard/330681/export.xlsx", period)
    same = load_workbook(io.BytesIO(page.content)).active
    assert list(sheet.values) == list(same.values)
    codes = [row[1] for row in sheet.iter_rows(min_row=7)]
    assert all(cell.data_type == "s" and cell.number_format == "@" for cell in codes)


def test_text_in_a_cell_is_never_a_formula(ministry: User) -> None:
    Region.objects.filter(code="330681107000").update(name="=HYPERLINK(\"http://x\")")
    from centres.selectors import centre_counts_changed

    centre_counts_changed()
    from django.core.cache import cache

    cache.clear()
    client = logged_in(ministry)
    sheet = load_workbook(io.BytesIO(client.get("/dashboard/330681/export.xlsx").content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=7)]
    evil = next(cell for cell in names if "HYPERLINK" in str(cell.value))
    # A string cell shown as written (Excel's quote prefix), never a formula.
    assert evil.data_type == "s" and evil.value == '=HYPERLINK("http://x")'
    assert evil.quotePrefix
    lines = _rows(client.get("/dashboard/330681/export.csv").content)
    assert any(r["name"].startswith("'=HYPERLINK") for r in lines)
