"""The front desk as clerks work it: nothing lost on an error, names not codes, labels
users know, a case number after a visit opened one (issue 18)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from centres.models import User
from tests.factories.centres import regions_make
from tests.factories.veterans import id_number, veteran_make
from tests.veterans.test_visit_page import URL, client_for
from veterans.imports import COLUMNS, veterans_import
from veterans.models import ImportJob, Veteran

pytestmark = pytest.mark.django_db


def test_an_error_keeps_the_search_and_everything_typed(alice: User, veteran: Veteran) -> None:
    veteran_make("330681107202", name="陈建华", born=datetime.date(1966, 3, 3))
    client = client_for(alice)
    key = client.get(URL).context["form"].initial["idempotency_key"]
    page = client.post(URL, {
        "q": "陈建", "channel": "phone", "purpose": "card", "summary": "办理优待证",
        "outcome": "answered", "idempotency_key": key,
    })  # two candidates, none chosen
    body = page.content.decode()
    assert page.context["query"] == "陈建"
    assert {v.name for v in page.context["candidates"]} == {"陈建国", "陈建华"}
    assert 'id="error-summary"' in body and "办理优待证" in body
    assert 'value="陈建"' in body
    assert " autofocus" not in body  # the script focuses the first error instead


def test_a_visit_that_opens_a_case_links_the_case_number(alice: User, veteran: Veteran) -> None:
    client = client_for(alice)
    key = client.get(URL).context["form"].initial["idempotency_key"]
    answer = client.post(URL, {
        "veteran": str(veteran.pk), "channel": "in_person", "purpose": "rights",
        "summary": "宅基地纠纷", "outcome": "answered", "open_case": "on",
        "case_category": "land_housing", "idempotency_key": key,
    }, follow=True)
    from cases.models import Case

    case = Case.objects.get()
    body = answer.content.decode()
    assert f'<a href="/cases/{case.pk}/">{case.number}</a>' in body


def test_the_edit_form_shows_the_birth_year_and_keeps_the_date_unless_one_is_typed(
    alice: User, veteran: Veteran
) -> None:
    """Beside the masked number a page shows the birth year at most (the masking rule):
    the date input starts empty, says the year, and takes a date in the form it needs."""
    body = client_for(alice).get(f"/veterans/{veteran.pk}/edit/").content.decode()
    assert f"{veteran.birth_date:%m-%d}" not in body
    assert f"{veteran.birth_date:%Y}" in body and 'type="date"' in body


def test_home_regions_are_listed_with_their_township(alice: User) -> None:
    body = client_for(alice).get(URL).content.decode()
    assert "枫桥镇 › 陈家村" in body


def test_the_audit_trail_reads_in_labels_and_values(
    alice: User, city_official: User, veteran: Veteran
) -> None:
    client = client_for(alice)
    form = client.get(f"/veterans/{veteran.pk}/edit/").context["form"]
    body = {k: v for k, v in form.initial.items() if v is not None and k != "id_number"}
    body |= {"needs_assistance": "on", "region": "330681107202",
             "birth_date": veteran.birth_date.isoformat()}
    body = {k: v for k, v in body.items() if v is not False}
    assert client.post(f"/veterans/{veteran.pk}/edit/", body).status_code == 302
    page = client_for(city_official).get(f"/veterans/{veteran.pk}/").content.decode()
    trail = page[page.index('id="audit"'):]
    assert "需要帮扶" in trail and "否 → 是" in trail
    assert "枫桥镇 › 枫源村 → 枫桥镇 › 陈家村" in trail
    assert "needs_assistance" not in trail and "False" not in trail


def test_the_visit_export_of_a_centre_outside_answers_404(alice: User, charlie: User) -> None:
    assert client_for(alice).get("/visits/export.xlsx", {"centre": "430181"}).status_code == 404
    assert client_for(alice).get("/visits/export.xlsx", {"centre": "330681107"}).status_code == 200


def test_the_export_columns_are_wide_enough_for_the_masked_number(
    alice: User, veteran: Veteran, tmp_path: Path
) -> None:
    answer = client_for(alice).get("/veterans/export.xlsx")
    path = tmp_path / "v.xlsx"
    path.write_bytes(b"".join(answer.streaming_content))  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.column_dimensions["B"].width >= len(veteran.id_number_masked) + 2


def test_the_import_takes_place_names_and_asks_when_one_is_shared(
    county_staff: User, tmp_path: Path
) -> None:
    regions_make(("330681108202", "枫源村"))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([header for _name, header in COLUMNS])
    born = datetime.date(1970, 1, 1)
    rows = [("陈家村", 101), ("店口镇 › 枫源村", 103), ("枫源村", 105), ("330681107201", 107)]
    for place, seq in rows:
        sheet.append([f"张{seq}", id_number(born=born, sequence=seq), place])
    path = tmp_path / "names.xlsx"
    book.save(path)
    result = veterans_import(path=path, mode="valid", by=county_staff)
    assert result.imported == 3
    assert {v.region_id for v in Veteran.objects.all()} == {
        "330681107202", "330681108202", "330681107201"
    }
    [(row, column, problem)] = result.errors
    assert (row, column) == (4, "户籍所在地") and "店口镇 › 枫源村" in problem


def test_the_import_report_is_written_in_the_uploaders_language(
    county_staff: User, tmp_path: Path, settings: object,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.veterans.test_imports import bad_rows, upload_page, xlsx

    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    client = client_for(county_staff)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    upload_page(client, xlsx(bad_rows(), tmp_path), "valid", django_capture_on_commit_callbacks)
    problems = " ".join(str(problem) for _row, _column, problem in ImportJob.objects.get().errors)
    assert "registered" in problems or "check" in problems
    assert not any("\u4e00" <= char <= "\u9fff" for char in problems.replace("户籍所在地", ""))
    report = client.get(f"/veterans/import/{ImportJob.objects.get().pk}/errors.xlsx")
    header = next(openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0].values)
    assert header == ("row", "column", "problem")
