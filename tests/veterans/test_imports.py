"""Excel and CSV in: the template, both modes, the per-row error report, the command."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from centres.models import User
from tests.factories.veterans import id_number
from veterans.imports import COLUMNS, veterans_import
from veterans.models import AuditEntry, ImportJob, Veteran

pytestmark = pytest.mark.django_db
HEADERS = [header for _name, header in COLUMNS]


def good_row(n: int, code: str = "330681107201") -> list[object]:
    born = datetime.date(1960 + n % 30, 1 + n % 12, 1 + n % 28)
    return [f"张{n}", id_number(born=born, sequence=101 + 2 * n), code, "", "", "", "", "",
            "", "", "是" if n % 2 else "否", "", ""]


def xlsx(rows: list[list[object]], tmp_path: Path, name: str = "v.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def csv_file(rows: list[list[object]], tmp_path: Path, encoding: str) -> Path:
    lines = [",".join(HEADERS)] + [",".join(str(cell) for cell in row) for row in rows]
    text = "\n".join(lines) + "\n"
    path = tmp_path / f"v-{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_template_has_the_chinese_headers_and_text_id_cells(county_staff: User) -> None:
    client = Client()
    client.force_login(county_staff)
    answer = client.get("/veterans/import/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert HEADERS[:3] == ["姓名", "公民身份号码", "户籍所在地"]
    assert sheet["B2"].number_format == "@"


def test_a_good_workbook_is_imported_with_an_audit_entry_per_veteran(
    county_staff: User, tmp_path: Path
) -> None:
    result = veterans_import(path=xlsx([good_row(n) for n in range(5)], tmp_path),
                             mode="all", by=county_staff)
    assert (result.total, result.imported, result.error_count) == (5, 5, 0)
    assert Veteran.objects.filter(needs_assistance=True).count() == 2
    entries = AuditEntry.objects.filter(action="create", object_type="veterans.veteran")
    assert entries.count() == 5
    entry = entries.first()
    assert entry is not None and entry.actor == county_staff
    assert entry.changes == {"source": "import", "job": None}
    assert {e.object_id for e in entries} == {str(pk) for pk in Veteran.objects.values_list(
        "pk", flat=True)}
    assert Veteran.objects.get(name="张1").updated_at is not None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_every_encoding_excel_writes(
    county_staff: User, tmp_path: Path, encoding: str
) -> None:
    result = veterans_import(path=csv_file([good_row(n) for n in range(3)], tmp_path, encoding),
                             mode="all", by=county_staff)
    assert (result.imported, result.error_count) == (3, 0), result.errors
    assert set(Veteran.objects.values_list("name", flat=True)) == {"张0", "张1", "张2"}


def bad_rows() -> list[list[object]]:
    wrong_check = good_row(1)
    wrong_check[1] = str(wrong_check[1])[:17] + ("0" if str(wrong_check[1])[17] != "0" else "1")
    wrong_sex = good_row(2)
    wrong_sex[3] = "女"
    repeated = good_row(3)
    repeated[0] = "重复"
    outside = good_row(4, code="430181101201")
    return [good_row(0), wrong_check, wrong_sex, good_row(3), repeated, outside, good_row(5)]


def test_all_or_nothing_writes_nothing_and_reports_every_bad_row(
    county_staff: User, tmp_path: Path
) -> None:
    result = veterans_import(path=xlsx(bad_rows(), tmp_path), mode="all", by=county_staff)
    assert result.imported == 0 and not Veteran.objects.exists()
    assert [(row, column) for row, column, _p in result.errors] == [
        (3, "公民身份号码"), (4, "性别"), (6, "公民身份号码"), (7, "户籍所在地"),
    ]
    problems = dict(((r, c), p) for r, c, p in result.errors)
    assert "校验" in problems[(3, "公民身份号码")] or "check" in problems[(3, "公民身份号码")]
    assert "5" in problems[(6, "公民身份号码")]  # "the same ID number as row 5"


def test_import_the_valid_rows_writes_the_good_ones_and_reports_the_rest(
    county_staff: User, tmp_path: Path
) -> None:
    result = veterans_import(path=xlsx(bad_rows(), tmp_path), mode="valid", by=county_staff)
    assert result.imported == 3 and result.error_count == 4
    assert set(Veteran.objects.values_list("name", flat=True)) == {"张0", "张3", "张5"}


def test_a_number_already_registered_is_a_row_error(county_staff: User, tmp_path: Path) -> None:
    veterans_import(path=xlsx([good_row(0)], tmp_path, "a.xlsx"), mode="all", by=county_staff)
    result = veterans_import(path=xlsx([good_row(0), good_row(1)], tmp_path, "b.xlsx"),
                             mode="valid", by=county_staff)
    assert result.imported == 1
    assert [(r, c) for r, c, _p in result.errors] == [(2, "公民身份号码")]


def test_a_file_without_the_required_columns_is_refused(
    county_staff: User, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = veterans_import(path=path, mode="valid", by=county_staff)
    assert result.file_error and "公民身份号码" in result.file_error


def test_an_id_number_typed_as_a_number_is_reported_not_rounded(
    county_staff: User, tmp_path: Path
) -> None:
    row = good_row(0)
    row[1] = float(str(row[1])[:17] + "0") if str(row[1])[17] != "X" else 3.30681e17
    result = veterans_import(path=xlsx([row], tmp_path), mode="valid", by=county_staff)
    assert result.imported == 0 and result.errors[0][1] == "公民身份号码"


def upload_page(client: Client, path: Path, mode: str, capture: Any) -> object:
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    with capture(execute=True):  # the task is queued on commit; eager Celery runs it here
        answer = client.post("/veterans/import/", {"file": upload, "mode": mode})
    assert answer.status_code == 302
    return client.get(answer["Location"])


def test_the_import_page_runs_the_job_and_offers_the_error_report(
    county_staff: User, tmp_path: Path, settings: object,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    client = Client()
    client.force_login(county_staff)
    page = upload_page(client, xlsx(bad_rows(), tmp_path), "valid",
                       django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == "done" and (job.rows_imported, job.error_count) == (3, 4)
    html = page.content.decode()  # type: ignore[attr-defined]
    assert f"/veterans/import/{job.pk}/errors.xlsx" in html
    progress = client.get(f"/veterans/import/{job.pk}/progress/").json()
    assert progress["finished"] and progress["done"] == progress["total"] == 7
    assert progress["status"] == "done" and progress["status_label"]
    report = client.get(f"/veterans/import/{job.pk}/errors.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0].values)
    assert rows[0] == ("行号", "列", "问题") and [r[0] for r in rows[1:]] == [3, 4, 6, 7]
    assert AuditEntry.objects.filter(action="import", object_type="veterans.importjob").exists()


def test_a_job_is_seen_by_colleagues_and_above_but_not_below_or_outside(
    alice: User, bob: User, county_staff: User, village_staff: User, charlie: User,
    tmp_path: Path, settings: object, django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    client = Client()
    client.force_login(alice)
    upload_page(client, xlsx([good_row(0)], tmp_path), "all", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    for colleague in (bob, county_staff):
        c = Client()
        c.force_login(colleague)
        assert c.get(f"/veterans/import/{job.pk}/").status_code == 200
    for other in (village_staff, charlie):
        c = Client()
        c.force_login(other)
        for url in ("", "progress/", "errors.xlsx"):
            assert c.get(f"/veterans/import/{job.pk}/{url}").status_code == 404


def test_the_command_imports_with_a_mode_and_a_progress_bar(
    county_staff: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = xlsx(bad_rows(), tmp_path)
    with pytest.raises(CommandError):
        call_command("import_veterans", str(path), "--user", "county")
    assert not Veteran.objects.exists()
    report = tmp_path / "errors.xlsx"
    call_command("import_veterans", str(path), "--mode", "valid", "--user", "county",
                 "--errors", str(report))
    assert Veteran.objects.count() == 3 and report.exists()
    assert "row" in capsys.readouterr().err  # tqdm's bar and the row errors go to stderr
