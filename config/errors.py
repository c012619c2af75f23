"""One error model for the API, and error pages: JSON under /api/, HTML elsewhere.

Every refusal the API gives has one of two shapes:

- `{"detail": "…", "code": "…"}`: the request as a whole was refused: 401 no or bad
  credentials, 403 the user's role may not do this, 404 missing or outside the
  jurisdiction (one text for both), 405, 406, 409 the domain refused the step now,
  415, 422, 429;
- `{"field": ["…", …], …}`: 400, field by field (`non_field_errors` for the request
  as a whole, a query parameter's name for a bad filter).

The domain's refusals (`centres.errors`) map once, here, for the API and the pages;
Django's `ValidationError` from a service becomes the 400 shape. Every text is
translated (zh-hans by default, English with `Accept-Language: en`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from centres.errors import DomainError, Forbidden, NotFound, Refused

API_PREFIX = "/api/"

# Each kind of refusal: its status and its `code`.
_DOMAIN: dict[type[DomainError], tuple[int, str]] = {
    Forbidden: (status.HTTP_403_FORBIDDEN, "permission_denied"),
    NotFound: (status.HTTP_404_NOT_FOUND, "not_found"),
    Refused: (status.HTTP_409_CONFLICT, "refused"),
}


def not_found_text() -> str:
    """The one text for a record that is missing or outside the jurisdiction."""
    return _("Not found.")


def _domain(exc: DomainError) -> tuple[int, str]:
    for kind, answer in _DOMAIN.items():
        if isinstance(exc, kind):
            return answer
    return _DOMAIN[Refused]


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain refusal, for the API and the pages alike."""
    return _domain(exc)[0]


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in errors]
            for field, errors in exc.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in exc.messages]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with the domain's refusals and Django's errors in the two shapes."""
    if isinstance(exc, DomainError):
        code, name = _domain(exc)
        return Response({"detail": exc.message, "code": name}, status=code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_field_errors(exc))
    elif isinstance(exc, Http404):
        # Django's `get_object_or_404` names the model ("No Veteran matches …", in
        # English whatever the language): one translated text for every missing record.
        exc = exceptions.NotFound(not_found_text())
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        data = response.data
        if isinstance(data, dict) and set(data) == {"detail"}:
            data["code"] = getattr(data["detail"], "code", None) or exc.default_code
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": not_found_text(), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": _("A server error occurred."), "code": "error"}, status=500
        )
    return defaults.server_error(request)
