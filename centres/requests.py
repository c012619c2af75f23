"""Requests whose user is a signed-in portal `User`, for the type checker.

Pages behind `login_required` and API views behind `IsAuthenticated` (the default
permission) never see an anonymous user, so they annotate their request with these
and hand `request.user` to services and selectors typed `User`. Nothing changes at
run time: Django and DRF build the same request objects.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from centres.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
