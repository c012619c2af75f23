import pytest
from django.test import Client
from django.urls import reverse

from centres.models import User

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_login_page_speaks_chinese_by_default(world: None) -> None:
    body = Client().get("/accounts/login/").content.decode()
    assert "登录" in body and "用户名" in body


def test_english_can_be_chosen(world: None) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert "Log in" in body and "登录" not in body.split("<main")[1]


def test_logging_in_with_a_password_lands_on_the_home_route(alice: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-for-tests"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_with_a_message(alice: User) -> None:
    response = Client().post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_logout_is_a_post(alice: User) -> None:
    client = logged_in(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302


def test_the_directory_starts_at_the_users_jurisdiction(county_staff: User) -> None:
    body = logged_in(county_staff).get("/centres/").content.decode()
    assert "枫桥镇" in body and "店口镇" in body
    assert "柯桥区" not in body


def test_the_nationwide_directory_lists_provinces_with_counts(ministry: User) -> None:
    response = logged_in(ministry).get("/centres/")
    rows = {row.region.code: row for row in response.context["children"]}
    assert rows["330000000000"].centres_by_level == {
        "province": 1, "city": 1, "county": 2, "township": 3, "village": 4,
    }
    assert rows["430000000000"].centres_total == 5


def test_the_directory_searches_by_name_and_code(ministry: User) -> None:
    client = logged_in(ministry)
    by_name = client.get("/centres/", {"q": "枫源"}).context["results"]
    assert [c.region_id for c, _path in by_name] == ["330681107201"]
    by_code = client.get("/centres/", {"q": "330681107"}).context["results"]
    assert {c.region_id for c, _path in by_code} == {"330681107000", "330681107201", "330681107202"}


def test_search_never_finds_centres_outside_the_jurisdiction(charlie: User) -> None:
    assert list(logged_in(charlie).get("/centres/", {"q": "枫"}).context["results"]) == []


def test_a_centre_page_shows_the_centre_and_its_children(county_staff: User) -> None:
    body = logged_in(county_staff).get("/centres/330681/").content.decode()
    assert "诸暨市退役军人服务中心" in body
    assert "枫桥镇" in body


def test_the_directory_runs_a_fixed_number_of_queries(
    ministry: User, django_assert_max_num_queries: object
) -> None:
    client = logged_in(ministry)
    client.get("/centres/")  # warm the session
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        client.get("/centres/")
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        client.get("/centres/", {"region": "330681"})


def test_home_sends_each_role_where_it_works(alice: User, city_official: User) -> None:
    assert logged_in(alice).get("/")["Location"].startswith("/")
    assert logged_in(city_official).get("/").status_code == 302


def test_an_english_browser_still_gets_chinese_pages_until_the_user_switches(world: None) -> None:
    body = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/").content.decode()
    assert "用户名" in body


def test_api_clients_may_ask_for_english_messages(alice: User) -> None:
    client = logged_in(alice)
    response = client.get("/api/v1/regions/", {"parent": "12ab"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "not a region code" in response.content.decode()
    response = client.get("/api/v1/regions/", {"parent": "12ab"})
    assert "不是有效的区划代码" in response.content.decode()
