"""The two new category flags through the API, the import template and the export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from centres.models import User
from tests.conftest import api_as
from tests.factories.veterans import flagged, id_number, veteran_make
from veterans.models import Veteran


@pytest.mark.django_db
def test_the_api_registers_a_decorated_combat_veteran_as_a_priority_one(alice: User) -> None:
    response = api_as(alice).post("/api/v1/veterans/", {
        "name": "王立功", "id_number": id_number(), "region": "330681107201",
        "is_decorated": True, "took_part_in_combat": True,
    }, format="json")
    assert response.status_code == 201
    assert response.json()["is_decorated"] is True
    assert response.json()["took_part_in_combat"] is True
    assert list(Veteran.objects.priority().values_list("name", flat=True)) == ["王立功"]


@pytest.mark.django_db
def test_a_veteran_with_none_of_the_five_flags_is_not_a_priority_one(alice: User) -> None:
    veteran_make(name="普通", is_volunteer=True, is_party_secretary=True)
    for flag in ("is_disabled", "is_martyr_family", "needs_assistance", "is_decorated",
                 "took_part_in_combat"):
        veteran_make(name=flag, **flagged(flag))
    assert sorted(Veteran.objects.priority().values_list("name", flat=True)) == sorted([
        "is_disabled", "is_martyr_family", "needs_assistance", "is_decorated",
        "took_part_in_combat"])


@pytest.mark.django_db
def test_the_import_template_and_the_export_carry_the_two_flags(alice: User) -> None:
    veteran_make(name="参战老兵", took_part_in_combat=True)
    client = Client()
    client.force_login(alice)
    template = openpyxl.load_workbook(io.BytesIO(
        client.get("/veterans/import/template.xlsx").content), read_only=True)
    headers = next(template.worksheets[0].iter_rows(values_only=True))
    assert "立功受奖" in headers and "参战参试" in headers
    exported = openpyxl.load_workbook(io.BytesIO(b"".join(
        client.get("/veterans/export.xlsx").streaming_content)),  # type: ignore[attr-defined]
        read_only=True)
    rows = list(exported.worksheets[0].iter_rows(values_only=True))
    column = rows[0].index("参战参试")
    assert [row[column] for row in rows[1:]] == ["是"]
