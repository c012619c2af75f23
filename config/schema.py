"""The OpenAPI schema: drf-spectacular's, made to tell a client generator the truth.

- Every answer an operation can give is documented with its shape (config/errors.py):
  400 field by field; 401, 403, 404, 409, 415, 422, 429 as `Error`. An operation that
  declares an error answer itself (`@extend_schema`) keeps its own.
- A required text field is trimmed before it is checked, so it must hold a character
  other than white space: `minLength` alone would promise that `" "` is accepted.
- A date given as a query parameter lies in 2000 … 2100 (`centres.dates`).
- CSV is a second format of some statistics, asked for with `?format=csv`: it is
  described in the operation, not listed as a second 200 body a client must handle.
- The schema is generated in English whatever the caller's language (`SchemaView`
  in config/urls.py), so that the names a client generator derives (enums, operation
  ids) never change; the descriptions are English too.
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from centres.dates import DATE_PATTERN

ERROR = {
    "type": "object",
    "description": "The request as a whole was refused.",
    "properties": {
        "detail": {"type": "string", "description": "What was wrong, in the caller's language."},
        "code": {"type": "string", "description": "A stable English code, e.g. `not_found`, "
                 "`permission_denied`, `refused`, `not_authenticated`, `throttled`."},
    },
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each field or query parameter that was refused, with its messages "
    "(`non_field_errors` for the body as a whole; `detail` and `code` when the body "
    "could not be read).",
    "additionalProperties": {},
}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "maxLength": 100}, OpenApiParameter.HEADER,
    required=False,
    description="Any unique string per record (at most 100 characters), made by the client. "
    "The same key again with the same body answers the first record with 200 and creates "
    "nothing; with a different body 422; 404 once the first record is outside your "
    "jurisdiction.",
)

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FORMATS = (CSV_MEDIA_TYPE, "csv", XLSX_MEDIA_TYPE, "xlsx")

# Required text: a character other than white space, and no NUL (refused everywhere).
TEXT_PATTERN = r"^[^\u0000]*\S[^\u0000]*$"

# Status: (description, True for the field-by-field shape).
_ANSWERS: dict[str, tuple[str, bool]] = {
    "400": ("Invalid input, field by field (or a body that is not JSON).", True),
    "401": ("No or invalid credentials.", False),
    "403": ("Not allowed for this user (e.g. an official, who reads only, writing).", False),
    "404": ("No such record in the caller's jurisdiction (or no such page).", False),
    "409": ("The record's state does not allow this step now.", False),
    "415": ("The body is not JSON.", False),
    "422": ("The Idempotency-Key was used before with a different body.", False),
    "429": ("Too many requests; retry after the `Retry-After` header's seconds.", False),
}


class AutoSchema(openapi.AutoSchema):
    def _error_ref(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for documented in responses.values():
            for media_type in (CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE):
                documented.get("content", {}).pop(media_type, None)
        for code in self._error_codes():
            description, by_field = _ANSWERS[code]
            schema = (
                self._error_ref("FieldErrors", FIELD_ERRORS) if by_field
                else self._error_ref("Error", ERROR)
            )
            answer: dict[str, Any] = {
                "description": description, "content": {"application/json": {"schema": schema}},
            }
            if code == "429":
                answer["headers"] = {"Retry-After": {
                    "schema": {"type": "integer"}, "description": "Seconds to wait."
                }}
            responses.setdefault(code, answer)
        return responses

    def _error_codes(self) -> list[str]:
        writes = self.method in {"POST", "PUT", "PATCH"}
        parameters = self._get_parameters()
        has_query = any(parameter["in"] == "query" for parameter in parameters)
        public = any(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )
        codes = []
        if writes or has_query:
            codes.append("400")
        if not public:
            codes += ["401", "403"]
        # A record named in the path or the query may be missing or outside the
        # jurisdiction; a page number may be past the end.
        if "{" in self.path or has_query:
            codes.append("404")
        if writes:
            codes += ["409", "415"]
        if any(parameter["name"] == IDEMPOTENCY_KEY.name for parameter in parameters):
            codes.append("422")
        if not public:
            codes.append("429")
        return codes

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.base_filters if filterset is not None else {}
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if parameter["in"] != "query":
                continue
            if isinstance(filters.get(parameter["name"]), django_filters.BooleanFilter):
                # A filter with a method of its own is not typed by drf-spectacular.
                schema.clear()
                schema["type"] = "boolean"
            elif schema.get("format") == "date":
                schema.setdefault("pattern", DATE_PATTERN)
            elif schema.get("type") == "string" and not {"enum", "pattern", "format"} & set(
                schema
            ):
                # Filters refuse an empty value (config/filters.py) and trim white space.
                schema.update(minLength=1, pattern=TEXT_PATTERN)
        return parameters

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> dict[str, Any]:
        meta: dict[str, Any] = super()._get_serializer_field_meta(field, direction)
        if (
            direction == "request" and meta.get("minLength") == 1
            and getattr(field, "trim_whitespace", False)
            and type(field) is serializers.CharField
        ):
            meta["pattern"] = TEXT_PATTERN
        return meta

    def map_renderers(self, attribute: str) -> list[Any]:
        renderers: list[Any] = super().map_renderers(attribute)
        return [r for r in renderers if r not in FILE_FORMATS]

    def get_description(self) -> str:  # type: ignore[override]
        description: str = super().get_description() or ""
        if any(r.media_type == CSV_MEDIA_TYPE for r in self.view.get_renderers()):
            description += (
                "\n\nAlso as CSV (`text/csv`, UTF-8 with a BOM): add `format=csv` to the query, "
                "or send `Accept: text/csv`. Errors answer JSON whatever the format."
            )
        if any(r.media_type == XLSX_MEDIA_TYPE for r in self.view.get_renderers()):
            description += "\n\nAlso as an Excel workbook: add `format=xlsx` to the query."
        return description.strip()


def add_links(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """OpenAPI links from where a record's id appears to the operations on that record.

    A created record (201) and the first row of a page (200) give the path parameter of
    every operation under `/collection/{param}/`: the case opened is the case mediated.
    A client reads them as documentation; schemathesis' stateful phase follows them, so
    that it calls the workflow actions with ids that exist.
    """
    paths: dict[str, Any] = result.get("paths", {})
    for collection, item in paths.items():
        targets = [
            (path, method, operation["operationId"])
            for path, target in paths.items()
            if path.startswith(collection) and path[len(collection):].startswith("{")
            for method, operation in target.items()
            if method in {"get", "post"}
        ]
        for method, operation in item.items():
            status, pointer = {"post": ("201", ""), "get": ("200", "/results/0")}.get(
                method, ("", "")
            )
            answer = operation.get("responses", {}).get(status)
            if not targets or answer is None or "{" in collection:
                continue
            links = answer.setdefault("links", {})
            for path, target_method, operation_id in targets:
                parameter = path[len(collection) + 1:].split("}", 1)[0]
                field = "code" if parameter == "code" else "id"
                links[operation_id] = {
                    "operationId": operation_id,
                    "parameters": {parameter: f"$response.body#{pointer}/{field}"},
                    "description": f"The {parameter} of the record, for {target_method.upper()} "
                    f"{path}.",
                }
    return result
