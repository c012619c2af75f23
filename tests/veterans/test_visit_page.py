"""The front-desk page: find or register, log, next; idempotent; constant queries."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centres.models import User
from tests.factories.veterans import id_number, veteran_make, visit_make
from veterans.models import Veteran, Visit
from veterans.signals import case_requested

pytestmark = pytest.mark.django_db
URL = "/visits/new/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh_key(client: Client) -> str:
    page = client.get(URL)
    return str(page.context["form"].initial["idempotency_key"])


def post(client: Client, **fields: Any) -> Any:
    body = {"channel": "in_person", "purpose": "policy", "summary": "咨询优待证",
            "outcome": "answered", "idempotency_key": fresh_key(client)} | fields
    return client.post(URL, body)


def test_the_visit_page_has_the_fixed_url_and_route_name() -> None:
    assert reverse("visits:new") == URL


def test_staff_find_a_veteran_by_name_without_javascript(alice: User, veteran: Veteran) -> None:
    page = client_for(alice).get(URL, {"q": "陈建"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="veteran" value="{veteran.pk}"' in html
    assert veteran.id_number_masked in html and veteran.id_number not in html


@pytest.mark.parametrize("query", ["full", "phone"])
def test_the_search_finds_by_id_number_or_phone(alice: User, query: str) -> None:
    v = veteran_make("330681107201", name="赵强", phone="13712345678")
    q = {"full": v.id_number, "phone": "1371234"}[query]
    answer = client_for(alice).get("/visits/search/", {"q": q}).json()
    assert [r["id"] for r in answer["results"]] == [v.pk]
    assert answer["results"][0]["id_number"] == v.id_number_masked
    assert v.id_number not in str(answer)


@pytest.mark.parametrize("part", ["first10", "first14", "last4", "last6"])
def test_the_search_never_finds_by_part_of_an_id_number(alice: User, part: str) -> None:
    """A search by the first or last digits would tell, digit by digit, what the mask hides."""
    v = veteran_make("330681107201", name="赵强", phone="13712345678")
    q = {"first10": v.id_number[:10], "first14": v.id_number[:14],
         "last4": v.id_number[-4:], "last6": v.id_number[-6:]}[part]
    assert client_for(alice).get("/visits/search/", {"q": q}).json()["results"] == []
    assert list(client_for(alice).get("/veterans/", {"search": q}).context["page"]) == []


def test_the_search_never_finds_charlies_veterans_for_alice(
    alice: User, far_veteran: Veteran
) -> None:
    answer = client_for(alice).get("/visits/search/", {"q": far_veteran.name}).json()
    assert answer["results"] == []


def test_logging_a_visit_redirects_to_a_fresh_form_and_lists_it_today(
    alice: User, bob: User, veteran: Veteran
) -> None:
    client = client_for(alice)
    answer = post(client, veteran=str(veteran.pk))
    assert answer.status_code == 302 and answer["Location"] == URL
    visit = Visit.objects.get()
    assert (visit.centre.region_id, visit.region_id) == ("330681107000", "330681107000")
    assert visit.recorded_by == alice
    page = client_for(bob).get(URL)  # Bob at the same station sees it too
    assert [v.pk for v in page.context["today"]] == [visit.pk]
    assert page.context["form"].initial["idempotency_key"] != visit.idempotency_key


def test_a_double_click_posts_the_same_key_and_logs_one_visit(
    alice: User, veteran: Veteran
) -> None:
    client = client_for(alice)
    key = fresh_key(client)
    body = {"veteran": str(veteran.pk), "channel": "phone", "purpose": "card",
            "outcome": "answered", "idempotency_key": key}
    assert client.post(URL, body).status_code == 302
    assert client.post(URL, body).status_code == 302
    assert Visit.objects.count() == 1


def test_registering_a_new_veteran_inline_logs_the_visit(alice: User) -> None:
    number = id_number(born=datetime.date(1968, 8, 1), male=False)
    answer = post(client_for(alice), veteran="new", **{
        "new-name": "周红梅", "new-id_number": number, "new-phone": "13600000000",
        "new-region": "330681107202",
    })
    assert answer.status_code == 302
    v = Veteran.objects.get(id_number=number)
    assert (v.sex, v.birth_date) == ("F", datetime.date(1968, 8, 1))
    assert Visit.objects.get().veteran == v


def test_a_retried_inline_registration_logs_one_visit_and_one_veteran(alice: User) -> None:
    client = client_for(alice)
    body = {"veteran": "new", "channel": "phone", "purpose": "card", "outcome": "answered",
            "idempotency_key": fresh_key(client), "new-name": "周红梅",
            "new-id_number": id_number(male=False), "new-region": "330681107202"}
    client.post(URL, body)
    again = client.post(URL, body)
    assert again.status_code == 302
    assert (Veteran.objects.count(), Visit.objects.count()) == (1, 1)


def test_an_inline_registration_with_a_known_number_offers_that_veteran_in_place(
    alice: User, veteran: Veteran
) -> None:
    client = client_for(alice)
    typed = {"new-name": "别人", "new-id_number": veteran.id_number,
             "new-region": "330681107202", "summary": "咨询优待证"}
    page = post(client, veteran="new", **typed)
    assert page.status_code == 200
    assert f'name="use_veteran" value="{veteran.pk}"' in page.content.decode()
    assert not Visit.objects.exists()
    # "Use this veteran": the visit stays as typed, with the veteran chosen; nothing saved yet.
    chosen = post(client, veteran="new", use_veteran=str(veteran.pk), **typed)
    assert chosen.context["chosen"] == str(veteran.pk)
    assert chosen.context["form"]["summary"].value() == "咨询优待证"
    assert not Visit.objects.exists()


def test_an_inline_registration_with_a_bad_check_digit_says_so(alice: User) -> None:
    number = id_number()
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    page = post(client_for(alice), veteran="new", **{
        "new-name": "钱多", "new-id_number": bad, "new-region": "330681107202",
    })
    assert page.status_code == 200
    assert page.context["new_form"].errors["id_number"]
    assert not Veteran.objects.exists()


def test_charlie_cannot_log_a_visit_for_alices_veteran(
    charlie: User, veteran: Veteran
) -> None:
    page = post(client_for(charlie), veteran=str(veteran.pk))
    assert page.status_code == 200 and page.context["form"].errors["veteran"]
    assert not Visit.objects.exists()


def test_officials_do_not_log_visits(city_official: User) -> None:
    assert client_for(city_official).get(URL).status_code == 403


def test_the_case_checkbox_shows_only_when_the_cases_room_listens(
    alice: User, veteran: Veteran
) -> None:
    client = client_for(alice)
    with mock.patch.object(case_requested, "has_listeners", return_value=False):
        assert "open_case" not in client.get(URL).content.decode()
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    case_requested.connect(receiver, dispatch_uid="page-test")
    try:
        assert 'name="open_case"' in client.get(URL).content.decode()
        post(client, veteran=str(veteran.pk), open_case="on", case_category="land_housing",
             summary="宅基地纠纷")
    finally:
        case_requested.disconnect(dispatch_uid="page-test")
    assert Visit.objects.get().outcome == "case_opened"
    assert calls[0]["category"] == "land_housing" and calls[0]["summary"] == "宅基地纠纷"


def test_the_visit_page_query_count_does_not_grow_with_rows(
    alice: User, bob: User, veteran: Veteran
) -> None:
    client = client_for(alice)
    visit_make(veteran, alice)
    client.get(URL, {"q": "陈"})
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"q": "陈"})
    for n in range(15):
        other = veteran_make("330681107202", name=f"陈{n}", born=datetime.date(1960, 1, 1 + n))
        visit_make(other, alice if n % 2 else bob)
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL, {"q": "陈"})
    assert len(page.context["today"]) == 16 and len(page.context["candidates"]) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_opening_a_case_needs_a_summary(alice: User, veteran: Veteran) -> None:
    page = post(client_for(alice), veteran=str(veteran.pk), open_case="on",
                case_category="family", summary="")
    assert page.status_code == 200 and page.context["form"].errors["summary"]
    assert not Visit.objects.exists()


def test_a_refusal_from_the_cases_room_is_shown_on_the_form(
    alice: User, veteran: Veteran
) -> None:
    def refuse(sender: Any, **kwargs: Any) -> None:
        from django.core.exceptions import ValidationError

        raise ValidationError("案件模块拒绝")

    case_requested.connect(refuse, dispatch_uid="refuse")
    try:
        page = post(client_for(alice), veteran=str(veteran.pk), open_case="on",
                    case_category="family", summary="邻里纠纷")
    finally:
        case_requested.disconnect(dispatch_uid="refuse")
    assert page.status_code == 200
    assert page.context["form"].errors["case_category"] == ["案件模块拒绝"]
    assert not Visit.objects.exists()
