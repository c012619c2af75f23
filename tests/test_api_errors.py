"""One error model for the whole API (issue 16, defects 5–8 and 10; issue 15, finding 7).

Every refusal answers JSON in one of two shapes: `{"detail", "code"}` for the request
as a whole, or field by field for 400. Texts follow the caller's language (zh-hans by
default, English with `Accept-Language: en`).
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from centres.errors import DomainError, Forbidden, NotFound, Refused
from centres.models import User
from config.errors import domain_status
from tests.conftest import api_as
from tests.factories.cases import case_make
from tests.factories.veterans import id_number, veteran_make

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _client(user: User) -> APIClient:
    client = api_as(user)
    client.raise_request_exception = False
    return client


def test_every_domain_refusal_maps_to_one_status() -> None:
    assert domain_status(Refused("x")) == 409
    assert domain_status(Forbidden("x")) == 403
    assert domain_status(NotFound("x")) == 404
    assert domain_status(DomainError("x")) == 409


def test_an_official_acting_on_a_case_is_forbidden_not_refused(
    alice: User, city_official: User
) -> None:
    case = case_make(code="330681107", by=alice)
    response = _client(city_official).post(
        f"/api/v1/cases/{case.pk}/mediate/", {"note": "领导调解"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "工作人员" in response.json()["detail"]


def test_a_refused_transition_answers_409_with_the_error_shape(alice: User) -> None:
    case = case_make(code="330681107", by=alice)  # accepted, never mediated
    response = _client(alice).post(
        f"/api/v1/cases/{case.pk}/escalate/", {"reason": "不服"}, format="json", **EN
    )
    assert response.status_code == 409
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "refused"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/veterans/999999/",
        "/api/v1/cases/999999/",
        "/api/v1/cases/99999999999999999999999/",
        "/api/v1/cases/abc/",
        "/api/v1/regions/999999/",
        "/api/v1/regions/xyz/",
        "/api/v1/no-such-thing/",
        "/api/v2/",
    ],
)
def test_missing_outside_unknown_and_malformed_paths_answer_one_translated_json_404(
    alice: User, url: str
) -> None:
    client = _client(alice)
    chinese, english = client.get(url, **ZH), client.get(url, **EN)
    assert (chinese.status_code, english.status_code) == (404, 404)
    assert chinese["Content-Type"] == english["Content-Type"] == "application/json"
    assert chinese.json() == {"detail": "未找到。", "code": "not_found"}
    assert english.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_record_outside_the_jurisdiction_answers_exactly_as_a_missing_one(
    alice: User, charlie: User
) -> None:
    veteran = veteran_make("330681107201")
    outside = _client(charlie).get(f"/api/v1/veterans/{veteran.pk}/")
    missing = _client(charlie).get("/api/v1/veterans/999999/")
    assert (outside.status_code, outside.content) == (missing.status_code, missing.content)


def test_a_forbidden_write_is_translated(city_official: User) -> None:
    client = _client(city_official)
    chinese = client.post("/api/v1/veterans/", {}, format="json", **ZH)
    english = client.post("/api/v1/veterans/", {}, format="json", **EN)
    assert (chinese.status_code, english.status_code) == (403, 403)
    assert chinese.json()["detail"] != english.json()["detail"]
    assert english.json()["detail"] == "Only staff may change the registry and the visit log."


def test_a_body_that_is_not_json_is_refused_in_the_callers_language(alice: User) -> None:
    client = _client(alice)
    chinese = client.generic("POST", "/api/v1/visits/", "{bad", "application/json", **ZH)
    english = client.generic("POST", "/api/v1/visits/", "{bad", "application/json", **EN)
    assert (chinese.status_code, english.status_code) == (400, 400)
    assert chinese.json()["detail"].startswith("请求体不是有效的 JSON")
    assert english.json()["detail"].startswith("The body is not valid JSON")


def test_a_deeply_nested_body_is_refused_not_a_server_error(alice: User) -> None:
    body = "[" * 100_000 + "]" * 100_000  # 200 KB
    response = _client(alice).generic("POST", "/api/v1/visits/", body, "application/json", **EN)
    assert response.status_code == 400
    assert response.json()["detail"] == "The body is nested too deeply."


def test_a_form_body_is_unsupported_json_is_the_one_body_type(alice: User) -> None:
    response = _client(alice).post("/api/v1/visits/", {"veteran": 1})  # multipart
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_an_over_long_idempotency_key_is_refused_in_chinese(alice: User) -> None:
    response = _client(alice).post(
        "/api/v1/visits/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101, **ZH
    )
    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": ["最多 100 个字符。"]}


def test_a_nul_in_a_search_is_refused_with_a_correct_chinese_message(alice: User) -> None:
    response = _client(alice).get("/api/v1/veterans/?search=a%00b", **ZH)
    assert response.status_code == 400
    assert response.json() == {"search": ["不允许包含空字符（NUL）。"]}


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/regions/?page_size=true", "page_size"),
        ("/api/v1/regions/?page_size=0", "page_size"),
        ("/api/v1/regions/?page_size=501", "page_size"),
        ("/api/v1/regions/?page=x", "page"),
        ("/api/v1/regions/?parent=", "parent"),
        ("/api/v1/regions/?level=", "level"),
        ("/api/v1/cases/?until=", "until"),
        ("/api/v1/cases/?overdue=perhaps", "overdue"),
        ("/api/v1/visits/?since=yesterday", "since"),
        ("/api/v1/stats/targets/?year=0.5", "year"),
        ("/api/v1/centres/?region=12", "region"),
        ("/api/v1/veterans/?disabled=-1", "disabled"),
        ("/api/v1/assessments/?year=1e-05", "year"),
        ("/api/v1/stats/cases/?region=330681&since=", "since"),
    ],
)
def test_a_malformed_filter_is_refused_naming_the_parameter(
    ministry: User, url: str, parameter: str
) -> None:
    response = _client(ministry).get(url)
    assert response.status_code == 400, response.content
    assert parameter in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/visits/?until=9999-12-31",
        "/api/v1/visits/?since=0001-01-01",
        "/api/v1/cases/?until=9999-12-31",
        "/api/v1/cases/?since=1999-12-31",
        "/api/v1/stats/cases/?region=330681&until=9999-12-31",
        "/api/v1/stats/cases/?region=330681&since=1999-12-31",
        "/api/v1/stats/visits/?region=330681&until=2101-01-01",
    ],
)
def test_a_date_outside_2000_to_2100_is_refused_never_a_server_error(
    ministry: User, url: str
) -> None:
    response = _client(ministry).get(url, **EN)
    assert response.status_code == 400
    [messages] = [v for k, v in response.json().items() if k in ("since", "until")]
    assert messages == ["Give a date from 2000-01-01 to 2100-12-31."]


@pytest.mark.parametrize("day", ["2000-01-01", "2100-12-31"])
def test_the_bounds_themselves_are_accepted(ministry: User, day: str) -> None:
    client = _client(ministry)
    for url in [
        f"/api/v1/visits/?until={day}", f"/api/v1/cases/?since={day}",
        f"/api/v1/stats/cases/?region=330681&since={day}&until={day}",
    ]:
        assert client.get(url).status_code == 200, url


def test_a_good_page_size_is_honoured(ministry: User) -> None:
    response = _client(ministry).get("/api/v1/regions/?page_size=2")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_a_service_refusal_answers_400_field_by_field(alice: User) -> None:
    """A Django ValidationError from a service becomes the field-by-field shape."""
    veteran_make("330681107201", id_number=id_number(sequence=11))
    body: dict[str, Any] = {
        "name": "陈建国", "id_number": id_number(sequence=11), "region": "330681107201",
        "confirm_duplicate": True,
    }
    response = _client(alice).post("/api/v1/veterans/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]


def test_a_veteran_can_be_registered_at_the_county_itself(county_staff: User) -> None:
    body = {"name": "王卫国", "id_number": id_number(sequence=21), "region": "330681"}
    response = _client(county_staff).post("/api/v1/veterans/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "330681000000"


def test_a_city_is_no_home_and_the_message_says_which_levels_are(ministry: User) -> None:
    staff = User.objects.create(username="nation-staff", role=User.Role.STAFF)
    body = {"name": "王卫国", "id_number": id_number(sequence=22), "region": "330600"}
    response = _client(staff).post("/api/v1/veterans/", body, format="json", **EN)
    assert response.status_code == 400
    assert response.json() == {
        "region": ["Choose a village, a township or the county itself."]
    }
