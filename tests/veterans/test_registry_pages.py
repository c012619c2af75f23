"""The registry pages: list with filters, detail, reveal, edit, duplicates, export."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from centres.models import User
from tests.factories.veterans import id_number, veteran_make, visit_make
from veterans.models import AuditEntry, Veteran

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_masked_numbers_only(alice: User, veteran: Veteran) -> None:
    html = client_for(alice).get("/veterans/").content.decode()
    assert veteran.name in html and veteran.id_number_masked in html
    assert veteran.id_number not in html


def test_the_list_filters_by_area_flags_and_search(county_staff: User) -> None:
    a = veteran_make("330681107201", name="甲", needs_assistance=True)
    b = veteran_make("330681108201", name="乙", is_party_secretary=True,
                     born=datetime.date(1960, 2, 2))
    client = client_for(county_staff)

    def names(**params: str) -> set[str]:
        return {v.name for v in client.get("/veterans/", params).context["page"]}

    assert names() == {"甲", "乙"}
    assert names(region="330681107") == {"甲"}
    assert names(region="330681108201") == {"乙"}
    assert names(needs_assistance="on") == {"甲"}
    assert names(party_secretary="on") == {"乙"}
    assert names(search="乙") == {"乙"}
    assert names(search=a.id_number) == {"甲"}
    assert b.pk


def test_charlie_sees_none_of_alices_veterans(charlie: User, veteran: Veteran) -> None:
    client = client_for(charlie)
    assert list(client.get("/veterans/").context["page"]) == []
    assert client.get(f"/veterans/{veteran.pk}/").status_code == 404
    assert client.get(f"/veterans/{veteran.pk}/edit/").status_code == 404
    assert client.post(f"/veterans/{veteran.pk}/").status_code == 404


def test_the_list_query_count_does_not_grow_with_rows(county_staff: User) -> None:
    client = client_for(county_staff)
    veteran_make("330681107201", name="一")
    with CaptureQueriesContext(connection) as few:
        client.get("/veterans/")
    for n in range(20):
        veteran_make("330681107202", name=f"人{n}", born=datetime.date(1961, 1, 1 + n))
    with CaptureQueriesContext(connection) as many:
        page = client.get("/veterans/")
    assert len(page.context["page"]) == 21
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_detail_page_masks_until_the_number_is_revealed_and_audits_it(
    alice: User, bob: User, veteran: Veteran
) -> None:
    visit_make(veteran, bob, summary="咨询")
    client = client_for(alice)
    page = client.get(f"/veterans/{veteran.pk}/").content.decode()
    assert veteran.id_number not in page and veteran.id_number_masked in page and "咨询" in page
    assert not AuditEntry.objects.filter(action="view_id_number").exists()
    revealed = client.post(f"/veterans/{veteran.pk}/").content.decode()
    assert veteran.id_number in revealed
    entry = AuditEntry.objects.get(action="view_id_number")
    assert (entry.actor, entry.object_id) == (alice, str(veteran.pk))


def test_officials_read_the_audit_trail_and_staff_do_not(
    alice: User, city_official: User, veteran: Veteran
) -> None:
    client_for(alice).post(f"/veterans/{veteran.pk}/")
    official_page = client_for(city_official).get(f"/veterans/{veteran.pk}/")
    assert [e.action for e in official_page.context["trail"]] == ["view_id_number"]
    assert 'id="audit"' in official_page.content.decode()
    assert 'id="audit"' not in client_for(alice).get(f"/veterans/{veteran.pk}/").content.decode()


def test_nationwide_staff_see_no_reveal_button(veteran: Veteran) -> None:
    from tests.conftest import _user

    client = client_for(_user("national", None))
    assert client.get(f"/veterans/{veteran.pk}/").context["may_reveal"] is False
    assert client.post(f"/veterans/{veteran.pk}/").status_code == 403


def test_registering_the_same_number_twice_links_the_existing_one(
    alice: User, veteran: Veteran
) -> None:
    page = client_for(alice).post("/veterans/new/", {
        "name": "别人", "id_number": veteran.id_number, "region": "330681107201",
    })
    assert page.status_code == 200
    assert f"/veterans/{veteran.pk}/" in page.content.decode()
    assert Veteran.objects.count() == 1


def test_the_same_name_and_birth_date_asks_staff_to_confirm(
    alice: User, veteran: Veteran
) -> None:
    other = id_number(born=veteran.birth_date)
    body = {"name": veteran.name, "id_number": other, "region": "330681107202"}
    client = client_for(alice)
    page = client.post("/veterans/new/", body)
    assert page.status_code == 200 and page.context["form"].possible_duplicates == [veteran]
    assert Veteran.objects.count() == 1
    confirmed = client.post("/veterans/new/", body | {"confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Veteran.objects.count() == 2


def test_editing_a_veteran_is_audited(alice: User, veteran: Veteran) -> None:
    client = client_for(alice)
    form = client.get(f"/veterans/{veteran.pk}/edit/").context["form"]
    body = {k: v for k, v in form.initial.items() if v is not None and k != "id_number"}
    body |= {"phone": "13522223333", "needs_assistance": "on", "region": veteran.region_id,
             "birth_date": veteran.birth_date.isoformat()}
    body = {k: v for k, v in body.items() if v is not False}
    answer = client.post(f"/veterans/{veteran.pk}/edit/", body)
    assert answer.status_code == 302, answer.context["form"].errors
    veteran.refresh_from_db()
    assert veteran.phone == "13522223333" and veteran.needs_assistance
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes["phone"] == ["", "13522223333"]
    assert entry.changes["needs_assistance"] == [False, True]


def test_officials_cannot_open_the_edit_page(city_official: User, veteran: Veteran) -> None:
    assert client_for(city_official).get(f"/veterans/{veteran.pk}/edit/").status_code == 403


def rows_of(response: object) -> list[tuple[object, ...]]:
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_the_registry_export_is_masked_filtered_and_audited(
    county_staff: User, veteran: Veteran, far_veteran: Veteran
) -> None:
    veteran_make("330681108201", name="店口人", born=datetime.date(1959, 9, 9))
    rows = rows_of(client_for(county_staff).get("/veterans/export.xlsx", {"region": "330681107"}))
    assert rows[0][:3] == ("姓名", "公民身份号码", "户籍所在地")
    assert [r[0] for r in rows[1:]] == ["陈建国"]
    assert rows[1][1] == veteran.id_number_masked
    flat = str(rows)
    assert veteran.id_number not in flat and far_veteran.name not in flat
    assert AuditEntry.objects.filter(action="export", object_type="veterans.veteran").exists()


def test_the_visit_export_is_masked_and_scoped(
    alice: User, charlie: User, veteran: Veteran, far_veteran: Veteran
) -> None:
    visit_make(veteran, alice, summary="甲事")
    visit_make(far_veteran, charlie, summary="乙事")
    rows = rows_of(client_for(alice).get("/visits/export.xlsx"))
    assert len(rows) == 2 and rows[1][4] == veteran.id_number_masked
    assert "乙事" not in str(rows) and veteran.id_number not in str(rows)
