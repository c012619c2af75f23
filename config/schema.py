"""The OpenAPI schema class: drf-spectacular's, with the error answers documented.

docs/design.md §4: wrong input gets 400 with a field-by-field message, a record outside
the jurisdiction 404, no credentials 401, a forbidden action 403. drf-spectacular
documents only the success answer; a client (and schemathesis) must see the others.
An operation that declares an error answer itself (`@extend_schema`) keeps its own.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework.permissions import AllowAny

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Each field that was refused, with its messages; `non_field_errors` or "
    "`detail` for the request as a whole.",
    "additionalProperties": {},
}


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, answer in self._error_answers().items():
            responses.setdefault(code, answer)
        return responses

    def _error_answers(self) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        writes = self.method in {"POST", "PUT", "PATCH"}
        has_query = any(parameter["in"] == "query" for parameter in self._get_parameters())
        if writes or has_query:
            answers["400"] = _answer("Invalid input, field by field.", _FIELD_ERRORS)
        public = any(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )
        if not public:
            answers["401"] = _answer("No or invalid credentials.", _DETAIL)
            answers["403"] = _answer("Not allowed for this user.", _DETAIL)
        # A record named in the path or the query may be missing or outside the
        # jurisdiction; a page number may be past the end; a `format` may be unknown.
        if "{" in self.path or has_query:
            answers["404"] = _answer(
                "No such record in the caller's jurisdiction (or no such page).", _DETAIL
            )
        return answers
