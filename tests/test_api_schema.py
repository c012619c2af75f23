"""The OpenAPI schema tells a client generator the truth (issue 16, defects 1–4, 8, 9).

Checked over every operation the schema has when the suite runs, so endpoints added
later are held to the same rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from centres.models import User
from tests.conftest import api_as

WRITES = {"post", "put", "patch"}


def _schema(user: User, language: str = "zh-hans") -> dict[str, Any]:
    response = api_as(user).get(
        "/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


@pytest.fixture
def schema(ministry: User) -> dict[str, Any]:
    return _schema(ministry)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    component: dict[str, Any] = schema["components"]["schemas"][name]
    return component


def test_the_schema_is_the_same_whatever_the_callers_language(ministry: User) -> None:
    chinese, english = _schema(ministry, "zh-hans"), _schema(ministry, "en")
    assert chinese == english
    names = [*chinese["components"]["schemas"], *(op["operationId"] for *_, op in
                                                   _operations(chinese))]
    assert all(name.isascii() for name in names), [n for n in names if not n.isascii()]


def test_json_is_the_only_request_body_type(schema: dict[str, Any]) -> None:
    bodies = [op["requestBody"] for *_, op in _operations(schema) if "requestBody" in op]
    assert bodies
    assert all(list(body["content"]) == ["application/json"] for body in bodies)


def test_a_request_component_has_no_answer_only_fields(schema: dict[str, Any]) -> None:
    request = _component(schema, "VeteranRequest")["properties"]
    answer = _component(schema, "Veteran")["properties"]
    assert {"id", "created_at", "region_name"} <= set(answer)
    assert not {"id", "created_at", "region_name"} & set(request)
    assert "confirm_duplicate" not in answer


def test_a_case_assignee_is_nullable(schema: dict[str, Any]) -> None:
    assert _component(schema, "Case")["properties"]["assignee"]["nullable"] is True


def test_required_text_must_hold_a_character_and_bounded_text_says_its_bound(
    schema: dict[str, Any],
) -> None:
    reason = _component(schema, "EscalateRequest")["properties"]["reason"]
    assert reason["minLength"] == 1
    assert reason["pattern"] == r"^[^\u0000]*\S[^\u0000]*$"
    name = _component(schema, "VeteranRequest")["properties"]["name"]
    assert name["maxLength"] > 0
    days = _component(schema, "ExtendRequest")["properties"]["days"]
    assert days["minimum"] == 1
    assert days["maximum"] == 30


def test_every_operation_documents_each_error_it_can_answer(schema: dict[str, Any]) -> None:
    for path, method, operation in _operations(schema):
        answers = operation["responses"]
        label = f"{method.upper()} {path}"
        for code in ("401", "403", "429"):
            assert code in answers, label
        if "{" in path or any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "404" in answers, label
        if method in WRITES:
            assert {"400", "409", "415"} <= set(answers), label
        for code, answer in answers.items():
            if code.startswith(("4", "5")):
                [ref] = [c["schema"]["$ref"] for c in answer["content"].values()]
                shape = "FieldErrors" if code == "400" else "Error"
                assert ref == f"#/components/schemas/{shape}", (label, code)
    assert _component(schema, "Error")["required"] == ["detail"]


def test_the_idempotency_key_is_documented_with_its_422(schema: dict[str, Any]) -> None:
    for path in ("/api/v1/visits/", "/api/v1/cases/"):
        operation = schema["paths"][path]["post"]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key"
        assert header["schema"]["maxLength"] == 100
        assert "422" in operation["responses"]


def test_page_size_and_page_are_bounded(schema: dict[str, Any]) -> None:
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/regions/"]["get"][
        "parameters"]}
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 500)
    assert parameters["page"]["minimum"] == 1


def test_every_date_query_parameter_says_its_bounds(schema: dict[str, Any]) -> None:
    dates = [
        p["schema"] for *_, op in _operations(schema) for p in op.get("parameters", [])
        if p["in"] == "query" and p["schema"].get("format") == "date"
    ]
    assert len(dates) >= 4
    assert all(d["pattern"] == "^(20[0-9]{2}|2100)-" for d in dates)


def test_csv_is_described_not_listed_as_a_second_answer(
    schema: dict[str, Any], ministry: User
) -> None:
    csv_operations = [
        (path, op) for path, _, op in _operations(schema) if "format=csv" in op.get(
            "description", "")
    ]
    assert "/api/v1/stats/cases/" in dict(csv_operations)
    for path, operation in csv_operations:
        assert list(operation["responses"]["200"]["content"]) == ["application/json"], path
        assert "format" not in {p["name"] for p in operation.get("parameters", [])}, path
    client: APIClient = api_as(ministry)
    response = client.get("/api/v1/stats/cases/", {"region": "330681", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
